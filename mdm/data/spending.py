"""Money spent against the investment asks: ``data/spending.csv``, one row per payment.

Progress reports set it against the amounts approved (docs/reports.md). Every row is checked
like any other research input: a date, an ask that exists (``<topic>/<ask id>``), an amount of
at least zero, and a currency the plan can convert (``investment.currency`` or a currency with
a rate under ``investment.rates``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from mdm.data._tables import Problems, csv_rows, row_date
from mdm.errors import DataError
from mdm.params.project import Project
from mdm.text import did_you_mean

__all__ = ["SPENDING_COLUMNS", "Spend", "load_spending", "spending_of"]

SPENDING_COLUMNS = ("date", "ask", "amount", "currency", "note")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Spend:
    """One payment: when, against which ask, how much (as written and in the plan's currency)."""

    line: int
    date: dt.date
    ask: str
    """``<topic>/<ask id>``."""
    amount: Decimal
    currency: str
    note: str
    converted: Decimal
    """The amount in the plan's currency (``investment.currency``)."""


def load_spending(
    path: Path,
    shown: str | None = None,
    *,
    asks: Collection[str] | None = None,
    currency: str | None = None,
    rates: Mapping[str, Decimal] | None = None,
) -> list[Spend]:
    """Every payment in the file, in its order; a header without rows means nothing spent yet.

    ``asks``: the project's asks (``<topic>/<ask id>``), each row's must be one of them;
    ``currency`` and ``rates``: the plan's currency and conversions (units of ``currency`` per
    unit of another); without ``currency`` any code is taken at face value.
    """
    shown = shown or str(path)
    problems = Problems(shown)
    spent = []
    for line, row in csv_rows(path, shown, SPENDING_COLUMNS, allow_empty=True, problems=problems):
        with problems.collect():
            spent.append(_spend(shown, line, row, asks, currency, dict(rates or {})))
    problems.raise_any()
    return spent


def _spend(
    shown: str,
    line: int,
    row: dict[str, str],
    asks: Collection[str] | None,
    currency: str | None,
    rates: dict[str, Decimal],
) -> Spend:
    text = {k: v.strip() for k, v in row.items()}

    def wrong(field: str, message: str) -> DataError:
        return DataError(message, path=shown, line=line, field=field)

    date = row_date(row, shown, line)
    if asks is not None and text["ask"] not in asks:
        hint = did_you_mean(text["ask"], sorted(asks))
        raise wrong("ask", f"unknown ask {text['ask']!r} (expected <topic>/<ask id>){hint}")
    try:
        amount = Decimal(text["amount"].replace(",", ""))
    except InvalidOperation as err:
        raise wrong("amount", f"expected a number such as 1250.50, got {row['amount']!r}") from err
    if not amount.is_finite() or amount < 0:
        raise wrong(
            "amount",
            f"expected an amount of at least 0 (correct the row a refund belongs to), "
            f"got {row['amount']!r}",
        )
    code = text["currency"]
    if not _CURRENCY.match(code):
        raise wrong(
            "currency", f"expected a three-letter code such as USD, got {row['currency']!r}"
        )
    if currency is not None and code != currency and code not in rates:
        raise wrong(
            "currency",
            f"expected {currency} or a currency with a rate under investment.rates in "
            f"params/project.yaml, got {code}",
        )
    rate = Decimal(1) if currency is None or code == currency else rates[code]
    return Spend(line, date, text["ask"], amount, code, text["note"], amount * rate)


def spending_of(project: Project) -> list[Spend]:
    """The project's spending (``data.spending``), checked against its asks and its plan's
    currency and rates; [] when there is no such file."""
    path = project.data_path("spending")
    if not path.is_file():
        return []
    investment = project.info.investment
    return load_spending(
        path,
        project.info.data.spending,
        asks={f"{t.id}/{a.id}" for t in project.topics.values() for a in t.asks},
        currency=investment.currency if investment is not None else None,
        rates=investment.rates if investment is not None else None,
    )
