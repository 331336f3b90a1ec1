"""What changed between two versions of a text, sentence by sentence and word by word.

The machinery of ``mdm diff`` (:mod:`mdm.review.diff`), of review packets and of a progress
report's "since the last report": two lists of sentences matched with difflib, whole sentences
removed and added, pairs rewritten shown word by word with changed numbers marked.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field

from mdm.report.render import Html

__all__ = ["NUMBER", "SectionDiff", "section_changes", "words"]

NUMBER = re.compile(r"[-+−]?\d[\d,.]*%?")
"""A number as documents write it: 1,234 · −40 · 23% · 13.8."""


@dataclass
class SectionDiff:
    """One section's changes: whole sentences removed/added and pairs rewritten."""

    section: str
    title: str
    status: str  # added | removed | changed | unchanged
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    rewritten: list[tuple[str, str]] = field(default_factory=list)

    @property
    def numbers_changed(self) -> int:
        return sum(NUMBER.findall(old) != NUMBER.findall(new) for old, new in self.rewritten)


def section_changes(sid: str, title: str, old: list[str], new: list[str]) -> SectionDiff:
    """What changed in one section, from its sentences before and after."""
    diff = SectionDiff(sid, title, "unchanged")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "delete":
            diff.removed += old[i1:i2]
        elif op == "insert":
            diff.added += new[j1:j2]
        elif op == "replace":
            pairs = min(i2 - i1, j2 - j1)
            diff.rewritten += list(zip(old[i1 : i1 + pairs], new[j1 : j1 + pairs], strict=True))
            diff.removed += old[i1 + pairs : i2]
            diff.added += new[j1 + pairs : j2]
    if diff.removed or diff.added or diff.rewritten:
        diff.status = "changed"
    return diff


def words(old: str, new: str) -> Html:
    """A rewritten sentence, word by word: <del>/<ins>, numbers marked."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        for words, tag in ((a[i1:i2], "del"), (b[j1:j2], "ins")):
            if words:
                text = " ".join(words)
                number = " mdm-num" if NUMBER.search(text) else ""
                out.append(f'<{tag} class="mdm-{tag}{number}">{html.escape(text)}</{tag}>')
    return Html(" ".join(out))
