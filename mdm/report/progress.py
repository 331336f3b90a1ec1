"""A progress report: where the decision on a proposal stands on the report's day.

A progress document (``kind: progress`` in ``params/documents.yaml``) follows a proposal and is
as of one day. It starts from the decision in force that day (``params/reviews/decisions.yaml``:
which option, when, who decided) and shows, for every ask the option funds, its effect
(:mod:`mdm.report.tracking`), its money (``data/spending.csv`` against the amount approved, by
quarter) and the milestones it serves (the timeline's milestones on its topic, where each stood
that day by ``data/milestones.csv``). Nothing after the report's day counts: events, payments,
milestone changes and later decisions alike, so a report rebuilt later says what it said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from mdm.data.milestones import MilestoneUpdate, milestone_log_of
from mdm.data.spending import Spend, spending_of
from mdm.errors import ConfigError
from mdm.params.models import Document, InvestmentOption, Milestone
from mdm.params.project import Project
from mdm.params.reviews import REVIEWS_DIR, Decision, decision_on, decision_records
from mdm.report.changes import SectionDiff, section_changes
from mdm.report.evidence import Research
from mdm.report.investment import AskRow, Plan, money, plan_of
from mdm.report.tracking import (
    STATUSES,
    EffectProgress,
    Measures,
    effect_progress,
    quarter_end,
    quarter_of,
)

__all__ = [
    "AskProgress",
    "Decided",
    "MilestoneState",
    "Money",
    "Report",
    "Unfunded",
    "previous_report",
    "progress_report",
    "since_last",
]

_WORDS = {"planned": "planned", "in_progress": "in progress", "done": "done", "at_risk": "at risk"}


@dataclass(frozen=True)
class Decided:
    """The decision a report follows: the record, the option it approved, the asks funded."""

    record: Decision
    by: str
    """The decision-maker's name."""
    option: InvestmentOption | None
    funded: frozenset[str]
    """``<topic>/<ask id>`` of every ask funded."""


def _decided(project: Project, document: Document, plan: Plan) -> Decided:
    follows, day = document.follows, document.as_of
    if follows is None or day is None:
        raise ConfigError(
            f"{document.id} is not a progress report (kind: progress, follows, as_of)",
            path="params/documents.yaml",
            field="kind",
        )
    record = decision_on(decision_records(project, follows), follows, day)
    if record is None or not record.approves:
        raise ConfigError(
            f"no approval of {follows} on or before {day}; {document.id} reports on one",
            path=f"{REVIEWS_DIR}/decisions.yaml",
        )
    option = next((o for o in plan.options if o.id == record.option), None)
    funded = option.asks if option is not None else [r.ref for r in plan.rows]
    name = project.stakeholders[record.by].name if record.by in project.stakeholders else record.by
    return Decided(record, name, option, frozenset(funded))


@dataclass(frozen=True)
class MilestoneState:
    """Where one milestone stood on the report's day."""

    milestone: Milestone
    status: str
    since: dt.date | None
    """When it took that status (None: no dated change, the status in params/project.yaml)."""
    note: str
    late: bool
    """Not done, and its quarter had ended."""
    owners: tuple[str, ...]

    @property
    def label(self) -> str:
        word = _WORDS[self.status]
        return f"late ({word})" if self.late else word

    @property
    def sentence(self) -> str:
        return f"{self.milestone.title} ({self.milestone.quarter}): {self.label}."


def _milestones(project: Project, log: list[MilestoneUpdate], day: dt.date) -> list[MilestoneState]:
    names = {i: p.name for i, p in project.stakeholders.items()}
    states = []
    for milestone in sorted(project.info.timeline, key=lambda m: m.quarter_index):
        # the last change by the day; of two on one day, the one written last
        changes = sorted(
            (u for u in log if u.milestone == milestone.title and u.date <= day),
            key=lambda u: u.date,
        )
        last = changes[-1] if changes else None
        status = last.status if last is not None else milestone.status
        late = status != "done" and quarter_end(milestone.quarter) <= day
        states.append(
            MilestoneState(
                milestone,
                status,
                last.date if last is not None else None,
                last.note if last is not None else "",
                late,
                tuple(names.get(o, o) for o in milestone.owners),
            )
        )
    return states


@dataclass(frozen=True)
class Money:
    """An ask's money on the report's day, in the plan's currency."""

    approved: Decimal
    spent: Decimal
    planned: Decimal
    """What the plan spreads over the quarters that had ended by the report's day."""
    quarters: tuple[tuple[str, Decimal, Decimal | None], ...]
    """(quarter, planned, spent; None for a quarter that had not started)."""


def _money(row: AskRow, spent: list[Spend], day: dt.date) -> Money:
    mine = [s for s in spent if s.ask == row.ref and s.date <= day]
    share = row.amount / len(row.ask.quarters)
    planned = {q: share for q in row.ask.quarters}
    by_quarter: dict[str, Decimal] = {}
    for payment in mine:
        quarter = quarter_of(payment.date)
        by_quarter[quarter] = by_quarter.get(quarter, Decimal(0)) + payment.converted
    current = quarter_of(day)
    quarters = sorted({*planned, *by_quarter})
    rows = tuple(
        (q, planned.get(q, Decimal(0)), by_quarter.get(q, Decimal(0)) if q <= current else None)
        for q in quarters
    )
    due = sum((v for q, v in planned.items() if quarter_end(q) <= day), Decimal(0))
    return Money(row.amount, sum(by_quarter.values(), Decimal(0)), due, rows)


@dataclass(frozen=True)
class AskProgress:
    """One funded ask on the report's day: its effect, its money, the milestones it serves."""

    row: AskRow
    owner: str
    effect: EffectProgress | None
    money: Money
    milestones: tuple[MilestoneState, ...]

    @property
    def status(self) -> str:
        return self.effect.status if self.effect is not None else "no measure"

    @property
    def sentence(self) -> str:
        return f"{self.row.ask.title}: {self.status}."


@dataclass(frozen=True)
class Unfunded:
    """An ask the decision did not fund, and what its measure shows since."""

    row: AskRow
    owner: str
    effect: EffectProgress | None
    spent: Decimal


@dataclass(frozen=True)
class Report:
    """Everything a progress report says, computed once for all its pages."""

    document: Document
    day: dt.date
    decided: Decided
    plan: Plan
    asks: tuple[AskProgress, ...]
    unfunded: tuple[Unfunded, ...]
    milestones: tuple[MilestoneState, ...]

    @property
    def approved(self) -> Decimal:
        return sum((a.money.approved for a in self.asks), Decimal(0))

    @property
    def spent(self) -> Decimal:
        return sum((a.money.spent for a in self.asks), Decimal(0))

    @property
    def planned(self) -> Decimal:
        return sum((a.money.planned for a in self.asks), Decimal(0))

    def counts(self) -> dict[str, int]:
        """How many funded asks have each status, in the order leadership reads them."""
        order = (*STATUSES, "no measure")
        return {s: n for s in order if (n := sum(a.status == s for a in self.asks))}

    @property
    def late(self) -> tuple[MilestoneState, ...]:
        return tuple(m for m in self.milestones if m.late)

    def sentences(self) -> list[str]:
        """The report's facts, one sentence each, in a fixed order: what "since the last
        report" compares (the money spent, each ask's status, each milestone's state; the
        readings move every quarter and are in the table above it)."""
        total = f"{money(self.spent, self.plan.currency)} spent of "
        total += f"{money(self.approved, self.plan.currency)} approved."
        return [total, *(a.sentence for a in self.asks), *(m.sentence for m in self.milestones)]


def progress_report(
    project: Project,
    document: Document,
    *,
    history: bool = True,
    measure: tuple[bool, bool] = (True, True),
    measures: Measures | None = None,
) -> Report:
    """The report ``document`` makes; ``history``: each effect with its readings since a year
    before the decision (for its chart), else its latest reading only; ``measure``: whether to
    measure the effects of the funded and of the unfunded asks (a page that shows no effect
    of one kind need not compute them); ``measures``: readings already computed, to reuse
    (every reading names the day it counts events to, so reports of other days can share)."""
    plan = plan_of(project)
    decided = _decided(project, document, plan)
    day = document.as_of or decided.record.date
    measures = measures or Measures(Research(project, document))
    spent = spending_of(project)
    states = _milestones(project, milestone_log_of(project), day)
    names = {i: p.name for i, p in project.stakeholders.items()}
    asks, unfunded = [], []
    for row in sorted(plan.rows, key=lambda r: r.topic.number):
        funded = row.ref in decided.funded
        wanted = measure[0] if funded else measure[1]
        effect = _effect(measures, row, decided.record.date, day, history) if wanted else None
        owner = names.get(row.ask.owner, row.ask.owner)
        if funded:
            served = tuple(s for s in states if row.topic.id in s.milestone.topics)
            cash = _money(row, spent, day)
            asks.append(AskProgress(row, owner, effect, cash, served))
        else:
            paid = sum(
                (s.converted for s in spent if s.ask == row.ref and s.date <= day), Decimal(0)
            )
            unfunded.append(Unfunded(row, owner, effect, paid))
    return Report(document, day, decided, plan, tuple(asks), tuple(unfunded), tuple(states))


def _effect(
    measures: Measures, row: AskRow, decided: dt.date, day: dt.date, history: bool
) -> EffectProgress | None:
    effect = row.ask.effect
    if effect is None:
        return None
    spec = row.topic.evidence.values[effect.value]
    return effect_progress(measures, spec, effect, row.ask, decided, day, history=history)


def previous_report(project: Project, document: Document) -> Document | None:
    """The progress report on the same decision with the latest day before ``document``'s."""
    earlier = [
        d
        for d in project.documents.values()
        if d.kind == "progress"
        and d.follows == document.follows
        and d.as_of is not None
        and document.as_of is not None
        and d.as_of < document.as_of
    ]
    return max(earlier, key=lambda d: d.as_of or dt.date.min) if earlier else None


def since_last(
    project: Project, report: Report, measures: Measures | None = None
) -> tuple[Document, SectionDiff] | None:
    """What changed since the previous report on the same decision, as ``mdm diff`` shows a
    section's changes; None for the first report."""
    previous = previous_report(project, report.document)
    if previous is None:
        return None
    before = progress_report(
        project, previous, history=False, measure=(True, False), measures=measures
    )
    changes = section_changes(
        "progress", "Since the last report", before.sentences(), report.sentences()
    )
    return previous, changes
