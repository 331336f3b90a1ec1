"""The page-kind registry: each kind's notebook, section class, loader and templates exist, and
a page's cache key covers exactly what the page shows (an edit to a topic field rebuilds the
pages that show it, and no page that does not show it changes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, copy_project

from mdm.build.assemble import notebook_fragment
from mdm.build.cache import section_keys
from mdm.build.inprocess import execute_here, runs_here
from mdm.build.run import SectionResult
from mdm.params.models import Topic
from mdm.params.project import SectionSpec, load_project
from mdm.report import sections
from mdm.report.pages import DOCUMENT_TEMPLATES, PAGE_KINDS

NOTEBOOKS = REPO / "notebooks"
TEMPLATES = REPO / "mdm" / "templates"


@pytest.mark.parametrize("kind", PAGE_KINDS.values(), ids=lambda k: k.name)
def test_every_kind_has_its_notebook_loader_class_and_templates(kind: object) -> None:
    from mdm.report.pages import PageKind

    assert isinstance(kind, PageKind)
    notebook = json.loads((NOTEBOOKS / f"{kind.name}.ipynb").read_text(encoding="utf-8"))
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert f"sections.{kind.loader}(" in code, f"{kind.name}.ipynb does not load its page"
    assert kind.section_class() is getattr(sections, kind.section.partition(":")[2])
    for template in kind.templates:
        assert (TEMPLATES / f"{template}.html.j2").is_file(), template


def test_every_template_belongs_to_a_kind_or_to_whole_documents() -> None:
    claimed = {t for kind in PAGE_KINDS.values() for t in kind.templates} | DOCUMENT_TEMPLATES
    found = {p.name.removesuffix(".html.j2") for p in TEMPLATES.glob("*.html.j2")}
    assert found == claimed


def test_every_bundled_notebook_is_a_kind() -> None:
    from mdm.params.notebooks import STOCK_NOTEBOOKS

    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(PAGE_KINDS) == set(STOCK_NOTEBOOKS)


@pytest.mark.parametrize("loader", sorted({k.loader for k in PAGE_KINDS.values()}))
def test_each_loader_gives_its_kinds_section(loader: str) -> None:
    document = "progress-2018-q4" if loader == "progress" else "proposal"
    page = getattr(sections, loader)(REPO, document)
    classes = {k.section_class() for k in PAGE_KINDS.values() if k.loader == loader}
    assert type(page) in classes


# --- what a page shows is what its key covers ------------------------------------------------

TOPIC = "onboarding"
# one edit per topic field, each visible somewhere in the documents
EDITS = {
    "number": ("number: 11", "number: 12"),
    "title": ('title: "Onboarding"', 'title: "Onboarding and welcome"'),
    "question": ("into their first contribution?", "into their first contribution, soon?"),
    "status": ("status: active", "status: draft"),
    "evidence": (
        "new_latest: {metric: new_contributors, freq: Y}",
        "new_latest: {metric: new_contributors, freq: Q}",
    ),
    "findings": ("Newcomers ask for one", "Newcomers often ask for one"),
    "recommendations": ("short list of first tasks", "short, shared list of first tasks"),
    "investment": ("A mentoring programme", "A mentoring scheme"),
    "structures": ("names a welcomer.", "names a welcomer and a deputy."),
    "processes": ("reviewed within a week.", "reviewed within five days."),
    "asks": ('amount: "55000"', 'amount: "56000"'),
}


def test_the_edits_cover_every_field_a_page_can_show() -> None:
    # every field but the id, the merge target and the notebook choice (they change the files)
    assert set(EDITS) == set(Topic.model_fields) - {"id", "merged_into", "notebooks", "summary"}


def _render(spec: SectionSpec, root: Path, out: Path) -> str:
    target = out / spec.document / f"{spec.id}.ipynb"
    execute_here(spec, target, "key", spec.kind)
    return str(notebook_fragment(SectionResult(spec, target, 0.0)).html)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(REPO, tmp_path_factory.mktemp("pages") / "example")


@pytest.fixture(scope="module")
def before(
    example: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, str], dict[str, str]]:
    """The keys of every section of the example, and one page of each kind rendered without a
    kernel (the first of the kind in document order: every page of a kind is made alike)."""
    keys, specs = _state(example)
    out = tmp_path_factory.mktemp("before")
    pages = {n: _render(s, example, out) for n, s in _one_of_each_kind(specs).items()}
    return keys, pages


def _one_of_each_kind(specs: dict[str, SectionSpec]) -> dict[str, SectionSpec]:
    first: dict[str, str] = {}
    for name, spec in specs.items():
        if runs_here(spec):
            first.setdefault(spec.kind, name)
    return {name: specs[name] for name in first.values()}


def _state(root: Path) -> tuple[dict[str, str], dict[str, SectionSpec]]:
    project = load_project(root)
    specs = [s for doc in project.documents for s in project.sections(doc)]
    keys = section_keys(project, specs)
    return (
        {f"{s.document}/{s.id}": k for s, k in zip(specs, keys, strict=True)},
        {f"{s.document}/{s.id}": s for s in specs},
    )


@pytest.mark.parametrize("field", sorted(EDITS))
def test_an_edit_rebuilds_exactly_the_pages_that_show_it(
    field: str, example: Path, before: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    path = example / "params" / "topics" / f"{TOPIC}.yaml"
    original = path.read_text(encoding="utf-8")
    old, new = EDITS[field]
    assert original.count(old) == 1, old
    keys_before, pages_before = before
    try:
        path.write_text(original.replace(old, new), encoding="utf-8")
        keys_after, specs_after = _state(example)
        changed = {n for n in keys_after if keys_before.get(n) != keys_after[n]}
        expected = {
            n
            for n, s in specs_after.items()
            if s.parameters.get("topic") == TOPIC
            or (s.kind in PAGE_KINDS and field in PAGE_KINDS[s.kind].reads.topic_fields)
            or (s.kind in PAGE_KINDS and PAGE_KINDS[s.kind].reads.all_topics)
        }
        assert changed == expected
        # and the pages whose key stayed show the same as before: nothing goes stale
        for name in sorted(set(pages_before) - changed):
            after = _render(specs_after[name], example, tmp_path / "after")
            assert after == pages_before[name], f"{name} shows {field} but its key ignores it"
    finally:
        path.write_text(original, encoding="utf-8")


def test_a_page_that_ignores_a_field_it_shows_is_caught(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the check above, on a registry that forgets the overview shows titles: the stale page shows
    from dataclasses import replace

    overview = PAGE_KINDS["overview"]
    forgetful = replace(overview, reads=replace(overview.reads, topic_fields=("id",)))
    monkeypatch.setitem(PAGE_KINDS, "overview", forgetful)
    path = example / "params" / "topics" / f"{TOPIC}.yaml"
    original = path.read_text(encoding="utf-8")
    keys_before, specs = _state(example)
    spec = specs["proposal/overview"]
    before = _render(spec, example, tmp_path / "before")
    try:
        path.write_text(original.replace(*EDITS["title"]), encoding="utf-8")
        keys_after, specs_after = _state(example)
        assert keys_after["proposal/overview"] == keys_before["proposal/overview"]
        after = _render(specs_after["proposal/overview"], example, tmp_path / "after")
        assert re.sub(r"\s+", " ", after) != re.sub(r"\s+", " ", before)
    finally:
        path.write_text(original, encoding="utf-8")


@pytest.mark.kernel
def test_a_page_rendered_without_a_kernel_is_the_page_a_kernel_renders(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdm.build import run
    from mdm.build.kernels import Seat

    _, specs = _state(example)
    here = _one_of_each_kind(specs)
    assert {s.kind for s in here.values()} == {k.name for k in PAGE_KINDS.values() if not k.kernel}
    monkeypatch.setattr(run, "runs_here", lambda spec: False)
    seat = Seat(str(example))
    try:
        for name, spec in here.items():
            kernel = run.run_section(spec, tmp_path / "kernel", example, seat, key="k")
            by_kernel = str(notebook_fragment(kernel).html)
            assert _render(spec, example, tmp_path / "here") == by_kernel, name
    finally:
        seat.discard()
