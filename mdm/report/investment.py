"""The investment plan: every topic's asks in one currency, with totals and options.

Asks live in the topics' params (``asks:``), options in ``params/project.yaml``
(``investment.options``); both were validated on load. Every total on a page is
computed here from the same rows, so the summary, the overview and a topic
section cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from mdm.params.models import Ask, Investment, InvestmentOption, Topic, quarter_index
from mdm.params.project import Project
from mdm.report.charts import Chart, stacked
from mdm.report.figures import CATEGORY_COLOURS

__all__ = ["KINDS", "AskRow", "Plan", "money", "plan_chart", "plan_of"]

KINDS = ("people", "programs", "events", "tools", "grants")


def money(amount: Decimal, currency: str) -> str:
    """``USD 60,000``: whole units, thousands separated, the code first (no symbol guessing)."""
    return f"{currency} {amount:,.0f}"


@dataclass(frozen=True)
class AskRow:
    """One ask with its amount converted into the plan's currency."""

    topic: Topic
    ask: Ask
    amount: Decimal

    @property
    def ref(self) -> str:
        return f"{self.topic.id}/{self.ask.id}"

    @property
    def anchor(self) -> str:
        return f"ask-{self.topic.id}-{self.ask.id}"

    @property
    def period(self) -> str:
        """``2018-Q2``, ``2018 Q1–Q4`` or ``2017-Q4–2018-Q2``: short enough for a table cell."""
        start, end = self.ask.start, self.ask.end
        if start == end:
            return start
        if start[:4] == end[:4]:
            return f"{start[:4]} {start[5:]}–{end[5:]}"
        return f"{start}–{end}"


@dataclass(frozen=True)
class Plan:
    """Every ask of the project's active topics, in one currency."""

    currency: str
    rows: list[AskRow]
    options: list[InvestmentOption]
    note: str = ""
    recommended: str | None = None

    def total(self, refs: Iterable[str] | None = None) -> Decimal:
        """The sum of all asks, or of the asks named by ``refs``."""
        wanted = None if refs is None else set(refs)
        return sum((r.amount for r in self.rows if wanted is None or r.ref in wanted), Decimal(0))

    def by_kind(self) -> list[tuple[str, Decimal]]:
        """Totals per kind of spending, in the fixed kind order, kinds with no ask left out."""
        sums = {k: sum((r.amount for r in self.rows if r.ask.kind == k), Decimal(0)) for k in KINDS}
        return [(k, v) for k, v in sums.items() if any(r.ask.kind == k for r in self.rows)]

    def by_quarter(self) -> pd.DataFrame:
        """Quarter × kind → amount, each ask spread evenly over the quarters it spans."""
        records = [
            {"period": q, "kind": r.ask.kind, "amount": r.amount / len(r.ask.quarters)}
            for r in self.rows
            for q in r.ask.quarters
        ]
        if not records:
            return pd.DataFrame(columns=["period", *KINDS])
        frame = pd.DataFrame(records)
        table = frame.pivot_table(
            index="period", columns="kind", values="amount", aggfunc="sum", fill_value=Decimal(0)
        )
        quarters = sorted(table.index, key=quarter_index)
        first, last = quarter_index(quarters[0]), quarter_index(quarters[-1])
        every = [f"{q // 4}-Q{q % 4 + 1}" for q in range(first, last + 1)]
        kinds = [k for k in KINDS if k in table.columns]
        table = table.reindex(index=every, columns=kinds, fill_value=Decimal(0))
        return table.rename_axis(None, axis=1).reset_index(names="period")

    def option_rows(self) -> list[tuple[InvestmentOption, list[AskRow], Decimal]]:
        """Each option with the asks it funds and their total."""
        return [
            (o, [r for r in self.rows if r.ref in o.asks], self.total(o.asks)) for o in self.options
        ]

    def in_options(self, row: AskRow) -> list[str]:
        """Titles of the options that fund ``row``."""
        return [o.title for o in self.options if row.ref in o.asks]

    def of_topic(self, topic_id: str) -> list[AskRow]:
        return [r for r in self.rows if r.topic.id == topic_id]


def plan_of(project: Project) -> Plan:
    """The project's investment plan: its active topics' asks, options from ``investment``."""
    topics = project.active_topics()
    settings = project.info.investment
    if settings is None:
        currencies = sorted({a.currency for t in topics for a in t.asks})
        settings = Investment(currency=currencies[0] if currencies else "USD")
    rates = {settings.currency: Decimal(1), **settings.rates}
    rows = [AskRow(t, a, a.amount * rates[a.currency]) for t in topics for a in t.asks]
    # asks are listed by priority, then in topic order, so the overview reads top-down
    order = {"high": 0, "medium": 1, "low": 2}
    rows.sort(key=lambda r: (order[r.ask.priority], r.topic.number))
    return Plan(
        settings.currency, rows, list(settings.options), settings.note, settings.recommended
    )


def plan_chart(plan: Plan) -> Chart:
    """Stacked bars of the amount asked per quarter, one colour per kind of spending."""
    table = plan.by_quarter()
    kinds = [c for c in table.columns if c != "period"]
    numeric = table.astype({k: float for k in kinds})
    return stacked(
        numeric,
        kinds,
        title=f"Amount asked per quarter by kind ({plan.currency})",
        ylabel=f"Amount ({plan.currency})",
        kind="bars",
        colours=[CATEGORY_COLOURS[k] for k in kinds],
        period="quarter",
    )
