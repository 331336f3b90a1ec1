"""A progress report's pages: the summary leadership reads in two minutes, every funded ask
(effect, money, milestones) and the asks not funded.

The three pages read one :class:`~mdm.report.progress.Report`, computed from the decision in
force on the report's day and from the data up to that day (docs/reports.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from mdm.data.spending import spending_of
from mdm.report.changes import words
from mdm.report.evidence import Research
from mdm.report.figures import figure_html
from mdm.report.investment import money, plan_of
from mdm.report.pages.context import Context
from mdm.report.pages.summary import SOURCES_LINK, SUMMARY_ANCHOR
from mdm.report.progress import AskProgress, Report, progress_report, since_last
from mdm.report.render import Html, render
from mdm.report.tracking import EffectProgress, Measures, progress_chart

__all__ = ["ASKS_ANCHOR", "UNFUNDED_ANCHOR", "Progress"]

ASKS_ANCHOR = "sec-progress-asks"
UNFUNDED_ANCHOR = "sec-not-funded"


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


@dataclass(frozen=True)
class Progress(Context):
    """Where the decision a progress report follows stands on the report's day."""

    @cached_property
    def _measures(self) -> Measures:
        return Measures(Research(self.project, self.document))

    def _report(self, *, history: bool, funded: bool, unfunded: bool) -> Report:
        """What one page shows, computed without what it does not (each page is its own run)."""
        return progress_report(
            self.project,
            self.document,
            history=history,
            measure=(funded, unfunded),
            measures=self._measures,
        )

    @cached_property
    def _currency(self) -> str:
        return plan_of(self.project).currency

    def _money(self, amount: Decimal) -> str:
        return money(amount, self._currency)

    def summary(self) -> Html:
        """The first page: what was decided, what was spent of what, how the asks stand, what
        is late and who owns it, what changed since the last report, what was not funded."""
        report = self._report(history=False, funded=True, unfunded=False)
        previous = since_last(self.project, report, self._measures)
        followed = self.project.document(report.decided.record.document)
        return render(
            "progress_summary.html.j2",
            anchor=SUMMARY_ANCHOR,
            report=report,
            proposal=followed,
            money=self._money,
            amount=lambda value: f"{value:,.0f}",
            share=_share,
            behind=[a for a in report.asks if a.status == "behind"],
            previous=previous[0] if previous else None,
            changes=previous[1] if previous else None,
            words=words,
            asks_anchor=ASKS_ANCHOR,
            unfunded_anchor=UNFUNDED_ANCHOR,
            unfunded_total=sum((u.row.amount for u in report.unfunded), Decimal(0)),
            latest=_latest,
            target=_target,
        )

    def asks(self) -> Html:
        """Every funded ask: its effect with a chart, its money by quarter, its milestones."""
        report = self._report(history=True, funded=True, unfunded=False)
        return render(
            "progress_asks.html.j2",
            anchor=ASKS_ANCHOR,
            report=report,
            money=self._money,
            share=_share,
            chart=_chart,
            latest=_latest,
            target=_target,
            payments=self._payments,
        )

    def _payments(self, ask: AskProgress, day: dt.date) -> list[tuple[str, str, str]]:
        """(day, amount as written, note) of each payment against ``ask`` by ``day``."""
        return [
            (f"{p.date:%-d %b %Y}", money(p.amount, p.currency), p.note)
            for p in spending_of(self.project)
            if p.ask == ask.row.ref and p.date <= day
        ]

    def unfunded(self) -> Html:
        """The asks the decision did not fund, once each: what was expected to happen without
        them and what their measure shows since."""
        return render(
            "progress_unfunded.html.j2",
            anchor=UNFUNDED_ANCHOR,
            report=self._report(history=False, funded=False, unfunded=True),
            money=self._money,
            latest=_latest,
        )


def _latest(effect: EffectProgress | None) -> str:
    """``2,399 in the 12 months to June 2018``, or why there is no reading."""
    if effect is None:
        return "no measure declared"
    if effect.latest.value is None:
        return "no reading yet"
    return f"{effect.show(effect.latest.value)} in {effect.latest.period}"


def _target(effect: EffectProgress | None) -> str:
    if effect is None or effect.target is None:
        return ""
    return f"{effect.show(effect.target)} by {effect.by}"


def _chart(ask: AskProgress) -> Html:
    effect = ask.effect
    if effect is None:
        return Html("")
    chart = progress_chart(effect, effect.what)
    readings = {
        "Y": "a reading at the end of each quarter, over the twelve months to that day",
        "Q": "a reading per quarter",
        "M": "a reading per month",
    }[effect.spec.freq]
    end = f", to {effect.latest.end:%-d %B %Y}" if effect.latest.end is not None else ""
    caption = (
        f"{effect.measure}: {readings}{end}; the baseline on the decision date (square), the "
        "straight path to the target (dashed) and the target (star). Source: activity records."
    )
    return figure_html(chart.figure, alt=chart.alt, caption=caption, source=SOURCES_LINK)
