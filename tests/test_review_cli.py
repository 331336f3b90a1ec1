"""``mdm review ...``: records written with the last build's digests, checked by mdm check's rules."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import REPO, copy_project, mdm

from mdm.build.pipeline import BuildOptions, build
from mdm.errors import BuildError, ConfigError, DataError
from mdm.params.project import load_project
from mdm.params.reviews import load_reviews
from mdm.review import commands
from mdm.review.importing import import_feedback
from mdm.review.packet import write_packet
from mdm.review.writing import append_record, set_fields

DAY = dt.date(2025, 3, 1)


@pytest.fixture
def built(tiny_built: Path, tmp_path: Path) -> Path:
    """A copy of the tiny project as built once for the session, output included."""
    target = tmp_path / "tiny"
    shutil.copytree(tiny_built, target)
    return target


def manifest(project: Path) -> dict:
    return json.loads((project / "output/.mdm-build.json").read_text(encoding="utf-8"))


def digests(project: Path, document: str = "proposal") -> dict[str, str]:
    return {s: info["digest"] for s, info in manifest(project)[document]["sections"].items()}


def records(project: Path, name: str) -> list[dict]:
    data = yaml.safe_load((project / "params/reviews" / name).read_text(encoding="utf-8"))
    return data[name.removesuffix(".yaml")]


def ok(*args: str, project: Path) -> str:
    result = mdm(*args, "--project", str(project))
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- the YAML edits, without a kernel -----------------------------------------------------------

HAND_WRITTEN = """\
# Agreement log, kept by hand until now.
agreements:   # newest last
    -   by: library-board   # the board's chair answers
        document: proposal
        version: "1.0"
        state: requested
        date: 2025-02-01
    # asked again after the March meeting
other: kept
"""


def test_append_keeps_comments_quoting_and_indentation() -> None:
    fields = {
        "by": "library-board",
        "state": "agreed",
        "date": DAY,
        "sections": {"overview": "0123456789ab"},
    }
    text = append_record(HAND_WRITTEN, Path("agreements.yaml"), "agreements", fields)
    before, added = HAND_WRITTEN.splitlines(), text.splitlines()
    assert added[:7] == before[:7]  # every hand-written line above the new record
    assert added[7:12] == [
        "    - by: library-board",
        "      state: agreed",
        "      date: 2025-03-01",
        "      sections:",
        "        overview: 0123456789ab",
    ]
    assert added[12:] == before[7:]  # the trailing comment and the next key
    assert yaml.safe_load(text)["agreements"][1]["sections"] == {"overview": "0123456789ab"}


def test_append_keeps_crlf_and_fills_an_empty_list() -> None:
    text = append_record(
        "feedback: []\r\n", Path("f.yaml"), "feedback", {"id": "fb-1", "text": "a\nb"}
    )
    assert text == 'feedback:\r\n  - id: fb-1\r\n    text: "a\\nb"\r\n'
    assert yaml.safe_load(text) == {"feedback": [{"id": "fb-1", "text": "a\nb"}]}


def test_append_and_set_keep_a_bom_and_crlf() -> None:
    text = "\ufeff# c\r\nfeedback:\r\n  - id: a\r\n    text: x\r\n"
    added = append_record(text, Path("f.yaml"), "feedback", {"id": "b", "text": "y"})
    assert added == text + "  - id: b\r\n    text: y\r\n"
    closed = set_fields(added, Path("f.yaml"), "feedback", 0, {"status": "addressed"})
    assert closed == added.replace("text: x\r\n", "text: x\r\n    status: addressed\r\n")


def test_set_fields_edits_block_and_flow_records_in_place() -> None:
    text = (
        "feedback:\n  - {id: f1, text: hi, status: open}  # flow\n"
        "  - id: f2\n    text: |\n      two\n      lines\n    # about f2\n"
    )
    flow = set_fields(
        text, Path("f.yaml"), "feedback", 0, {"status": "addressed", "resolution": "Done: yes"}
    )
    assert (
        flow.splitlines()[1]
        == "  - {id: f1, text: hi, status: addressed, resolution: 'Done: yes'}  # flow"
    )
    block = set_fields(
        text, Path("f.yaml"), "feedback", 1, {"status": "declined", "resolution": "No"}
    )
    assert block.splitlines()[3:] == [
        "    text: |",
        "      two",
        "      lines",
        "    status: declined",
        "    resolution: 'No'",  # quoted: a plain No reads as false
        "    # about f2",
    ]


def test_refuses_a_flow_list_it_cannot_extend() -> None:
    with pytest.raises(ConfigError, match=r"^f\.yaml:1: feedback: expected a block list"):
        append_record("feedback: [{id: a}]\n", Path("f.yaml"), "feedback", {"id": "b"})


def test_resolve_feedback_edits_the_comment_in_place(tiny: Path) -> None:
    folder = tiny / "params/reviews"
    folder.mkdir()
    text = (
        "feedback:\n"
        "  # from the March meeting\n"
        "  - {id: fb-1, by: club-leads, document: proposal, version: '1.0', section: overview,\n"
        "     date: 2025-03-01, text: More tutors.}\n"
    )
    (folder / "feedback.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"^params/reviews/feedback\.yaml: --resolution: expected a resolution when status "
        r"is addressed, found none$",
    ):
        commands.resolve_feedback(tiny, "fb-1", "addressed", "  ")
    with pytest.raises(ConfigError, match=r"FEEDBACK_ID: no comment 'fb-9' \(comments: fb-1\)$"):
        commands.resolve_feedback(tiny, "fb-9", "declined", "No.")
    assert (folder / "feedback.yaml").read_text(encoding="utf-8") == text
    commands.resolve_feedback(tiny, "fb-1", "declined", "Out of scope: no budget.")
    assert (folder / "feedback.yaml").read_text(encoding="utf-8") == text.replace(
        "text: More tutors.}",
        "text: More tutors., status: declined, resolution: 'Out of scope: no budget.'}",
    )
    with pytest.raises(ConfigError, match=r"FEEDBACK_ID: fb-1 is declined already$"):
        commands.resolve_feedback(tiny, "fb-1", "addressed", "Yes.")


def test_commands_refuse_before_any_build(tiny: Path) -> None:
    with pytest.raises(
        BuildError, match=r"\.mdm-build\.json: proposal: not built yet; run `mdm build` first"
    ):
        commands.request(tiny, "proposal")
    assert not (tiny / "params/reviews").exists()


# --- the commands on a built project -------------------------------------------------------------


@pytest.mark.kernel
def test_one_round_from_the_command_line(built: Path) -> None:
    built_digests = digests(built)
    ok("review", "request", "--document", "proposal", "--date", "2025-02-01", project=built)
    out = ok(
        "review", "feedback", "--by", "club-leads", "--document", "proposal",
        "--section", "topic-homework-clubs", "--date", "2025-02-10", "Tutors need a quiet room.",
        project=built,
    )  # fmt: skip
    assert out == "params/reviews/feedback.yaml\n"
    ok(
        "review",
        "resolve-feedback",
        "fb-1",
        "addressed",
        "--resolution",
        "Room 2 booked.",
        project=built,
    )
    ok(
        "review",
        "agree",
        "--by",
        "library-board",
        "--document",
        "proposal",
        "--date",
        "2025-03-01",
        project=built,
    )
    ok("review", "decide", "--by", "head-librarian", "--document", "proposal", "approved", "--date", "2025-03-05", project=built)  # fmt: skip

    agreements = records(built, "agreements.yaml")
    assert [a["state"] for a in agreements] == ["requested", "agreed"]
    assert agreements[1]["sections"] == built_digests  # the last build's digests, all sections
    assert agreements[1]["version"] == "1.0"
    assert records(built, "feedback.yaml") == [
        {
            "id": "fb-1", "by": "club-leads", "document": "proposal", "version": "1.0",
            "section": "topic-homework-clubs", "date": dt.date(2025, 2, 10),
            "text": "Tutors need a quiet room.", "status": "addressed", "resolution": "Room 2 booked.",
        }
    ]  # fmt: skip
    assert records(built, "decisions.yaml")[0]["state"] == "approved"
    assert "ok:" in ok("check", project=built)
    reviews = load_reviews(load_project(built))
    assert reviews.decision("proposal").by == "head-librarian"


@pytest.mark.kernel
@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["agree", "--by", "amara-okafor", "--document", "proposal"],
            r"^mdm review: error: params/reviews/agreements\.yaml: --by: 'amara-okafor' "
            r"does not hold the agreement role in params/stakeholders\.yaml$",
            id="driver-agreeing",
        ),
        pytest.param(
            ["decide", "--by", "amara-okafor", "--document", "proposal", "deferred"],
            r"--by: 'amara-okafor' is not the decision_maker$",
            id="driver-deciding",
        ),
        pytest.param(
            [
                "agree",
                "--by",
                "library-board",
                "--document",
                "proposal",
                "--sections",
                "topic-bookshop",
            ],
            r"--sections: expected a section of proposal, got 'topic-bookshop'$",
            id="unknown-section",
        ),
        pytest.param(
            [
                "feedback",
                "--by",
                "club-leads",
                "--document",
                "proposal",
                "--section",
                "topic-x",
                "Hi",
            ],
            r"feedback\.yaml: --section: expected a section of proposal \(overview, "
            r"topic-book-sales, topic-homework-clubs, topic-summer-reading\), got 'topic-x'$",
            id="feedback-unknown-section",
        ),
        pytest.param(
            ["feedback", "--by", "nobody", "--document", "proposal", "Hi"],
            r"--by: 'nobody' is not a stakeholder$",
            id="unknown-stakeholder",
        ),
        pytest.param(
            [
                "agree",
                "--by",
                "library-board",
                "--document",
                "proposal",
                "--sections",
                "overview=0123456789ab",
            ],
            r"--sections: overview was 0123456789ab when it was sent and is [0-9a-f]{12} in the last build",
            id="packet-digest-moved-on",
        ),
        pytest.param(
            ["resolve-objection", "--by", "library-board", "--document", "proposal", "resolved"],
            r"--by|STATE: no record cannot become resolved; expected one of agreed, "
            r"agreed_with_conditions, objection, requested$",
            id="resolving-no-objection",
        ),
        pytest.param(
            ["agree", "--by", "library-board", "--document", "strategy"],
            r"params/documents\.yaml: document 'strategy' is not defined \(defined: proposal\)$",
            id="unknown-document",
        ),
    ],
)
def test_rules_refuse_and_nothing_is_written(built: Path, args: list[str], message: str) -> None:
    result = mdm("review", *args, "--project", str(built))
    assert result.returncode == 2
    assert re_search(message, result.stderr.strip())
    assert not (built / "params/reviews").exists()


def re_search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text, re.MULTILINE) is not None


@pytest.mark.kernel
def test_approval_over_an_objection_names_the_objection(built: Path) -> None:
    commands.object_to(
        built, "library-board", "proposal", "topic-book-sales", "Too few sellers.", DAY
    )
    before = (built / "params/reviews/agreements.yaml").read_bytes()
    with pytest.raises(
        ConfigError,
        match=r"^params/reviews/decisions\.yaml: STATE: approved is blocked: "
        r"library-board has an unresolved objection on proposal \(section topic-book-sales, "
        r"2025-03-01: Too few sellers\.\); resolve it first$",
    ):
        commands.decide(built, "head-librarian", "proposal", "approved", date=DAY)
    assert not (built / "params/reviews/decisions.yaml").exists()
    assert (built / "params/reviews/agreements.yaml").read_bytes() == before
    # mdm check says the same about the same decision, written by hand
    (built / "params/reviews/decisions.yaml").write_text(
        "decisions:\n  - {by: head-librarian, document: proposal, version: '1.0', "
        "state: approved, date: 2025-03-02}\n",
        encoding="utf-8",
    )
    result = mdm("check", "--project", str(built))
    assert result.returncode == 2
    assert (
        "decisions.yaml:2: decisions.0.state: approved is blocked: library-board has an unresolved "
        "objection on proposal (section topic-book-sales, 2025-03-01: Too few sellers.); resolve it first"
    ) in result.stderr
    (built / "params/reviews/decisions.yaml").unlink()
    commands.resolve_objection(
        built, "library-board", "proposal", "resolved", "Two more sellers.", date=DAY
    )
    commands.decide(built, "head-librarian", "proposal", "approved", date=DAY)
    assert [a["state"] for a in records(built, "agreements.yaml")] == ["objection", "resolved"]


@pytest.mark.kernel
def test_stale_build_is_refused(built: Path) -> None:
    topic = built / "params/topics/book-sales.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "summary: Changed.\n", encoding="utf-8")
    result = mdm(
        "review",
        "agree",
        "--by",
        "library-board",
        "--document",
        "proposal",
        "--project",
        str(built),
    )
    assert result.returncode == 5
    assert result.stderr.strip().endswith(
        "proposal: the params, data or mdm changed since the last build (topic-book-sales); "
        "run `mdm build` first, or the digests recorded would be stale"
    )
    assert not (built / "params/reviews").exists()


@pytest.mark.kernel
def test_hand_written_records_keep_their_comments(built: Path) -> None:
    folder = built / "params/reviews"
    folder.mkdir()
    (folder / "agreements.yaml").write_text(
        HAND_WRITTEN.replace("other: kept\n", ""), encoding="utf-8"
    )
    commands.agree(built, "library-board", "proposal", date=DAY)
    text = (folder / "agreements.yaml").read_text(encoding="utf-8")
    assert text.startswith(
        HAND_WRITTEN.replace("    # asked again after the March meeting\nother: kept\n", "")
    )
    assert text.endswith("    # asked again after the March meeting\n")
    assert [a["state"] for a in records(built, "agreements.yaml")] == ["requested", "agreed"]


@pytest.mark.kernel
def test_changed_section_needs_rereview_and_the_packet_shows_what_changed(built: Path) -> None:
    signed = ["overview", "topic-book-sales", "topic-summer-reading"]  # not yet homework clubs
    commands.agree(built, "library-board", "proposal", signed, date=DAY)
    topic = built / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "summary: Sales raised 1,240 pounds.\n",
        encoding="utf-8",
    )
    build(BuildOptions(project_dir=built, formats=("html",)))
    status = json.loads(ok("status", "--json", project=built))["documents"]["proposal"]
    states = {s["section"]: s["state"] for s in status["sections"]}
    assert states["topic-book-sales"] == "needs re-review"
    assert states["topic-summer-reading"] == "signed off"
    commands.request(built, "proposal", date=DAY)  # asking again keeps unchanged sign-offs
    build(BuildOptions(project_dir=built, formats=("html",)))
    document = BeautifulSoup((built / "output/proposal.html").read_text("utf-8"), "html.parser")
    row = document.select_one("section[data-section='sec-decision-record'] tbody tr")
    assert row.get_text(" ", strip=True) == "Library Board requested 2025-03-01 1.0 2 / 1"
    status = json.loads(ok("status", "--json", project=built))["documents"]["proposal"]
    # the overview reads every params file but shows nothing of the summary: its digest held
    assert [s["section"] for s in status["sections"] if s["state"] != "signed off"] == [
        "topic-homework-clubs",
        "topic-book-sales",
    ]

    path = write_packet(built, "library-board", "proposal", "driver@example.org")
    page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    sections = page.select("section.mdm-section[data-section]")
    # the changed section first, then the one never signed
    assert [s["data-section"] for s in sections] == ["topic-book-sales", "topic-homework-clubs"]
    assert sections[1].select_one(".mdm-packet-changes") is None
    changes = sections[0].select_one(".mdm-packet-changes").get_text(" ", strip=True)
    assert "What changed since you agreed" in changes and "1,240 pounds" in changes
    now = digests(built)
    titles = {s: info["title"] for s, info in manifest(built)["proposal"]["sections"].items()}
    for section in sections:
        sid = section["data-section"]
        reply = urlsplit(section.select("a.mdm-reply")[-1]["href"])
        assert (reply.scheme, reply.path) == ("mailto", "driver@example.org")
        query = parse_qs(reply.query)
        assert query["subject"] == [f"proposal 1.0: {titles[sid]} [{sid} {now[sid]}]"]
        assert query["body"][0].split("\r\n")[:2] == [
            "Document: proposal, version 1.0",
            f"Section: {sid} ({titles[sid]}), digest {now[sid]}",
        ]
        assert (
            f"mdm review agree --by library-board --document proposal --sections {sid}={now[sid]}"
            in query["body"][0]
        )
    # the packet's reply records the answer with one command; unchanged sign-offs carry over
    reply = f"topic-book-sales={now['topic-book-sales']}"
    done = commands.agree(built, "library-board", "proposal", [reply], date=DAY)
    assert done.said == [
        "Library Board: agreed on proposal 1.0 (3 sections, 2 of them unchanged since the last sign-off)"
    ]
    assert records(built, "agreements.yaml")[-1]["sections"] == {
        s: now[s] for s in ("overview", "topic-book-sales", "topic-summer-reading")
    }
    status = json.loads(ok("status", "--json", project=built))["documents"]["proposal"]
    assert [s["section"] for s in status["sections"] if s["state"] != "signed off"] == [
        "topic-homework-clubs"
    ]


HOSTILE = 'Great <script>alert("x")</script><img src=x onerror=alert(1)> idea'


@pytest.mark.kernel
def test_hostile_feedback_is_text_in_the_document_and_the_packet(built: Path) -> None:
    commands.feedback(built, "club-leads", "proposal", HOSTILE, "topic-homework-clubs", DAY)
    commands.feedback(built, "library-board", "proposal", "On the whole: <b>yes</b>.", date=DAY)
    assert records(built, "feedback.yaml")[0]["text"] == HOSTILE  # kept as written
    build(BuildOptions(project_dir=built, formats=("html",)))
    document = BeautifulSoup((built / "output/proposal.html").read_text("utf-8"), "html.parser")
    rows = document.select("section[data-section='sec-decision-record'] tbody tr")
    assert [r.get_text(" ", strip=True) for r in rows][-1] == (
        "Whole document Library Board 2025-03-01 On the whole: <b>yes</b>."
    )
    packet = write_packet(built, "library-board", "proposal")
    for path in (built / "output/proposal.html", packet):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert page.find("script") is None
        assert not page.select("img[onerror]")
        assert HOSTILE in page.get_text()
    html = packet.read_text(encoding="utf-8")
    # self-contained: nothing fetched from anywhere
    assert page.find("link") is None
    assert all(img["src"].startswith("data:") for img in page.find_all("img"))
    assert "&lt;script&gt;" in html


@pytest.mark.kernel
def test_packet_for_someone_giving_input_lists_every_section(built: Path) -> None:
    path = write_packet(built, "club-leads", "proposal")
    assert path == built / "output/packets/proposal-club-leads.html"
    page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    sections = page.select("section.mdm-section[data-section]")
    assert len(sections) == 4
    body = parse_qs(urlsplit(sections[0].select("a.mdm-reply")[-1]["href"]).query)["body"][0]
    assert (
        "mdm review feedback --by club-leads --document proposal --section overview COMMENT" in body
    )
    with pytest.raises(ConfigError, match=r"^--for: 'nobody' is not a stakeholder"):
        write_packet(built, "nobody", "proposal")


@pytest.mark.kernel
def test_import_checks_every_row_and_names_it(built: Path, tmp_path: Path) -> None:
    bad = tmp_path / "form.csv"
    bad.write_text(
        "who,document,section,text\n"
        "club-leads,proposal,overview,Fine\n"
        "nobody,proposal,overview,Who?\n"
        "club-leads,proposal,topic-x,Where?\n"
        "club-leads,proposal,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        import_feedback(built, bad, DAY)
    assert str(caught.value).splitlines() == [
        f"{bad}:3: who: 'nobody' is not a stakeholder",
        f"{bad}:4: section: expected a section of proposal (overview, topic-book-sales, "
        "topic-homework-clubs, topic-summer-reading), got 'topic-x'",
        f"{bad}:5: text: String should have at least 1 character",
        "nothing imported",
    ]
    assert not (built / "params/reviews").exists()
    good = tmp_path / "good.csv"
    good.write_text(
        '\ufeffwho,document,section,text,date\r\nclub-leads,proposal,overview,"Line one\nline two",2025-02-03\r\n'
        "library-board,proposal,,On the whole: yes,\r\n",
        encoding="utf-8",
    )
    out = ok("review", "import", str(good), "--date", "2025-03-01", project=built)
    assert out == "params/reviews/feedback.yaml\n"
    rows = records(built, "feedback.yaml")
    assert [(r["id"], r["by"], r.get("section"), r["date"]) for r in rows] == [
        ("fb-1", "club-leads", "overview", dt.date(2025, 2, 3)),
        ("fb-2", "library-board", None, DAY),
    ]
    assert rows[0]["text"] == "Line one\nline two"
    with pytest.raises(DataError, match=r"missing section, text \(found: who, document\)$"):
        (tmp_path / "short.csv").write_text("who,document\nx,y\n", encoding="utf-8")
        import_feedback(built, tmp_path / "short.csv")


@pytest.mark.kernel
def test_on_a_copy_of_the_example(example_built: Path, tmp_path: Path) -> None:
    project = copy_project(REPO, tmp_path / "example")
    shutil.copytree(example_built / "output", project / "output")
    commands.request(project, "proposal", date=DAY)
    commands.agree(project, "katharina-borchert", "proposal", date=DAY)
    commands.object_to(
        project, "patrick-finch", "proposal", "topic-recognition", "Not costed yet.", DAY
    )
    commands.feedback(project, "reps-council", "proposal", "Add the Reps budget.", date=DAY)
    assert len(records(project, "agreements.yaml")[-2]["sections"]) == len(digests(project))
    recognition = manifest(project)["proposal"]["sections"]["topic-recognition"]["title"]
    summary = ok("status", project=project).splitlines()[2]
    assert summary == (
        "proposal 0.3: 1 of 5 agreed; waiting for Patrick Finch, Chris Beard, Mitchell Baker, "
        f"Reps Module Owner; 1 open comment; 1 objection on {recognition}; "
        # the example's illustrative decision, which its progress reports follow
        "approved by George Roter (2017-12-14)"
    )
    assert "ok:" in ok("check", project=project)
