from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from mdm.errors import ConfigError
from mdm.params.models import Role, TopicStatus
from mdm.params.project import bundled_notebooks, load_project

SEED_TOPICS = [
    ("Regional/local/geographic identities", "Approach, formation, visibility"),
    ("Diversity and Inclusion", "How do we ensure D&I across everything we do?"),
    ("Metrics", "How do we measure activity across all areas?"),
    (
        "Accountability",
        "What are the expectations around accountability in different volunteer and staff roles?",
    ),
    ("Volunteer Leadership", "How do we approach leadership roles?"),
    ("Recognition", "What’s our strategy for recognizing and motivating contributors?"),
    (
        "Systems - tools & Comms",
        "What’s the strategy around the tools that enable contributions? "
        "How do we communicate with volunteers?",
    ),
    (
        "Opportunity Matching",
        "How do we surface, present and decide on opportunities to contribute?",
    ),
    (
        "Competitive Advantage",
        "What are the key factors where contributions provide a unique value? "
        "How do we leverage them?",
    ),
    ("Staff Support", "What’s our strategy around community-facing staff and workflows?"),
    ("Onboarding", "How do we welcome and approach volunteers into their first contribution?"),
]


def test_example_carries_the_seed_topics_in_order() -> None:
    project = load_project(REPO)
    assert [(t.title, t.question) for t in project.active_topics()] == SEED_TOPICS
    assert [t.number for t in project.active_topics()] == list(range(1, 12))


def test_example_carries_the_seed_roles() -> None:
    project = load_project(REPO)

    def names(role: Role) -> list[str]:
        return [person.name for person, _ in project.holders(role)]

    assert names(Role.DRIVER) == ["Lucy Harris", "Ruben Martin", "George Roter"]
    assert [a.note for _, a in project.holders(Role.DRIVER)] == ["", "", "in support"]
    assert names(Role.DECISION_MAKER) == ["George Roter"]
    assert names(Role.AGREEMENT) == [
        "Katharina Borchert",
        "Patrick Finch",
        "Chris Beard",
        "Mitchell Baker",
        "Reps Module Owner",
    ]
    assert "Haiyya" in names(Role.INPUT) and len(names(Role.INPUT)) == 7


def test_example_timeline_carries_the_seed_q3_2017_to_q1_2018() -> None:
    timeline = load_project(REPO).info.timeline
    seed = [m for m in timeline if m.quarter <= "2018-Q1" and m.phase != "Implementation"]
    assert seed[0].quarter == "2017-Q3" and seed[0].title.startswith("Work with input group")
    assert {m.quarter for m in seed} == {"2017-Q3", "2017-Q4", "2018-Q1"}
    assert "volunteer leadership" in " ".join(m.title for m in seed)
    assert any("Roadmap generation" in m.title for m in seed)


def test_sections_follow_document_order() -> None:
    project = load_project(REPO)
    sections = project.sections("proposal")
    assert [s.id for s in sections[:3]] == ["summary", "investment", "overview"]
    assert [s.id for s in sections[3:-1]] == [f"topic-{t.id}" for t in project.active_topics()]
    assert sections[-1].id == "sources"  # back matter after the topics
    assert sections[5].parameters == {
        "project_dir": str(REPO),
        "document": "proposal",
        "topic": "metrics",
    }


def test_tiny_project_uses_mdm_notebooks_when_it_has_none(tiny: Path) -> None:
    project = load_project(tiny)
    assert project.notebook("topic") == bundled_notebooks() / "topic.ipynb"
    assert [t.title for t in project.active_topics()] == [
        "Homework clubs",
        "Book sales",
        "Summer reading",
    ]


def test_merged_topics_leave_the_documents(tiny: Path) -> None:
    (tiny / "params/topics/summer-reading.yaml").write_text(
        "number: 3\ntitle: Summer reading\nquestion: Who signs up?\n"
        "status: merged\nmerged_into: homework-clubs\n",
        encoding="utf-8",
    )
    project = load_project(tiny)
    assert project.topics["summer-reading"].status is TopicStatus.MERGED
    assert [s.id for s in project.sections("proposal")] == [
        "overview",
        "topic-homework-clubs",
        "topic-book-sales",
    ]


TOPIC = "params/topics/homework-clubs.yaml"
STAKEHOLDERS = "params/stakeholders.yaml"
PROJECT = "params/project.yaml"
DOCUMENTS = "params/documents.yaml"


@pytest.mark.parametrize(
    ("fixture", "target", "message"),
    [
        ("topic_unknown_key", TOPIC, rf"^{TOPIC}:4: owner: unknown key"),
        (
            "topic_number_not_a_number",
            TOPIC,
            rf"^{TOPIC}:1: number: input should be a valid integer.*got 'first'",
        ),
        ("topic_missing_question", TOPIC, rf"^{TOPIC}:1: question: required key is missing"),
        (
            "topic_merged_without_target",
            TOPIC,
            rf"^{TOPIC}:4: status: expected merged_into \(the target topic\) exactly when status is merged",
        ),
        (
            "topic_merged_into_unknown",
            TOPIC,
            rf"^{TOPIC}:5: merged_into: unknown topic 'book-sale'; did you mean 'book-sales'\?",
        ),
        (
            "topic_duplicate_key",
            TOPIC,
            rf"^{TOPIC}:4: title: duplicate key \(first defined on line 2\)",
        ),
        ("topic_malformed_yaml", TOPIC, rf"^{TOPIC}:3:\d+: invalid YAML"),
        (
            "topic_id_mismatch",
            TOPIC,
            rf"^{TOPIC}:1: id: expected 'homework-clubs' \(the file name\), got 'homework'",
        ),
        (
            "topic_number_taken",
            TOPIC,
            r"^params/topics/(homework-clubs|book-sales)\.yaml:1: number: expected a number no other "
            r"active topic uses, got 2 \(also",
        ),
        (
            "stakeholders_two_decision_makers",
            STAKEHOLDERS,
            rf"^{STAKEHOLDERS}:7: roles\.2: expected exactly one decision_maker, found 2",
        ),
        (
            "stakeholders_role_for_unknown_person",
            STAKEHOLDERS,
            rf"^{STAKEHOLDERS}:5: roles\.1\.who: 'head-librarian' is not a stakeholder",
        ),
        (
            "stakeholders_unknown_role",
            STAKEHOLDERS,
            rf"^{STAKEHOLDERS}:6: roles\.2\.role: input should be 'driver', 'decision_maker'.*got 'approver'",
        ),
        (
            "project_bad_quarter",
            PROJECT,
            rf"^{PROJECT}:8: timeline\.0\.quarter: expected YYYY-QN such as 2017-Q3, got 'Q3 2025'",
        ),
        (
            "project_owner_not_a_stakeholder",
            PROJECT,
            rf"^{PROJECT}:11: timeline\.0\.owners: 'ghost-writer' is not a stakeholder",
        ),
        (
            "project_not_utf8",
            PROJECT,
            rf"^{PROJECT}:1: expected UTF-8 text, found byte 0xe8 at offset 14",
        ),
        (
            "documents_unknown_topic",
            DOCUMENTS,
            rf"^{DOCUMENTS}:4: documents\.0\.topics: unknown topic 'book-sale'; did you mean 'book-sales'\?",
        ),
    ],
)
def test_broken_params_name_file_line_and_field(
    tiny: Path, fixture: str, target: str, message: str
) -> None:
    shutil.copy(FIXTURES / "params" / f"{fixture}.yaml", tiny / target)
    with pytest.raises(ConfigError, match=message):
        load_project(tiny)


def test_every_problem_is_reported_at_once(tiny: Path) -> None:
    shutil.copy(FIXTURES / "params/topic_unknown_key.yaml", tiny / TOPIC)
    shutil.copy(FIXTURES / "params/stakeholders_two_decision_makers.yaml", tiny / STAKEHOLDERS)
    with pytest.raises(ConfigError) as caught:
        load_project(tiny)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(STAKEHOLDERS) and lines[1].startswith(TOPIC)


def test_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"params: not found; is .* an mdm project"):
        load_project(tmp_path)
