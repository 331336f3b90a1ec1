"""What GrimoireLab's enriched indexes hold, and which metrics can be computed from them.

GrimoireLab keeps one enriched document per commit, issue, post or message in OpenSearch, read
through aliases (``git``, ``github_issues``, ``discourse``, ``mbox``). Every document has
``grimoire_creation_date``, ``origin``, ``metadata__updated_on`` and its author's ``author_uuid``
(SortingHat's unique individual), ``author_bot`` and ``author_org_name``. This module says, per
alias, which documents are contributions and which activity type each is (the one ``mdm
import perceval`` gives the same item, so the numbers agree either way), where an origin belongs
(the project's ``sources:``), and, for ``mdm check``, which metric specs the declared aliases
cannot answer. It asks the cluster nothing: :mod:`mdm.sources.opensearch` does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from mdm.errors import ConfigError, DataError, Problem
from mdm.metrics.definitions import DEFINITIONS

if TYPE_CHECKING:
    from mdm.params.models import MetricKeys, OpenSearch, Source
    from mdm.params.project import Project

__all__ = [
    "INDEXES",
    "USER_ENV",
    "Credentials",
    "IndexKind",
    "Place",
    "cluster_problems",
    "credentials",
    "places",
]

USER_ENV, PASSWORD_ENV, API_KEY_ENV = (
    "MDM_OPENSEARCH_USER",
    "MDM_OPENSEARCH_PASSWORD",
    "MDM_OPENSEARCH_API_KEY",
)


@dataclass(frozen=True)
class IndexKind:
    """One enriched index: how its documents become contributions.

    ``kinds``: the value of ``kind_field`` → the activity type (``None``: the field is absent or
    missing on a document); ``skip``: a query for the documents that are not contributions of
    their own; ``threads``: the field that its documents of one thread share, when the index has
    a document per reply.
    """

    kind_field: str | None
    kinds: dict[Any, str]
    skip: dict[str, Any] | None = None
    threads: str | None = None


INDEXES: dict[str, IndexKind] = {
    # one document per commit, for its author
    "git": IndexKind(None, {None: "commit"}),
    # one per issue or pull request, for who opened it (comments are not documents here)
    "github_issues": IndexKind(
        "pull_request", {True: "pull_request_opened", False: "issue_opened", None: "issue_opened"}
    ),
    # the topic ("question") and one "answer" per post, the first post included: that one is
    # the question again (first_answer 1) and is not counted twice
    "discourse": IndexKind(
        "type",
        {"question": "topic_opened", "answer": "post"},
        skip={"bool": {"filter": [{"term": {"type": "answer"}}, {"term": {"first_answer": 1}}]}},
        threads="uuid",
    ),
    # one per message; root is false when it replies to another (no thread id is kept)
    "mbox": IndexKind("root", {True: "thread_opened", False: "message", None: "thread_opened"}),
}


@dataclass(frozen=True)
class Place:
    """Where an origin's contributions belong (its ``sources:`` entry)."""

    community: str
    area: str
    country: str | None = None


def places(origins: Sequence[str], sources: Sequence[Source], url: str) -> dict[str, Place]:
    """Each origin's place: the first ``sources:`` entry whose glob matches it.

    An origin that no entry matches is an error listing every such origin, as an import's is.
    """
    found: dict[str, Place] = {}
    unmapped = []
    for origin in origins:
        match = next((s for s in sources if fnmatchcase(origin, s.origin)), None)
        if match is None:
            unmapped.append(origin)
        else:
            found[origin] = Place(match.community, match.area, match.country)
    if unmapped:
        raise ConfigError(
            "expected an entry (origin, community, area) matching every origin in the "
            f"cluster; unmapped: {', '.join(sorted(unmapped))}",
            path="params/project.yaml",
            field="sources",
        )
    return found


@dataclass(frozen=True)
class Credentials:
    """How to sign in: a user and password, an API key, or neither (an open cluster)."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)


def credentials(url: str) -> Credentials:
    """The cluster's credentials, from the environment only (never from the params)."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    api_key = os.environ.get(API_KEY_ENV)
    if api_key and (user or password):
        raise DataError(
            f"set either {API_KEY_ENV} or {USER_ENV} and {PASSWORD_ENV}, not both", path=url
        )
    if bool(user) != bool(password):
        raise DataError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither", path=url)
    return Credentials(user or None, password or None, api_key or None)


# --- mdm check: what the declared indexes cannot answer -------------------------------------


def _unknown(spec: MetricKeys, declared: Sequence[str], sources: Sequence[Source]) -> str | None:
    """A filter value that no declared index or ``sources:`` entry can give."""
    given = {
        "activity_type": {kind for a in declared for kind in INDEXES[a].kinds.values()},
        "community": {s.community for s in sources},
        "area": {s.area for s in sources},
    }
    for name, wanted in spec.filters().items():
        for value in [wanted] if isinstance(wanted, str) else wanted:
            if value not in given[name]:
                known = ", ".join(sorted(given[name])) or "none"
                return (
                    f"{name}: no declared index or sources: entry gives {value!r} (given: {known})"
                )
    return None


def _missing(spec: MetricKeys, declared: Sequence[str]) -> str | None:
    """What the declared indexes lack for ``spec``; None when it can be computed there."""
    form = DEFINITIONS[spec.metric].cluster
    if form.table is None:
        return f"the indexes do not hold {form.missing}"
    if spec.by is not None and spec.by not in form.by:
        return f"by: {spec.by}: the indexes hold no {spec.by} (by: {', '.join(form.by)} can)"
    if form.table == "threads":
        # git has no threads at all; these have threads whose replies the index does not hold
        unthreaded = [a for a in declared if INDEXES[a].threads is None and a != "git"]
        wanted = spec.filters().get("activity_type")
        chosen = [wanted] if isinstance(wanted, str) else wanted
        threaded_kinds = {
            kind for a in declared if INDEXES[a].threads for kind in INDEXES[a].kinds.values()
        }
        if not threaded_kinds:
            return f"needs {form.missing}; none is declared"
        if unthreaded and not (chosen and set(chosen) <= threaded_kinds):
            return (
                f"needs {form.missing}; declared: {', '.join(unthreaded)} "
                f"(set activity_type to {' or '.join(sorted(threaded_kinds))})"
            )
    return None


def cluster_problems(project: Project) -> list[Problem]:
    """Every chart and value that the declared indexes cannot answer, one problem each."""
    config: OpenSearch | None = project.info.opensearch
    if config is None:
        return []
    problems = []
    for topic in project.topics.values():
        evidence = topic.evidence
        specs: list[tuple[str, MetricKeys]] = [
            *((f"evidence.charts.{i}", c) for i, c in enumerate(evidence.charts)),
            *((f"evidence.values.{n}", v) for n, v in evidence.values.items()),
        ]
        for where, spec in specs:
            missing = _missing(spec, config.indices) or _unknown(
                spec, config.indices, project.info.sources
            )
            if missing is not None:
                problems.append(
                    Problem(
                        f"{spec.metric} cannot be computed from the indexes declared in "
                        f"params/project.yaml (opensearch.indices): {missing}",
                        path=f"params/topics/{topic.id}.yaml",
                        field=where,
                    )
                )
    return problems
