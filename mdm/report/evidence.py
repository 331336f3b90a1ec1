"""Evidence for a topic section: named values, charts, quotes, survey results, discussions, notes.

Research data is read once per kernel (each input on first use), checked
against the project's topics, and every chart and table names the files it
came from with a short content hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import DataError
from mdm.params.models import VALUE_METRICS, MetricSpec, ValueSpec
from mdm.params.project import Project

if TYPE_CHECKING:
    import pandas as pd

    from mdm.data import InputFile, Note, Quote, Survey

__all__ = ["Research", "chart_for", "format_value", "value_of"]


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
                f"{getattr(self.paths, key)}: file not found; {why} needs it "
                f"(set data.{key} in params/project.yaml to use another file)"
            )
        return path

    def _topics(
        self, shown: str, refs: list[tuple[int | None, str]], field: str = "topics"
    ) -> None:
        from mdm.data import check_topic_refs

        check_topic_refs(refs, self.project.topic_ids, shown, field)

    @cached_property
    def events(self) -> pd.DataFrame:
        from mdm.data import load_events

        return load_events(self._need("events", "a chart or value"), self.paths.events)

    @cached_property
    def quotes(self) -> list[Quote]:
        from mdm.data import load_quotes

        path = self._need("quotes", "showing quotes")
        return load_quotes(path, self.paths.quotes, topics=self.project.topic_ids)

    @cached_property
    def survey(self) -> Survey:
        from mdm.data import load_survey

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
        from mdm.data import load_discussions

        path = self._need("discussions", "the discussion log")
        return load_discussions(path, self.paths.discussions, topics=self.project.topic_ids)

    @cached_property
    def notes(self) -> list[Note]:
        from mdm.data import load_notes

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
        from mdm.data import describe_input

        rows = {
            "events": lambda: len(self.events),
            "quotes": lambda: len(self.quotes),
            "survey_responses": lambda: len(self.survey.responses),
            "survey_questions": lambda: len(self.survey.questions),
            "discussions": lambda: len(self.discussions),
        }
        return describe_input(self.path(key), getattr(self.paths, key), key, rows[key]())

    def caption(self, key: str, what: str) -> str:
        info = self.describe(key)
        return (
            f"{what.rstrip('.')}. Source: {info.path} ({info.rows:,} rows, sha256 {info.digest})."
        )


# --- metrics → values and charts -----------------------------------------------------------

_MAIN = {metric: columns[0] for metric, columns in VALUE_METRICS.items()}
_SHARES = {"rate", "share", "answered"}
_HOURS = {"median_hours", "p90_hours"}


def _compute(research: Research, spec: MetricSpec) -> pd.DataFrame:
    """The metric's result table, computed once per kernel for the same metric and filters."""
    key = spec.model_dump_json(include=set(MetricSpec.model_fields) - {"title"})
    if key not in research.results:
        research.results[key] = _compute_metric(research.events, spec, research.paths.min_group)
    return research.results[key]


def _compute_metric(events: pd.DataFrame, spec: MetricSpec, min_group: int) -> pd.DataFrame:
    from mdm import metrics as m

    filters = spec.filters()
    if filters and spec.metric not in ("contributors", "new_contributors"):
        events = m.filter_events(events, filters, bots=True)
    calls: dict[str, Callable[[], pd.DataFrame]] = {
        "contributors": lambda: m.contributors(
            events, spec.freq, spec.by, filters, min_group=min_group
        ),
        "new_contributors": lambda: m.new_contributors(
            events, spec.freq, filters, min_group=min_group
        ),
        "inactive_contributors": lambda: m.inactive_contributors(events, freq=spec.freq),
        "activity_status": lambda: m.activity_status(events, spec.freq),
        "cohort_retention": lambda: m.cohort_retention(events, spec.freq, min_group=min_group),
        "absence_factor": lambda: m.absence_factor(events, spec.by, min_group=min_group),
        "onion": lambda: m.onion(events, spec.freq),
        "time_to_first_response": lambda: m.time_to_first_response(
            events, by=spec.by, freq=None if spec.by else spec.freq, min_group=min_group
        ),
        "conversion_rate": lambda: m.conversion_rate(events, entry=spec.entry, freq=spec.freq),
        "contributor_location": lambda: m.contributor_location(
            events, by=spec.by or "region", min_group=min_group
        ),
        "multi_area_share": lambda: m.multi_area_share(events, spec.freq),
        "activity_heatmap": lambda: m.activity_heatmap(events, local=spec.local),
    }
    return calls[spec.metric]()


def value_of(research: Research, spec: ValueSpec) -> float | None:
    """One statistic of a metric over complete periods (the last, unfinished one is left out)."""
    from mdm.metrics import change, complete_periods

    result = _compute(research, spec)  # the spec was checked on load (ValueSpec)
    column = spec.column or _MAIN[spec.metric]
    series = result.groupby("period")[column].sum() if "period" in result else result[column]
    if "period" in result:
        series = complete_periods(series, research.events["timestamp"].max())
    return change(series)[spec.value]


def format_value(value: float | None, spec: ValueSpec) -> str:
    """A value as prose shows it: 1,234 · 23% · 5.2 hours · +12.3% · −40."""
    if value is None:
        return "n/a"
    column = spec.column or _MAIN.get(spec.metric, "")
    if spec.value == "change_pct":
        return f"{value:+.1f}%".replace("-", "−")
    if column in _SHARES:
        text = f"{value * 100:+.0f} percentage points" if spec.value == "change" else f"{value:.0%}"
    elif column in _HOURS:
        text = f"{value:+.1f} hours" if spec.value == "change" else f"{value:.1f} hours"
    else:
        text = f"{value:+,.0f}" if spec.value == "change" else f"{value:,.0f}"
    return text.replace("-", "−") if spec.value == "change" else text


@dataclass(frozen=True)
class ChartOut:
    figure: Any
    alt: str
    caption: str


def chart_for(research: Research, spec: MetricSpec) -> ChartOut:
    """The chart of one metric spec, with alt text and a provenance caption."""
    from mdm.metrics import DEFINITIONS
    from mdm.report import charts

    result = _compute(research, spec)
    definition = DEFINITIONS[spec.metric]
    title = spec.title or definition.title + (f" by {spec.by}" if spec.by else "") + (
        f" ({_describe_filters(spec)})" if spec.filters() else ""
    )
    builders: dict[str, Callable[[], tuple[Any, str]]] = {
        "contributors": lambda: charts.lines(
            result, "contributors", title=title, ylabel="Contributors", group=spec.by
        ),
        "new_contributors": lambda: charts.lines(
            result, "new_contributors", title=title, ylabel="New contributors"
        ),
        "inactive_contributors": lambda: charts.lines(
            result, "inactive", title=title, ylabel="Contributors who became inactive"
        ),
        "activity_status": lambda: charts.stacked(
            result, ["active", "drifting", "away"], title=title, ylabel="Contributors"
        ),
        "cohort_retention": lambda: charts.heatmap(
            result,
            title=title,
            xlabel="Periods since first contribution",
            ylabel="Cohort",
            percent=True,
        ),
        "absence_factor": lambda: charts.bars(
            result.set_index(spec.by)["absence_factor"].sort_values(ascending=False)
            if spec.by
            else result["absence_factor"],
            title=title,
            xlabel="People making half the contributions",
        ),
        "onion": lambda: charts.stacked(
            result, ["core", "regular", "casual"], title=title, ylabel="Contributors", kind="bars"
        ),
        "time_to_first_response": lambda: (
            charts.bars(
                result.set_index(spec.by)["median_hours"].sort_values(),
                title=title,
                xlabel="Median hours to first response",
            )
            if spec.by
            else charts.lines(
                result, "median_hours", title=title, ylabel="Median hours to first response"
            )
        ),
        "conversion_rate": lambda: charts.lines(
            result, "rate", title=title, ylabel="Share converted"
        ),
        "contributor_location": lambda: charts.bars(
            result.set_index(result.columns[0])["contributors"], title=title, xlabel="Contributors"
        ),
        "multi_area_share": lambda: charts.lines(
            result, "share", title=title, ylabel="Share in two or more areas"
        ),
        "activity_heatmap": lambda: charts.heatmap(
            result, title=title, xlabel="Hour of day", ylabel="Weekday"
        ),
    }
    figure, alt = builders[spec.metric]()
    caption = research.caption("events", f"{definition.title}: {definition.definition}")
    return ChartOut(figure, alt, caption)


def _describe_filters(spec: MetricSpec) -> str:
    return ", ".join(
        f"{k} {v if isinstance(v, str) else ' or '.join(v)}" for k, v in spec.filters().items()
    )
