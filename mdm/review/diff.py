"""What changed between two builds of a document, section by section, for leadership.

Builds are compared as readers see them: each section's text is split into
sentences (table cells and chart alt texts count as sentences too), matched
with difflib, and changed sentences are shown word by word with changed
numbers marked. A build is an output folder (``output/`` or a release under
``output/releases/``), a project folder, or a git revision of the project,
which is checked out into a temporary worktree and built there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from mdm.build.options import BuildOptions
from mdm.build.pipeline import build
from mdm.errors import BuildError
from mdm.report.changes import SectionDiff, section_changes, words
from mdm.report.render import render

__all__ = [
    "DocumentDiff",
    "SectionDiff",
    "compare",
    "diff_builds",
    "parse_sections",
    "read_sections",
    "render_diff",
    "resolve_build",
    "section_changes",
    "words",
]

_BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "figcaption", "blockquote", "dt", "dd"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


class _Sections(HTMLParser):
    """Section id → (title, sentences) from an assembled mdm document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, tuple[str, list[str]]] = {}
        self._section: str | None = None
        self._depth = 0
        self._text: list[str] = []
        self._in_h2 = False
        self._in_badge = False

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if text and self._section is not None:
            self.sections[self._section][1].extend(s for s in _SENTENCE.split(text) if s)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("data-section"):
            self._section, self._depth = str(found["data-section"]), 0
            self.sections[self._section] = ("", [])
        elif self._section is not None:
            if tag == "section":
                self._depth += 1
            if tag in _BLOCKS:
                self._flush()
            if tag == "h2" and not self.sections[self._section][0]:
                self._in_h2 = True
            if tag == "img" and found.get("alt"):
                self._flush()
                self.sections[self._section][1].append(f"[Chart] {found['alt']}")
            if tag == "p" and "mdm-badge" in (found.get("class") or ""):
                # review badges change with sign-offs, not with content
                self._in_badge = True

    def handle_endtag(self, tag: str) -> None:
        if self._section is None:
            return
        if self._in_badge:
            if tag == "p":
                self._in_badge, self._text = False, []
            return
        if tag in _BLOCKS:
            if tag == "h2" and self._in_h2:
                title = " ".join("".join(self._text).split())
                self.sections[self._section] = (title, self.sections[self._section][1])
                self._in_h2 = False
            self._flush()
        if tag == "section":
            if self._depth == 0:
                self._flush()
                self._section = None
            else:
                self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._section is not None and not self._in_badge:
            self._text.append(data)


def parse_sections(html: str) -> dict[str, tuple[str, list[str]]]:
    """Section id → (title, sentences) of HTML with ``<section data-section=...>`` blocks."""
    parser = _Sections()
    parser.feed(html)
    return parser.sections


def read_sections(html_file: Path) -> dict[str, tuple[str, list[str]]]:
    """Section id → (title, sentences) of an assembled document, as readers see it."""
    return parse_sections(html_file.read_text(encoding="utf-8"))


@dataclass
class DocumentDiff:
    document: str
    old: str
    new: str
    sections: list[SectionDiff]

    def summary(self) -> str:
        count = {
            s: sum(d.status == s for d in self.sections) for s in ("changed", "added", "removed")
        }
        sentences = sum(len(d.removed) + len(d.added) + len(d.rewritten) for d in self.sections)
        numbers = sum(d.numbers_changed for d in self.sections)
        lines = [
            f"{self.document}: {count['changed']} sections changed, {count['added']} added, "
            f"{count['removed']} removed; {sentences} sentences differ, "
            f"{numbers} with changed numbers"
        ]
        for d in self.sections:
            if d.status != "unchanged":
                lines.append(f"  {d.status:<8} {d.title}")
        return "\n".join(lines)


def compare(document: str, old: Path, new: Path, old_name: str, new_name: str) -> DocumentDiff:
    """Section-by-section differences between two HTML builds of ``document``."""
    before, after = read_sections(old), read_sections(new)
    diffs = []
    for sid in list(after) + [s for s in before if s not in after]:
        if sid not in before:
            diffs.append(SectionDiff(sid, after[sid][0], "added", added=after[sid][1]))
        elif sid not in after:
            diffs.append(SectionDiff(sid, before[sid][0], "removed", removed=before[sid][1]))
        else:
            diffs.append(section_changes(sid, after[sid][0], before[sid][1], after[sid][1]))
    return DocumentDiff(document, old_name, new_name, diffs)


def render_diff(diff: DocumentDiff) -> str:
    """The diff as a self-contained HTML page."""
    return render("diff.html.j2", diff=diff, words=words)


def resolve_build(spec: str, project_dir: Path, document: str, workdir: Path) -> Path:
    """The HTML file of ``document`` for a build given as a folder or a git revision."""
    path = Path(spec)
    if path.is_dir():
        for candidate in (path / f"{document}.html", path / "output" / f"{document}.html"):
            if candidate.is_file():
                return candidate
        raise BuildError(f"no {document}.html here or in {path / 'output'}", path=path)
    return _build_revision(spec, project_dir, document, workdir)


def _git(project_dir: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(project_dir), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise BuildError(detail.strip().splitlines()[-1], field=f"git {' '.join(args)}") from err
    return done.stdout.strip()


def _build_revision(rev: str, project_dir: Path, document: str, workdir: Path) -> Path:
    try:
        top = Path(_git(project_dir, "rev-parse", "--show-toplevel"))
    except BuildError:
        raise BuildError(
            "no such folder, and the project is not in a git repository to find it as a revision",
            path=rev,
        ) from None
    try:
        commit = _git(project_dir, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except BuildError:
        raise BuildError(
            "no such folder, nor a revision of the project's git repository", path=rev
        ) from None
    inside = project_dir.resolve().relative_to(top.resolve())
    tree = workdir / commit[:12]
    _git(project_dir, "worktree", "add", "--detach", "--force", str(tree), commit)
    try:
        build(BuildOptions(project_dir=tree / inside, documents=(document,), formats=("html",)))
        kept = workdir / f"{commit[:12]}-{document}.html"
        shutil.copyfile(tree / inside / "output" / f"{document}.html", kept)
    finally:
        _git(project_dir, "worktree", "remove", "--force", str(tree))
    return kept


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mdm-diff-") as name:
        yield Path(name)


def diff_builds(
    old: str, new: str, project_dir: Path, documents: list[str]
) -> list[tuple[DocumentDiff, Path]]:
    """Compare ``documents`` between builds ``old`` and ``new``; write output/diff-<doc>.html."""
    # deferred: pydantic and yaml load only when this runs
    from mdm.params.project import load_project

    project = load_project(project_dir)
    results = []
    with _workdir() as work:
        for document in documents or list(project.documents):
            project.document(document)
            before = resolve_build(old, project.root, document, work)
            after = resolve_build(new, project.root, document, work)
            diff = compare(document, before, after, old, new)
            project.output.mkdir(parents=True, exist_ok=True)
            target = project.output / f"diff-{document}.html"
            target.write_text(render_diff(diff), encoding="utf-8")
            results.append((diff, target))
    return results
