"""The evidence store: metric results computed once per build, read by sections instead of events."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import REPO, copy_project

from mdm.build.precompute import _write, precompute, wanted
from mdm.errors import BuildError
from mdm.params.project import Project, SectionSpec, load_project
from mdm.report import evidence as ev
from mdm.report import sections
from mdm.report.store import INDEX, STORE, open_store


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the example whose store holds every result both documents show."""
    root = copy_project(REPO, tmp_path_factory.mktemp("stored"))
    project = load_project(root)
    precompute(project, _all_sections(project))
    return project


def _all_sections(project: Project) -> list[SectionSpec]:
    return [s for doc in project.documents for s in project.sections(doc)]


def _without_store(project: Project) -> ev.Research:
    research = ev.Research(project)
    research.__dict__["store"] = None  # as a notebook sees a project never built
    return research


def test_stored_results_equal_what_a_section_computes(stored: Project) -> None:
    from_store, computed = ev.Research(stored), _without_store(stored)
    shown = wanted(stored, _all_sections(stored))
    for topic in stored.topics.values():
        for spec in topic.evidence.values.values():
            assert ev.value_of(from_store, spec) == ev.value_of(computed, spec), topic.id
        for chart in topic.evidence.charts:
            assert ev.chart_for(from_store, chart).alt == ev.chart_for(computed, chart).alt
            assert ev.chart_for(from_store, chart).caption == ev.chart_for(computed, chart).caption
    assert from_store.results.keys() == computed.results.keys()
    for key, result in from_store.results.items():
        pd.testing.assert_frame_equal(result, computed.results[key], check_exact=True, obj=key)
    # every metric of the registry that the example shows, each result read, none computed
    metrics = {json.loads(k.split("<")[0])["metric"] for k in computed.results}
    specs = [s for s, _ in shown if not isinstance(s, ev.Counted)]  # Counted: test_explain
    assert {s.metric for s in specs} == metrics
    assert len({s.metric for s in specs}) >= 11
    assert "events" not in from_store.__dict__, "a section with a store loaded the events"
    assert "events" in computed.backend.__dict__  # loaded once, by the backend


def test_sources_appendix_describes_the_events_from_the_store(stored: Project) -> None:
    from_store, computed = ev.Research(stored), _without_store(stored)
    assert from_store.describe("events") == computed.describe("events")
    assert "events" not in from_store.__dict__


def test_an_unchanged_spec_is_not_computed_again(tmp_path: Path) -> None:
    project = load_project(copy_project(REPO, tmp_path / "p"))
    specs = project.sections("proposal")
    onboarding = [s for s in specs if s.parameters.get("topic") == "onboarding"]
    assert precompute(project, onboarding) == len(_results(project, onboarding)) >= 2
    # the onboarding results are kept; only the other topics' are computed
    rest = _results(project, specs) - _results(project, onboarding)
    assert precompute(project, specs) == len(rest) > 0
    assert precompute(project, specs) == 0
    assert precompute(project, specs, force=True) == len(_results(project, specs))


def _results(project: Project, specs: list[SectionSpec]) -> set[str]:
    """The distinct results the sections show (two values of one series share one)."""
    last = _without_store(project).last_event()
    return {
        ev.result_key(spec, ev.result_cut(project, spec, last, document))
        for spec, document in wanted(project, specs)
    }


def test_a_changed_events_file_invalidates_the_store(tmp_path: Path) -> None:
    project = load_project(copy_project(REPO, tmp_path / "p"))
    specs = project.sections("proposal")
    precompute(project, specs)
    folder = project.output / STORE
    before = {p.name for p in folder.glob("*.parquet")}
    assert open_store(project) is not None
    events = project.data_path("events")
    table = pq.read_table(events)
    pq.write_table(table.slice(0, table.num_rows - 50_000), events)

    assert open_store(project) is None  # a section computes from the new events itself
    research = ev.Research(project)
    assert research.describe("events").rows == table.num_rows - 50_000
    assert precompute(project, specs) > 0
    after = {p.name for p in folder.glob("*.parquet")}
    assert after and not (after & before), "results of the old events were kept"
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    assert index["events"]["rows"] == table.num_rows - 50_000
    assert set(index["results"]) == after


def test_a_section_without_a_store_still_renders(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "p")
    section = sections.topic(root, "proposal", "onboarding")
    assert not (root / "output" / STORE).exists()
    assert section.research.store is None
    html = section.charts() + section.findings()
    assert "<img" in html and "{{" not in html
    assert "events" in section.research.backend.__dict__


def test_the_store_holds_aggregates_only(stored: Project) -> None:
    ids = pq.read_table(stored.data_path("events"), columns=["contributor_id"])[0]
    people = set(ids.to_pylist())
    folder = stored.output / STORE
    files = sorted(folder.glob("*.parquet"))
    assert files
    for path in files:
        frame = pd.read_parquet(path)
        names = {str(n) for n in [*frame.columns, *frame.index.names]}
        assert "contributor_id" not in names, path.name
        labels = [frame.index.astype(str), *(frame[c].astype(str) for c in frame.columns)]
        assert not {v for column in labels for v in column} & people, path.name
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    assert not set(json.dumps(index).split('"')) & people


def test_a_result_naming_people_is_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"contributor_id": ["c1"], "contributions": [3]})
    with pytest.raises(BuildError, match=r"names people \(contributor_id\); not stored"):
        _write(tmp_path, "x.parquet", frame, '{"metric":"contributors"}<None')
    assert not list(tmp_path.iterdir())


@pytest.mark.kernel
def test_a_section_in_a_kernel_shows_the_stored_results(tmp_path: Path) -> None:
    from mdm.build.kernels import Seat
    from mdm.build.run import run_section

    project = load_project(copy_project(REPO, tmp_path / "p"))
    spec = next(
        s for s in project.sections("proposal") if s.parameters.get("topic") == "onboarding"
    )
    precompute(project, [spec])
    value = project.topics["onboarding"].evidence.values["new_latest"]
    last = _without_store(project).last_event()
    # the proposal is pinned to the data it was written with: its values are cut there
    proposal = project.documents["proposal"]
    key = ev.result_key(value, ev.value_cut(project, value, last, proposal))
    index = json.loads((project.output / STORE / INDEX).read_text(encoding="utf-8"))
    name = next(n for n, k in index["results"].items() if k == key)
    # a marked result: the section can only show it by reading the store, not the events
    result = pd.read_parquet(project.output / STORE / name)
    result["new_contributors"] = 987_654
    result.to_parquet(project.output / STORE / name)

    seat = Seat(str(project.root))
    try:
        done = run_section(spec, tmp_path / "run", project.root, seat, key="test")
    finally:
        seat.discard()
    text = done.path.read_text(encoding="utf-8")
    assert "987,654</a> people made their first contribution" in text  # linked to its entry


def test_a_touched_events_file_is_described_again_not_recomputed(tmp_path: Path) -> None:
    import os

    project = load_project(copy_project(REPO, tmp_path / "p"))
    specs = project.sections("proposal")
    precompute(project, specs)
    events = project.data_path("events")
    stat = events.stat()
    os.utime(events, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same content, new time
    assert open_store(project) is None  # a kernel cannot tell without hashing it: not trusted
    assert precompute(project, specs) == 0  # the build hashes it: the same content
    store = open_store(project)
    assert store is not None and store.events.mtime_ns == stat.st_mtime_ns + 10**9


def test_a_topic_section_with_a_store_never_loads_the_events(stored: Project) -> None:
    for topic in stored.topics:
        section = sections.topic(stored.root, "proposal", topic)
        html = section.findings() + section.charts()
        assert "{{" not in html
        research = section.research
        assert "events" not in research.__dict__, f"{topic} loaded the events"
        backend = research.__dict__.get("backend")
        assert backend is None or "events" not in backend.__dict__, f"{topic} loaded the events"


def test_an_unchanged_store_does_not_load_the_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project(copy_project(REPO, tmp_path / "p"))
    specs = project.sections("proposal")
    precompute(project, specs)
    from mdm.report import backends

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the events were loaded for an unchanged store")

    monkeypatch.setattr(backends, "load_events", refuse)
    assert precompute(project, specs) == 0
    assert precompute(project, specs, into=tmp_path / "staging") == 0


def test_the_check_trusts_the_events_the_last_build_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An events file described by the published store, written by this mdm, is not read again
    to be checked; a changed file is, and its problems are reported as before."""
    from mdm.build import check as checking
    from mdm.report import evidence

    root = copy_project(REPO, tmp_path / "p")
    project = load_project(root)
    precompute(project, project.sections("proposal"))
    loaded: list[Path] = []
    real = evidence.load_events

    def counting(path: Path, *args: object, **kwargs: object) -> pd.DataFrame:
        loaded.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence, "load_events", counting)
    assert checking.check_data(load_project(root)) == []
    assert loaded == []

    events = project.data_path("events")
    table = pq.read_table(events)
    pq.write_table(table.drop_columns(["activity_type"]), events)  # a new file, broken
    problems = checking.check_data(load_project(root))
    assert len(loaded) == 1
    assert [str(p).split(" (expected")[0] for p in problems] == [
        "data/activity.parquet:1: missing column(s) activity_type"
    ]

    # a store written by another mdm is not trusted either
    pq.write_table(table, events)
    precompute(load_project(root), project.sections("proposal"))
    index = root / "output" / STORE / INDEX
    data = json.loads(index.read_text(encoding="utf-8"))
    data["code"] = "another mdm"
    index.write_text(json.dumps(data), encoding="utf-8")
    assert checking.check_data(load_project(root)) == []
    assert len(loaded) == 2
