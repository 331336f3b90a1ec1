"""Targets that stay true: an ask's expected effect resolved against its baseline, and checked.

The tiny library project with its investment plan, and two years of tutors' sign-ins: 4 tutors
in 2023, 6 in 2024, one night in January 2025 (so 2024 is the latest complete year). The
homework clubs' stipends are expected to move the number of weekly tutors.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO, TINY, copy_project

from mdm.build.check import check
from mdm.errors import ConfigError, Problem
from mdm.params.models import Effect
from mdm.params.project import load_project
from mdm.report.effects import ExpectedEffect, expected_effect
from mdm.report.evidence import Research

EVENTS_HEADER = "contributor_id,timestamp,community,area,activity_type,country,affiliation,is_bot"
TOPIC = "params/topics/homework-clubs.yaml"


def _sign_ins() -> str:
    rows = [f"t{i},2023-03-0{i}T18:00:00Z" for i in range(1, 5)]
    rows += [f"t{i},2024-03-0{i}T18:00:00Z" for i in range(1, 7)]
    rows += ["t1,2025-01-15T18:00:00Z"]
    tail = ",Homework clubs,tutoring,club_night,GB,volunteer,false"
    return EVENTS_HEADER + "\n" + "".join(f"{row}{tail}\n" for row in rows)


@pytest.fixture
def tutors(tmp_path: Path) -> Path:
    """The invested tiny project with sign-ins and an effect on its first ask (+50% tutors)."""
    root = copy_project(TINY, tmp_path / "tiny")
    shutil.copytree(FIXTURES / "tiny-investment" / "params", root / "params", dirs_exist_ok=True)
    (root / "data").mkdir()
    (root / "data/sign-ins.csv").write_text(_sign_ins(), encoding="utf-8")
    with (root / "params/project.yaml").open("a", encoding="utf-8") as file:
        file.write("data: {events: data/sign-ins.csv}\n")
    set_effect(
        root, {"value": "tutors", "target": "+50%", "by": "2026-Q2", "label": "weekly tutors"}
    )
    return root


def set_effect(root: Path, effect: dict[str, str], values: dict | None = None) -> None:
    path = root / TOPIC
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evidence"] = {
        "values": values
        or {"tutors": {"metric": "contributors", "community": "Homework clubs", "freq": "Y"}}
    }
    data["asks"][0]["effect"] = effect
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def effect_of(root: Path) -> ExpectedEffect:
    project = load_project(root)
    topic = project.topics["homework-clubs"]
    effect = expected_effect(Research(project, project.document("proposal")), topic, topic.asks[0])
    assert effect is not None
    return effect


# --- targets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "resolved", "text"),
    [
        pytest.param("+50%", 9, "6 in 2024 → 9 by 2026-Q2 (+50%)", id="percent"),
        pytest.param("x2", 12, "6 in 2024 → 12 by 2026-Q2 (×2)", id="factor"),
        pytest.param("×1.5", 9, "6 in 2024 → 9 by 2026-Q2 (×1.5)", id="factor-sign"),
        pytest.param("10", 10, "6 in 2024 → 10 by 2026-Q2", id="absolute"),
    ],
)
def test_a_relative_target_is_resolved_against_the_baseline(
    tutors: Path, target: str, resolved: float, text: str
) -> None:
    set_effect(
        tutors, {"value": "tutors", "target": target, "by": "2026-Q2", "label": "weekly tutors"}
    )
    effect = effect_of(tutors)
    assert effect.baseline.number == 6
    assert effect.target == pytest.approx(resolved)
    assert effect.text == f"Weekly tutors: {text}"
    assert effect.direction == "improves"


def test_a_relative_target_follows_the_data(tutors: Path) -> None:
    """Two more tutors in 2024: the same +50% now means 12, where a typed 9 would be stale."""
    extra = "".join(
        f"t{i},2024-05-01T18:00:00Z,Homework clubs,tutoring,club_night,GB,volunteer,false\n"
        for i in (7, 8)
    )
    with (tutors / "data/sign-ins.csv").open("a", encoding="utf-8") as file:
        file.write(extra)
    assert effect_of(tutors).target == pytest.approx(12)


@pytest.mark.parametrize(
    ("target", "resolved"),
    [("+10%", 110.0), ("-30%", 70.0), ("−30%", 70.0), ("+5pp", 100.05), ("x0.5", 50.0)],
)
def test_each_form_of_target_resolves(target: str, resolved: float) -> None:
    assert Effect(value="v", target=target).resolve(100.0) == pytest.approx(resolved)


@pytest.mark.parametrize("target", ["25%", "+5", "twice", "-"])
def test_a_target_of_no_known_form_is_refused(target: str) -> None:
    with pytest.raises(ValueError, match=r"expected a number .* a change .* or a factor"):
        Effect(value="v", target=target)


def test_a_factor_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match=r"expected a factor above 0, got 'x0'"):
        Effect(value="v", target="x0")


@pytest.mark.parametrize(
    ("values", "target", "message"),
    [
        pytest.param(
            {"share": {"metric": "multi_area_share", "freq": "Y"}},
            "+10%",
            r"asks.0.effect.target: 'share' is a share, so '%' would be ambiguous; write "
            r"percentage points \(\+5pp",
            id="percent-of-a-share",
        ),
        pytest.param(
            {"share": {"metric": "contributors", "freq": "Y"}},
            "+5pp",
            r"asks.0.effect.target: percentage points apply to shares; 'share' is in count",
            id="points-of-a-count",
        ),
        pytest.param(
            {"share": {"metric": "contributors", "freq": "Y", "value": "change_pct"}},
            "+5%",
            r"asks.0.effect.value: an effect moves a level, and 'share' is a change_pct value",
            id="a-change-value",
        ),
    ],
)
def test_a_target_its_value_cannot_take_is_refused_on_load(
    tutors: Path, values: dict, target: str, message: str
) -> None:
    set_effect(tutors, {"value": "share", "target": target}, values)
    with pytest.raises(ConfigError, match=r"homework-clubs.yaml:\d+: " + message):
        load_project(tutors)


# --- mdm check ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["-50%", "4", "x0.5"])
def test_a_target_that_moves_its_metric_the_wrong_way_is_an_error(
    tutors: Path, target: str
) -> None:
    set_effect(tutors, {"value": "tutors", "target": target, "label": "weekly tutors"})
    with pytest.raises(ConfigError) as caught:
        check(tutors, data=True)
    problem = next(p for p in caught.value.problems if p.field == "asks.0.effect.target")
    assert problem.path == TOPIC and problem.line is not None
    text = (tutors / TOPIC).read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert text.strip().startswith("target:")
    assert problem.message.startswith(
        "the expected effect points the wrong way: weekly tutors 6 in 2024 → "
    )
    assert "higher is better for weekly tutors (metric contributors)" in problem.message


def test_a_target_the_baseline_already_meets_is_a_warning(tutors: Path) -> None:
    set_effect(tutors, {"value": "tutors", "target": "6", "label": "weekly tutors"})
    warnings: list[Problem] = []
    check(tutors, data=True, warn=warnings.append)
    [met] = [w for w in warnings if w.field == "asks.0.effect.target"]
    assert met.path == TOPIC and met.line is not None
    assert met.message == "the baseline already meets the target (6 in 2024 → 6)"


def test_a_target_on_the_right_side_passes_quietly(tutors: Path) -> None:
    warnings: list[Problem] = []
    check(tutors, data=True, warn=warnings.append)
    assert not [w for w in warnings if w.field and "effect" in w.field]


def test_a_baseline_with_no_complete_period_points_nowhere(tutors: Path) -> None:
    values = {"wait": {"metric": "time_to_first_response", "freq": "Y"}}
    set_effect(tutors, {"value": "wait", "target": "+20%"}, values)
    # without threads the baseline has no complete period: nothing to point any way yet
    project = load_project(tutors)
    topic = project.topics["homework-clubs"]
    effect = expected_effect(Research(project), topic, topic.asks[0])
    assert effect is not None and effect.direction == "unknown"
    assert effect.spec.measure.better == "lower"


# --- the example -------------------------------------------------------------------------------


def test_every_effect_of_the_example_points_the_right_way() -> None:
    project = load_project(REPO)
    effects = []
    for document in project.documents.values():
        research = Research(project, document)
        for topic in project.active_topics():
            for ask in topic.asks:
                effect = expected_effect(research, topic, ask)
                if effect is not None:
                    effects.append(effect)
    assert len(effects) >= 8
    wrong = [f"{e.topic.id}: {e.text} ({e.better})" for e in effects if e.direction != "improves"]
    assert wrong == []
    # plausible: no expected effect more than doubles or halves its baseline
    for e in effects:
        assert e.baseline.number and e.target
        assert 0.5 <= e.target / e.baseline.number <= 2, e.text
