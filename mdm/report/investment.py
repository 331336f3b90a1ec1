"""The investment plan: every topic's asks in one currency, with totals and options.

Asks live in the topics' params (``asks:``), options in ``params/project.yaml``
(``investment.options``); both were validated on load. Every total on a page is
computed here from the same rows, so the summary, the overview and a topic
section cannot disagree.

Money is whole units of the plan's currency, as the documents print it: an ask in
cents or converted at a rate is rounded once, to the nearest unit (half up), and
every total is the exact (decimal) sum of the amounts printed above it. An ask
spread over several quarters is split into whole units by the largest-remainder
rule, so its quarters add up to it and the quarters' totals to the plan's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pandas as pd

from mdm.params.models import (
    Ask,
    Investment,
    InvestmentOption,
    Stakeholder,
    Topic,
    quarter_index,
)
from mdm.params.project import Project
from mdm.report.charts import Chart, stacked
from mdm.report.figures import CATEGORY_COLOURS

__all__ = [
    "KINDS",
    "AskRow",
    "Plan",
    "largest_remainder",
    "money",
    "owner_names",
    "plan_chart",
    "plan_of",
    "whole_units",
]

KINDS = ("people", "programs", "events", "tools", "grants")
_UNIT = Decimal(1)


def owner_names(ask: Ask, stakeholders: Mapping[str, Stakeholder]) -> str:
    """``Ruben Martin, with Reps Council + Peers and Haiyya``: the owner, then any co-owners."""
    names = [stakeholders[i].name for i in ask.co_owners]
    if not names:
        return stakeholders[ask.owner].name
    joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{stakeholders[ask.owner].name}, with {joined}"


def whole_units(amount: Decimal) -> Decimal:
    """``amount`` rounded to whole units of its currency, halves up (1,234.50 → 1,235)."""
    return amount.quantize(_UNIT, rounding=ROUND_HALF_UP)


def largest_remainder(shares: Sequence[Decimal]) -> list[Decimal]:
    """Whole-unit parts of exact ``shares`` that add up to their sum rounded to whole units.

    Each share is rounded down, and the units left over go one each to the shares that lost
    the most in rounding (earlier shares first among equals), so a printed breakdown always
    adds up to its printed total.
    """
    floors = [share.to_integral_value(rounding=ROUND_FLOOR) for share in shares]
    left = int(whole_units(sum(shares, Decimal(0))) - sum(floors, Decimal(0)))
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


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

    def quarter_totals(self) -> list[tuple[str, Decimal]]:
        """Each quarter's total over every kind (they add up to :meth:`total`)."""
        table = self.by_quarter()
        kinds = [c for c in table.columns if c != "period"]
        return [
            (str(row["period"]), sum((row[k] for k in kinds), Decimal(0)))
            for _, row in table.iterrows()
        ]

    def by_quarter(self) -> pd.DataFrame:
        """Quarter × kind → amount, each ask spread evenly over the quarters it spans (in whole
        units, by the largest remainder: its quarters add up to it)."""
        records = [
            {"period": q, "kind": r.ask.kind, "amount": part}
            for r in self.rows
            for q, part in zip(
                r.ask.quarters,
                largest_remainder([r.amount / len(r.ask.quarters)] * len(r.ask.quarters)),
                strict=True,
            )
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
    rows = [AskRow(t, a, whole_units(a.amount * rates[a.currency])) for t in topics for a in t.asks]
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
