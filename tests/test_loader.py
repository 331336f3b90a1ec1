from __future__ import annotations

from pathlib import Path

import pytest

from mdm.errors import ConfigError
from mdm.params.loader import read_yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("answer: NO", "NO", id="norway-problem"),
        pytest.param("answer: 0123", "0123", id="leading-zero-octal"),
        pytest.param("answer: 1.10", "1.10", id="version-like-float"),
        pytest.param("answer: 2017-11-21", "2017-11-21", id="date"),
        pytest.param("answer: yes", "yes", id="yes"),
    ],
)
def test_yaml_11_traps_stay_strings(tmp_path: Path, source: str, expected: str) -> None:
    assert read_yaml(write(tmp_path, source)).data == {"answer": expected}


def test_null_stays_null(tmp_path: Path) -> None:
    assert read_yaml(write(tmp_path, "a: ~\nb: null\nc:\n")).data == {
        "a": None,
        "b": None,
        "c": None,
    }


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"x\.yaml:3: title: duplicate key \(first defined on line 1\)"
    ):
        read_yaml(write(tmp_path, "title: a\nnumber: 1\ntitle: b\n"))


def test_duplicate_key_in_nested_mapping(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"x\.yaml:4: id: duplicate key \(first defined on line 3\)"
    ):
        read_yaml(write(tmp_path, "items:\n  - name: a\n    id: 1\n    id: 2\n"))


def test_malformed_yaml_reports_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"x\.yaml:3:2: invalid YAML: expected .,. or .\]., but got .:."
    ):
        read_yaml(write(tmp_path, "a: 1\nb: [unclosed\nc: 3\n"))


def test_lines_are_recorded_per_path(tmp_path: Path) -> None:
    doc = read_yaml(write(tmp_path, "top: 1\nitems:\n  - a: 1\n    b: 2\n  - a: 3\n"))
    assert doc.line_of(("items", 0, "b")) == 4
    assert doc.line_of(("items", 1, "a")) == 5
    # a key that is not in the file points at its nearest existing parent
    assert doc.line_of(("items", 1, "missing")) == 5


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    assert read_yaml(write(tmp_path, "# only a comment\n")).data == {}


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbftitle: a\r\nnumber: 2\r\n")
    assert read_yaml(path).data == {"title": "a", "number": "2"}
