"""The page leadership reads first: the decision requested, the impact, the money, one
recommendation per topic; and the strategy's opening page (its ``parts``).

The summary says what is asked, of whom and by when, the impact in headline numbers (each
naming its period), the total and the options, and one line per topic linking to its
section; the investment overview (:mod:`mdm.report.pages.investment`) reads the same
:class:`~mdm.report.investment.Plan`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from mdm.params.models import Role, Topic
from mdm.report.effects import ExpectedEffect, expected_effect
from mdm.report.evidence import Headline, Research, headline
from mdm.report.explain import headline_anchor, headline_specs
from mdm.report.investment import Plan, money, plan_of
from mdm.report.pages.context import Context
from mdm.report.render import Html, markdown, render

__all__ = ["PARTS", "PROPOSAL_PARTS", "Summary", "first_line", "inline"]

SUMMARY_ANCHOR = "sec-summary"
INVESTMENT_ANCHOR = "sec-investment"
SOURCES_LINK = '<a href="#sec-sources">Sources</a>'
PARTS = ("decision", "impact", "costs", "recommendations", "proposals")
PROPOSAL_PARTS = ("decision", "impact", "costs", "recommendations")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


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
class Summary(Context):
    """The decision requested, the impact, the money and the recommendations, on one or two pages."""

    anchor: str = SUMMARY_ANCHOR

    @cached_property
    def research(self) -> Research:
        return Research(self.project, self.document)

    @cached_property
    def plan(self) -> Plan:
        return plan_of(self.project)

    def _topics(self) -> list[Topic]:
        sections = self.project.sections(self.document.id)
        return [
            self.project.topics[s.parameters["topic"]] for s in sections if "topic" in s.parameters
        ]

    def headlines(self) -> list[Headline]:
        """The impact numbers, each linked to its entry in the sources appendix if there is one."""
        linked = "sources" in self.document.back
        return [
            replace(
                headline(self.research, spec, spec.title),
                anchor=headline_anchor(name) if linked else "",
            )
            for name, spec in headline_specs(self.document, self.research).items()
        ]

    def page(self, parts: Sequence[str] = PROPOSAL_PARTS) -> Html:
        """The summary's ``parts`` in order: decision, impact, costs, recommendations, proposals."""
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown summary parts {sorted(unknown)}; expected some of {PARTS}")
        deciders = [p.name for p, _ in self.project.holders(Role.DECISION_MAKER)]
        agreement = [p.name for p, _ in self.project.holders(Role.AGREEMENT)]
        topics = self._topics()
        effects = self.effects() if "costs" in parts else []
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
            proposed=[t for t in topics if t.proposes],
            unproposed=[t for t in topics if not t.proposes],
            effects=effects,
            effects_period=_shared([e.baseline.latest for e, _ in effects]),
            effects_by=_shared([e.effect.by for e, _ in effects]),
            investment_anchor=INVESTMENT_ANCHOR,
        )

    def effects(self) -> list[tuple[ExpectedEffect, list[bool]]]:
        """Each ask's expected effect, and for each option whether it funds that ask."""
        rows = []
        for row in self.plan.rows:
            effect = expected_effect(self.research, row.topic, row.ask)
            if effect is not None:
                rows.append((effect, [row.ref in o.asks for o in self.plan.options]))
        return rows

    def feedback(self) -> Html:
        """How, where and by when to give feedback on this document (``feedback`` in params)."""
        if self.document.feedback is None:
            return Html("")
        return render("feedback.html.j2", feedback=self.document.feedback, document=self.document)


def _shared(values: list[str | None]) -> str | None:
    """The one value every item has (a column heading can then say it once), else None."""
    return values[0] if values and len(set(values)) == 1 else None
