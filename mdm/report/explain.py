"""What a number in a document counts, and how to recompute it: ``mdm explain``.

:func:`explain` finds a value a topic declares (``evidence.values``), a chart of the topic by its
title, or a headline of a document's summary (topic ``summary``), and returns an
:class:`Explanation`: the metric and its definition, the days counted and whether the last
period was still running, the filters, the events and people counted and the bots and service
accounts left out, the reference day and where it comes from, the events file with its SHA-256,
and a pandas program (:mod:`mdm.report.snippets`) that recomputes the number from that file.
:func:`shown_numbers` explains every number a document's prose and summary show: the sources
appendix states the same facts under :func:`value_anchor` and :func:`headline_anchor`, where the
prose links each number. Counts and definitions only: nothing here names a person.
"""

from __future__ import annotations

import dataclasses
import gzip
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mdm.errors import ConfigError
from mdm.files import sha256_file
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import REFERENCE, Document, MetricSpec, Topic, ValueSpec
from mdm.params.models import Headline as HeadlineSpec
from mdm.params.project import Project, load_project
from mdm.report.evidence import (
    Counted,
    Research,
    Value,
    chart_cut,
    chart_title,
    data_day,
    draw,
    format_value,
    headline,
    headline_spec,
    metric_result,
    period_label,
    pinned_day,
    reference_day,
    reference_origin,
    value_cut,
    value_of,
)
from mdm.report.periods import Span
from mdm.report.snippets import Recompute, chart_snippet, has_snippet, value_snippet
from mdm.text import did_you_mean

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_HEADLINES",
    "SUMMARY",
    "Counting",
    "Explanation",
    "explain",
    "headline_anchor",
    "headline_specs",
    "referenced",
    "shown_numbers",
    "value_anchor",
]

SUMMARY = "summary"
"""The TOPIC of ``mdm explain`` that names a document's headlines (a topic of that id wins)."""
DEFAULT_HEADLINES = {
    "contributors": HeadlineSpec(metric="contributors", freq="Y", title="people contributed"),
    "new_contributors": HeadlineSpec(
        metric="new_contributors", freq="Y", title="people made their first contribution"
    ),
}
"""The summary's headlines when a document declares none (and there are activity events)."""
PROSE = {
    "topic": ("summary", "findings", "recommendations", "investment"),
    "strategy-topic": ("summary", "structures", "processes"),
}
"""The topic fields each of mdm's topic notebooks shows as prose (a project's own: all)."""
_ALL_PROSE = ("summary", "findings", "recommendations", "investment", "structures", "processes")
_WORDS = {"M": "month", "Q": "quarter", "Y": "year"}


def value_anchor(topic: str, name: str) -> str:
    """The id of a value's entry in the sources appendix (a name has no ``-``: never ambiguous)."""
    return f"value-{topic}-{name}"


def headline_anchor(name: str) -> str:
    """The id of a headline's entry in the sources appendix."""
    return f"headline-{name}"


def headline_specs(document: Document, research: Research) -> dict[str, HeadlineSpec]:
    """A document's headlines by name: its own, else the default ones when there are events."""
    if document.headlines:
        return dict(document.headlines)
    return DEFAULT_HEADLINES if research.exists("events") else {}


@dataclass(frozen=True)
class Counting:
    """One stretch of days a number counts, and the activity in it that passes its filters."""

    days: str
    """As prose names them: 2016 · 1 Jan–19 Nov 2017."""
    period: str
    first: date
    last: date
    partial: bool
    events: int
    people: int
    bot_events: int
    """Events of bots and service accounts (``is_bot``), left out of every metric."""
    bots: int


@dataclass(frozen=True)
class Explanation:
    """What one number (or chart) of a document counts, where it comes from, how to recompute it."""

    kind: Literal["value", "headline", "chart"]
    topic: str
    name: str
    document: str
    anchor: str
    """Its entry in the sources appendix; empty for a chart (its caption links there)."""
    shown: str
    """As the document prints it."""
    numbers: tuple[float | None, ...]
    """What the snippet prints, one a line: the value; a headline's number and change in %."""
    metric: str
    metric_title: str
    definition: str
    source: str
    statistic: str
    column: str
    unit: str
    freq: str
    span: str
    counted: tuple[Counting, ...]
    """Latest first."""
    filters: dict[str, list[str]]
    reference_day: date | None
    reference: str
    input_path: str
    input_rows: int | None
    input_sha256: str
    snippet: str

    @property
    def filters_text(self) -> str:
        """``community L10N``, ``activity_type report_submitted or event_report``; empty: none."""
        return _filters(self.filters)

    def as_json(self) -> dict[str, Any]:
        """The explanation as plain JSON types (dates as YYYY-MM-DD)."""
        data = dataclasses.asdict(self)
        return _plain(data)  # type: ignore[no-any-return]

    def report(self) -> str:
        """The explanation as ``mdm explain`` prints it."""
        lines = [f"{self.name} ({self.topic}, {self.document}): {self.shown}"]
        unit = f": {self.unit}" if self.unit else ""
        rows = [
            ("metric", f"{self.metric_title} ({self.metric}, column {self.column}{unit})"),
            ("", f"{self.definition} ({self.source})"),
            ("counts", self.statistic),
            ("filters", self.filters_text or "none"),
        ]
        for c in self.counted:
            state = " (part of the period)" if c.partial else ""
            rows.append(("days", f"{c.days}{state}: {c.first:%-d %b %Y}–{c.last:%-d %b %Y}"))
            rows.append(("counted", f"{c.events:,} events by {c.people:,} people"))
            rows.append(
                ("left out", f"{c.bot_events:,} events by {c.bots:,} bots or service accounts")
            )
        when = f"{self.reference_day:%-d %b %Y}: " if self.reference_day else ""
        rows.append(("as of", when + self.reference))
        rows.append(
            ("input", f"{self.input_path}, {self.input_rows:,} rows, sha256 {self.input_sha256}")
        )
        if self.anchor:
            rows.append(("in HTML", f"output/{self.document}.html#{self.anchor}"))
        lines += [f"  {key:<9} {text}" for key, text in rows]
        if self.snippet:
            lines += ["", "Recompute it from the project folder with pandas:", "", self.snippet]
        else:
            lines += ["", "No pandas snippet for this chart: docs/metrics.md defines it."]
        return "\n".join(lines).rstrip("\n") + "\n"


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return data.isoformat() if isinstance(data, date) else data


def _filters(filters: dict[str, list[str]]) -> str:
    return ", ".join(f"{k} {' or '.join(v)}" for k, v in filters.items())


def explain(
    project_dir: str | Path, topic: str, name: str, document: str | None = None
) -> Explanation:
    """Explain the value ``name`` of ``topic`` (or its chart of that title, or with topic
    ``summary`` a headline) as ``document`` shows it (default: the first document that does)."""
    project = load_project(project_dir)
    if topic == SUMMARY and topic not in project.topics:
        doc = project.document(document) if document else _with_headlines(project)
        research = Research(project, doc)
        specs = headline_specs(doc, research)
        if name not in specs:
            raise _unknown(name, list(specs), [], "params/documents.yaml", "headlines")
        return _headline(research, name, specs[name])
    spec = project.topic(topic)
    doc = project.document(document) if document else _showing(project, topic)
    research = Research(project, doc)
    if name in spec.evidence.values:
        return _value(research, topic, name, spec.evidence.values[name])
    titles = {_fold(chart_title(c)): c for c in spec.evidence.charts}
    if _fold(name) in titles:
        return _chart(research, topic, titles[_fold(name)])
    charts = [chart_title(c) for c in spec.evidence.charts]
    raise _unknown(
        name, list(spec.evidence.values), charts, f"params/topics/{topic}.yaml", "evidence"
    )


def _fold(title: str) -> str:
    return " ".join(title.split()).casefold()


def _unknown(name: str, values: list[str], charts: list[str], path: str, field: str) -> ConfigError:
    known = ", ".join(values) or "none"
    titles = "; ".join(f"“{t}”" for t in charts) or "none"
    return ConfigError(
        f"no value or chart {name!r}{did_you_mean(name, [*values, *charts])} "
        f"(values: {known}; charts: {titles})",
        path=path,
        field=field,
    )


def _showing(project: Project, topic: str) -> Document:
    """The first document with a section on ``topic`` (else the first document)."""
    for doc in project.documents.values():
        if any(s.parameters.get("topic") == topic for s in project.sections(doc.id)):
            return doc
    return next(iter(project.documents.values()))


def _with_headlines(project: Project) -> Document:
    """The first document whose summary shows headlines."""
    docs = list(project.documents.values())
    return next((d for d in docs if "summary" in d.front), docs[0])


def referenced(topic: Topic, document: Document) -> set[str]:
    """The values the topic's prose shows as numbers in ``document`` (not only their period)."""
    fields = PROSE.get(document.topic_notebook, _ALL_PROSE)
    text = " ".join(str(getattr(topic, f)) for f in fields)
    return {m.split(".")[0] for m in REFERENCE.findall(text) if not m.endswith(".period")}


def shown_numbers(project: Project, document: Document) -> list[Explanation]:
    """Every number the document's summary headlines and topic prose show, in document order."""
    research = Research(project, document)
    found = []
    if "summary" in document.front:
        for name, declared in headline_specs(document, research).items():
            found.append(_headline(research, name, declared))
    for section in project.sections(document.id):
        topic_id = section.parameters.get("topic")
        if topic_id is None:
            continue
        topic = project.topics[topic_id]
        named = referenced(topic, document)
        for name, spec in topic.evidence.values.items():
            if name in named:
                found.append(_value(research, topic_id, name, spec))
    return found


def _value(research: Research, topic: str, name: str, spec: ValueSpec) -> Explanation:
    value = value_of(research, spec)
    return _explained(
        research,
        ("value", topic, name, value_anchor(topic, name)),
        spec,
        spec.value,
        value,
        (value.number,),
        format_value(value),
    )


def _headline(research: Research, name: str, declared: ValueSpec) -> Explanation:
    spec = headline_spec(research, declared)
    line = headline(research, declared, getattr(declared, "title", ""))
    latest = value_of(research, spec.model_copy(update={"value": "latest"}))
    moved = value_of(research, spec.model_copy(update={"value": "change_pct"}))
    shown = f"{line.value} {line.label} in {line.period}"
    if line.change:
        shown += f" ({line.change} on {line.previous})"
    changed = moved.number is not None
    return _explained(
        research,
        ("headline", SUMMARY, name, headline_anchor(name)),
        spec,
        "headline" if changed else "latest",
        latest,
        (latest.number, moved.number) if changed else (latest.number,),
        shown,
    )


def _explained(
    research: Research,
    which: tuple[Literal["value", "headline"], str, str, str],
    spec: ValueSpec,
    statistic: str,
    value: Value,
    numbers: tuple[float | None, ...],
    shown: str,
) -> Explanation:
    """The explanation of a value or headline: ``value`` gives its spans, ``numbers`` what the
    snippet prints."""
    kind, topic, name, anchor = which
    definition = DEFINITIONS[spec.metric]
    column = spec.column or definition.columns[0].name
    unit = next(c.unit for c in definition.columns if c.name == column)
    latest, previous = value.latest_span, value.previous_span
    spans = {"latest": [latest], "previous": [previous]}.get(statistic, [latest, previous])
    cut = value_cut(research.project, spec, research.last_event(), research.document)
    table = metric_result(research, Counted(spec), cut)
    day = reference_day(research, spec)
    path, rows, sha = _input(research)
    snippet = ""
    if has_snippet(spec.metric) and numbers[0] is not None:
        what = Recompute(statistic, latest, previous, spec.span == "to_date", day)
        columns = _columns(research.path("events"))
        snippet = value_snippet(spec, column, unit == "count", what, path, columns)
    return Explanation(
        kind=kind,
        topic=topic,
        name=name,
        document=_document_id(research),
        anchor=anchor,
        shown=shown,
        numbers=numbers,
        metric=spec.metric,
        metric_title=definition.title,
        definition=definition.definition,
        source=definition.source,
        statistic=_statistic(spec, statistic, column),
        column=column,
        unit=unit,
        freq=spec.freq,
        span=spec.span,
        counted=tuple(_counting(table, s) for s in spans if s is not None),
        filters=_lists(spec.filters()),
        reference_day=day,
        reference=reference_origin(research, spec),
        input_path=path,
        input_rows=rows,
        input_sha256=sha,
        snippet=snippet,
    )


def _document_id(research: Research) -> str:
    return research.document.id if research.document is not None else ""


def _lists(filters: dict[str, str | list[str]]) -> dict[str, list[str]]:
    return {k: [v] if isinstance(v, str) else list(v) for k, v in filters.items()}


def _statistic(spec: ValueSpec, statistic: str, column: str) -> str:
    """What the number is, in words: ``contributors in the latest complete year``."""
    word = _WORDS[spec.freq]
    if spec.span == "to_date":
        now, before = f"the {word} to date", f"the same days of the {word} before"
    else:
        now, before = f"the latest complete {word}", f"the {word} before it"
    what = column.replace("_", " ")
    return {
        "latest": f"{what} in {now}",
        "previous": f"{what} in {before}",
        "change": f"{what} in {now} minus {before}",
        "change_pct": f"{what} in {now} against {before}, the change in per cent",
        "headline": f"{what} in {now}, and the change in per cent on {before}",
    }[statistic]


def _counting(table: pd.DataFrame, span: Span) -> Counting:
    row = table[table["period"].astype(str) == span.period]

    def count(column: str) -> int:
        return int(row[column].iloc[0]) if len(row) else 0

    return Counting(
        days=span.text,
        period=span.period,
        first=span.first,
        last=span.last,
        partial=span.partial,
        events=count("events"),
        people=count("people"),
        bot_events=count("bot_events"),
        bots=count("bots"),
    )


def _input(research: Research) -> tuple[str, int | None, str]:
    """The events file as the params name it, its rows and its whole SHA-256."""
    info = research.describe("events")
    store = research.store
    sha = store.events.sha256 if store is not None else sha256_file(research.path("events"))
    return info.path, info.rows, sha


def _columns(path: Path) -> list[str]:
    """The columns the events file has (a snippet fills in the optional ones it lacks)."""
    if path.suffix == ".parquet":
        # deferred: pyarrow loads only when this runs
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8-sig") as packed:
            return [c.strip() for c in packed.readline().split(",")]
    with path.open(encoding="utf-8-sig") as handle:
        return [c.strip() for c in handle.readline().split(",")]


def _chart(research: Research, topic: str, spec: MetricSpec) -> Explanation:
    """A chart: what it counts over its whole range, and a snippet for its numbers if it is one
    series over time."""
    definition = DEFINITIONS[spec.metric]
    cut = chart_cut(research.project, research.last_event(), research.document)
    result = metric_result(research, spec, cut)
    _, alt = draw(result, spec)
    day = data_day(research)
    pinned = pinned_day(research.project, research.document)
    columns = definition.chart.columns
    path, rows, sha = _input(research)
    snippet = ""
    if has_snippet(spec.metric) and spec.by is None and "period" in result and len(columns) == 1:
        snippet = chart_snippet(spec, columns[0], pinned, path, _columns(research.path("events")))
    return Explanation(
        kind="chart",
        topic=topic,
        name=chart_title(spec),
        document=_document_id(research),
        anchor="",
        shown=alt,
        numbers=(),
        metric=spec.metric,
        metric_title=definition.title,
        definition=definition.definition,
        source=definition.source,
        statistic=f"{', '.join(columns) or 'its table'}"
        + (f" by {spec.by or definition.default_by}" if spec.by or definition.default_by else "")
        + (f", per {_WORDS[spec.freq]}" if "period" in result else ", over all time"),
        column=", ".join(columns),
        unit="",
        freq=spec.freq,
        span="chart",
        counted=(_chart_counting(research, spec, cut, result, day),),
        filters=_lists(spec.filters()),
        reference_day=day,
        reference=_chart_reference(research, pinned),
        input_path=path,
        input_rows=rows,
        input_sha256=sha,
        snippet=snippet,
    )


def _chart_reference(research: Research, pinned: date | None) -> str:
    if pinned is None:
        return "the day of the last event (the chart shows every event)"
    if research.document is not None and research.document.as_of is not None:
        return "the document's as_of (params/documents.yaml)"
    return "as_of in params/project.yaml"


def _chart_counting(
    research: Research,
    spec: MetricSpec,
    cut: pd.Timestamp | None,
    result: pd.DataFrame,
    day: date | None,
) -> Counting:
    import pandas as pd

    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.publish import filter_events

    events = research.events
    if cut is not None:
        events = events[events["timestamp"] < cut]
    chosen = filter_events(events, spec.filters(), bots=True)
    bot = chosen["is_bot"].to_numpy(dtype=bool)
    first, last = chosen["timestamp"].min(), chosen["timestamp"].max()
    days, partial = f"{first:%b %Y}–{last:%b %Y}", False
    if "period" in result and len(result):
        periods = pd.PeriodIndex(result["period"].unique())
        days = f"{period_label(periods.min())}–{period_label(periods.max())}"
        partial = day is not None and periods.max().end_time.date() > day
    return Counting(
        days=days,
        period="",
        first=first.date(),
        last=last.date(),
        partial=partial,
        events=int((~bot).sum()),
        people=int(chosen.loc[~bot, "contributor_id"].nunique()),
        bot_events=int(bot.sum()),
        bots=int(chosen.loc[bot, "contributor_id"].nunique()),
    )
