"""The last check before publishing: no exported file may name a person without consent.

Names come from the pseudonym register (``data.pseudonyms``), which is read
here and nowhere else and is never copied to ``output/``. A name may appear
only when a quote that the document's audience may see attributes it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from mdm.errors import PrivacyError
from mdm.params.project import Project

__all__ = ["check_exports"]


def _text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        raw = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    else:
        raw = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
    return " ".join(raw.split())


def check_exports(project: Project, audience: str, files: Iterable[Path]) -> None:
    """Raise PrivacyError if any file contains a register name not cleared for ``audience``."""
    from mdm.data import forbidden_names, load_quotes, load_register
    from mdm.sources.identities import check_imported

    files = list(files)
    check_imported(project, files, _text)  # people behind imported activity (mdm import)
    paths = project.info.data
    register_path = project.root / paths.pseudonyms
    if not register_path.is_file():
        return
    register = load_register(register_path, paths.pseudonyms)
    quotes_path = project.root / paths.quotes
    quotes = load_quotes(quotes_path, paths.quotes) if quotes_path.is_file() else []
    forbidden = forbidden_names(quotes, register, audience)  # type: ignore[arg-type]
    if not forbidden:
        return
    by_name = {name: pseudonym for pseudonym, name in register.items()}
    patterns = {
        name: re.compile(r"(?<!\w)" + re.escape(" ".join(name.split())) + r"(?!\w)")
        for name in forbidden
    }
    for path in files:
        text = _text(path)
        for name, pattern in patterns.items():
            if pattern.search(text):
                # the message names the pseudonym, never the person
                raise PrivacyError(
                    f"{path.name}: contains the real name behind pseudonym {by_name[name]} "
                    f"({paths.pseudonyms}), who has not consented to be named for a {audience} "
                    "audience; nothing was published"
                )
