"""The investment overview: every ask in one table with a Total row; totals by kind, by quarter
and per option; a chart."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from mdm.report.figures import figure_html
from mdm.report.investment import Plan, money, plan_chart, plan_of
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
