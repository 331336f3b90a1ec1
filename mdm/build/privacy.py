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

from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path

from mdm.data.quotes import forbidden_names, load_quotes, load_register
from mdm.errors import PrivacyError
from mdm.names import Matcher, name_parts
from mdm.params.project import Project
from mdm.sources.identities import check_imported

__all__ = ["check_exports", "check_manifest", "export_text"]

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
    """What an export shows: an HTML file's text, a PDF's extracted text, a Parquet table's
    column names and values (the evidence store), any other file as is."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # deferred: only an evidence store is Parquet

        table = pq.read_table(path)
        cells = (str(v) for column in table.columns for v in column.to_pylist() if v is not None)
        return "\n".join([*table.column_names, *cells])
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


def check_exports(
    project: Project,
    audience: str,
    files: Iterable[Path],
    printed: Mapping[Path, str] | None = None,
) -> None:
    """Raise PrivacyError if any file shows a register name, or a part of one, not cleared
    for ``audience``. ``printed`` gives a file's text when the caller has it already (the
    text WeasyPrint laid out on a PDF's pages), so that it is not extracted again."""

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
    allowlist = paths.privacy_allowlist
    protected = {
        phrase: pseudonym
        for pseudonym, name in register.items()
        if name in forbidden
        for phrase in (name, *name_parts(name, allowlist))
    }
    may_appear = [s.name for s in project.stakeholders.values()]
    may_appear += [name for name in register.values() if name not in forbidden]
    matcher = Matcher(protected, allowed=may_appear)
    for path, text in texts.items():
        found = set(matcher.found(text))
        named = [p for p in register if p in found]
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
