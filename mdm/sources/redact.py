"""What a free-text survey answer may not keep: emails, phone numbers and people's names.

Each is removed as a whole token, never as a fragment of something else: an email address
(``[email removed]``); a phone number, written internationally (``+1 555 0100``), with an
area code in brackets or in national groups starting with 0, or the respondent's own number
however it is spaced (``[phone removed]``); and names (``[name removed]``): the respondent's
own, whole or a distinctive part of it, and other people's as the privacy guard knows them
(the pseudonym register, with their distinctive parts, and what imports saw), matched with
:class:`mdm.names.Matcher`. A number of three digits ("555 chairs") is no phone number; a
word of the respondent's email domain ("Riverside is great", from riverside.example.org)
names an organisation, so it stays even when it is also part of their name. Stakeholders'
names are public (they are named on purpose) and stay.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mdm.names import Matcher, name_parts, words
from mdm.sources.identities import protected_strings

if TYPE_CHECKING:
    from mdm.params.project import Project

__all__ = ["EMAIL", "Redactor", "Respondent"]

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)\d{1,3}(?:[ .\-/]?\(?\d{1,5}\)?){2,6}"  # +1 555 0100, 0049 30 1234567
    r"|\(\d{2,5}\)[ .\-]?\d{2,4}(?:[ .\-]?\d{2,4}){1,3}"  # (555) 010-0100
    r"|\d{3}[.\-]\d{3}[.\-]\d{4}"  # 555-010-0100
    r"|0\d{1,4}(?:[ .\-/]\d{2,5}){2,5}"  # 06 12 34 56 78, 030 1234 5678
    r")(?!\w)"
)
_DATE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}")
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\d(?:[ .\-/()]*\d){6,}(?!\w)")
_TOKEN = re.compile(r"\w+")
_MIN_DIGITS = 7


@dataclass(frozen=True)
class Respondent:
    """Who answered: their name's phrases and their phone's digits, from dropped columns."""

    names: Matcher
    phones: tuple[str, ...]


class Redactor:
    """Removes emails, phone numbers and names from answers; one per import."""

    def __init__(self, others: dict[str, str], allowed: Iterable[str] = ()) -> None:
        self._allowed = list(allowed)
        self._others = Matcher(others, self._allowed)

    @classmethod
    def of(cls, project: Project) -> Redactor:
        """Names the privacy guard protects in this project: the register's, with their
        distinctive parts, and every identity an import saw."""
        # deferred: pydantic loads only when this runs
        from mdm.data.quotes import load_register

        data = project.info.data
        others = {value: value for value in protected_strings(project) if "@" not in value}
        path = project.root / data.pseudonyms
        if path.is_file():
            for name in load_register(path, data.pseudonyms).values():
                others[name] = name
                others.update((part, part) for part in name_parts(name, data.privacy_allowlist))
        return cls(others, [s.name for s in project.stakeholders.values()])

    def respondent(self, identifying: Iterable[str]) -> Respondent:
        """The respondent from the values of their dropped columns (name, email, phone)."""
        values = [v.strip() for v in identifying if v.strip()]
        domains = {w for v in values if "@" in v for w in words(v.partition("@")[2])}
        phones = tuple(d for v in values if len(d := re.sub(r"\D", "", v)) >= _MIN_DIGITS)
        phrases = {}
        for value in values:
            if "@" in value or not any(c.isalpha() for c in value):
                continue  # an address or a number is not a name
            phrases[value] = value
            parts = name_parts(value) - domains  # "Riverside" of riverside.example.org stays
            phrases.update((part, part) for part in parts)
        return Respondent(Matcher(phrases, self._allowed), phones)

    def __call__(self, text: str, respondent: Respondent) -> tuple[str, Counter[str]]:
        """``text`` without them, and how many of each kind were removed."""
        removed: Counter[str] = Counter()
        text, removed["email"] = EMAIL.subn("[email removed]", text)
        text, removed["phone number"] = _phones(text, respondent.phones)
        found = self._others.found(text) + respondent.names.found(text)
        text, removed["name"] = _names(text, found)
        return text, +removed


def _phones(text: str, own: tuple[str, ...]) -> tuple[str, int]:
    count = 0

    def mine(digits: str) -> bool:
        return len(digits) >= _MIN_DIGITS and any(phone.endswith(digits) for phone in own)

    def written(match: re.Match[str]) -> str:
        nonlocal count
        digits = re.sub(r"\D", "", match[0])
        if mine(digits) or (len(digits) >= _MIN_DIGITS and not _DATE.fullmatch(match[0])):
            count += 1
            return "[phone removed]"
        return match[0]

    def spaced(match: re.Match[str]) -> str:  # the respondent's own number, however spaced
        nonlocal count
        if mine(re.sub(r"\D", "", match[0])):
            count += 1
            return "[phone removed]"
        return match[0]

    text = _PHONE.sub(written, text)
    if own:
        text = _DIGIT_RUN.sub(spaced, text)
    return text, count


def _names(text: str, found: list[str]) -> tuple[str, int]:
    """Every run of words that is one of the ``found`` phrases, replaced; longest first."""
    tokens = [(words(m[0]), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    flat = [(w, start, end) for ws, start, end in tokens for w in ws[:1]]
    spans: list[tuple[int, int]] = []
    for phrase in sorted({words(f) for f in found}, key=len, reverse=True):
        for i in range(len(flat) - len(phrase) + 1):
            if tuple(w for w, _, _ in flat[i : i + len(phrase)]) == phrase:
                span = (flat[i][1], flat[i + len(phrase) - 1][2])
                if not any(s < span[1] and span[0] < e for s, e in spans):
                    spans.append(span)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "[name removed]" + text[end:]
    return text, len(spans)
