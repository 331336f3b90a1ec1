"""Expected effects: an ask's target resolved against its baseline, and which way it points.

An ask's ``effect`` names one of its topic's values and a target, absolute (``2500``) or
relative to the baseline (``+20%``, ``-30%``, ``+5pp``, ``x2``). The baseline is that value in
its latest complete period, computed as the document's prose computes it, so a target written
as a change stays true when the data moves. Whether the target improves on the baseline is
read from the metric registry (:attr:`mdm.metrics.definitions.Column.better`); ``mdm check``
reports an effect that points the wrong way and a target the baseline already meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import Ask, Effect, Topic, ValueSpec
from mdm.report.evidence import Research, Value, format_value, value_of

__all__ = ["Direction", "ExpectedEffect", "expected_effect", "label_of", "target_of"]

Direction = Literal["improves", "worsens", "unchanged", "neutral", "unknown"]
"""``improves`` or ``worsens`` the metric by its registry direction; ``unchanged``: the target
is the baseline as printed; ``neutral``: the metric has no better direction; ``unknown``: the
baseline has no complete period yet."""


@dataclass(frozen=True)
class ExpectedEffect:
    """One ask's effect: what it moves, from which baseline, to which target, and which way."""

    topic: Topic
    ask: Ask
    effect: Effect
    label: str
    baseline: Value
    target: float | None

    @property
    def spec(self) -> ValueSpec:
        return self.baseline.spec

    @property
    def now(self) -> str:
        """``829 in 2016``: the baseline as prose prints it, with its period."""
        if self.baseline.number is None:
            return "no complete period yet"
        return f"{self.now_value} in {self.baseline.latest}"

    @property
    def now_value(self) -> str:
        """``829``: the baseline alone (``n/a`` without a complete period)."""
        return format_value(self.baseline)

    @property
    def goal(self) -> str:
        """``953 by 2018-Q4 (+15%)``: the target, when it is due, and the change it was given as."""
        by = f" by {self.effect.by}" if self.effect.by and self.target is not None else ""
        return self._target() + by + self._given()

    @property
    def goal_value(self) -> str:
        """``953 (+15%)``: the target and the change it was given as, without when it is due."""
        return self._target() + self._given()

    def _target(self) -> str:
        if self.target is None:  # relative to a baseline that has no complete period yet
            return f"{_relative(self.effect)} on the baseline"
        return format_value(Value(self.spec, self.target, None, None))

    def _given(self) -> str:
        relative = self.effect.kind != "absolute" and self.target is not None
        return f" ({_relative(self.effect)})" if relative else ""

    @property
    def text(self) -> str:
        """``Core contributors: 829 in 2016 → 953 by 2018-Q4 (+15%)``."""
        return f"{_capital(self.label)}: {self.now} → {self.goal}"

    @property
    def direction(self) -> Direction:
        if self.baseline.number is None or self.target is None:
            return "unknown"
        if format_value(Value(self.spec, self.target, None, None)) == format_value(self.baseline):
            return "unchanged"
        better = self.spec.measure.better
        if better is None:
            return "neutral"
        up = self.target > self.baseline.number
        return "improves" if up == (better == "higher") else "worsens"

    @property
    def better(self) -> str:
        """``higher is better for core contributors``: the registry's direction, in words."""
        way = self.spec.measure.better
        return (
            f"{way} is better for {self.label}"
            if way
            else f"neither way is better for {self.label}"
        )


def label_of(spec: ValueSpec, effect: Effect) -> str:
    """What an effect's value counts: its own ``label``, else the metric's title (and column)."""
    if effect.label.strip():
        return effect.label.strip()
    definition = DEFINITIONS[spec.metric]
    first = definition.columns[0].name
    column = f" ({spec.column})" if spec.column and spec.column != first else ""
    return definition.title.lower() + column


def expected_effect(research: Research, topic: Topic, ask: Ask) -> ExpectedEffect | None:
    """The ask's effect resolved against its baseline; None when the ask names no effect."""
    if ask.effect is None:
        return None
    spec = topic.evidence.values[ask.effect.value]
    baseline = value_of(research, spec.model_copy(update={"value": "latest"}))
    target = target_of(ask.effect, baseline.number)
    label = label_of(spec, ask.effect)
    return ExpectedEffect(topic, ask, ask.effect, label, baseline, target)


def target_of(effect: Effect, baseline: float | None) -> float | None:
    """The number an effect aims at, for every page alike: an absolute target as it is, a
    relative one applied to ``baseline`` (None while there is no baseline to apply it to)."""
    if baseline is None:
        return float(effect.number) if effect.kind == "absolute" else None
    return effect.resolve(baseline)


def _relative(effect: Effect) -> str:
    """``+15%``, ``−30%``, ``+5 percentage points``, ``×2``: a relative target as given."""
    number = effect.number
    if effect.kind == "factor":
        return f"×{number.normalize():f}"
    sign = "+" if number >= 0 else "−"
    amount = f"{abs(number).normalize():f}"
    return f"{sign}{amount}{'%' if effect.kind == 'percent' else ' percentage points'}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
