"""What notebooks call to narrate a section.

A notebook loads its context once (:func:`overview` or :func:`topic`) and then
displays the pieces in the order it likes; each piece is an HTML fragment
that looks the same in JupyterLab as in the assembled document.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.data.provenance import InputFile, describe_input
from mdm.data.quotes import visible_quotes
from mdm.errors import ConfigError, DataError, NotebookError
from mdm.files import file_digest
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import (
    Document,
    Effect,
    MetricSpec,
    Milestone,
    NumberFormat,
    Role,
    TableSpec,
    Topic,
)
from mdm.params.project import Project, load_project
from mdm.report.charts import bars, likert
from mdm.report.evidence import (
    Research,
    Value,
    chart_for,
    format_value,
    metric_result,
    value_of,
    value_texts,
)
from mdm.report.figures import figure_html, house_style, new_figure
from mdm.report.investment import money, plan_of
from mdm.report.published import (
    MarkdownPreview,
    fill,
    format_number,
    markdown_preview,
    values_output,
)
from mdm.report.render import Html, render
from mdm.report.summary import InvestmentOverview, Summary, headline, period_label
from mdm.report.tables import check_readable, read_table, table_html
from mdm.report.timeline import timeline_alt, timeline_chart

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure as MplFigure

    from mdm.data.provenance import InputFile
    from mdm.data.survey import Question
    from mdm.params.project import SectionSpec

__all__ = [
    "InvestmentOverview",
    "Overview",
    "Roadmap",
    "Sources",
    "Summary",
    "TopicSection",
    "investment",
    "overview",
    "roadmap",
    "sources",
    "summary",
    "topic",
]

_VALUE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _forget_pyplot(fig: MplFigure) -> None:
    """Close a pyplot figure, so the inline backend does not display it a second time, raw."""
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        if fig in map(plt.figure, plt.get_fignums()):
            plt.close(fig)


@dataclass(frozen=True)
class _Context:
    project: Project
    document: Document
    published: dict[str, str] = field(default_factory=dict, kw_only=True, repr=False)
    """Values this notebook published so far (``value``), by name, as prose shows them."""

    def value(self, name: str, value: object, format: NumberFormat | None = None) -> None:
        """Publish ``value`` as ``{{ name }}`` for this section's Markdown cells and prose.

        Numbers are written as evidence values are (``format``: count, decimal, share,
        hours, change, change_pct, text; default from the value's type). JupyterLab
        shows ``name = text`` under the cell; the document shows the value where it is used.
        """
        from IPython.display import display

        if not isinstance(name, str) or not _VALUE_NAME.match(name):
            raise NotebookError(
                f"expected a name of lower-case letters, digits and '_', got {name!r}",
                field="section.value",
            )
        text = format_number(value, format, what=f"section.value({name!r})")
        self.published[name] = text
        display(values_output(name, text), raw=True)  # type: ignore[no-untyped-call]

    def figure(
        self, fig: MplFigure, alt: str = "", *, source: str | None = None, caption: str = ""
    ) -> Html:
        """Any matplotlib figure, in the house style, with alt text (required) and a caption.

        ``source`` names the data file it was drawn from (see :meth:`TopicSection.data`):
        the caption then gives its rows and hash, as mdm's own charts do.
        """
        if not isinstance(alt, str) or not alt.strip():
            raise NotebookError(
                "expected alt text describing what the figure shows, "
                'got none; call section.figure(fig, alt="...")',
                field="section.figure",
            )
        if source is not None:
            caption = self._source_caption(source, caption)
        html = figure_html(house_style(fig), alt=alt, caption=caption)
        _forget_pyplot(fig)
        return html

    def _source_caption(self, source: str, caption: str) -> str:
        info = describe_input(check_readable(self.project, source), source)
        rows = f"{info.rows:,} rows, " if info.rows is not None else ""
        lead = f"{caption.rstrip('.')}. " if caption else ""
        return f"{lead}Source: {info.path} ({rows}sha256 {info.digest})."

    def new_figure(self, width: float = 7.5, height: float = 3.6) -> MplFigure:
        """An empty figure in the house style, for a chart of your own."""
        return new_figure(width, height)

    def show_markdown(self, notebook: str | Path | None = None) -> MarkdownPreview:
        """This notebook's Markdown cells as the document will show them, values filled in.

        For JupyterLab (save the notebook first: the saved file is read). ``notebook``
        defaults to the notebook JupyterLab is running; the preview never reaches a document.
        """

        return markdown_preview(notebook, self.published)


def _context(project_dir: str | Path, document: str) -> _Context:
    project = load_project(project_dir)
    return _Context(project, project.document(document))


@dataclass(frozen=True)
class Overview(_Context):
    """The front matter: what the project is, who is involved, approach, timeline."""

    anchor: str = "sec-overview"

    def about(self) -> Html:
        return render("overview.html.j2", info=self.project.info, anchor=self.anchor)

    def roles(self) -> Html:
        roles = [(role, self.project.holders(role)) for role in Role]
        return render("roles.html.j2", roles=[(r, h) for r, h in roles if h])

    def approach(self) -> Html:
        return render(
            "approach.html.j2", info=self.project.info, topics=self.project.active_topics()
        )

    def timeline(self) -> Html:
        milestones = list(self.project.info.timeline)
        if not milestones or "roadmap" in self.document.back:
            return Html("")  # the roadmap at the back shows every milestone, once
        chart = figure_html(
            timeline_chart(milestones, phases=[m.phase for m in milestones]),
            alt=timeline_alt(milestones),
            caption=f"{_span(milestones)}, by quarter. "
            "Source: the project timeline (params/project.yaml).",
        )
        names = self.project.stakeholders
        rows = [(m, [names[o].name for o in m.owners]) for m in milestones]
        return render("timeline.html.j2", chart=chart, milestones=rows)


@dataclass(frozen=True)
class TopicSection(_Context):
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
        return _roadmap_html(
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


def _span(milestones: list[Milestone]) -> str:
    ordered = sorted(milestones, key=lambda m: m.quarter_index)
    first, last = ordered[0].quarter, ordered[-1].quarter
    return first if first == last else f"{first}–{last}"


def _roadmap_html(
    project: Project,
    milestones: list[Milestone],
    *,
    title: str,
    heading: str = "",
    anchor: str = "",
    table: bool = True,
) -> Html:
    """The roadmap chart, with (``table``) what is due next and every milestone with owners."""
    names = {i: p.name for i, p in project.stakeholders.items()}
    if not milestones:
        return render("roadmap.html.j2", rows=[], heading=heading, anchor=anchor, title=title)
    chart = figure_html(
        timeline_chart(milestones, title=title, phases=[m.phase for m in project.info.timeline]),
        alt=timeline_alt(milestones),
        caption=f"{_span(milestones)}, by quarter. "
        "Source: the project timeline (params/project.yaml).",
    )
    pending = sorted((m for m in milestones if m.status != "done"), key=lambda m: m.quarter_index)
    # due next: everything not done in the first two quarters that still have open milestones
    # (not two calendar quarters: a quarter without milestones must not hide the next one)
    open_quarters = sorted({m.quarter_index for m in pending})[:2]
    due = [
        (m, [names[o] for o in m.owners], [project.topics[t].title for t in m.topics])
        for m in pending
        if m.quarter_index in open_quarters
    ]
    every = [
        (m, [names[o] for o in m.owners], [project.topics[t].title for t in m.topics])
        for m in sorted(milestones, key=lambda m: m.quarter_index)
    ]
    return render(
        "roadmap.html.j2",
        rows=milestones,
        chart=chart,
        due=due if table else [],
        table=table,
        title=title,
        every=every if heading else [],
        heading=heading,
        anchor=anchor,
    )


@dataclass(frozen=True)
class Roadmap(_Context):
    """The whole roadmap: every milestone, and what is due next."""

    anchor: str = "sec-roadmap"

    def full(self) -> Html:
        return _roadmap_html(
            self.project,
            list(self.project.info.timeline),
            title="Roadmap",
            heading="Roadmap",
            anchor=self.anchor,
        )


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
        last = research.events["timestamp"].max()
        stamp = last.tz_convert("UTC").tz_localize(None) if last.tzinfo else last
        if periods.max().end_time > stamp:
            text += f" ({period_label(periods.max())} is partial: data to {stamp:%-d %b %Y})"
        text += _value_note(topic, spec, word)
    else:  # computed over every event: the period is the whole record
        stamps = research.events["timestamp"]
        text += f", all activity {stamps.min():%b %Y}–{stamps.max():%b %Y}"
    return text + ". Source: activity records."


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


@dataclass(frozen=True)
class Sources(_Context):
    """The appendix: every input file with rows and hash, every metric definition used."""

    anchor: str = "sec-sources"

    def table(self) -> Html:
        research = Research(self.project)
        files = [
            InputFile(str(p.relative_to(self.project.root)), "params", None, file_digest(p))
            for p in self.project.files
        ]
        for key in ("events", "quotes", "survey_questions", "survey_responses", "discussions"):
            if research.exists(key):
                files.append(research.describe(key))
        for note in research.notes:
            path = self.project.root / note.path
            files.append(InputFile(note.path, "notes", None, file_digest(path)))
        topics = self.project.sections(self.document.id)
        files += _declared_files(self.project, topics)
        used = dict.fromkeys(
            spec.metric
            for section in topics
            if "topic" in section.parameters
            for t in [self.project.topics[section.parameters["topic"]]]
            for spec in [*t.evidence.charts, *t.evidence.values.values()]
        )
        return render(
            "sources.html.j2",
            anchor=self.anchor,
            files=files,
            definitions=[DEFINITIONS[m] for m in used],
            min_group=self.project.info.data.min_group,
            data_note=self.project.info.data_note,
        )


def _declared_files(project: Project, specs: list[SectionSpec]) -> list[InputFile]:
    """The data files this document's topics declare (tables, own notebooks), once each."""

    declared = dict.fromkeys(
        f
        for spec in specs
        if "topic" in spec.parameters
        for t in [project.topics[spec.parameters["topic"]]]
        for f in [*(s.file for s in t.evidence.tables), *t.evidence.files]
    )
    return [describe_input(project.root / f, f) for f in declared]


def overview(project_dir: str | Path, document: str) -> Overview:
    """Load the project and return the front-matter section of ``document``."""
    ctx = _context(project_dir, document)
    return Overview(ctx.project, ctx.document)


def topic(project_dir: str | Path, document: str, topic_id: str | None = None) -> TopicSection:
    """Load the project and return the section of ``topic_id`` in ``document``.

    Without a topic id (a notebook opened with its defaults) the first active topic is shown.
    """
    ctx = _context(project_dir, document)
    if not topic_id:
        topic_id = ctx.project.active_topics()[0].id
    section = TopicSection(ctx.project, ctx.document, topic_id)
    section.topic  # noqa: B018 - fail here, at load, on an unknown topic
    return section


def sources(project_dir: str | Path, document: str) -> Sources:
    """Load the project and return the sources appendix of ``document``."""
    ctx = _context(project_dir, document)
    return Sources(ctx.project, ctx.document)


def summary(project_dir: str | Path, document: str) -> Summary:
    """Load the project and return the summary that opens ``document``."""
    ctx = _context(project_dir, document)
    return Summary(ctx.project, ctx.document)


def investment(project_dir: str | Path, document: str) -> InvestmentOverview:
    """Load the project and return the investment overview of ``document``."""
    ctx = _context(project_dir, document)
    return InvestmentOverview(ctx.project, ctx.document)


def roadmap(project_dir: str | Path, document: str) -> Roadmap:
    """Load the project and return the roadmap section of ``document``."""
    ctx = _context(project_dir, document)
    return Roadmap(ctx.project, ctx.document)
