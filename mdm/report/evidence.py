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
from mdm.metrics.definitions import DEFINITIONS, SPEC_KEYS
from mdm.params.models import MetricKeys, MetricSpec, ValueSpec
from mdm.params.project import Project
from mdm.report.backends import compute_result, open_backend
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
    "Headline",
    "Research",
    "Value",
    "chart_for",
    "compute_result",
    "draw",
    "format_value",
    "headline",
    "metric_result",
    "period_label",
    "reference_day",
    "result_key",
    "value_cut",
    "value_of",
    "value_texts",
]


class Research:
    """The project's research inputs, loaded on first use."""

    def __init__(self, project: Project) -> None:
        self.project = project
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


def result_key(spec: MetricKeys, before: pd.Timestamp | None) -> str:
    """What identifies a metric result: the metric, the keys that change it, the cut-off."""
    # the keys as set, not as defaulted: time_to_first_response by group is over time only with freq
    return spec.model_dump_json(include={"metric", *SPEC_KEYS}, exclude_unset=True) + f"<{before}"


def metric_result(
    research: Research, spec: MetricKeys, before: pd.Timestamp | None = None
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
    """One statistic of a metric and the periods it refers to (as prose names them)."""

    spec: ValueSpec
    number: float | None
    latest: str | None
    previous: str | None

    @property
    def unit(self) -> str:
        columns = DEFINITIONS[self.spec.metric].columns
        return next(c.unit for c in columns if c.name == (self.spec.column or columns[0].name))


def reference_day(research: Research, spec: ValueSpec) -> date:
    """The last day a value may refer to: its ``as_of``, the project's, or the last event's day."""
    return _reference_day(research.project, spec, research.last_event())


def _reference_day(project: Project, spec: ValueSpec, last_ns: int | None) -> date:
    import pandas as pd

    if spec.as_of is not None:
        return spec.as_of
    if project.info.as_of is not None:
        return project.info.as_of
    if last_ns is None:
        raise DataError("no events, so no value can be computed", path=project.info.data.events)
    last = pd.Timestamp(last_ns, tz="UTC")
    return date(last.year, last.month, last.day)


def _end(day: date) -> pd.Timestamp:
    """The first instant after ``day`` (UTC)."""
    import pandas as pd

    return pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)


def value_cut(project: Project, spec: ValueSpec, last_ns: int | None) -> pd.Timestamp | None:
    """The cut-off of a value's events: the end of its reference day, None when no event is later."""
    import pandas as pd

    end = _end(_reference_day(project, spec, last_ns))
    return end if last_ns is not None and end <= pd.Timestamp(last_ns, tz="UTC") else None


def value_of(research: Research, spec: ValueSpec) -> Value:
    """One statistic of a metric over the periods that ended by the reference day.

    A period is complete when its last day is on or before the reference day, so events running
    to 31 December make that year complete; events after the reference day do not count.
    """
    import pandas as pd

    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.publish import change

    last = research.last_event()
    end = _end(_reference_day(research.project, spec, last))
    result = metric_result(research, spec, value_cut(research.project, spec, last))
    column = spec.column or DEFINITIONS[spec.metric].columns[0].name
    series = result.set_index("period")[column].astype("Float64")
    series = series[pd.PeriodIndex(series.index).end_time < end.tz_localize(None)].dropna()
    names = [_period_name(p) for p in series.index[-2:]]
    latest = names[-1] if names else None
    previous = names[-2] if len(names) > 1 else None
    return Value(spec, change(series.astype(float))[spec.value], latest, previous)


def _period_name(period: pd.Period) -> str:
    """A period as prose says it: 2026 · Q4 2026 · December 2026."""
    freq = period.freqstr[0]
    if freq == "Q":
        return f"Q{period.quarter} {period.year}"
    return period.strftime("%B %Y") if freq == "M" else str(period.year)


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
    return f"{value.latest} compared with {value.previous}"


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
    figure, alt = draw(metric_result(research, spec), spec)
    caption = research.caption("events", f"{definition.title}: {definition.definition}")
    counting = research.counting(spec)
    return ChartOut(figure, alt, f"{caption} {counting}" if counting else caption)


def draw(result: pd.DataFrame, spec: MetricSpec) -> Chart:
    """The registry's chart of a metric result: its form, labels and title (``spec.title``)."""
    # deferred: jinja2, markdown_it, numpy and pandas load only when this runs
    from mdm.report import charts

    form = DEFINITIONS[spec.metric].chart
    title = spec.title or _default_title(spec)
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
    """A computed number, the period it covers and its change on the period before."""

    label: str
    value: str
    period: str
    change: str = ""
    previous: str = ""


def headline(research: Research, spec: ValueSpec, label: str = "") -> Headline:
    """One headline number over complete periods (the running period is left out), with its
    change on the period before; periods are named as ``{{ name.period }}`` names them."""
    latest = value_of(research, spec.model_copy(update={"value": "latest"}))
    if latest.number is None:
        return Headline(label, "n/a", "no complete period")
    moved = value_of(research, spec.model_copy(update={"value": "change_pct"}))
    change = format_value(moved) if moved.number is not None else ""
    return Headline(label, format_value(latest), latest.latest or "", change, moved.previous or "")
