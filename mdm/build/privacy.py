"""The last check before publishing: no exported file may name a person without consent.

Names come from the pseudonym register (``data.pseudonyms``), which is read
here and nowhere else and is never copied to ``output/``. A name may appear
only when a quote that the document's audience may see attributes it.

A protected name is looked for whole and by each of its distinctive parts (given name,
surname: "as Ms Ferreira told us" is caught), in text that is Unicode-normalised, without
accents, case-folded, with markup, soft hyphens and line breaks taken out. Parts that are not
distinctive are skipped: titles, particles (da, van, bin, ...), parts of fewer than four
letters, and the words a project lists in ``data.privacy_allowlist`` because they are also
ordinary words there. Names that may appear (attributed quotes the audience may see, the
stakeholders) are taken out of the text first, so a shared part is still caught elsewhere.
Messages name the pseudonym and the file, never the name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path

from mdm.errors import PrivacyError
from mdm.params.project import Project

__all__ = ["check_exports", "check_manifest", "export_text", "name_parts", "normalise"]

# honorifics and name particles: words around a name that do not identify anyone
_NOT_DISTINCTIVE = frozenset(
    {
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
    }
)
_WORD = re.compile(r"\w+")
_MIN_PART = 4  # "Jan", "Ali", "Mei" are too often something else
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    }
)
_ATTRIBUTES = ("alt", "title", "aria-label", "content", "value", "placeholder")
_LINKS = ("href", "src")  # a link may carry a username; embedded images (data:) are skipped


def normalise(text: str) -> str:
    """Compatibility-normalised, accents dropped, case-folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).translate(_INVISIBLE))
    bare = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def name_parts(name: str, allowlist: Iterable[str] = ()) -> set[str]:
    """The distinctive parts of a name, normalised (hyphenated parts also whole)."""
    allowed = {normalise(word) for word in allowlist}
    words = normalise(name).split()
    parts = set(words) | {piece for word in words for piece in re.split(r"[-‐‑'’]", word)}
    return {
        p for p in parts if len(p) >= _MIN_PART and p not in _NOT_DISTINCTIVE and p not in allowed
    }


class _Text(HTMLParser):
    """The text a reader sees in an HTML file, attribute texts (alt, title) included."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        if tag not in _INLINE:
            self.parts.append("\n")
        self.parts += [
            f"\n{value}\n"
            for key, value in attrs
            if value and (key in _ATTRIBUTES or (key in _LINKS and not value.startswith("data:")))
        ]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(self._skip - 1, 0)
        if tag not in _INLINE:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def export_text(path: Path) -> str:
    """What an export shows: an HTML file's text, a PDF's extracted text, any other file as is."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".html", ".htm"):
        parser = _Text()
        parser.feed(raw)
        parser.close()
        return "".join(parser.parts)
    return raw


def _words(text: str) -> str:
    """Normalised text as words, each padded by spaces, so that a name is a plain substring.

    Searching for ``" ana  ferreira "`` in this form equals a whole-word search, and costs one
    pass over the text instead of one regular expression per name.
    """
    return "".join(f" {word} " for word in _WORD.findall(normalise(text)))


def _searchable(text: str, masked: list[str]) -> str:
    """The text's words (also with words split at line ends joined), names that may appear out."""
    joined = re.sub(r"[-‐](?:[ \t]*\n)+[ \t]*", "", text.translate(_INVISIBLE))
    found = _words(text + "\n" + joined)
    for name in masked:
        found = found.replace(name, " \0 ")
    return found


def check_exports(
    project: Project,
    audience: str,
    files: Iterable[Path],
    printed: Mapping[Path, str] | None = None,
) -> None:
    """Raise PrivacyError if any file shows a register name, or a part of one, not cleared
    for ``audience``. ``printed`` gives a file's text when the caller has it already (the
    text WeasyPrint laid out on a PDF's pages), so that it is not extracted again."""
    from mdm.data import forbidden_names, load_quotes, load_register
    from mdm.sources.identities import check_imported

    texts = {path: (printed or {}).get(path) or export_text(path) for path in files}
    check_imported(project, texts, texts.__getitem__)  # people behind imported activity
    paths = project.info.data
    register_path = project.data_path("pseudonyms")
    if not register_path.is_file():
        return
    register = load_register(register_path, paths.pseudonyms)
    quotes_path = project.data_path("quotes")
    quotes = load_quotes(quotes_path, paths.quotes) if quotes_path.is_file() else []
    forbidden = forbidden_names(quotes, register, audience)  # type: ignore[arg-type]
    if not forbidden:
        return
    whole = {_words(name) for name in forbidden}
    may_appear = {_words(s.name) for s in project.stakeholders.values()} | {
        _words(name) for name in register.values() if name not in forbidden
    }
    masked = sorted(may_appear - whole - {""}, key=len, reverse=True)
    patterns = {
        pseudonym: {_words(name), *(_words(p) for p in name_parts(name, paths.privacy_allowlist))}
        - {""}
        for pseudonym, name in register.items()
        if name in forbidden
    }
    for path, text in texts.items():
        found = _searchable(text, masked)
        named = [p for p, words in patterns.items() if any(w in found for w in words)]
        if named:
            # the message names the pseudonyms, never the people
            raise PrivacyError(
                f"contains the real name behind pseudonym {', '.join(named)} "
                f"({paths.pseudonyms}), who has not consented to be named for "
                f"{'an' if audience[0] in 'aeiou' else 'a'} {audience} audience (the whole name or a distinctive part of it); nothing was published "
                "(a part that is also an ordinary word may be listed in data.privacy_allowlist)",
                path=path.name,
            )


def check_manifest(project: Project, manifest: Path) -> None:
    """The build manifest sits beside every document: it is checked for the strictest audience."""
    audiences = {doc.audience for doc in project.documents.values()}
    check_exports(project, "internal" if audiences == {"internal"} else "leadership", [manifest])
