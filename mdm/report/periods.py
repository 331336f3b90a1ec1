"""The days a number counts: a whole period, or a running period up to its reference day.

A value in prose counts complete periods (2016, Q4 2016) or, with ``span: to_date``, the period
running on its reference day from its first day to that day, against the same days of the
period before: 1 Jan–19 Nov 2017 against 1 Jan–19 Nov 2016. A :class:`Span` is such a stretch
of days and the period it belongs to; the prose, the headlines, ``mdm explain`` and the sources
appendix all name a number's days from it. Plain dates, no pandas: a period is written as
pandas writes it (``2017``, ``2017Q4``, ``2017-11``) so that code can turn it back into one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = ["Freq", "Span", "days_text", "to_date", "whole"]

Freq = Literal["M", "Q", "Y"]
_MONTHS: dict[str, int] = {"M": 1, "Q": 3, "Y": 12}


@dataclass(frozen=True)
class Span:
    """Days ``first``–``last`` of one period (``freq``), whose own last day is ``period_last``."""

    period: str
    """The period as pandas writes it: ``2017``, ``2017Q4``, ``2017-11``."""
    freq: Freq
    first: date
    last: date
    period_last: date

    @property
    def partial(self) -> bool:
        """Only the period's first days: it was still running on the reference day."""
        return self.last < self.period_last

    @property
    def name(self) -> str:
        """The period as prose names it: 2017 · Q4 2017 · November 2017."""
        if self.freq == "Q":
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        return self.first.strftime("%B %Y") if self.freq == "M" else str(self.first.year)

    @property
    def text(self) -> str:
        """The days it counts as prose names them: the period, or 1 Jan–19 Nov 2017."""
        return days_text(self.first, self.last) if self.partial else self.name


def _shift(day: date, months: int) -> date:
    """The same day of the month ``months`` later (earlier when negative), clipped to the
    month's last day: 31 March less one month is 28 or 29 February."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _text(first: date, freq: str) -> str:
    if freq == "Q":
        return f"{first.year}Q{(first.month - 1) // 3 + 1}"
    return f"{first.year}-{first.month:02d}" if freq == "M" else str(first.year)


def whole(day: date, freq: Freq) -> Span:
    """The whole period of ``freq`` that ``day`` falls in."""
    months = _MONTHS[freq]
    first = date(day.year, (day.month - 1) // months * months + 1, 1)
    last = _shift(first, months) - timedelta(days=1)
    return Span(_text(first, freq), freq, first, last, last)


def to_date(day: date, freq: Freq) -> tuple[Span, Span]:
    """The period running on ``day`` up to ``day``, and the same days of the period before
    (previous first). On a period's last day both are whole periods."""
    running = whole(day, freq)
    latest = Span(running.period, freq, running.first, day, running.last)
    before = whole(running.first - timedelta(days=1), freq)
    last = before.last if day == running.last else _shift(day, -_MONTHS[freq])
    return Span(before.period, freq, before.first, last, before.last), latest


def days_text(first: date, last: date) -> str:
    """1–19 Nov 2017 · 1 Jan–19 Nov 2017 · 1 Dec 2016–19 Jan 2017."""
    end = f"{last.day} {last:%b %Y}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y}–{end}"
    if first.month != last.month:
        return f"{first.day} {first:%b}–{end}"
    return f"{first.day}–{end}"
