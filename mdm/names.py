"""People's names and handles as mdm compares them: one normaliser, one matcher.

The privacy guard looks for protected names in what a document shows, and the identity
unifier decides which names, emails and usernames belong to one person. Both must agree on
when two spellings are the same ("José Núñez" and "Jose Nunez", "ANA" and "ana"), so both
use :func:`normalise`; and both find a name in text as whole words, with :class:`Matcher`.

A name's parts are looked for on their own only when they are distinctive: not titles or
particles (da, van, bin, ...) and at least :data:`MIN_PART` letters long ("Jan", "Ali" and
"Mei" are too often something else).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

__all__ = ["MIN_PART", "NOT_DISTINCTIVE", "Matcher", "name_parts", "normalise", "words"]

# honorifics and name particles: words around a name that do not identify anyone
NOT_DISTINCTIVE = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "madam",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "herr",
        "frau",
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "di",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "van",
        "von",
        "bin",
        "bint",
        "ibn",
        "al",
        "el",
        "ben",
        "abu",
        "thi",
    ]
)
MIN_PART = 4
"""The fewest letters a single word needs to be looked for on its own."""
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
"""Soft hyphens and zero-width characters, which hide a name from a plain search."""
_WORD = re.compile(r"\w+")
_LINE_END_HYPHEN = re.compile(r"[-‐](?:[ \t]*\n)+[ \t]*")


def normalise(text: str) -> str:
    """Compatibility-normalised, invisible characters and accents dropped, case-folded,
    whitespace collapsed: the form in which two spellings of one name are equal."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).translate(INVISIBLE))
    bare = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``: an email or a dotted handle is several words."""
    return tuple(_WORD.findall(normalise(text)))


def name_parts(name: str, allowlist: Iterable[str] = ()) -> set[str]:
    """The distinctive parts of a name, normalised (hyphenated parts also whole)."""
    allowed = {normalise(word) for word in allowlist}
    whole = normalise(name).split()
    parts = set(whole) | {piece for word in whole for piece in re.split(r"[-‐‑'’]", word)}
    return {
        p
        for p in parts
        if len(p) >= MIN_PART and p not in NOT_DISTINCTIVE and p not in allowed and p.isalpha()
    }


def _phrase(text: str) -> tuple[str, ...]:
    return words(text)


class Matcher:
    """Finds protected phrases in text as whole words, after taking out phrases that may appear.

    ``protected`` maps a phrase (a name, a part of one, an email, a username) to the label an
    error may show (a pseudonym, a contributor id; never the phrase). A phrase found inside a
    phrase that may appear ("Ana" of a stakeholder "Ana Ferreira") does not count; the same
    phrase elsewhere in the text does. The text is read once, with every run of words up to
    the longest phrase looked up, so many thousands of phrases cost one pass per text.
    """

    def __init__(self, protected: Mapping[str, str], allowed: Iterable[str] = ()) -> None:
        self._protected = {_phrase(p): label for p, label in protected.items()}
        self._protected.pop((), None)
        self._allowed = {_phrase(a) for a in allowed} - {()} - set(self._protected)
        self._sizes = sorted({len(p) for p in self._protected}, reverse=True)
        self._starts = {p[0] for p in self._protected}
        self._allowed_sizes = sorted({len(p) for p in self._allowed}, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._protected)

    def found(self, text: str) -> list[str]:
        """The labels of the protected phrases in ``text``, in the order they first occur.

        A word split at a line end by a hyphen ("Fer-\\nreira") is also read joined.
        """
        labels: dict[str, None] = {}
        for variant in (text, _LINE_END_HYPHEN.sub("", text.translate(INVISIBLE))):
            labels.update(dict.fromkeys(self._search(words(variant))))
        return list(labels)

    def _masked(self, tokens: tuple[str, ...]) -> list[bool]:
        masked = [False] * len(tokens)
        start = 0
        while start < len(tokens):
            size = next(
                (n for n in self._allowed_sizes if tokens[start : start + n] in self._allowed), 0
            )
            masked[start : start + size] = [True] * size
            start += size or 1
        return masked

    def _search(self, tokens: tuple[str, ...]) -> Iterator[str]:
        masked = self._masked(tokens) if self._allowed else None
        for start, token in enumerate(tokens):
            if token not in self._starts:
                continue
            for size in self._sizes:
                label = self._protected.get(tokens[start : start + size])
                if label is not None and not (masked and any(masked[start : start + size])):
                    yield label
