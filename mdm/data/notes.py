"""Desk-research notes: Markdown files with a YAML front matter block."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints, field_validator

from mdm.data._tables import Problems, unknown_topics
from mdm.errors import DataError, MdmError
from mdm.params.loader import confine, parse_yaml, validate
from mdm.params.models import Model
from mdm.text import read_utf8

__all__ = ["Note", "Source", "load_notes"]

_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_FRONT_MATTER = re.compile(r"^---\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)(.*)$", re.DOTALL)


class Source(Model):
    """A source a note cites; only http(s) links."""

    title: Annotated[str, StringConstraints(min_length=1)]
    url: str

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not _URL.match(url):
            raise ValueError(f"expected an http or https link, got {url!r}")
        return url


class Note(Model):
    """A desk-research note: front matter plus a Markdown body (``path`` as shown)."""

    path: str
    title: Annotated[str, StringConstraints(min_length=1)]
    topics: tuple[str, ...]
    sources: tuple[Source, ...] = ()
    date: dt.date | None = None
    body: str = ""


def load_notes(
    directory: Path,
    shown: str | None = None,
    *,
    root: Path | None = None,
    topics: Collection[str] | None = None,
) -> list[Note]:
    """Every ``*.md`` note in ``directory``, sorted by file name.

    With ``root`` (the project folder), a note whose real path is outside it is refused
    before it is read. With ``topics`` (the project's topic ids), each note's topics must be
    among them.
    """

    shown = shown or str(directory)
    if not directory.is_dir():
        raise DataError("expected a folder of Markdown notes, found none", path=shown)
    problems = Problems(shown)
    notes = []
    for path in sorted(directory.glob("*.md")):
        name = f"{shown.rstrip('/')}/{path.name}"
        with problems.collect():
            if root is not None:
                confine(path, root, name, DataError)
            found = _note(path, name)
            unknown_topics(name, None, "topics", found.topics, topics)
            notes.append(found)
    problems.raise_any()
    return notes


def _note(path: Path, name: str) -> Note:
    """One note file, its front matter checked."""

    match = _FRONT_MATTER.match(read_utf8(path, name))
    if not match:
        raise DataError(
            "expected a front matter block between '---' lines, found none", path=name, line=1
        )
    try:
        # the front matter starts on line 2 of the file: shift reported lines by one
        doc = parse_yaml("\n" + match[1], name)
    except MdmError as err:
        raise DataError(problems=err.problems) from err
    if not isinstance(doc.data, dict):
        raise DataError(
            "expected front matter keys (title, topics, sources, date), "
            f"found {type(doc.data).__name__}",
            path=name,
            line=2,
        )
    return validate(Note, doc, data={**doc.data, "path": name, "body": match[2]}, error=DataError)
