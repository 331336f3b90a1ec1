"""The investment overview: every ask in one table with a Total row; totals by kind, by quarter
and per option; a chart."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mdm.report.figures import figure_html
from mdm.report.investment import Plan, money, owner_names, plan_chart, plan_of
from mdm.report.pages.context import Context
from mdm.report.pages.summary import INVESTMENT_ANCHOR
from mdm.report.render import Html, render

__all__ = ["InvestmentOverview"]


@dataclass(frozen=True)
class InvestmentOverview(Context):
    """Every ask in one table with a Total row; totals by kind, by quarter and per option."""

    anchor: str = INVESTMENT_ANCHOR

    @cached_property
    def plan(self) -> Plan:
        return plan_of(self.project)

    def page(self) -> Html:
        plan = self.plan
        if not plan.rows:
            return render("investment.html.j2", anchor=self.anchor, plan=plan, chart="")
        chart = plan_chart(plan)
        per_quarter = plan.quarter_totals()
        first, last = per_quarter[0][0], per_quarter[-1][0]
        people = self.project.stakeholders
        return render(
            "investment.html.j2",
            anchor=self.anchor,
            plan=plan,
            money=money,
            owners=lambda ask: owner_names(ask, people),
            kinds=plan.by_kind(),
            quarters=per_quarter,
            options=plan.option_rows(),
            chart=figure_html(
                chart.figure,
                alt=chart.alt,
                caption=f"{first}–{last}, by quarter; each ask spread evenly over its quarters "
                "in whole units. Source: the asks in params/topics.",
            ),
        )
