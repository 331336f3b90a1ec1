"""One topic area's section: its question, findings, charts, quotes, survey, discussions, notes,
recommendations and asks (the proposal), or what the discussions said and what we propose
(the strategy). Both documents' topic notebooks load it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mdm.data.quotes import visible_quotes
from mdm.errors import ConfigError, DataError
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import Ask, MetricSpec, NumberFormat, TableSpec, Topic, ValueSpec
from mdm.report.charts import bars, likert
from mdm.report.effects import expected_effect
from mdm.report.evidence import (
    Research,
    chart_cut,
    chart_for,
    data_day,
    format_value,
    metric_result,
    period_label,
    value_of,
    value_texts,
)
from mdm.report.explain import referenced, value_anchor
from mdm.report.figures import figure_html
from mdm.report.investment import AskRow, money, owner_names, plan_of
from mdm.report.pages.context import Context
from mdm.report.pages.roadmap import roadmap_html
from mdm.report.published import escape_markdown, fill
from mdm.report.render import Html, render
from mdm.report.tables import check_readable, read_table, table_html

if TYPE_CHECKING:
    import pandas as pd

    from mdm.data.survey import Question

__all__ = ["TopicSection", "chart_caption"]


@dataclass(frozen=True)
class TopicSection(Context):
    """One topic area's section of a document."""

    topic_id: str = ""

    @cached_property
    def topic(self) -> Topic:
        return self.project.topic(self.topic_id)

    @property
    def anchor(self) -> str:
        return f"sec-topic-{self.topic_id}"

    @cached_property
    def research(self) -> Research:
        return Research(self.project, self.document)

    @property
    def _shown(self) -> str:
        return f"params/topics/{self.topic_id}.yaml"

    @cached_property
    def values(self) -> dict[str, str]:
        """The topic's named values as prose prints them: ``name``, ``name.number``, ``name.period``."""
        return {
            key: text
            for name, spec in self.topic.evidence.values.items()
            for key, text in value_texts(name, value_of(self.research, spec)).items()
        }

    @cached_property
    def _linked(self) -> dict[str, str]:
        """The values as Markdown for the prose: each number links to its entry under
        "Sources and definitions" when the document has that appendix."""
        texts = {k: escape_markdown(v) for k, v in self.values.items()}
        if "sources" not in self.document.back:
            return texts
        return {
            key: text if key.endswith(".period") else f"[{text}](#{self._anchors[key]})"
            for key, text in texts.items()
        }

    @cached_property
    def _anchors(self) -> dict[str, str]:
        return {
            key: value_anchor(self.topic_id, name)
            for name in self.topic.evidence.values
            for key in (name, f"{name}.number")
        }

    def _prose(self, text: str, key: str) -> str:
        """The topic's ``key`` text with values from its evidence and from this notebook."""
        values = {}
        if "{{" in text:
            published = {k: escape_markdown(v) for k, v in self.published.items()}
            values = {**self._linked, **published}
        filled, unknown = fill(text, values, escape=False)
        if unknown:
            known = ", ".join(values) or "none"
            raise ConfigError(
                f"unknown value {unknown[0]!r} in {{{{ }}}} (evidence.values "
                f"and section.value calls before this cell define: {known})",
                path=self._shown,
                field=key,
            )
        return filled

    def header(self) -> Html:
        topic = self.topic.model_copy(
            update={"summary": self._prose(self.topic.summary, "summary")}
        )
        return render("topic_header.html.j2", topic=topic, anchor=self.anchor)

    def findings(self) -> Html:
        return render(
            "findings.html.j2",
            heading="Key findings",
            kind="findings",
            text=self._prose(self.topic.findings, "findings"),
        )

    def _declared(self, file: str) -> None:
        evidence = self.topic.evidence
        if file not in {t.file for t in evidence.tables} | set(evidence.files):
            raise DataError(
                f"the notebook reads {file}, which this topic "
                "does not declare; add it under evidence.files (or evidence.tables) so that "
                "the build runs this section again when the file changes",
                path=self._shown,
                field="evidence.files",
            )

    def data(self, file: str) -> pd.DataFrame:
        """A CSV or Parquet file under ``data/`` that this topic declares, as a DataFrame."""

        self._declared(file)
        return read_table(check_readable(self.project, file), file)

    def table(
        self,
        file: str,
        *,
        columns: list[str] | dict[str, str] | None = None,
        sort: str | None = None,
        descending: bool = False,
        totals: bool | list[str] = False,
        formats: dict[str, NumberFormat] | None = None,
        limit: int | None = None,
        title: str = "",
    ) -> Html:
        """A table from a declared data file; the arguments are those of ``evidence.tables``."""
        from pydantic import ValidationError

        try:
            spec = TableSpec(
                file=file,
                columns=columns or [],
                sort=sort,
                descending=descending,
                totals=totals,
                formats=formats or {},
                limit=limit,
                title=title,
            )
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            where_ = ".".join(str(p) for p in first["loc"])
            raise ConfigError(first["msg"], field=f"section.table: {where_}") from err
        self._declared(file)
        return self._table(spec, f"section.table({file!r})")

    def _table(self, spec: TableSpec, field: str, path: str | None = None) -> Html:
        return table_html(self.project, spec, field, path).html

    def tables(self) -> Html:
        """The tables under the topic's ``evidence.tables``."""
        return Html(
            "".join(
                self._table(spec, f"evidence.tables.{index}", self._shown)
                for index, spec in enumerate(self.topic.evidence.tables)
            )
        )

    @property
    def _sources_link(self) -> str:
        return '(<a href="#sec-sources">Sources</a>)' if "sources" in self.document.back else ""

    def charts(self) -> Html:
        """The topic's charts, each captioned with its period and a link to its definition."""
        out = []
        for spec in self.topic.evidence.charts:
            chart = chart_for(self.research, spec)
            out.append(
                figure_html(
                    chart.figure,
                    alt=chart.alt,
                    caption=chart_caption(self.research, spec, self.topic),
                    source=self._sources_link,
                )
            )
        return Html("".join(out))

    def quotes(self) -> Html:
        if "quotes" not in self.project.uses(self.topic):
            return Html("")
        on_topic = [q for q in self.research.quotes if self.topic_id in q.topics]
        visible = visible_quotes(on_topic, self.topic_id, self.document.audience)
        # a quote on several topics is shown once: under the first of them in this document
        shown = [q for q in visible if self._home(q.topics) == self.topic_id]
        limit = self.topic.evidence.max_quotes
        return render(
            "quotes.html.j2",
            quotes=shown[:limit],
            hidden=len(on_topic) - len(visible),
            topic=self.topic,
        )

    def _home(self, topics: tuple[str, ...] | list[str]) -> str | None:
        """The first of ``topics`` (in the quote's own order) that has a section here."""
        here = {
            s.parameters["topic"]
            for s in self.project.sections(self.document.id)
            if "topic" in s.parameters
        }
        return next((t for t in topics if t in here), None)

    def survey(self) -> Html:
        questions = self.topic.evidence.survey
        if not questions:
            return Html("")
        return _survey_html(
            self.research,
            self.research.survey.select(questions, self._shown),
            self.topic,
            self._sources_link,
        )

    def discussions(self, show: bool | None = None, table: bool = True) -> Html:
        """The discussion log on this topic: who took part, and each outcome once with its sessions.

        ``show`` overrides the topic's evidence setting; ``table=False`` leaves the outcomes to
        :meth:`proposals` ("you said → we propose").
        """
        if not (self.topic.evidence.discussions if show is None else show):
            return Html("")
        log = self.research.discussions
        rows = log[log["topic"] == self.topic_id].sort_values("date")
        agreements = list(dict.fromkeys(a for items in rows["agreements"] for a in items))
        outcomes = [
            (
                outcome,
                len(group),
                int(group["participants"].sum()),
                sorted(group["community"].unique()),
                group["date"].min(),
                group["date"].max(),
            )
            for outcome, group in rows.groupby("outcomes", sort=False)
        ]
        return render(
            "discussions.html.j2",
            sessions=len(rows),
            outcomes=outcomes if table else [],
            participants=int(rows["participants"].sum()),
            communities=sorted(rows["community"].unique()),
            channels=sorted(rows["channel"].unique()),
            agreements=agreements,
            link=self._sources_link,
        )

    def notes(self) -> Html:
        """Desk-research notes on this topic; a note on several topics is listed under the first."""
        if "notes" not in self.project.uses(self.topic):
            return Html("")
        notes = [n for n in self.research.notes if self._home(n.topics) == self.topic_id]
        return render("notes.html.j2", notes=notes) if notes else Html("")

    def proposals(self) -> Html:
        """What the discussions said and what we propose in answer (strategy document): the
        structures, the processes and the topic's investment asks."""
        said: list[str] = []
        if self.research.exists("discussions"):
            log = self.research.discussions
            rows = log[log["topic"] == self.topic_id].sort_values("date")
            said = list(dict.fromkeys(o for o in rows["outcomes"] if str(o).strip()))
        return render(
            "proposals.html.j2",
            topic=self.topic,
            said=said,
            structures=self._prose(self.topic.structures, "structures"),
            processes=self._prose(self.topic.processes, "processes"),
            asks=self._ask_rows(),
            currency=plan_of(self.project).currency,
            money=money,
            owners=self._owners,
        )

    def roadmap(self) -> Html:
        """This topic's milestones as a chart; their owners and status are in the whole roadmap."""
        milestones = [m for m in self.project.info.timeline if self.topic_id in m.topics]
        return roadmap_html(
            self.project, milestones, title=f"Roadmap: {self.topic.title}", table=False
        )

    def recommendations(self) -> Html:
        """The recommendations, then the topic's asks with cost, owner, effect and options."""
        return Html(
            render(
                "findings.html.j2",
                heading="Recommendations",
                kind="recommendations",
                text=self._prose(self.topic.recommendations, "recommendations"),
            )
            + self.asks()
        )

    def asks(self) -> Html:
        """The topic's investment asks (structured in params), after its ``investment`` prose."""
        return render(
            "asks.html.j2",
            text=self._prose(self.topic.investment, "investment"),
            asks=self._ask_rows(),
            currency=plan_of(self.project).currency,
            money=money,
            owners=self._owners,
        )

    def _ask_rows(self) -> list[tuple[AskRow, str, list[str]]]:
        """(ask, its expected effect in words, the options that fund it) for each ask."""
        plan = plan_of(self.project)
        return [(r, self._effect(r.ask), plan.in_options(r)) for r in plan.of_topic(self.topic_id)]

    def _owners(self, ask: Ask) -> str:
        return owner_names(ask, self.project.stakeholders)

    def _effect(self, ask: Ask) -> str:
        """``Core contributors: 829 in 2016 → 953 by 2018-Q4 (+15%)``."""
        effect = expected_effect(self.research, self.topic, ask)
        return effect.text if effect is not None else ""


def _survey_html(research: Research, questions: list[Question], topic: Topic, link: str) -> Html:
    """Survey results as findings (statement and share who agree), with their chart."""

    survey = research.survey
    min_group = research.project.info.data.min_group
    blocks = []
    likerts = [q.id for q in questions if q.kind == "likert"]
    findings: list[tuple[str, str, int]] = []
    if likerts:
        shares = survey.likert_shares(likerts)
        findings = _agreement(survey, likerts, shares)
        figure, alt = likert(shares, title="Agreement with statements")
        caption = f"Survey statements on {topic.title.lower()}. Source: community survey."
        blocks.append(figure_html(figure, alt=alt, caption=caption, source=link))
    for question in questions:
        if question.kind in ("single", "multi"):
            counts = survey.choice_counts(question.id)
            counts = counts[counts >= min_group]  # small groups are never shown
            figure, alt = bars(
                counts.sort_values(ascending=False), title=question.text, xlabel="Respondents"
            )
            caption = f"Answers to “{question.text}”. Source: community survey."
            blocks.append(figure_html(figure, alt=alt, caption=caption, source=link))
    free_text = [
        (q.text, list(dict.fromkeys(a for a in survey.answers(q.id) if a.strip()))[:8])
        for q in questions
        if q.kind == "free_text"
    ]
    return render("survey.html.j2", findings=findings, blocks=blocks, free_text=free_text)


def _agreement(survey: Any, ids: list[str], shares: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(statement, share who agree as %, answers) per likert question."""
    rows = []
    for qid in ids:
        question = survey.question(qid)
        levels = list(question.options)
        upper = levels[len(levels) // 2 + (1 if len(levels) % 2 else 0) :]
        agree = float(shares.loc[question.text, upper].sum())
        rows.append((question.text, f"{agree:.0%}", int(survey.answers(qid).notna().sum())))
    return rows


def chart_caption(research: Research, spec: MetricSpec, topic: Topic) -> str:
    """The period a chart covers (a running last period marked) and its source, in one line."""
    import pandas as pd

    result = metric_result(
        research, spec, chart_cut(research.project, research.last_event(), research.document)
    )
    what = spec.title or DEFINITIONS[spec.metric].title
    text = f"{what}"
    if "period" in result and len(result):
        periods = pd.PeriodIndex(result["period"].unique())
        word = {"M": "month", "Q": "quarter", "Y": "year"}[spec.freq]
        text += f", by {word}, {period_label(periods.min())}–{period_label(periods.max())}"
        # partial by the rule values use: a period whose last day is after the reference day
        day = data_day(research)
        if day is not None and periods.max().end_time.date() > day:
            text += f" ({period_label(periods.max())} is partial: data to {day:%-d %b %Y})"
    else:  # computed over every event: the period is the whole record, to the pinned day
        first_ns, last_ns = research.span()  # from the store: the events stay unloaded
        cut = chart_cut(research.project, last_ns, research.document)
        first = pd.Timestamp(first_ns)
        last = pd.Timestamp(last_ns) if cut is None else cut.tz_convert(None) - pd.Timedelta(1)
        text += f", all activity {first:%b %Y}–{last:%b %Y}"
    counting = research.counting(spec)  # people counted with HyperLogLog: said so
    return (
        text
        + ". "
        + _value_note(research, topic, spec, "period" in result)
        + "Source: activity records."
        + (f" {counting}" if counting else "")
    )


_WORDS = {"M": "month", "Q": "quarter", "Y": "year"}


def _value_note(research: Research, topic: Topic, spec: MetricSpec, over_time: bool) -> str:
    """Why numbers in the text differ from this chart of the same metric: they count other
    filters, the chart splits them by group, or they cover other periods. Empty when the
    text's numbers are this chart's own."""
    shown = referenced(topic, research.document) if research.document is not None else set()
    notes: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for name, value in topic.evidence.values.items():
        if value.metric != spec.metric or name not in shown:
            continue
        said, chart = _differences(value, spec, over_time)
        if said:
            notes.setdefault((said, chart), []).append(format_value(value_of(research, value)))
    sentences = [
        f"In the text, {_and(numbers)} {_and(list(said))}; this chart {_and(list(chart))}. "
        for (said, chart), numbers in notes.items()
    ]
    return "".join(sentences)


def _differences(
    value: ValueSpec, spec: MetricSpec, over_time: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """How a value and a chart of one metric count differently: (the value's side, the chart's)."""
    said: list[str] = []
    chart: list[str] = []
    mine, theirs = _selected(value.filters()), _selected(spec.filters())
    by = spec.by or DEFINITIONS[spec.metric].default_by
    # the value is one of the chart's lines or bars: the chart's filters and one of its groups
    one_bar = by is not None and len(mine.get(by, [])) == 1 and {**theirs, by: mine[by]} == mine
    if mine != theirs and not one_bar:
        said.append(f"are for {_described(mine)} only" if mine else "are for all activity")
        chart.append(f"is for {_described(theirs)}" if theirs else "is for all activity")
    if by is not None and not one_bar:
        said += [] if mine != theirs else ["are for all of them together"]
        chart.append(f"split by {by}" if mine != theirs else f"splits them by {by}")
    if not over_time:
        said.append(f"are per full {_WORDS[value.freq]}")
        chart.append("covers all time")
    elif value.freq != spec.freq:
        said.append(f"are per full {_WORDS[value.freq]}")
        chart.append(f"is per {_WORDS[spec.freq]}")
    elif value.span == "to_date" and value.value != "latest":
        word = _WORDS[value.freq]
        said.append(f"compare the {word} to date with the same days of the {word} before")
        chart.append(f"shows whole {word}s")
    return tuple(said), tuple(chart)


def _selected(filters: dict[str, str | list[str]]) -> dict[str, list[str]]:
    return {k: sorted([v] if isinstance(v, str) else v) for k, v in filters.items()}


def _described(filters: dict[str, list[str]]) -> str:
    return ", ".join(f"{k} {' or '.join(v)}" for k, v in filters.items())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
