"""The pages leadership reads first: the summary and the investment overview.

The summary says what is asked, of whom and by when, the impact in headline
numbers (each naming its period), the total and the options, and one line per
topic linking to its section. The investment overview lists every ask with a
Total row, totals by kind, by quarter and per option, and a chart. Both read
the same :class:`~mdm.report.investment.Plan`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from mdm.params.models import Document, Role, Topic, ValueSpec
from mdm.params.models import Headline as HeadlineSpec
from mdm.params.project import Project
from mdm.report.evidence import Research, format_value, value_of
from mdm.report.figures import figure_html
from mdm.report.investment import Plan, money, plan_chart, plan_of
from mdm.report.render import Html, markdown, render

__all__ = ["Headline", "InvestmentOverview", "Summary", "headline", "period_label"]

SUMMARY_ANCHOR = "sec-summary"
INVESTMENT_ANCHOR = "sec-investment"
SOURCES_LINK = '<a href="#sec-sources">Sources</a>'
# when a document declares no headlines, these are shown (if there are activity events)
DEFAULT_HEADLINES = {
    "contributors": HeadlineSpec(metric="contributors", freq="Y", title="people contributed"),
    "new_contributors": HeadlineSpec(
        metric="new_contributors", freq="Y", title="people made their first contribution"
    ),
}
PARTS = ("decision", "impact", "costs", "recommendations", "proposals")
PROPOSAL_PARTS = ("decision", "impact", "costs", "recommendations")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


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


def inline(text: str) -> Html:
    """One line of Markdown as inline HTML (no paragraph around it)."""
    rendered = markdown(text).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        rendered = rendered[3:-4]
    return Html(rendered)


def first_line(markdown: str) -> str:
    """The first list item (continuation lines included) or else the first paragraph."""
    item: list[str] = []
    for line in markdown.splitlines():
        match = _BULLET.match(line)
        if match and item:
            break
        if match:
            item = [match[1].strip()]
        elif item and line.strip():
            item.append(line.strip())
        elif item:
            break
    if item:
        return " ".join(item)
    paragraph = markdown.strip().split("\n\n")[0]
    return " ".join(paragraph.split())


@dataclass(frozen=True)
class Summary:
    """The decision requested, the impact, the money and the recommendations, on one or two pages."""

    project: Project
    document: Document
    anchor: str = SUMMARY_ANCHOR

    @cached_property
    def research(self) -> Research:
        return Research(self.project)

    @cached_property
    def plan(self) -> Plan:
        return plan_of(self.project)

    def _topics(self) -> list[Topic]:
        sections = self.project.sections(self.document.id)
        return [
            self.project.topics[s.parameters["topic"]] for s in sections if "topic" in s.parameters
        ]

    def headlines(self) -> list[Headline]:
        specs = self.document.headlines or (
            DEFAULT_HEADLINES if self.research.exists("events") else {}
        )
        return [headline(self.research, spec, spec.title) for spec in specs.values()]

    def page(self, parts: Sequence[str] = PROPOSAL_PARTS) -> Html:
        """The summary's ``parts`` in order: decision, impact, costs, recommendations, proposals."""
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown summary parts {sorted(unknown)}; expected some of {PARTS}")
        deciders = [p.name for p, _ in self.project.holders(Role.DECISION_MAKER)]
        agreement = [p.name for p, _ in self.project.holders(Role.AGREEMENT)]
        topics = self._topics()
        return render(
            "summary.html.j2",
            parts=list(parts),
            anchor=self.anchor,
            document=self.document,
            deciders=deciders,
            agreement=agreement,
            headlines=self.headlines() if "impact" in parts else [],
            plan=self.plan,
            options=self.plan.option_rows(),
            money=money,
            recommendations=[
                (t, inline(first_line(t.recommendations)))
                for t in topics
                if t.recommendations.strip()
            ],
            proposed=[t for t in topics if t.structures.strip() or t.processes.strip()],
            unproposed=[t for t in topics if not (t.structures.strip() or t.processes.strip())],
            investment_anchor=INVESTMENT_ANCHOR,
        )

    def feedback(self) -> Html:
        """How, where and by when to give feedback on this document (``feedback`` in params)."""
        if self.document.feedback is None:
            return Html("")
        return render("feedback.html.j2", feedback=self.document.feedback, document=self.document)


@dataclass(frozen=True)
class InvestmentOverview:
    """Every ask in one table with a Total row; totals by kind, by quarter and per option."""

    project: Project
    document: Document
    anchor: str = INVESTMENT_ANCHOR

    @cached_property
    def plan(self) -> Plan:
        return plan_of(self.project)

    def page(self) -> Html:
        plan = self.plan
        if not plan.rows:
            return render("investment.html.j2", anchor=self.anchor, plan=plan, chart="")
        chart = plan_chart(plan)
        quarters = plan.by_quarter()
        kinds = [c for c in quarters.columns if c != "period"]
        per_quarter = [
            (row["period"], sum((row[k] for k in kinds), start=0)) for _, row in quarters.iterrows()
        ]
        names = {i: s.name for i, s in self.project.stakeholders.items()}
        return render(
            "investment.html.j2",
            anchor=self.anchor,
            plan=plan,
            money=money,
            owners=names,
            kinds=plan.by_kind(),
            quarters=per_quarter,
            options=plan.option_rows(),
            chart=figure_html(
                chart.figure,
                alt=chart.alt,
                caption=f"{quarters['period'].iloc[0]}–{quarters['period'].iloc[-1]}, by quarter; "
                "each ask spread evenly over its quarters. Source: the asks in params/topics.",
            ),
        )
