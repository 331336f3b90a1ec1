"""mdm init, new-topic, rename-topic, merge-topic: through their CLI handlers and their functions."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

from mdm.authoring import topics
from mdm.authoring.scaffold import init_project
from mdm.authoring.topics import merge_topic, merged_from, new_topic, rename_topic
from mdm.build.cache import section_keys
from mdm.build.check import check
from mdm.build.pipeline import BuildOptions, build
from mdm.cli.authoring import register
from mdm.errors import ConfigError
from mdm.files import LOCK_SUFFIX
from mdm.params import edits
from mdm.params.models import TopicStatus
from mdm.params.notebooks import STOCK_NOTEBOOKS, clean_notebook
from mdm.params.project import bundled_notebooks, load_project

QUOTES_HEADER = "quote_id,pseudonym,descriptor,topics,consent,attribution,text"
DISCUSSIONS_HEADER = "date,topic,channel,community,participants,outcomes,agreements"


def mdm(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run an authoring subcommand through its registered handler; return the lines it printed."""
    parser = argparse.ArgumentParser(prog="mdm")
    handlers = register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    capsys.readouterr()
    assert handlers[args.command](args) == 0
    return capsys.readouterr().out.splitlines()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's content; the lock files commands leave (git-ignored, kept by design) aside."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(LOCK_SUFFIX)
    }


def topic_file(root: Path, topic_id: str) -> Path:
    return root / "params/topics" / f"{topic_id}.yaml"


# --- init ----------------------------------------------------------------------------------


@pytest.mark.kernel
def test_init_scaffolds_a_project_that_checks_and_builds_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "tenants-plan"
    printed = mdm(capsys, "init", str(root), "--name", "Riverside Tenants Union")
    assert sorted(printed) == sorted(str(root / name) for name in snapshot(root))
    check(root, data=True)
    build(BuildOptions(project_dir=root, formats=("html",)))
    html = (root / "output/proposal.html").read_text(encoding="utf-8")
    assert "1. First topic" in html and "2. Second topic" in html
    assert "Riverside Tenants Union" in html


def test_init_writes_placeholders_headers_and_git_settings(tmp_path: Path) -> None:
    root = tmp_path / "tenants-plan"
    init_project(root)
    files = snapshot(root)
    assert set(files) == {
        ".gitignore",
        ".pre-commit-config.yaml",
        "README.md",
        "data/discussions.csv",
        "data/private/.gitkeep",
        "data/quotes.csv",
        "params/documents.yaml",
        "params/project.yaml",
        "params/stakeholders.yaml",
        "params/topics/first-topic.yaml",
        "params/topics/second-topic.yaml",
    }
    assert not re.search(rb"mozilla", b"".join(files.values()), re.IGNORECASE)
    project = load_project(root)
    assert project.info.name == "Tenants Plan"  # from the folder's name
    assert project.info.summary.startswith("Describe in a paragraph what this project is for")
    assert [(a.role.value, project.stakeholders[a.who].kind) for a in project.roles] == [
        ("driver", "person"),
        ("decision_maker", "person"),
        ("input", "group"),
    ]
    assert list(project.documents) == ["proposal"]
    assert files["data/quotes.csv"].decode() == QUOTES_HEADER + "\n"
    assert files["data/discussions.csv"].decode() == DISCUSSIONS_HEADER + "\n"
    hooks = files[".pre-commit-config.yaml"].decode()
    assert "https://github.com/kynan/nbstripout" in hooks and re.search(r"rev: \d+\.\d+", hooks)


def test_init_gitignore_keeps_output_and_the_register_out_of_git(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    paths = ["output/proposal.html", "data/private/register.csv", "data/private/.gitkeep"]
    paths += ["notebooks/.ipynb_checkpoints/topic.ipynb", "data/quotes.csv"]
    ignored = subprocess.run(
        ["git", "check-ignore", *paths], cwd=root, capture_output=True, text=True
    ).stdout.split()
    assert ignored == paths[:2] + paths[3:4]


def test_init_quotes_a_name_yaml_would_misread(tmp_path: Path) -> None:
    init_project(tmp_path / "p", name="Tenants: a plan # 2026")
    project = load_project(tmp_path / "p")
    assert project.info.name == project.documents["proposal"].title == "Tenants: a plan # 2026"


def test_init_with_notebooks_copies_mdm_notebooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = mdm(capsys, "init", str(tmp_path / "p"), "--with-notebooks")
    stock = [bundled_notebooks() / f"{name}.ipynb" for name in STOCK_NOTEBOOKS]
    assert {p.name for p in stock} == {Path(p).name for p in printed if p.endswith(".ipynb")}
    for notebook in stock:
        assert (tmp_path / "p/notebooks" / notebook.name).read_bytes() == notebook.read_bytes()


def ran_in_jupyterlab(text: str) -> str:
    """A notebook as JupyterLab saves it after running every cell."""
    nb = json.loads(text)
    for number, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] == "code":
            cell["execution_count"] = number
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["Ran.\n"]}]
            cell["metadata"]["execution"] = {"iopub.status.idle": "2026-12-01T10:00:00Z"}
        cell["metadata"]["jupyter"] = {"source_hidden": False}
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "x"}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """mdm's notebooks folder in a checkout where the stock notebooks were run in JupyterLab
    (outputs saved) and an author put a notebook of their own."""
    folder = tmp_path / "checkout-notebooks"
    folder.mkdir()
    for name in STOCK_NOTEBOOKS:
        text = (bundled_notebooks() / f"{name}.ipynb").read_text(encoding="utf-8")
        (folder / f"{name}.ipynb").write_text(ran_in_jupyterlab(text), encoding="utf-8")
    (folder / "my-analysis.ipynb").write_text(ran_in_jupyterlab(text), encoding="utf-8")
    for module in ("mdm.params.notebooks", "mdm.params.project", "mdm.authoring.scaffold"):
        monkeypatch.setattr(f"{module}.bundled_notebooks", lambda: folder)
    return folder


def test_init_copies_mdm_notebooks_clean_and_only_them(checkout: Path, tmp_path: Path) -> None:
    init_project(tmp_path / "p", with_notebooks=True, jupytext="py")
    copied = sorted(p.name for p in (tmp_path / "p/notebooks").glob("*.ipynb"))
    assert copied == sorted(f"{name}.ipynb" for name in STOCK_NOTEBOOKS)  # no author file
    for name in STOCK_NOTEBOOKS:
        text = (tmp_path / "p/notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert text == (REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "Ran." not in (tmp_path / "p/notebooks" / f"{name}.py").read_text("utf-8")


def test_outputs_saved_into_mdm_notebooks_change_no_topic_section_key(
    checkout: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mdm.params.notebooks.bundled_notebooks", lambda: REPO / "notebooks")
    monkeypatch.setattr("mdm.params.project.bundled_notebooks", lambda: REPO / "notebooks")
    project = load_project(tiny)
    specs = project.sections("proposal")
    clean = dict(zip([s.id for s in specs], section_keys(project, specs), strict=True))
    monkeypatch.setattr("mdm.params.notebooks.bundled_notebooks", lambda: checkout)
    monkeypatch.setattr("mdm.params.project.bundled_notebooks", lambda: checkout)
    project = load_project(tiny)
    specs = project.sections("proposal")
    ran = dict(zip([s.id for s in specs], section_keys(project, specs), strict=True))
    topics = [s for s in clean if s.startswith("topic-")]
    assert topics and {s: ran[s] for s in topics} == {s: clean[s] for s in topics}
    topic = next(s for s in specs if s.id == topics[0])
    assert topic.notebook == tiny / "output/.jupytext/topic.ipynb"  # the clean copy runs
    assert "Ran." not in topic.notebook.read_text(encoding="utf-8")
    # (the overview keys on its topic fields only while its notebook is byte for byte mdm's:
    # build/cache.py compares the file itself, so a run notebook widens that key)


def test_mdm_notebooks_are_saved_clean_and_all_packaged() -> None:
    for name in STOCK_NOTEBOOKS:
        text = (REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
        assert clean_notebook(text) == text, name
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert packaged == {
        f"notebooks/{n}.ipynb": f"mdm/_notebooks/{n}.ipynb" for n in STOCK_NOTEBOOKS
    }


def test_init_keeps_what_the_folder_has(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("# Our repo\n", encoding="utf-8")
    (root / ".gitignore").write_text("node_modules/\noutput/\n", encoding="utf-8")
    written = init_project(root, name="Plan")
    assert root / "README.md" not in written and root / ".gitignore" in written
    assert (root / "README.md").read_text(encoding="utf-8") == "# Our repo\n"
    gitignore = (root / ".gitignore").read_text(encoding="utf-8")
    assert gitignore.startswith("node_modules/\noutput/\n")
    assert gitignore.count("output/") == 1 and "data/private/*" in gitignore
    assert not list(tmp_path.rglob(".mdm-init-*"))  # no staging folder left


def test_init_refuses_a_folder_with_params(tiny: Path) -> None:
    before = snapshot(tiny)
    with pytest.raises(ConfigError, match=r"tiny/params: exists already; mdm init starts a new"):
        init_project(tiny)
    assert snapshot(tiny) == before


# --- new-topic -------------------------------------------------------------------------------


def test_new_topic_goes_last(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    printed = mdm(capsys, "new-topic", "bookmobile", "Bookmobile", "Where should the van stop?",
                  "--project", str(tiny))  # fmt: skip
    path = topic_file(tiny, "bookmobile")
    assert printed == [str(path)]
    assert path.read_text(encoding="utf-8").startswith(
        "number: 4\ntitle: Bookmobile\nquestion: Where should the van stop?\n"
    )
    assert load_project(tiny).topics["bookmobile"].number == 4


def test_new_topic_at_a_taken_number_moves_later_topics_keeping_comments(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = topic_file(tiny, "book-sales")
    sales.write_text(
        "# Sales: the autumn and spring fairs\nnumber: 2   # after clubs\ntitle: Book sales\n"
        "question: 'Which sales raise the most?'\n",
        encoding="utf-8",
    )
    draft = topic_file(tiny, "storytime")
    draft.write_text("number: 2\ntitle: Storytime\nquestion: Who?\nstatus: draft\n", "utf-8")
    printed = mdm(capsys, "new-topic", "reading-buddies", "Reading buddies: pairs",
                  "Who reads with whom?", "--number", "2", "--project", str(tiny))  # fmt: skip
    assert sorted(printed) == sorted(
        str(topic_file(tiny, t)) for t in ("book-sales", "reading-buddies", "summer-reading")
    )
    numbers = {t.id: t.number for t in load_project(tiny).topics.values()}
    assert numbers == {
        "homework-clubs": 1,
        "reading-buddies": 2,
        "book-sales": 3,
        "summer-reading": 4,
        "storytime": 2,  # a draft keeps its number: numbers are unique among active topics only
    }
    assert sales.read_text(encoding="utf-8") == (
        "# Sales: the autumn and spring fairs\nnumber: 3   # after clubs\ntitle: Book sales\n"
        "question: 'Which sales raise the most?'\n"
    )
    assert "title: 'Reading buddies: pairs'\n" in topic_file(tiny, "reading-buddies").read_text()


def test_new_topic_at_a_free_number_moves_nothing(tiny: Path) -> None:
    assert new_topic(tiny, "bookmobile", "Bookmobile", "Where?", number=7) == [
        topic_file(tiny, "bookmobile")
    ]


@pytest.mark.parametrize(
    ("topic_id", "title", "number", "message"),
    [
        ("Book Sales", "T", None, r"^id: expected an id of lower-case letters, .*got 'Book Sales'$"),
        ("-sales", "T", None, r"^id: expected an id .*got '-sales'$"),
        ("book-sales", "T", None, r"^params/topics/book-sales\.yaml: id: topic 'book-sales' exists already$"),
        ("fairs", "T", 0, r"^--number: expected a whole number of at least 1, got 0$"),
        ("fairs", "Two\nlines", None, r"^title: expected text on one line"),
    ],
    ids=["upper-case-and-space", "leading-dash", "existing", "number-zero", "multi-line-title"],
)  # fmt: skip
def test_new_topic_refuses(
    tiny: Path, topic_id: str, title: str, number: int | None, message: str
) -> None:
    before = snapshot(tiny)
    with pytest.raises(ConfigError, match=message):
        new_topic(tiny, topic_id, title, "Q?", number)
    assert snapshot(tiny) == before


# --- rename-topic ----------------------------------------------------------------------------


@pytest.fixture
def referenced(tiny: Path) -> Path:
    """The tiny project with ``book-sales`` named in every kind of place a topic id can be."""
    (tiny / "params/documents.yaml").write_bytes(
        b"\xef\xbb\xbfdocuments:\r\n  - id: proposal\r\n    title: Investing in our volunteers\r\n"
        b"    version: '1.0'\r\n    # the board reads sales first\r\n    topics:\r\n"
        b"      - book-sales   # fairs\r\n      - homework-clubs\r\n"
    )
    topic_file(tiny, "summer-reading").write_text(
        "number: 3\ntitle: Summer reading\nquestion: Who?\nstatus: merged\n"
        "merged_into: 'book-sales'  # raised money too\n",
        encoding="utf-8",
    )
    project = tiny / "params/project.yaml"
    project.write_text(
        project.read_text(encoding="utf-8") + "    topics: [homework-clubs, book-sales]\n",
        encoding="utf-8",
    )
    reviews = tiny / "params/reviews"
    reviews.mkdir()
    (reviews / "feedback.yaml").write_text(
        "feedback:\n  - id: fb-1\n    by: club-leads\n    document: proposal\n"
        "    version: '1.0'\n    section: topic-book-sales  # the fairs\n    date: 2025-02-10\n"
        "    text: Book-sales volunteers need a till.\n    status: open\n",
        encoding="utf-8",
    )
    data = tiny / "data"
    (data / "survey").mkdir(parents=True)
    (data / "notes").mkdir()
    (data / "quotes.csv").write_text(
        f"{QUOTES_HEADER}\r\n"
        'q1,P-001,club lead,homework-clubs; book-sales,anonymous,,"We sell at book-sales, twice."\r\n'
        '"q2","P-002","tutor","homework-clubs","anonymous","","Quiet rooms; ""please"""\r\n',
        encoding="utf-8",
        newline="",
    )
    (data / "discussions.csv").write_text(
        f"{DISCUSSIONS_HEADER}\n2025-02-01,book-sales,Call,Leads,6,More fairs,\n"
        "2025-02-08,homework-clubs,Call,Leads,6,Rooms,\n",
        encoding="utf-8",
    )
    (data / "survey/questions.yaml").write_text(
        "questions:\n  # sales\n  - id: fairs\n    text: Do you help at book-sales?\n"
        "    kind: single\n    options: [yes, no]\n    topics:\n      - book-sales\n"
        "  - id: clubs\n    text: Do you tutor?\n    kind: single\n    options: [yes, no]\n"
        "    topics: [homework-clubs, book-sales]\n",
        encoding="utf-8",
    )
    (data / "survey/responses.csv").write_text(
        "respondent_id,question_id,value\n"
        + "".join(f"r{i},fairs,yes\nr{i},clubs,no\n" for i in range(6)),
        encoding="utf-8",
    )
    (data / "notes/fairs.md").write_text(
        "---\ntitle: Fairs elsewhere\ntopics: [book-sales]  # only sales\n---\n"
        "topics: book-sales is how the old wiki tagged it.\n",
        encoding="utf-8",
    )
    (tiny / "notebooks").mkdir()
    notebook = (bundled_notebooks() / "topic.ipynb").read_text(encoding="utf-8")
    assert 'topic = \\"\\"' in notebook
    (tiny / "notebooks/topic.ipynb").write_text(
        notebook.replace('topic = \\"\\"', 'topic = \\"book-sales\\"'), encoding="utf-8"
    )
    check(tiny, data=True)
    return tiny


def test_rename_updates_every_reference_and_nothing_else(
    referenced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = referenced
    before = snapshot(tiny)
    printed = mdm(capsys, "rename-topic", "book-sales", "fundraising", "--title", "Fundraising",
                  "--project", str(tiny))  # fmt: skip
    changed = {
        "params/topics/book-sales.yaml",
        "params/topics/fundraising.yaml",
        "params/topics/summer-reading.yaml",
        "params/documents.yaml",
        "params/project.yaml",
        "params/reviews/feedback.yaml",
        "data/quotes.csv",
        "data/discussions.csv",
        "data/survey/questions.yaml",
        "data/notes/fairs.md",
        "notebooks/topic.ipynb",
    }
    assert sorted(printed) == sorted(str(tiny / name) for name in changed)
    after = snapshot(tiny)
    assert {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)} == changed

    check(tiny, data=True)  # params, reviews, every data file's topic ids, notebooks
    project = load_project(tiny)
    assert project.topics["fundraising"].title == "Fundraising"
    assert project.topics["summer-reading"].merged_into == "fundraising"
    assert after["params/topics/fundraising.yaml"] == (
        b"number: 2\ntitle: Fundraising\n"
        b"question: Which sales raise the most with the least volunteer time?\n"
    )

    def renamed(name: str) -> bytes:
        return before[name].replace(b"book-sales", b"fundraising")

    # only the id's characters changed: BOM, CRLF, comments, quoting are as they were
    for name in (
        "params/documents.yaml",
        "params/topics/summer-reading.yaml",
        "data/discussions.csv",
    ):
        assert after[name] == renamed(name), name
    assert after["params/reviews/feedback.yaml"] == renamed("params/reviews/feedback.yaml").replace(
        b"Fundraising volunteers", b"Book-sales volunteers"
    )
    # prose that happens to contain the id stays; the untouched quote keeps its quoting
    assert (
        after["data/quotes.csv"]
        == (
            f"{QUOTES_HEADER}\r\n"
            'q1,P-001,club lead,homework-clubs; fundraising,anonymous,,"We sell at book-sales, twice."\r\n'
            '"q2","P-002","tutor","homework-clubs","anonymous","","Quiet rooms; ""please"""\r\n'
        ).encode()
    )
    assert after["data/survey/questions.yaml"] == renamed("data/survey/questions.yaml").replace(
        b"help at fundraising", b"help at book-sales"
    )
    assert after["data/notes/fairs.md"] == (
        b"---\ntitle: Fairs elsewhere\ntopics: [fundraising]  # only sales\n---\n"
        b"topics: book-sales is how the old wiki tagged it.\n"
    )
    assert after["notebooks/topic.ipynb"] == renamed("notebooks/topic.ipynb")
    prose = [b"at book-sales", b"need a till", b"book-sales is how"]
    for name, content in after.items():
        for line in content.splitlines():
            assert b"book-sales" not in line or any(p in line for p in prose), (name, line)


def test_rename_refuses(tiny: Path) -> None:
    before = snapshot(tiny)
    with pytest.raises(
        ConfigError, match=r"^params/topics/book-sale\.yaml: old id: no topic 'book-sale'; did you mean 'book-sales'\?$"
    ):  # fmt: skip
        rename_topic(tiny, "book-sale", "fundraising")
    with pytest.raises(
        ConfigError, match=r"^params/topics/homework-clubs\.yaml: new id: topic 'homework-clubs' exists already$"
    ):  # fmt: skip
        rename_topic(tiny, "book-sales", "homework-clubs")
    with pytest.raises(ConfigError, match=r"^new id: expected an id .*got 'Fund_raising'$"):
        rename_topic(tiny, "book-sales", "Fund_raising")
    assert snapshot(tiny) == before


def test_a_change_that_does_not_load_is_rolled_back(
    referenced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(referenced)
    loads = []

    def load_then_fail(root: Path) -> object:
        loads.append(root)
        if len(loads) > 1:  # the check after writing
            raise ConfigError("params/documents.yaml:3: topics: broken on purpose")
        return load_project(root)

    monkeypatch.setattr(edits, "load_project", load_then_fail)
    monkeypatch.setattr(topics, "load_project", load_then_fail)
    with pytest.raises(ConfigError, match=r"^params/documents\.yaml:3: topics: broken on purpose$"):
        rename_topic(referenced, "book-sales", "fundraising")
    assert snapshot(referenced) == before
    assert not list(referenced.rglob("*.mdm-tmp"))


# --- merge-topic -----------------------------------------------------------------------------


def test_merge_marks_the_source_and_it_leaves_the_documents(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summer = topic_file(tiny, "summer-reading")
    summer.write_text(summer.read_text(encoding="utf-8") + "# evidence to come\n", "utf-8")
    printed = mdm(capsys, "merge-topic", "summer-reading", "homework-clubs", "--project", str(tiny))
    assert printed == [str(summer)]
    assert summer.read_text(encoding="utf-8") == (
        "number: 3\ntitle: Summer reading\nquestion: Who signs up, and who stays to the end?\n"
        "status: merged\nmerged_into: homework-clubs\n# evidence to come\n"
    )
    project = load_project(tiny)
    assert project.topics["summer-reading"].status is TopicStatus.MERGED
    assert [s.id for s in project.sections("proposal")] == [
        "overview",
        "topic-homework-clubs",
        "topic-book-sales",
    ]
    assert [t.id for t in merged_from(project, "homework-clubs")] == ["summer-reading"]


def test_merge_replaces_an_existing_status_and_follows_earlier_merges(tiny: Path) -> None:
    sales = topic_file(tiny, "book-sales")
    sales.write_text(sales.read_text(encoding="utf-8") + "status: active  # for now\n", "utf-8")
    merge_topic(tiny, "summer-reading", "book-sales")
    changed = merge_topic(tiny, "book-sales", "homework-clubs")
    assert changed == [sales, topic_file(tiny, "summer-reading")]
    assert sales.read_text(encoding="utf-8").endswith(
        "status: merged  # for now\nmerged_into: homework-clubs\n"
    )
    project = load_project(tiny)
    assert project.topics["summer-reading"].merged_into == "homework-clubs"
    assert [t.id for t in merged_from(project, "homework-clubs")] == [
        "book-sales",
        "summer-reading",
    ]
    assert merged_from(project, "book-sales") == []


def test_merged_from_follows_chains(tiny: Path) -> None:
    # written by hand, not by merge-topic: summer-reading -> book-sales -> homework-clubs
    merge_topic(tiny, "book-sales", "homework-clubs")
    summer = topic_file(tiny, "summer-reading")
    summer.write_text(summer.read_text() + "status: merged\nmerged_into: book-sales\n", "utf-8")
    project = load_project(tiny)
    assert [t.id for t in merged_from(project, "homework-clubs")] == [
        "book-sales",
        "summer-reading",
    ]
    assert [t.id for t in merged_from(project, "homework-clubs", transitive=False)] == [
        "book-sales"
    ]


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ("[summer-reading, book-sales]", "[homework-clubs, book-sales]"),
        ("[homework-clubs, summer-reading, book-sales]", "[homework-clubs, book-sales]"),
        ("\n      - homework-clubs\n      - summer-reading  # x\n      - book-sales",
         "\n      - homework-clubs\n      - book-sales"),
    ],
    ids=["replaced-by-target", "dropped-flow", "dropped-block"],
)  # fmt: skip
def test_merge_retargets_documents_that_list_the_source(
    tiny: Path, listed: str, expected: str
) -> None:
    docs = tiny / "params/documents.yaml"
    original = docs.read_text(encoding="utf-8")
    docs.write_text(original + f"    topics: {listed}\n", encoding="utf-8")
    merge_topic(tiny, "summer-reading", "homework-clubs")
    assert docs.read_text(encoding="utf-8") == original + f"    topics: {expected}\n"


def test_merge_refuses(tiny: Path) -> None:
    merge_topic(tiny, "summer-reading", "homework-clubs")
    before = snapshot(tiny)
    for source, target, message in [
        ("book-sales", "summer-reading", r"^params/topics/summer-reading\.yaml: status: cannot merge into a merged topic; 'summer-reading' is merged into 'homework-clubs', merge into that instead$"),
        ("book-sales", "homework-club", r"^params/topics/homework-club\.yaml: target: no topic 'homework-club'; did you mean 'homework-clubs'\?$"),
        ("book-sales", "book-sales", r"^params/topics/book-sales\.yaml: target: cannot merge 'book-sales' into itself$"),
        ("summer-reading", "homework-clubs", r"^params/topics/summer-reading\.yaml: merged_into: already merged into 'homework-clubs'$"),
    ]:  # fmt: skip
        with pytest.raises(ConfigError, match=message):
            merge_topic(tiny, source, target)
    assert snapshot(tiny) == before


def test_merge_that_would_orphan_review_records_is_rolled_back(tiny: Path) -> None:
    (tiny / "params/reviews").mkdir()
    (tiny / "params/reviews/feedback.yaml").write_text(
        "feedback:\n  - id: fb-1\n    by: club-leads\n    document: proposal\n    version: '1.0'\n"
        "    section: topic-summer-reading\n    date: 2025-02-10\n    text: More prizes.\n"
        "    status: open\n",
        encoding="utf-8",
    )
    before = snapshot(tiny)
    with pytest.raises(ConfigError, match=r"feedback\.yaml:6: .*got 'topic-summer-reading'"):
        merge_topic(tiny, "summer-reading", "homework-clubs")
    assert snapshot(tiny) == before


def test_scaffold_topics_can_be_reshaped(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root)
    rename_topic(root, "first-topic", "housing", title="Housing", question="Who needs housing?")
    new_topic(root, "repairs", "Repairs", "How fast are repairs done?", number=1)
    merge_topic(root, "second-topic", "housing")
    project = load_project(root)
    assert [(t.number, t.id) for t in project.active_topics()] == [(1, "repairs"), (2, "housing")]
    assert "mdm rename-topic first-topic" in (root / "params/topics/housing.yaml").read_text()
    shutil.rmtree(root / "params")
    init_project(root)  # params/ gone: init may start again, keeping the rest
