"""Evidence from GrimoireLab's OpenSearch: the real opensearch-py client against osmem-server.

The same community is imported locally (``mdm import perceval``) and read from enriched indexes;
every metric both can compute gives the same table. Faults (unreachable, refused, missing alias,
timeout, partial page, an unverified certificate) are one error naming cluster and index, and
leave the previous evidence store as it was.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mdm.build.check import check
from mdm.build.precompute import precompute
from mdm.errors import ConfigError, DataError
from mdm.params.models import MetricSpec, ValueSpec
from mdm.params.project import load_project
from mdm.report.backends import ClusterBackend, EventsBackend
from mdm.report.evidence import Research, chart_for, value_cut
from mdm.report.store import STORE
from mdm.sources import opensearch
from mdm.sources.importer import import_perceval
from tests.grimoire import servers
from tests.grimoire.community import SOURCES, community

INDICES = ["git", "github_issues", "discourse", "mbox"]


@pytest.fixture(scope="session")
def search_server() -> Iterator[tuple[str, int]]:
    """One osmem-server for the session (fixtures named osmem_* are osmem's own plugin's)."""
    with servers.osmem() as running:
        yield running


@pytest.fixture(scope="session")
def enriched(search_server: tuple[str, int]) -> Iterator[str]:
    """A clone of the server holding the community's enriched indexes."""
    url, ident = servers.clone(search_server[0])
    servers.load(url, community())
    yield url
    servers.drop_clone(search_server[0], ident)


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opensearch, "BACKOFF", 0.01)
    for name in ("MDM_OPENSEARCH_USER", "MDM_OPENSEARCH_PASSWORD", "MDM_OPENSEARCH_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def _declare(root: Path, url: str, **extra: Any) -> None:
    """Point the project at ``url``: its sources mapping and an ``opensearch:`` block."""
    settings = {"url": url, "indices": extra.pop("indices", INDICES), "timeout": 5, **extra}
    text = (root / "params" / "project.yaml").read_text(encoding="utf-8")
    if "sources:" not in text:
        text += SOURCES
    text += "opensearch: " + json.dumps(settings) + "\n"
    (root / "params" / "project.yaml").write_text(text, encoding="utf-8")


EVIDENCE = """
evidence:
  values:
    people: {metric: contributors, freq: Y}
    newcomers: {metric: new_contributors, freq: Y, as_of: 2023-06-30}
  charts:
    - {metric: contributors, by: community, freq: Q}
    - {metric: onion, freq: Y}
    - {metric: time_to_first_response, activity_type: topic_opened}
"""


def _with_evidence(root: Path, evidence: str = EVIDENCE) -> None:
    with (root / "params" / "topics" / "homework-clubs.yaml").open("a", encoding="utf-8") as out:
        out.write(evidence)


@pytest.fixture
def local(tiny: Path) -> Path:
    """The tiny project with the community imported from Perceval items, people unified."""
    (tiny / "data" / "activity.parquet").unlink(missing_ok=True)
    for name in ("activity.csv",):
        (tiny / "data" / name).unlink(missing_ok=True)
    made = community()
    made.write_aliases(tiny / "data" / "private" / "identities.csv")
    with (tiny / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write(SOURCES)
    import_perceval(tiny, made.write_items(tiny / "data" / "private" / "perceval"))
    return tiny


SPECS: list[dict[str, Any]] = [
    {"metric": "contributors", "freq": "Q"},
    {"metric": "contributors", "freq": "M", "by": "community"},
    {"metric": "contributors", "freq": "Y", "by": "area"},
    {"metric": "contributors", "freq": "Y", "by": "activity_type"},
    {"metric": "contributors", "freq": "Q", "community": "Readers"},
    {"metric": "contributors", "freq": "Y", "activity_type": ["commit", "post"]},
    {"metric": "new_contributors", "freq": "Q"},
    {"metric": "new_contributors", "freq": "Y", "by": "area"},
    {"metric": "new_contributors", "freq": "Q", "area": "support"},
    {"metric": "inactive_contributors", "freq": "Q"},
    {"metric": "activity_status", "freq": "Q"},
    {"metric": "activity_status", "freq": "M", "community": "Catalogue"},
    {"metric": "cohort_retention", "freq": "Q"},
    {"metric": "absence_factor"},
    {"metric": "absence_factor", "by": "community"},
    {"metric": "onion", "freq": "Q"},
    {"metric": "onion", "freq": "Y", "area": "mail"},
    {"metric": "multi_area_share", "freq": "Y"},
    {"metric": "time_to_first_response", "activity_type": "topic_opened"},
    {"metric": "time_to_first_response", "by": "area", "activity_type": "topic_opened"},
    {"metric": "time_to_first_response", "freq": "Q", "activity_type": "topic_opened"},
]


def test_the_same_activity_gives_the_same_tables_locally_and_from_the_cluster(
    local: Path, enriched: str
) -> None:
    from_file = EventsBackend(load_project(local))
    _declare(local, enriched)
    from_cluster = ClusterBackend(load_project(local))
    assert from_cluster.span() == from_file.span()
    for keys in SPECS:
        spec = MetricSpec(**keys)
        pd.testing.assert_frame_equal(
            from_cluster.result(spec, None, 5), from_file.result(spec, None, 5), obj=str(keys)
        )
    cut = pd.Timestamp("2023-07-01", tz="UTC")  # a value's cut-off: the range is in the query
    for keys in SPECS[:12]:
        spec = MetricSpec(**keys)
        pd.testing.assert_frame_equal(
            from_cluster.result(spec, cut, 5), from_file.result(spec, cut, 5), obj=str(keys)
        )


def test_no_name_is_asked_for_and_people_are_keyed_hashes(local: Path, enriched: str) -> None:
    _declare(local, enriched)
    backend = ClusterBackend(load_project(local))
    bodies: list[dict[str, Any]] = []
    search = backend.source.cluster.client.search

    def recording(index: str, body: dict[str, Any]) -> Any:
        bodies.append(body)
        return search(index=index, body=body)

    backend.source.cluster.client.search = recording  # type: ignore[method-assign]
    cells = backend.source.table("cells", None)
    text = json.dumps(bodies)
    assert "author_name" not in text and "author_id" not in text
    assert all(b["size"] == 0 for b in bodies)
    assert all(b.get("_source") is False for b in bodies if "query" in b)
    made = community()
    uuids = {d["author_uuid"] for docs in made.documents.values() for d in docs}
    ids = set(cells["contributor_id"].astype(str))
    assert not ids & uuids and all(i.startswith("p") and len(i) == 16 for i in ids)
    # the pseudonyms are the ones an import with SortingHat's uuids as persons gives
    local_ids = set(EventsBackend(load_project(local)).events["contributor_id"].astype(str))
    assert ids == local_ids


def test_an_unchanged_cluster_costs_one_request_per_index(
    local: Path, enriched: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _declare(local, enriched)
    _with_evidence(local)
    project = load_project(local)
    calls: list[str] = []
    search = opensearch.Cluster.search

    def counted(self: opensearch.Cluster, index: str, body: dict[str, Any]) -> Any:
        calls.append(index)
        return search(self, index, body)

    monkeypatch.setattr(opensearch.Cluster, "search", counted)
    specs = project.sections("proposal")
    # two charts of the values' metrics share none; each value also stores what it counts
    assert precompute(project, specs) == 7
    first = len(calls)
    assert first > len(INDICES)
    calls.clear()
    assert precompute(project, specs) == 0
    assert sorted(calls) == sorted(INDICES), "an unchanged cluster asked more than its state"
    index = json.loads((project.output / STORE / "index.json").read_text(encoding="utf-8"))
    assert index["cluster"] == {"url": enriched, "indices": INDICES}
    research = Research(project)
    value = project.topics["homework-clubs"].evidence.values["newcomers"]
    assert value_cut(project, value, research.last_event()) is not None
    assert "documents" in research.caption("events", "Contributors")


def test_values_and_charts_read_from_the_store_match_the_local_ones(
    local: Path, enriched: str
) -> None:
    _with_evidence(local)
    project = load_project(local)
    specs = project.sections("proposal")
    shown = project.topics["homework-clubs"].evidence
    research = Research(project)
    research.__dict__["store"] = None
    here = {n: v for n, v in ((n, _value(research, s)) for n, s in shown.values.items())}
    _declare(local, enriched)
    clustered = load_project(local)
    precompute(clustered, specs)
    stored = Research(clustered)
    assert stored.store is not None
    assert {n: _value(stored, s) for n, s in shown.values.items()} == here
    assert "events" not in stored.__dict__


def _value(research: Research, spec: ValueSpec) -> tuple[float | None, str | None]:
    from mdm.report.evidence import value_of

    value = value_of(research, spec)
    return value.number, value.latest


def test_approximate_counts_say_so(local: Path, enriched: str) -> None:
    _declare(local, enriched, approximate=True)
    project = load_project(local)
    research = Research(project)
    research.__dict__["store"] = None
    spec = MetricSpec(metric="contributors", freq="Q", by="community")
    exact = EventsBackend(project).result(spec, None, 5)
    # osmem's cardinality is exact (a real cluster's HyperLogLog is within a few percent)
    pd.testing.assert_frame_equal(research.backend.result(spec, None, 5), exact)
    assert "approximately" in chart_for(research, spec).caption
    other = MetricSpec(metric="new_contributors", freq="Q")
    assert "approximately" not in chart_for(research, other).caption


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        (
            "evidence:\n  charts:\n    - {metric: contributor_location}\n",
            r"homework-clubs\.yaml: evidence\.charts\.0: contributor_location cannot be computed "
            r"from the indexes .*: the indexes do not hold a country per contribution",
        ),
        (
            "evidence:\n  charts:\n    - {metric: contributors, by: country}\n",
            r"evidence\.charts\.0: contributors cannot be computed .*by: country: the indexes "
            r"hold no country",
        ),
        (
            "evidence:\n  charts:\n    - {metric: time_to_first_response}\n",
            r"time_to_first_response cannot be computed .*declared: github_issues, mbox "
            r"\(set activity_type to post or topic_opened\)",
        ),
        (
            "evidence:\n  values:\n    rate: {metric: conversion_rate}\n",
            r"evidence\.values\.rate: conversion_rate cannot be computed",
        ),
        (
            "evidence:\n  charts:\n    - {metric: onion, activity_type: translation}\n",
            r"evidence\.charts\.0: onion cannot be computed .*activity_type: no declared index "
            r"or sources: entry gives 'translation' \(given: commit, issue_opened, message, post, "
            r"pull_request_opened, thread_opened, topic_opened\)",
        ),
        (
            "evidence:\n  charts:\n    - {metric: onion, community: L10N}\n",
            r"community: no declared index or sources: entry gives 'L10N' \(given: Catalogue, "
            r"Readers\)",
        ),
    ],
    ids=[
        "location",
        "by-country",
        "responses-without-replies",
        "conversion",
        "unknown-activity",
        "unknown-community",
    ],
)
def test_a_metric_the_indexes_cannot_answer_is_an_error_at_check(
    tiny: Path, evidence: str, message: str
) -> None:
    _declare(tiny, "https://grimoirelab.example.org:9200")
    _with_evidence(tiny, evidence)
    with pytest.raises(ConfigError, match=message):
        check(tiny)


def test_a_declared_cluster_needs_no_events_file_at_check(tiny: Path) -> None:
    (tiny / "data" / "activity.parquet").unlink(missing_ok=True)
    _declare(tiny, "https://grimoirelab.example.org:9200")
    _with_evidence(tiny, "evidence:\n  charts:\n    - {metric: onion}\n")
    from mdm.build.check import check_data

    assert check_data(check(tiny)[0]) == []


# --- faults ----------------------------------------------------------------------------------


def _failing(root: Path, url: str, **extra: Any) -> pytest.ExceptionInfo[DataError]:
    """Precompute into a staging store against ``url``; the published store must not change."""
    store = root / "output" / STORE
    before = {p.name: p.read_bytes() for p in store.iterdir()} if store.is_dir() else {}
    _declare(root, url, **extra)
    project = load_project(root)
    with pytest.raises(DataError) as caught:
        precompute(project, project.sections("proposal"), into=root / "output" / ".staging")
    after = {p.name: p.read_bytes() for p in store.iterdir()} if store.is_dir() else {}
    assert after == before
    assert len(str(caught.value).splitlines()) == 1
    return caught


@pytest.fixture
def built(local: Path) -> Path:
    """``local`` with a published evidence store from its events file."""
    _with_evidence(local)
    project = load_project(local)
    precompute(project, project.sections("proposal"))
    assert (local / "output" / STORE / "index.json").is_file()
    return local


def test_an_unreachable_cluster_is_one_error_after_bounded_retries(built: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    caught = _failing(built, url, retries=2)
    assert str(caught.value).startswith(f"{url}: index git: cannot reach the cluster")
    assert str(caught.value).endswith("tried 3 times")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"error": "Unauthorized"}, r"refused the credentials \(401\)"),
        (
            403,
            {"error": {"type": "security_exception", "reason": "no permissions"}, "status": 403},
            r"may not read this index \(403: no permissions\)",
        ),
        (
            200,
            {"_shards": {"total": 2, "successful": 1, "failed": 1}, "hits": {}},
            r"1 of 2 shards failed \(a partial page\); tried 2 times",
        ),
        (
            404,
            {"error": {"type": "index_not_found_exception", "reason": "no such index [git]"}},
            r"index git: no such index or alias in the cluster",
        ),
    ],
    ids=["wrong-credentials", "forbidden", "partial-page", "missing-alias"],
)
def test_a_refusal_is_one_error_naming_cluster_and_index(
    built: Path, status: int, body: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDM_OPENSEARCH_USER", "reader")
    monkeypatch.setenv("MDM_OPENSEARCH_PASSWORD", "wrong")
    with servers.stub(status, body) as url:
        caught = _failing(built, url, retries=1)
    assert str(caught.value).startswith(f"{url}: index git: ")
    assert "wrong" not in str(caught.value)
    import re

    assert re.search(message, str(caught.value))


def test_a_missing_alias_in_a_real_cluster_names_it(
    built: Path, search_server: tuple[str, int]
) -> None:
    url, ident = servers.clone(search_server[0])
    try:
        servers.load(url, community(), indexes=["git"])
        caught = _failing(built, url, indices=["git", "mbox"])
    finally:
        servers.drop_clone(search_server[0], ident)
    assert str(caught.value) == f"{url}: index mbox: no such index or alias in the cluster"


def test_a_cluster_that_stops_answering_times_out(built: Path) -> None:
    with servers.osmem() as (url, pid):
        os.kill(pid, signal.SIGSTOP)
        try:
            caught = _failing(built, url, timeout=0.5, retries=1)
        finally:
            os.kill(pid, signal.SIGCONT)
    assert str(caught.value) == f"{url}: index git: no answer within 0.5 s; tried 2 times"


def test_tls_is_verified_with_the_projects_ca(local: Path, enriched: str) -> None:
    _with_evidence(local)
    with servers.tls_proxy(enriched, local) as (url, bundle):
        caught = _failing(local, url, retries=0)
        assert "cannot verify the cluster's certificate" in str(caught.value)
        text = (local / "params" / "project.yaml").read_text(encoding="utf-8")
        text = text.replace('"timeout": 5', f'"timeout": 5, "ca_certs": "{bundle.name}"')
        (local / "params" / "project.yaml").write_text(text, encoding="utf-8")
        backend = ClusterBackend(load_project(local))
        assert backend.source.documents() > 0


def test_credentials_come_from_the_environment_only(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"opensearch: user: unknown key|opensearch.*user"):
        _declare(tiny, "http://127.0.0.1:9", user="reader")
        load_project(tiny)
    monkeypatch.setenv("MDM_OPENSEARCH_USER", "reader")
    from mdm.sources.grimoirelab import credentials

    with pytest.raises(DataError, match="set both MDM_OPENSEARCH_USER and MDM_OPENSEARCH_PASSWORD"):
        credentials("http://127.0.0.1:9")


def test_a_topic_chart_caption_says_when_people_are_counted_approximately(
    local: Path, enriched: str
) -> None:
    from mdm.report.pages.topic import chart_caption

    _declare(local, enriched, approximate=True)
    project = load_project(local)
    topic = project.topics["homework-clubs"]
    research = Research(project)
    counted = MetricSpec(metric="contributors", freq="Y")
    assert chart_caption(research, counted, topic).endswith(
        "People counted approximately (HyperLogLog in GrimoireLab's OpenSearch, typically "
        "within 1–2%)."
    )
    exact = MetricSpec(metric="onion", freq="Y")
    assert "approximately" not in chart_caption(research, exact, topic)


# --- the hand-made documents against GrimoireLab's own enrichment (optional) ------------------

ELK = os.environ.get("MDM_GRIMOIRE_ELK_PYTHON")
FIELDS = {  # what mdm reads of each index, beside the fields every document has
    "git": (),
    "github_issues": ("pull_request",),
    "discourse": ("type", "first_answer"),
    "mbox": ("root",),
}


@pytest.mark.skipif(not ELK, reason="set MDM_GRIMOIRE_ELK_PYTHON to a python with grimoire-elk")
@pytest.mark.parametrize(
    ("backend", "alias"),
    [("git", "git"), ("github", "github_issues"), ("discourse", "discourse"), ("mbox", "mbox")],
)
def test_hand_made_documents_have_grimoire_elks_shape(
    backend: str, alias: str, tmp_path: Path
) -> None:
    import subprocess

    made = community()
    items = {p.stem: p for p in made.write_items(tmp_path)}
    out = tmp_path / f"{backend}.enriched.jsonl"
    script = Path(__file__).parent / "grimoire" / "enrich.py"
    subprocess.run(
        [str(ELK), str(script), backend, str(items[backend]), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    theirs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ours = made.documents[alias]
    assert len(theirs) == len(ours)
    key = "id" if alias == "discourse" else "uuid"
    by_key = {d[key]: d for d in theirs}
    for doc in ours:
        elk = by_key[doc[key]]
        for field in ("origin", "uuid", *FIELDS[alias]):
            assert elk.get(field) == doc.get(field), (field, doc[key])
        for field in ("grimoire_creation_date", "metadata__updated_on"):
            assert pd.Timestamp(elk[field]) == pd.Timestamp(doc[field]), (field, doc[key])
        assert elk["author_uuid"] and isinstance(elk["author_bot"], bool)


# --- a whole build ------------------------------------------------------------------------------


@pytest.mark.kernel
def test_a_build_shows_the_clusters_numbers_and_keeps_the_old_ones_when_it_fails(
    local: Path, enriched: str
) -> None:
    from mdm.build.pipeline import BuildOptions, build

    findings = "findings: |\n  {{ people }} people contributed in {{ people.period }}.\n"
    _with_evidence(local, EVIDENCE + findings)
    from mdm.report.evidence import format_value, value_of

    expected = Research(load_project(local))
    expected.__dict__["store"] = None
    spec = expected.project.topics["homework-clubs"].evidence.values["people"]
    people = value_of(expected, spec)
    (local / "data" / "activity.parquet").rename(local / "data" / "elsewhere.parquet")
    _declare(local, enriched)
    build(BuildOptions(project_dir=local, formats=("html",)))
    html = (local / "output" / "proposal.html").read_text(encoding="utf-8")
    assert f"{format_value(people)} people contributed in {people.latest}" in html
    published = {p.name: p.read_bytes() for p in (local / "output").glob("*.html")}
    text = (local / "params" / "project.yaml").read_text(encoding="utf-8")
    (local / "params" / "project.yaml").write_text(
        text.replace(enriched, "http://127.0.0.1:9"), encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"^http://127\.0\.0\.1:9: index git: cannot reach"):
        build(BuildOptions(project_dir=local, formats=("html",), force=True))
    assert {p.name: p.read_bytes() for p in (local / "output").glob("*.html")} == published
