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
from mdm.params.models import Effect, MetricSpec, NumberFormat, TableSpec, Topic
from mdm.report.charts import bars, likert
from mdm.report.evidence import (
    Research,
    Value,
    chart_for,
    format_value,
    headline,
    metric_result,
    period_label,
    value_of,
    value_texts,
)
from mdm.report.figures import figure_html
from mdm.report.investment import money, plan_of
from mdm.report.pages.context import Context
from mdm.report.pages.roadmap import roadmap_html
from mdm.report.published import fill
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
        return Research(self.project)

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

    def _prose(self, text: str, key: str) -> str:
        """The topic's ``key`` text with values from its evidence and from this notebook."""
        values = {**self.values, **self.published} if "{{" in text else {}
        filled, unknown = fill(text, values)
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
        """What the discussions said and what we propose in answer (strategy document)."""
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
        plan = plan_of(self.project)
        names = self.project.stakeholders
        rows = [
            (r, self._effect(r.ask.effect), plan.in_options(r))
            for r in plan.of_topic(self.topic_id)
        ]
        return render(
            "asks.html.j2",
            text=self._prose(self.topic.investment, "investment"),
            asks=rows,
            currency=plan.currency,
            money=money,
            owner=lambda i: names[i].name,
        )

    def _effect(self, effect: Effect | None) -> str:
        """``new contributors 1,234 (2017) → 1,500 by 2018-Q4``."""
        if effect is None:
            return ""

        spec = self.topic.evidence.values[effect.value]
        now = headline(self.research, spec)
        what = DEFINITIONS[spec.metric].title
        target = format_value(Value(spec, float(effect.target), None, None))
        by = f" by {effect.by}" if effect.by else ""
        return f"{what}: {now.value} in {now.period} → {target}{by}"


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

    result = metric_result(research, spec)
    what = spec.title or DEFINITIONS[spec.metric].title
    text = f"{what}"
    if "period" in result and len(result):
        periods = pd.PeriodIndex(result["period"].unique())
        word = {"M": "month", "Q": "quarter", "Y": "year"}[spec.freq]
        text += f", by {word}, {period_label(periods.min())}–{period_label(periods.max())}"
        stamp = pd.Timestamp(research.span()[1])  # naive UTC, as periods' end times are
        if periods.max().end_time > stamp:
            text += f" ({period_label(periods.max())} is partial: data to {stamp:%-d %b %Y})"
        text += _value_note(topic, spec, word)
    else:  # computed over every event: the period is the whole record
        first, last = (pd.Timestamp(ns) for ns in research.span())
        text += f", all activity {first:%b %Y}–{last:%b %Y}"
    counting = research.counting(spec)  # people counted with HyperLogLog: said so
    return text + ". Source: activity records." + (f" {counting}" if counting else "")


def _value_note(topic: Topic, spec: MetricSpec, word: str) -> str:
    """Why a number in the text may differ from this chart: it covers another kind of period."""
    words = {"M": "month", "Q": "quarter", "Y": "year"}
    other = {
        words[v.freq]
        for v in topic.evidence.values.values()
        if v.metric == spec.metric and v.freq != spec.freq
    }
    if not other:
        return ""
    return f"; numbers in the text are per full {' and '.join(sorted(other))}, not per {word}"
