"""Evidence computed once per build, outside the kernels: the metric results sections show.

Every section used to load and filter the whole events table in its own kernel, so a build's
time and memory grew with the events once per section. :func:`precompute` instead asks the
project's backend (:mod:`mdm.report.backends`: the events file, loaded once in the build's
process, or GrimoireLab's OpenSearch) for every metric result that the sections being built
will show (charts and values, with the cut-off a value's ``as_of`` implies) and stores each small
result as Parquet in the evidence store (:mod:`mdm.report.store`), where a section's
:class:`~mdm.report.evidence.Research` finds it and loads the events only for what the store
lacks. ``index.json`` records what the results were computed from (the events file's size,
modification time and SHA-256, or the cluster and a digest of its state; rows, first and last
event), mdm's code fingerprint and the results stored; results of older events or code are
removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import BuildError
from mdm.params.models import ValueSpec
from mdm.report.backends import open_backend
from mdm.report.evidence import result_cut
from mdm.report.results import Counted, result_key
from mdm.report.store import (
    INDEX,
    STORE,
    VERSION,
    EventsFile,
    declared_cluster,
    events_of,
    read_index,
    result_name,
)
from mdm.version import code_fingerprint

if TYPE_CHECKING:
    import pandas as pd

    from mdm.params.models import Document, MetricKeys, MetricSpec
    from mdm.params.project import Project, SectionSpec
    from mdm.report.backends import Backend

__all__ = ["precompute", "wanted"]

# columns or index levels that would name a person; a stored result must be an aggregate
_PERSONAL = ("contributor_id",)


def wanted(
    project: Project, specs: Sequence[SectionSpec]
) -> list[tuple[MetricSpec | ValueSpec | Counted, Document]]:
    """Every chart and value spec that the topic sections among ``specs`` show, each with the
    document it is shown in (a document's ``as_of`` decides which events count); with each
    value and headline, what it counts (the sources appendix states it)."""
    found: list[tuple[MetricSpec | ValueSpec | Counted, Document]] = []
    seen = set()
    for spec in specs:
        topic_id = spec.parameters.get("topic")
        if topic_id is None or (topic_id, spec.document) in seen:
            continue
        seen.add((topic_id, spec.document))
        evidence, document = project.topics[topic_id].evidence, project.document(spec.document)
        shown: list[MetricSpec | ValueSpec] = [*evidence.charts, *evidence.values.values()]
        found += [(one, document) for one in shown]
    for document in map(project.document, dict.fromkeys(s.document for s in specs)):
        if "summary" in document.front:  # its headlines
            found += [(one, document) for one in document.headlines.values()]
    found += [(Counted(one), doc) for one, doc in found if isinstance(one, ValueSpec)]
    return found


def _private(result: pd.DataFrame) -> list[str]:
    names = [*map(str, result.columns), *(str(n) for n in result.index.names if n is not None)]
    return [n for n in names if n in _PERSONAL]


def _write(folder: Path, name: str, result: pd.DataFrame, key: str) -> None:
    """One result, written to a temporary file and renamed, so a reader never sees half a file."""
    personal = _private(result)
    if personal:
        raise BuildError(
            f"a metric result names people ({', '.join(personal)}); not stored", field=key
        )
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=folder)
    os.close(handle)
    try:
        result.to_parquet(temporary)
        os.replace(temporary, folder / name)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _write_index(
    folder: Path,
    events: EventsFile,
    code: str,
    results: dict[str, str],
    cluster: dict[str, Any] | None,
) -> None:
    data = {"version": VERSION, "code": code, "events": events.__dict__, "results": results}
    if cluster is not None:
        data["cluster"] = cluster
    temporary = folder / f".tmp-{INDEX}"
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, folder / INDEX)


def _prune(folder: Path, keep: Iterable[str]) -> None:
    """Remove results of other events files or other mdm code: they can never be used again."""
    kept = set(keep)
    for path in folder.glob("*.parquet"):
        if path.name not in kept:
            path.unlink(missing_ok=True)


def _carry_over(previous: Path, folder: Path, results: dict[str, str]) -> dict[str, str]:
    """The previous store's results, linked into ``folder`` (a build's staging store)."""
    kept = {}
    for name, key in results.items():
        try:
            os.link(previous / name, folder / name)
        except FileExistsError:
            pass
        except OSError:  # gone, or another file system: computed again instead
            continue
        kept[name] = key
    return kept


Job = tuple["MetricKeys | Counted", "pd.Timestamp | None", str]
"""A result to compute: its spec, its cut-off and its key."""


def _compute(backend: Backend, folder: Path, missing: dict[str, Job], min_group: int) -> None:
    """Compute and write each missing result (file name → job)."""
    jobs = list(missing.items())

    def compute(job: tuple[str, Job]) -> None:
        name, (spec, before, key) = job
        _write(folder, name, backend.result(spec, before, min_group), key)

    for job in jobs[:1]:  # the first loads the events (or asks the cluster) for the others
        compute(job)
    if len(jobs) < 2:
        return
    # NumPy sorts and counts without holding the GIL: the idle cores compute results too
    with ThreadPoolExecutor(max_workers=backend.workers()) as pool:
        list(pool.map(compute, jobs[1:]))


def precompute(
    project: Project, specs: Sequence[SectionSpec], *, force: bool = False, into: Path | None = None
) -> int:
    """Store every metric result the sections ``specs`` show; return how many were computed.

    ``into`` is the store to write (default: the project's, ``output/evidence``); a build
    writes its staging folder's and publishes it with the documents, so a failed build leaves
    the previous store as it was. Results already in the project's store for the same events
    (the file's content, or the cluster's state: one request per index) and code are kept
    (carried into ``into``) unless ``force``; the events are loaded, or the cluster asked, only
    when some result is missing.
    """
    shown = wanted(project, specs)
    backend = open_backend(project)
    if not shown or not backend.available():
        return 0  # nothing to show; or no events, which the check has reported already
    previous = project.output / STORE
    folder = into or previous
    folder.mkdir(parents=True, exist_ok=True)
    index = read_index(previous)
    old = events_of(index)
    digest, code, cluster = backend.digest(), code_fingerprint(), declared_cluster(project)
    same = old is not None and old.sha256 == digest and index.get("cluster") == cluster
    # results of other code are never read again (their names differ): start afresh
    if same and index.get("code") == code and not force:
        results: dict[str, str] = dict(index.get("results", {}))
        if folder != previous:
            results = _carry_over(previous, folder, results)
        description = backend.describe(old)
    else:
        results, description = {}, backend.describe(None)
    missing: dict[str, Job] = {}
    for spec, document in shown:
        before = result_cut(project, spec, description.last_ns, document)
        key = result_key(spec, before)
        name = result_name(key, digest, code)
        if not (name in results and (folder / name).is_file()):
            missing[name] = (spec, before, key)
    _compute(backend, folder, missing, project.info.data.min_group)
    results.update((name, key) for name, (_, _, key) in missing.items())
    _write_index(folder, description, code, results, cluster)
    _prune(folder, results)
    return len(missing)
