"""The last gate before a reader: every section's HTML goes through nh3 with an allowlist.

Research text is already escaped where it enters a section (see
:mod:`mdm.report.render`); this pass makes sure that whatever a notebook displays,
the document carries no script, event handler, style sheet, external image or
``javascript:`` link. Images may only be embedded ``data:image/...`` URLs.
"""

from __future__ import annotations

import re

import nh3

__all__ = ["sanitize_fragment"]

_TAGS = {
    "a",
    "abbr",
    "bdi",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-describedby"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "li": {"value"},
    "time": {"datetime"},
}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith("data:image/") else None
    if tag == "a" and attribute == "href" and value.startswith("data:"):
        return None
    return value


# bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) can reorder how the
# text after them is displayed; names are isolated with <bdi> in the markup instead
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def sanitize_fragment(html: str) -> str:
    """Allowlist-sanitise one section's HTML and drop bidi control characters."""
    return _BIDI_CONTROLS.sub("", _clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer",
    )
