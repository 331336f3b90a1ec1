"""The allowlist sanitiser every section passes."""

from __future__ import annotations

import pytest

from mdm.build.sanitize import sanitize_fragment


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        pytest.param(
            "<p>x<script>alert(1)</script></p>", "<p>x</p>", id="script-dropped-with-content"
        ),
        pytest.param(
            '<img src="x" onerror="alert(1)" alt="a">', '<img alt="a">', id="handler-and-remote-src"
        ),
        pytest.param(
            '<img src="file:///etc/passwd" alt="a">', '<img alt="a">', id="local-file-image"
        ),
        pytest.param(
            '<a href="javascript:alert(1)">j</a>',
            '<a rel="noopener noreferrer">j</a>',
            id="javascript-link",
        ),
        pytest.param(
            '<a href="data:text/html,x">d</a>', '<a rel="noopener noreferrer">d</a>', id="data-link"
        ),
        pytest.param("<style>body{display:none}</style><p>y</p>", "<p>y</p>", id="style-block"),
        pytest.param(
            "<p>a \u202eevil\u202c b \u2067c\u2069</p>", "<p>a evil b c</p>", id="bidi-controls"
        ),
    ],
)
def test_dangerous_markup_is_removed(dirty: str, clean: str) -> None:
    assert sanitize_fragment(dirty) == clean


def test_embedded_images_and_internal_links_survive() -> None:
    html = (
        '<figure><img src="data:image/png;base64,AAAA" alt="chart"></figure><a href="#sec-x">x</a>'
    )
    assert sanitize_fragment(html) == (
        '<figure><img src="data:image/png;base64,AAAA" alt="chart"></figure>'
        '<a href="#sec-x" rel="noopener noreferrer">x</a>'
    )


def test_right_to_left_text_survives() -> None:
    assert sanitize_fragment("<p><bdi>ليلى حداد</bdi></p>") == "<p><bdi>ليلى حداد</bdi></p>"
