"""Evidence for a topic section: named values, charts, quotes, survey results, discussions, notes.

Research data is read once per kernel (each input on first use), checked
against the project's topics, and every chart and table names the files it
came from with a short content hash. Metric results come from the build's
evidence store when it holds them (:mod:`mdm.report.store`), so a section
in a build does not load the events at all; without a store (a notebook opened
in JupyterLab, ``mdm preview``) they are computed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.data._tables import check_topic_refs
from mdm.data.discussions import load_discussions
from mdm.data.events import load_events
from mdm.data.notes import load_notes
from mdm.data.provenance import InputFile, describe_input
from mdm.data.quotes import load_quotes
from mdm.data.survey import load_survey
from mdm.errors import DataError
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import Document, MetricKeys, MetricSpec, ValueSpec
from mdm.params.project import Project
from mdm.report.backends import open_backend
from mdm.report.periods import Span, to_date, whole
from mdm.report.results import (
    Counted,
    compute_result,
    day_of,
    end_of,
    result_key,
    to_date_spec,
)
from mdm.report.store import open_store

if TYPE_CHECKING:
    import pandas as pd

    from mdm.data.notes import Note
    from mdm.data.provenance import InputFile
    from mdm.data.quotes import Quote
    from mdm.data.survey import Survey
    from mdm.report.backends import Backend
    from mdm.report.charts import Chart
    from mdm.report.store import Store

__all__ = [
    "ChartOut",
    "Counted",
    "Headline",
    "Research",
    "Value",
    "chart_cut",
    "chart_for",
    "chart_title",
    "compared_with",
    "compute_result",
    "data_day",
    "draw",
    "format_value",
    "headline",
    "headline_spec",
    "metric_result",
    "period_label",
    "pinned_day",
    "reference_day",
    "reference_origin",
    "result_cut",
    "result_key",
    "value_cut",
    "value_of",
    "value_texts",
]


class Research:
    """The project's research inputs, loaded on first use."""

    def __init__(self, project: Project, document: Document | None = None) -> None:
        self.project = project
        self.document = document
        """The document the numbers are for: its ``as_of`` pins them (:func:`pinned_day`)."""
        self.paths = project.info.data
        self.results: dict[str, pd.DataFrame] = {}

    def path(self, key: str) -> Path:
        return self.project.data_path(key)  # refused if a symbolic link leads out

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def _need(self, key: str, why: str) -> Path:
        path = self.path(key)
        if not path.exists():
            raise DataError(
                f"file not found; {why} needs it "
                f"(set data.{key} in params/project.yaml to use another file)",
                path=getattr(self.paths, key),
            )
        return path

    def _topics(
        self, shown: str, refs: list[tuple[int | None, str]], field: str = "topics"
    ) -> None:
        check_topic_refs(refs, self.project.topic_ids, shown, field)

    @cached_property
    def store(self) -> Store | None:
        """The last build's evidence store, when it was computed from the events file as it is."""

        return open_store(self.project)

    def last_event(self) -> int | None:
        """The last event's time in nanoseconds since the epoch (UTC); None without events."""
        return self.span()[1]

    def span(self) -> tuple[int | None, int | None]:
        """The first and the last event's times in nanoseconds since the epoch (UTC).

        From the store when it has them, so that a section that only shows stored results
        never loads the events.
        """
        if self.store is not None and self.store.events.first_ns is not None:
            return self.store.events.first_ns, self.store.events.last_ns
        return self.backend.span()

    @cached_property
    def backend(self) -> Backend:
        """Where results the store lacks are computed: the events file, or the cluster."""
        return open_backend(self.project)

    @cached_property
    def events(self) -> pd.DataFrame:
        """The events file, checked; ids as categoricals (``load_events(..., coded=True)``)."""
        return load_events(self._need("events", "a chart or value"), self.paths.events, coded=True)

    @cached_property
    def quotes(self) -> list[Quote]:
        path = self._need("quotes", "showing quotes")
        return load_quotes(path, self.paths.quotes, topics=self.project.topic_ids)

    @cached_property
    def survey(self) -> Survey:
        survey = load_survey(
            self._need("survey_questions", "survey results"),
            self._need("survey_responses", "survey results"),
            self.paths.survey_questions,
            self.paths.survey_responses,
        )
        self._topics(
            self.paths.survey_questions,
            [(None, t) for q in survey.questions.values() for t in q.topics],
        )
        return survey

    @cached_property
    def discussions(self) -> pd.DataFrame:
        path = self._need("discussions", "the discussion log")
        return load_discussions(path, self.paths.discussions, topics=self.project.topic_ids)

    @cached_property
    def notes(self) -> list[Note]:
        if not self.path("notes").is_dir():
            return []
        return load_notes(
            self.path("notes"),
            self.paths.notes,
            root=self.project.root,
            topics=self.project.topic_ids,
        )

    def describe(self, key: str) -> InputFile:
        """Path, rows and hash of one input, for captions and the appendix."""

        cluster = self.project.info.opensearch
        if key == "events":  # as the results were computed: from the store, or the backend's
            if self.store is None and cluster is None:
                self._need("events", "a chart or value")
            events = self.store.events if self.store else self.backend.describe(None)
            if cluster is not None:
                indices = ", ".join(cluster.indices)
                return InputFile(
                    f"{cluster.url} ({indices})", "opensearch", events.rows, events.sha256[:12]
                )
            return InputFile(self.paths.events, key, events.rows, events.sha256[:12])
        rows = {
            "quotes": lambda: len(self.quotes),
            "survey_responses": lambda: len(self.survey.responses),
            "survey_questions": lambda: len(self.survey.questions),
            "discussions": lambda: len(self.discussions),
        }
        return describe_input(self.path(key), getattr(self.paths, key), key, rows[key]())

    def caption(self, key: str, what: str) -> str:
        info = self.describe(key)
        if info.kind == "opensearch":
            return (
                f"{what.rstrip('.')}. Source: GrimoireLab at {info.path} "
                f"({info.rows:,} documents, state {info.digest})."
            )
        return (
            f"{what.rstrip('.')}. Source: {info.path} ({info.rows:,} rows, sha256 {info.digest})."
        )

    def counting(self, spec: MetricKeys) -> str:
        """How the people in ``spec``'s result were counted, when not exactly; else empty."""
        cluster = self.project.info.opensearch
        if cluster is None or not cluster.approximate:
            return ""
        # deferred: opensearch-py, numpy and pandas load only for a project that reads a cluster
        from mdm.sources.opensearch import counted_approximately

        if not counted_approximately(cluster, spec):
            return ""
        return (
            "People counted approximately (HyperLogLog in GrimoireLab's OpenSearch, "
            "typically within 1–2%)."
        )


# --- metrics → values and charts -----------------------------------------------------------

_PERIODS = {"M": "Months", "Q": "Quarters", "Y": "Years"}


def metric_result(
    research: Research, spec: MetricKeys | Counted, before: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The metric's result table, from the evidence store or computed once per kernel.

    ``before``: only events earlier than this count (a value's ``as_of``).
    """
    key = result_key(spec, before)
    if key not in research.results:
        stored = research.store.result(key) if research.store is not None else None
        if stored is None:
            stored = research.backend.result(spec, before, research.paths.min_group)
        research.results[key] = stored
    return research.results[key]


@dataclass(frozen=True)
class Value:
    """One statistic of a metric and the periods it refers to (as prose names them), with
    the days each of them counts."""

    spec: ValueSpec
    number: float | None
    latest: str | None
    previous: str | None
    latest_span: Span | None = None
    previous_span: Span | None = None

    @property
    def unit(self) -> str:
        columns = DEFINITIONS[self.spec.metric].columns
        return next(c.unit for c in columns if c.name == (self.spec.column or columns[0].name))


def pinned_day(project: Project, document: Document | None) -> date | None:
    """The day a document's numbers are pinned to: its own ``as_of``, else the project's;
    None when they run to the data's last day."""
    if document is not None and document.as_of is not None:
        return document.as_of
    return project.info.as_of


def reference_day(research: Research, spec: ValueSpec) -> date:
    """The last day a value may refer to: its ``as_of``, the document's or the project's, or
    the last event's day."""
    return _reference_day(research.project, spec, research.last_event(), research.document)


def data_day(research: Research) -> date | None:
    """The day a document's numbers are as of: its pinned day, else the last event's (None
    without events)."""
    pinned = pinned_day(research.project, research.document)
    last = research.last_event()
    return pinned if pinned is not None or last is None else day_of(last)


def reference_origin(research: Research, spec: ValueSpec) -> str:
    """Where a value's reference day comes from, as ``mdm explain`` and the appendix say it."""
    if spec.as_of is not None:
        return "the value's as_of"
    if research.document is not None and research.document.as_of is not None:
        return "the document's as_of (params/documents.yaml)"
    if research.project.info.as_of is not None:
        return "as_of in params/project.yaml"
    return "the day of the last event"


def _reference_day(
    project: Project, spec: ValueSpec, last_ns: int | None, document: Document | None = None
) -> date:
    if spec.as_of is not None:
        return spec.as_of
    pinned = pinned_day(project, document)
    if pinned is not None:
        return pinned
    if last_ns is None:
        raise DataError("no events, so no value can be computed", path=project.info.data.events)
    return day_of(last_ns)


def _cut(day: date | None, last_ns: int | None) -> pd.Timestamp | None:
    """The end of ``day``; None when there is no day or no event after it (nothing to cut)."""
    import pandas as pd

    if day is None or last_ns is None:
        return None
    end = end_of(day)
    return end if end <= pd.Timestamp(last_ns, tz="UTC") else None


def value_cut(
    project: Project, spec: ValueSpec, last_ns: int | None, document: Document | None = None
) -> pd.Timestamp | None:
    """The cut-off of a value's events: the end of its reference day, None when no event is
    later. A value to date always has one: the days it counts follow from it."""
    day = _reference_day(project, spec, last_ns, document)
    return end_of(day) if to_date_spec(spec) else _cut(day, last_ns)


def chart_cut(
    project: Project, last_ns: int | None, document: Document | None = None
) -> pd.Timestamp | None:
    """The cut-off of a chart's events: the end of the day its document is pinned to (a
    proposal drawn from the data it was written with), None when it is not pinned."""
    return _cut(pinned_day(project, document), last_ns)


def result_cut(
    project: Project,
    spec: MetricSpec | ValueSpec | Counted,
    last_ns: int | None,
    document: Document | None = None,
) -> pd.Timestamp | None:
    """The cut-off of the events a chart or a value counts (what its stored result is keyed on)."""
    if isinstance(spec, Counted):
        return value_cut(project, spec.value, last_ns, document)
    if isinstance(spec, ValueSpec):
        return value_cut(project, spec, last_ns, document)
    return chart_cut(project, last_ns, document)


def value_of(research: Research, spec: ValueSpec) -> Value:
    """One statistic of a metric over the periods that ended by the reference day.

    A period is complete when its last day is on or before the reference day, so events running
    to 31 December make that year complete; events after the reference day do not count.
    """
    import pandas as pd

    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.publish import change

    last = research.last_event()
    day = _reference_day(research.project, spec, last, research.document)
    result = metric_result(
        research, spec, value_cut(research.project, spec, last, research.document)
    )
    column = spec.column or DEFINITIONS[spec.metric].columns[0].name
    series = result.set_index("period")[column].astype("Float64")
    if to_date_spec(spec):
        return _value_to_date(spec, series, day)
    series = series[pd.PeriodIndex(series.index).end_time < end_of(day).tz_localize(None)].dropna()
    spans = [whole(p.start_time.date(), spec.freq) for p in series.index[-2:]]
    latest = spans[-1] if spans else None
    previous = spans[-2] if len(spans) > 1 else None
    return Value(
        spec,
        change(series.astype(float))[spec.value],
        latest.text if latest else None,
        previous.text if previous else None,
        latest,
        previous,
    )


def _value_to_date(spec: ValueSpec, series: pd.Series, day: date) -> Value:
    """The running period to ``day`` against the same days of the period before."""
    import pandas as pd

    previous, latest = to_date(day, spec.freq)
    periods = pd.PeriodIndex([previous.period, latest.period], freq=spec.freq)
    before, now = (None if pd.isna(n) else float(n) for n in series.reindex(periods))
    numbers: dict[str, float | None] = {"latest": now, "previous": before}
    if now is not None and before is not None:
        numbers["change"] = now - before
        numbers["change_pct"] = (now - before) / before * 100 if before else None
    return Value(spec, numbers.get(spec.value), latest.text, previous.text, latest, previous)


def value_texts(name: str, value: Value) -> dict[str, str]:
    """What ``{{ name }}``, ``{{ name.number }}`` and ``{{ name.period }}`` print."""
    return {
        name: format_value(value),
        f"{name}.number": format_value(value, unit=False),
        f"{name}.period": _period_text(value),
    }


def _period_text(value: Value) -> str:
    if value.number is None:
        return "n/a"
    if value.spec.value == "previous":
        return value.previous or "n/a"
    if value.spec.value == "latest":
        return value.latest or "n/a"
    return f"{value.latest} compared with {compared_with(value)}"


def compared_with(value: Value) -> str:
    """What a change compares with: the period before, or the same days of it (a year to date
    against ``the same days of 2016``; a quarter or month to date names its days)."""
    span = value.previous_span
    if span is not None and span.partial and span.freq == "Y":
        return f"the same days of {span.name}"
    return value.previous or "n/a"


def format_value(value: Value, *, unit: bool = True) -> str:
    """A value as prose shows it: 1,234 · 23% · 5.2 hours · +12.3% · −40 · +3 percentage points.

    Without ``unit`` the same number alone: 1,234 · 23 · 5.2 · +12.3 · −40 · +3.
    """
    number, kind = value.number, value.spec.value
    if number is None:
        return "n/a"
    signed = kind in ("change", "change_pct")
    if kind == "change_pct":
        text, suffix = f"{number:+.1f}", "%"
    elif value.unit == "share":
        text = f"{number * 100:+.0f}" if signed else f"{number * 100:.0f}"
        suffix = " percentage points" if signed else "%"
    elif value.unit == "hours":
        text, suffix = (f"{number:+.1f}" if signed else f"{number:.1f}"), " hours"
    else:
        text, suffix = (f"{number:+,.0f}" if signed else f"{number:,.0f}"), ""
    text = text.replace("-", "−") if signed else text
    return text + suffix if unit else text


@dataclass(frozen=True)
class ChartOut:
    figure: Any
    alt: str
    caption: str


def chart_for(research: Research, spec: MetricSpec) -> ChartOut:
    """The chart of one metric spec, with alt text and a provenance caption."""
    definition = DEFINITIONS[spec.metric]
    before = chart_cut(research.project, research.last_event(), research.document)
    figure, alt = draw(metric_result(research, spec, before), spec)
    caption = research.caption("events", f"{definition.title}: {definition.definition}")
    counting = research.counting(spec)
    return ChartOut(figure, alt, f"{caption} {counting}" if counting else caption)


def draw(result: pd.DataFrame, spec: MetricSpec) -> Chart:
    """The registry's chart of a metric result: its form, labels and title (``spec.title``)."""
    # deferred: jinja2, markdown_it, numpy and pandas load only when this runs
    from mdm.report import charts

    form = DEFINITIONS[spec.metric].chart
    title = chart_title(spec)
    label = form.label.format(
        periods=_PERIODS[spec.freq], zone="local time" if spec.local else "UTC"
    )
    if form.kind == "heatmap":
        if not result.fillna(0).to_numpy().any():
            result = result.iloc[0:0]  # nothing counted anywhere: no data, not a map of zeros
        return charts.heatmap(
            result, title=title, xlabel=label, ylabel=form.rows, percent=form.percent
        )
    if form.kind in ("area", "stacked_bars"):
        kind = "area" if form.kind == "area" else "bars"
        return charts.stacked(result, list(form.columns), title=title, ylabel=label, kind=kind)
    if form.kind == "lines" and "period" in result:
        return charts.lines(
            result, form.columns[0], title=title, ylabel=label, group=spec.by, percent=form.percent
        )
    series = _per_group(result, spec, form.columns[0])
    if form.sort is not None:
        series = series.sort_values(ascending=form.sort == "ascending")
    group = series.index.name or ""
    return charts.bars(
        series.astype(float),
        title=title,
        xlabel=label,
        ylabel=str(group).capitalize(),
        percent=form.percent,
    )


def _per_group(result: pd.DataFrame, spec: MetricSpec, column: str) -> pd.Series:
    """One number per group; an ungrouped result is one bar for everyone."""
    import pandas as pd

    group = spec.by or DEFINITIONS[spec.metric].default_by
    if group is not None:
        return result.set_index(group)[column].astype("Float64")
    if "contributors" in result:
        result = result[result["contributors"] > 0]  # without events there is nothing to show
    index = pd.Index(["All contributors"] * len(result), name="group")
    return pd.Series(result[column].to_numpy(), index=index, dtype="Float64")


def chart_title(spec: MetricSpec) -> str:
    """A chart's title: its own, or the metric's name, grouping and filters."""
    return spec.title or _default_title(spec)


def _default_title(spec: MetricSpec) -> str:
    title = DEFINITIONS[spec.metric].title
    if spec.by:
        title += f" by {spec.by}"
    if spec.filters():
        title += f" ({_describe_filters(spec)})"
    return title


def _describe_filters(spec: MetricSpec) -> str:
    return ", ".join(
        f"{k} {v if isinstance(v, str) else ' or '.join(v)}" for k, v in spec.filters().items()
    )


# --- headline numbers: a value, its period and its change ----------------------------------


def period_label(period: pd.Period) -> str:
    """``2017``, ``2017-Q4`` or ``2017-12``: the period a value covers, as the documents write it."""
    text = str(period)
    return re.sub(r"^(\d{4})Q([1-4])$", r"\1-Q\2", text)


@dataclass(frozen=True)
class Headline:
    """A computed number, the days it covers and its change on the period before (or on the
    same days of it); ``anchor`` is its entry under "Sources and definitions", if any."""

    label: str
    value: str
    period: str
    change: str = ""
    previous: str = ""
    anchor: str = ""


def headline(research: Research, spec: ValueSpec, label: str = "") -> Headline:
    """One headline number with its change; its days are named as ``{{ name.period }}`` names
    them: a complete period (2016 against 2015), or the running one to the reference day
    (1 Jan–19 Nov 2017 against the same days of 2016) with ``span: to_date``."""
    spec = headline_spec(research, spec)
    latest = value_of(research, spec.model_copy(update={"value": "latest"}))
    if latest.number is None:
        return Headline(label, "n/a", "no period with data")
    moved = value_of(research, spec.model_copy(update={"value": "change_pct"}))
    if moved.number is None:
        return Headline(label, format_value(latest), latest.latest or "")
    return Headline(
        label, format_value(latest), latest.latest or "", format_value(moved), compared_with(moved)
    )


def headline_spec(research: Research, spec: ValueSpec) -> ValueSpec:
    """What a headline counts: the running period to date, unless that has no number yet (a
    document pinned to a day after the last event), when it counts complete periods."""
    if to_date_spec(spec):
        running = value_of(research, spec.model_copy(update={"value": "latest"}))
        if running.number is None:
            return spec.model_copy(update={"span": "complete"})
    return spec
