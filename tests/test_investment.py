"""Money that adds up: every breakdown the documents print sums to the total they print.

Amounts are whole units of the plan's currency; an ask spread over quarters is split by the
largest remainder. Checked as a property over many random plans (a seeded generator, so a
failure names the case that shows it), and on the example's rendered investment overview.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from mdm import sections
from mdm.params.models import Ask, Topic
from mdm.report.investment import AskRow, Plan, largest_remainder, money, whole_units

KINDS = ["people", "programs", "events", "tools", "grants"]


def _plan(rng: random.Random) -> Plan:
    asks = []
    for index in range(rng.randint(1, 12)):
        start = rng.randint(0, 7)
        cents = rng.choice([0, 0, 1, 50, 99])
        asks.append(
            Ask(
                id=f"ask-{index}",
                title=f"Ask {index}",
                amount=Decimal(rng.randint(0, 250_000)) + Decimal(cents) / 100,
                currency="USD",
                start=_quarter(start),
                end=_quarter(start + rng.randint(0, 7)),
                kind=rng.choice(KINDS),
                owner="someone",
                if_not_funded="Nothing happens.",
            )
        )
    topic = Topic(id="topic", number=1, title="Topic", question="Why?", asks=asks)
    rate = Decimal(rng.choice(["1", "1.18", "0.85", "1.0731"]))
    return Plan("USD", [AskRow(topic, a, whole_units(a.amount * rate)) for a in asks], [])


def _quarter(index: int) -> str:
    """The ``index``-th quarter from 2025-Q1."""
    return f"{2025 + index // 4}-Q{index % 4 + 1}"


@pytest.mark.parametrize("seed", range(50))
def test_every_breakdown_adds_up_to_its_total(seed: int) -> None:
    plan = _plan(random.Random(seed))
    total = plan.total()
    assert total == total.to_integral_value()  # whole units: what is printed is what is summed
    assert sum((a for _, a in plan.by_kind()), Decimal(0)) == total
    quarters = plan.quarter_totals()
    assert sum((a for _, a in quarters), Decimal(0)) == total
    # as printed, too: the thousands-separated figures add up to the printed total
    printed = [int(money(a, "USD").split()[1].replace(",", "")) for _, a in quarters]
    assert sum(printed) == int(money(total, "USD").split()[1].replace(",", ""))
    table = plan.by_quarter()
    kinds = [c for c in table.columns if c != "period"]
    for kind, amount in plan.by_kind():
        assert sum(table[kind], Decimal(0)) == amount
    for row in plan.rows:  # each ask's quarters add up to the ask
        parts = largest_remainder([row.amount / len(row.ask.quarters)] * len(row.ask.quarters))
        assert sum(parts, Decimal(0)) == row.amount
        assert max(parts) - min(parts) <= 1
    assert all(v == v.to_integral_value() for k in kinds for v in table[k])


@pytest.mark.parametrize("seed", range(200))
def test_the_largest_remainder_keeps_the_sum_and_moves_no_share_by_a_unit(seed: int) -> None:
    rng = random.Random(seed)
    shares = [
        Decimal(rng.randint(0, 10**7)) / rng.choice([1, 3, 7, 100])
        for _ in range(rng.randint(1, 9))
    ]
    parts = largest_remainder(shares)
    assert sum(parts, Decimal(0)) == whole_units(sum(shares, Decimal(0)))
    assert all(
        p == p.to_integral_value() and abs(p - s) < 1 for p, s in zip(parts, shares, strict=True)
    )


def test_an_even_spread_gives_the_spare_units_to_the_earliest_quarters() -> None:
    assert largest_remainder([Decimal(55000) / 3] * 3) == [18334, 18333, 18333]
    assert largest_remainder([Decimal(100) / 4] * 4) == [25, 25, 25, 25]


def _amounts(table: BeautifulSoup) -> tuple[list[int], int]:
    def number(cell: BeautifulSoup) -> int:
        return int(cell.get_text().split()[-1].replace(",", ""))

    rows = [number(tr.select("td")[-1]) for tr in table.select("tbody tr")]
    return rows, number(table.select("tfoot td")[-1])


def test_the_examples_printed_breakdowns_add_up_to_their_printed_totals() -> None:
    page = BeautifulSoup(sections.investment(REPO, "proposal").page(), "html.parser")
    tables = {
        name: page.select_one(f"table.mdm-{name}") for name in ("asks", "by-kind", "by-quarter")
    }
    totals = set()
    for name, table in tables.items():
        assert table is not None, name
        rows, total = _amounts(table)
        assert sum(rows) == total, name
        totals.add(total)
    assert totals == {745_000}
    matrix = page.select_one("table.mdm-option-matrix")
    for column, cell in enumerate(matrix.select("tfoot td")):
        funded = [tr.select("td")[column].get_text() for tr in matrix.select("tbody tr")]
        amounts = [int(t.split()[-1].replace(",", "")) for t in funded if "USD" in t]
        assert sum(amounts) == int(cell.get_text().split()[-1].replace(",", ""))
