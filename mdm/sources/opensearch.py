"""Metric results computed in GrimoireLab's OpenSearch: only aggregates come back.

:class:`Cluster` is the connection: credentials from the environment, TLS verified (with the
project's ``ca_certs`` when given), each request tried again a bounded number of times with a
growing pause, and every failure one :class:`~mdm.errors.DataError` naming the cluster and the
index. :class:`ClusterSource` answers what the evidence store asks of a backend
(:mod:`mdm.report.backends`): what the cluster holds now (one cheap request per index) and a
metric's result table.

A result is computed the way the metric's registry entry says
(:class:`mdm.metrics.definitions.ClusterForm`): the cluster aggregates its documents with
composite aggregations, paged with ``after_key``, into a table shaped like the events (one
row per person, month, origin, kind of document and bot mark: ``cells``; or per thread and
person: ``threads``), and the metric's own computation runs on that table. Documents are never
read (``_source`` off, no hits): names and emails never leave the cluster, and each
``author_uuid`` is replaced by a keyed hash (the project's pseudonym key) as it arrives.
Contributors may instead be counted with HyperLogLog (``cardinality``) when the project sets
``approximate``; nothing else is approximate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from opensearchpy import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,
    ConnectionTimeout,
    NotFoundError,
    RequestError,
    SSLError,
    TransportError,
)
from opensearchpy import (
    OpenSearch as Client,
)

from mdm.errors import DataError
from mdm.metrics._arrays import with_months
from mdm.metrics.definitions import DEFINITIONS
from mdm.metrics.publish import suppress_small
from mdm.sources.grimoirelab import INDEXES, Place, credentials, places
from mdm.sources.identities import load_key, save_key

if TYPE_CHECKING:
    from mdm.params.models import MetricKeys, OpenSearch
    from mdm.params.project import Project

__all__ = [
    "PAGE",
    "Cluster",
    "ClusterSource",
    "ClusterState",
    "approximate_contributors",
    "counted_approximately",
]

PAGE = 10_000
"""Buckets per composite page (OpenSearch refuses more than 65,535)."""
BACKOFF = 0.5
"""Seconds before the first retry; each later one waits twice as long."""
_DATE = "grimoire_creation_date"
_MS = 1_000_000  # nanoseconds per millisecond


class Cluster:
    """An OpenSearch cluster as mdm talks to it; ``requests`` counts what was asked."""

    def __init__(self, config: OpenSearch, root: Path) -> None:
        self.url, self.config = config.url, config
        login = credentials(config.url)
        options: dict[str, Any] = {
            "timeout": config.timeout,
            "max_retries": 0,  # retried here, with backoff and one error at the end
            "verify_certs": True,
            "ssl_show_warn": False,
        }
        if config.url.startswith("https://"):
            options["use_ssl"] = True
            if config.ca_certs:
                options["ca_certs"] = str(root / config.ca_certs)
        if login.user:
            options["http_auth"] = (login.user, login.password)
        if login.api_key:
            options["headers"] = {"Authorization": f"ApiKey {login.api_key}"}
        self.client = Client(hosts=[config.url], **options)
        self.requests = 0

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        """One search, tried again on a timeout, a dropped connection or a partial answer."""
        tries = self.config.retries + 1
        why = ""
        for attempt in range(tries):
            if attempt:
                time.sleep(BACKOFF * 2 ** (attempt - 1))
            self.requests += 1
            try:
                answer: dict[str, Any] = self.client.search(index=index, body=body)
            except (AuthenticationException, AuthorizationException) as err:
                raise self._error(index, _refused(err)) from err
            except NotFoundError as err:
                raise self._error(index, "no such index or alias in the cluster") from err
            except SSLError as err:
                raise self._error(index, _tls(err)) from err
            except ConnectionTimeout:
                why = f"no answer within {self.config.timeout:g} s"
            except ConnectionError as err:
                why = f"cannot reach the cluster ({_reason(err)})"
            except RequestError as err:  # a query the cluster does not understand: no retry
                raise self._error(index, f"the cluster refused the query: {_reason(err)}") from err
            except TransportError as err:
                why = f"the cluster failed ({err.status_code}: {_reason(err)})"
            else:
                why = _partial(answer)
                if not why:
                    return answer
        raise self._error(index, f"{why}; tried {tries} times")

    def _error(self, index: str, message: str) -> DataError:
        return DataError(message, path=self.url, field=f"index {index}")


def _reason(err: TransportError) -> str:
    info = err.info if isinstance(err.info, dict) else {}
    cause = info.get("error", {})
    if isinstance(cause, dict):
        return str(cause.get("reason") or cause.get("type") or err.error)
    return str(cause or err.error or err)


def _refused(err: TransportError) -> str:
    if err.status_code == 401:
        return "the cluster refused the credentials (401); check MDM_OPENSEARCH_USER/PASSWORD or MDM_OPENSEARCH_API_KEY"
    return f"the credentials may not read this index (403: {_reason(err)})"


def _tls(err: Exception) -> str:
    return f"cannot verify the cluster's certificate ({err}); set opensearch.ca_certs to its CA"


def _partial(answer: dict[str, Any]) -> str:
    """Why an answer is not the whole answer; empty when it is."""
    shards = answer.get("_shards", {})
    if answer.get("timed_out"):
        return "the cluster timed out before answering in full"
    if shards.get("failed"):
        return f"{shards['failed']} of {shards.get('total', '?')} shards failed (a partial page)"
    return ""


# --- what the cluster holds now --------------------------------------------------------------


@dataclass(frozen=True)
class ClusterState:
    """Per index: documents, latest update, first and last contribution, origins."""

    indexes: dict[str, dict[str, Any]]
    requests: int
    digest: str = field(compare=False, default="")


def _state_body() -> dict[str, Any]:
    people = {"must_not": [{"term": {"author_bot": True}}]}
    return {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "updated": {"max": {"field": "metadata__updated_on"}},
            "people": {
                "filter": {"bool": people},
                "aggs": {"first": {"min": {"field": _DATE}}, "last": {"max": {"field": _DATE}}},
            },
            "origins": {"terms": {"field": "origin", "size": PAGE}},
        },
    }


# --- tables shaped like the events -------------------------------------------------------------


def _composite(
    cluster: Cluster, index: str, query: dict[str, Any], sources: list[Any], aggs: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every bucket of a composite aggregation, page by page (``after_key``)."""
    after = None
    while True:
        composite: dict[str, Any] = {"size": PAGE, "sources": sources}
        if after is not None:
            composite["after"] = after
        body = {
            "size": 0,
            "_source": False,
            "track_total_hits": False,
            "query": query,
            "aggs": {"page": {"composite": composite, "aggs": aggs}},
        }
        page = cluster.search(index, body).get("aggregations", {}).get("page")
        if page is None:
            raise cluster._error(index, "the answer holds no aggregation (a partial page)")
        yield from page["buckets"]
        after = page.get("after_key")
        if after is None or len(page["buckets"]) < PAGE:
            return


def _query(index: str, before: pd.Timestamp | None) -> dict[str, Any]:
    kind = INDEXES[index]
    query: dict[str, Any] = {"bool": {"filter": [{"exists": {"field": "author_uuid"}}]}}
    if before is not None:
        stamp = before.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        query["bool"]["filter"].append({"range": {_DATE: {"lt": stamp}}})
    if kind.skip is not None:
        query["bool"]["must_not"] = [kind.skip]
    return query


def _terms(name: str, field_name: str) -> dict[str, Any]:
    return {name: {"terms": {"field": field_name, "missing_bucket": True}}}


def _sources(index: str, first: dict[str, Any]) -> list[Any]:
    kind = INDEXES[index]
    sources = [first, _terms("person", "author_uuid"), _terms("origin", "origin")]
    if kind.kind_field is not None:
        sources.append(_terms("kind", kind.kind_field))
    sources.append(_terms("bot", "author_bot"))
    return sources


_MONTH = {"month": {"date_histogram": {"field": _DATE, "calendar_interval": "month"}}}
_SPAN = {"first": {"min": {"field": _DATE}}, "last": {"max": {"field": _DATE}}}


@dataclass
class _Rows:
    """Buckets gathered into columns, then made into a table shaped like the events."""

    person: list[str] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    bot: list[bool] = field(default_factory=list)
    thread: list[str] = field(default_factory=list)

    def add(self, index: str, bucket: dict[str, Any]) -> None:
        key = bucket["key"]
        if key.get("person") is None or bucket["first"]["value"] is None:
            return
        self.person.append(key["person"])
        self.first.append(bucket["first"]["value"])
        self.last.append(bucket.get("last", bucket["first"])["value"])
        self.count.append(bucket["doc_count"])
        self.origin.append(str(key.get("origin") or ""))
        kinds = INDEXES[index].kinds
        self.kind.append(kinds.get(_plain(key.get("kind")), kinds.get(None, "other")))
        self.bot.append(bool(key.get("bot")))
        if "thread" in key:
            self.thread.append(str(key["thread"]))

    def table(self, key: bytes, where: dict[str, Place]) -> pd.DataFrame:
        n = len(self.person)
        spots = [where[o] for o in self.origin]
        frame = pd.DataFrame(
            {
                "contributor_id": _hashed(self.person, key),
                "timestamp": _stamps(self.first),
                "community": pd.Categorical([p.community for p in spots]),
                "area": pd.Categorical([p.area for p in spots]),
                "activity_type": pd.Categorical(self.kind),
                "country": pd.Categorical([p.country for p in spots]),
                "affiliation": pd.Categorical([None] * n, categories=pd.Index([], dtype="str")),
                "is_bot": np.array(self.bot, dtype=bool),
                "thread_id": _hashed(self.thread, key) if self.thread else _none(n),
                "utc_offset_minutes": np.zeros(n, dtype="int16"),
            }
        )
        frame["until"] = _stamps(self.last)
        frame["contributions"] = np.array(self.count, dtype=np.int64)
        return frame


def _plain(value: Any) -> Any:
    """A bucket key as the index kinds name it (booleans come back as true/false or 1/0)."""
    if value in (1, "true"):
        return True
    if value in (0, "false"):
        return False
    return value


def _stamps(ms: list[float]) -> pd.Series:
    values = (np.array(ms, dtype=np.float64)).astype(np.int64) * _MS
    return pd.Series(pd.to_datetime(values, unit="ns", utc=True))


def _hashed(values: list[str], key: bytes) -> pd.Categorical:
    """Keyed hashes, as ``mdm import`` pseudonymises a SortingHat person: the same ids."""
    codes, uniques = pd.factorize(pd.Series(values, dtype="str"))
    labels = [
        "p" + hmac.new(key, f"person:{u}".encode(), hashlib.sha256).hexdigest()[:15]
        for u in uniques
    ]
    return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype="str"))


def _none(n: int) -> pd.Categorical:
    return pd.Categorical([None] * n, categories=pd.Index([], dtype="str"))


# --- the backend ----------------------------------------------------------------------------


class ClusterSource:
    """Metric results from the cluster a project declares (``opensearch:``)."""

    def __init__(self, project: Project) -> None:
        config = project.info.opensearch
        if config is None:
            raise ValueError("the project declares no opensearch")
        self.project, self.config = project, config
        self.cluster = Cluster(config, project.root)
        self._state: ClusterState | None = None
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}

    @property
    def requests(self) -> int:
        return self.cluster.requests

    def state(self) -> ClusterState:
        """What the cluster holds now: one request per index (cheap: no document is read)."""
        if self._state is None:
            indexes: dict[str, dict[str, Any]] = {}
            for index in self.config.indices:
                answer = self.cluster.search(index, _state_body())
                aggs = answer.get("aggregations", {})
                indexes[index] = {
                    "documents": answer.get("hits", {}).get("total", {}).get("value", 0),
                    "updated": aggs.get("updated", {}).get("value"),
                    "first": aggs.get("people", {}).get("first", {}).get("value"),
                    "last": aggs.get("people", {}).get("last", {}).get("value"),
                    "origins": sorted(b["key"] for b in aggs.get("origins", {}).get("buckets", [])),
                }
            mapping = [s.model_dump() for s in self.project.info.sources]
            what = {"url": self.config.url, "approximate": self.config.approximate}
            text = json.dumps([what, indexes, mapping], sort_keys=True, default=str)
            digest = hashlib.sha256(text.encode()).hexdigest()
            self._state = ClusterState(indexes, self.cluster.requests, digest)
        return self._state

    def span(self) -> tuple[int | None, int | None]:
        """The first and last contribution by a person (not a bot), in nanoseconds (UTC)."""
        firsts = [s["first"] for s in self.state().indexes.values() if s["first"] is not None]
        lasts = [s["last"] for s in self.state().indexes.values() if s["last"] is not None]
        if not firsts:
            return None, None
        return int(min(firsts)) * _MS, int(max(lasts)) * _MS

    def documents(self) -> int:
        return int(sum(s["documents"] for s in self.state().indexes.values()))

    def _places(self) -> dict[str, Place]:
        origins = sorted({o for s in self.state().indexes.values() for o in s["origins"]})
        return places(origins, self.project.info.sources, self.config.url)

    def table(self, kind: str, before: pd.Timestamp | None) -> pd.DataFrame:
        """The documents aggregated into ``cells`` or ``threads`` (see the module's docstring)."""
        cached = (kind, str(before))
        if cached not in self._tables:
            rows = _Rows()
            for index in self.config.indices:
                thread = INDEXES[index].threads
                if kind == "threads" and thread is None:
                    continue
                first = _terms("thread", thread) if thread and kind == "threads" else _MONTH
                aggs = {"first": _SPAN["first"]} if kind == "threads" else _SPAN
                sources = _sources(index, first)
                for bucket in _composite(self.cluster, index, _query(index, before), sources, aggs):
                    rows.add(index, bucket)
            key, new = load_key(self.project.root)
            if new:
                save_key(self.project.root, key)
            self._tables[cached] = with_months(rows.table(key, self._places()))
        return self._tables[cached]

    def result(self, spec: MetricKeys, before: pd.Timestamp | None, min_group: int) -> pd.DataFrame:
        """The metric's result table, the same shape as from the events."""
        definition = DEFINITIONS[spec.metric]
        form = definition.cluster
        if form.table is None:
            raise DataError(
                f"{spec.metric} cannot be computed from the cluster: it does not hold {form.missing}",
                path=self.config.url,
            )
        if counted_approximately(self.config, spec):
            return self._approximate(spec, before, min_group)
        return definition.compute(self.table(form.table, before), spec, min_group)

    def _approximate(
        self, spec: MetricKeys, before: pd.Timestamp | None, min_group: int
    ) -> pd.DataFrame:
        return approximate_contributors(self, spec, before, min_group)


def _approximable(spec: MetricKeys) -> bool:
    """HyperLogLog answers people per period over whole indexes, by community or area."""
    return "activity_type" not in spec.filters() and spec.by in (None, "community", "area")


def counted_approximately(config: OpenSearch, spec: MetricKeys) -> bool:
    """Whether ``spec``'s people are counted with HyperLogLog rather than exactly."""
    form = DEFINITIONS[spec.metric].cluster
    return config.approximate and form.approximate and _approximable(spec)


# --- approximate: HyperLogLog counts per period, when the project opts in -----------------------

_INTERVAL = {"M": "month", "Q": "quarter", "Y": "year"}


def approximate_contributors(
    backend: ClusterSource, spec: MetricKeys, before: pd.Timestamp | None, min_group: int
) -> pd.DataFrame:
    """Distinct people per period (and community or area) by ``cardinality``: approximate.

    One request over every declared index (a person in two indexes counts once), bucketed by
    ``date_histogram`` from the first to the last period of everyone's contributions, as the
    exact count's periods run.
    """
    where = backend._places()
    first, last = backend.span()
    if first is None or last is None:
        return pd.DataFrame({"period": pd.PeriodIndex([], freq=spec.freq), "contributors": []})
    groups = _groups(where, spec)
    periods = pd.period_range(
        pd.Timestamp(first, tz="UTC").tz_localize(None).to_period(spec.freq),
        pd.Timestamp(last, tz="UTC").tz_localize(None).to_period(spec.freq),
        name="period",
    )
    histogram = {
        "date_histogram": {
            "field": _DATE,
            "calendar_interval": _INTERVAL[spec.freq],
            "min_doc_count": 0,
            "extended_bounds": {"min": first // _MS, "max": last // _MS},
        },
        "aggs": {"people": {"cardinality": {"field": "author_uuid", "precision_threshold": 40000}}},
    }
    query = _query("git", before)
    query["bool"]["must_not"] = [{"term": {"author_bot": True}}, INDEXES["discourse"].skip]
    filters = {name: {"terms": {"origin": origins}} for name, origins in groups.items()}
    body = {
        "size": 0,
        "_source": False,
        "query": query,
        "aggs": {"groups": {"filters": {"filters": filters}, "aggs": {"time": histogram}}},
    }
    index = ",".join(backend.config.indices)
    answer = backend.cluster.search(index, body)
    buckets = answer.get("aggregations", {}).get("groups", {}).get("buckets", {})
    return _approximate_table(buckets, periods, spec, min_group)


def _groups(where: dict[str, Place], spec: MetricKeys) -> dict[str, list[str]]:
    """The origins of each group (or of everyone) that the spec's filters keep."""
    wanted = {k: ([v] if isinstance(v, str) else list(v)) for k, v in spec.filters().items()}
    groups: dict[str, list[str]] = {}
    for origin, place in where.items():
        if any(getattr(place, k) not in v for k, v in wanted.items()):
            continue
        group = getattr(place, spec.by) if spec.by else "all"
        groups.setdefault(group, []).append(origin)
    return groups or {"all": [""]}


def _approximate_table(
    buckets: dict[str, Any], periods: pd.PeriodIndex, spec: MetricKeys, min_group: int
) -> pd.DataFrame:
    labels = sorted(buckets) if spec.by else ["all"]
    counts = np.zeros((len(periods), len(labels)), dtype=np.int64)
    for column, label in enumerate(labels):
        for bucket in buckets.get(label, {}).get("time", {}).get("buckets", []):
            stamp = pd.Timestamp(bucket["key"], unit="ms", tz="UTC").tz_localize(None)
            row = periods.get_indexer([stamp.to_period(spec.freq)])[0]
            if row >= 0:
                counts[row, column] = bucket["people"]["value"]
    data: dict[str, Any] = {"period": np.repeat(periods, len(labels))}
    if spec.by:
        data[spec.by] = pd.array(np.tile(np.array(labels, dtype=object), len(periods)), "string")
    data["contributors"] = counts.reshape(-1)
    table = pd.DataFrame(data)
    table["period"] = pd.PeriodIndex(table["period"], name="period")
    return suppress_small(table, "contributors", min_group) if spec.by else table
