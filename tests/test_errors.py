"""Errors as data: every broken input names its place in fields, and messages are made in one place."""

from __future__ import annotations

import ast
import json
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from mdm import data
from mdm.build.check import check
from mdm.errors import ConfigError, DataError, MdmError, NotebookError, Problem, where
from mdm.params.project import load_project

D = FIXTURES / "data"

# --- how a place is printed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("bad", "a.yaml", 3, "title"), "a.yaml:3: title: bad"),
        (Problem("bad", "a.yaml", 3), "a.yaml:3: bad"),
        (Problem("bad", "a.yaml", field="title"), "a.yaml: title: bad"),
        (Problem("bad", "a.yaml"), "a.yaml: bad"),
        (Problem("bad", field="--for"), "--for: bad"),
        (Problem("bad"), "bad"),
        (Problem("invalid YAML", "a.yaml", 3, column=7), "a.yaml:3:7: invalid YAML"),
        (
            Problem("E: x", "nb.ipynb", field="y = 1", cell=2, section="s (doc)"),
            "section s (doc): nb.ipynb, cell 2 [y = 1]: E: x",
        ),
        (Problem("died", "nb.ipynb", section="s (doc)"), "section s (doc): nb.ipynb: died"),
        (Problem("no heading", section="s (nb.ipynb)"), "section s (nb.ipynb): no heading"),
    ],
    ids=[
        "path-line-field",
        "path-line",
        "path-field",
        "path",
        "field",
        "message",
        "column",
        "cell",
        "section-path",
        "section",
    ],
)
def test_a_problem_prints_its_place_then_its_message(problem: Problem, text: str) -> None:
    assert str(problem) == text
    assert str(ConfigError(problems=[problem])) == text


def test_keyword_place_and_problems_are_the_same_error() -> None:
    error = DataError("expected 7 fields, found 8", path=Path("data/q.csv"), line=2)
    assert error.problems == (Problem("expected 7 fields, found 8", "data/q.csv", 2),)
    assert (error.path, error.line, error.field) == ("data/q.csv", 2, None)
    assert str(error) == where("data/q.csv", 2) + ": expected 7 fields, found 8"


def test_an_error_survives_pickling_with_its_places() -> None:
    error = NotebookError("E: x", path="nb.ipynb", field="y = 1", cell=2, section="s (doc)")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NotebookError and copy.problems == error.problems


# --- every broken input carries its place --------------------------------------------------

PARAMS_TARGETS = {
    "topic": "params/topics/homework-clubs.yaml",
    "stakeholders": "params/stakeholders.yaml",
    "project": "params/project.yaml",
    "documents": "params/documents.yaml",
}
# fixtures that load: the good examples, and inputs of other tests (a section's data file,
# an archive and a survey export to import)
GOOD_DATA = {
    "bom_crlf.csv",
    "club-nights.csv",
    "discussions_good.csv",
    "events_good.csv",
    "events_numeric_looking_ids.csv",
    "mailing_list_thread.mbox",
    "notes_good",
    "quotes_good.csv",
    "quotes_header_only.csv",
    "register_good.csv",
    "survey_good.csv",
    "survey_google_forms.csv",
    "survey_google_forms.yaml",
    "survey_literal_na.csv",
    "survey_questions.yaml",
}
BROKEN_DATA = sorted(p.name for p in D.iterdir() if p.name not in GOOD_DATA)
BROKEN_PARAMS = sorted(p.stem for p in (FIXTURES / "params").glob("*.yaml"))


def assert_placed(error: MdmError, lines: bool) -> None:
    """Every problem has its file (and line, for a line-based file); the text starts with them."""
    assert error.problems
    for problem in error.problems:
        assert problem.path, problem
        if lines:
            assert problem.line is not None, problem
            assert str(problem).startswith(f"{problem.path}:{problem.line}:"), problem
        else:
            assert str(problem).startswith(f"{problem.path}:"), problem
    assert str(error).startswith(f"{error.path}:{error.line}:" if lines else f"{error.path}:")


def load_data(fixture: Path) -> object:
    name = fixture.name
    if name.startswith("survey_questions"):
        return data.load_survey(fixture, D / "survey_literal_na.csv")
    if name.startswith("survey_"):
        return data.load_survey(D / "survey_questions.yaml", fixture)
    loaders: dict[str, Callable[[Path], object]] = {
        "quotes_": lambda path: data.load_quotes(path, topics=("homework-clubs", "tutors")),
        "register_": data.load_register,
        "discussions_": data.load_discussions,
        "notes_": data.load_notes,
    }
    load = next((f for prefix, f in loaders.items() if name.startswith(prefix)), data.load_events)
    return load(fixture)


@pytest.mark.parametrize("fixture", BROKEN_DATA)
def test_every_broken_data_file_carries_its_place(fixture: str) -> None:
    with pytest.raises(DataError) as caught:
        load_data(D / fixture)
    assert fixture in str(caught.value.path)
    assert_placed(caught.value, lines=True)


@pytest.mark.parametrize("fixture", BROKEN_PARAMS)
def test_every_broken_params_file_carries_its_place(tiny: Path, fixture: str) -> None:
    shutil.copy(
        FIXTURES / "params" / f"{fixture}.yaml", tiny / PARAMS_TARGETS[fixture.split("_")[0]]
    )
    with pytest.raises(ConfigError) as caught:
        load_project(tiny)
    assert all((tiny / str(p.path)).is_file() for p in caught.value.problems)
    assert_placed(caught.value, lines=True)


_ITEM = {"backend_name": "Git", "origin": "/x/repo", "uuid": "0" * 40, "category": "commit"}
BROKEN_PERCEVAL = {
    "not-json": '{"backend_name": "Git", ',
    "not-an-object": json.dumps([_ITEM]),
    "no-uuid": json.dumps({**_ITEM, "uuid": ""}),
    "unknown-backend": json.dumps({**_ITEM, "backend_name": "Jira"}),
    "not-as-perceval-writes-it": json.dumps({**_ITEM, "data": {}}),
}


@pytest.mark.parametrize("line", BROKEN_PERCEVAL.values(), ids=BROKEN_PERCEVAL.keys())
def test_every_broken_perceval_line_carries_its_place(
    tiny: Path, tmp_path: Path, line: str
) -> None:
    from mdm.sources.importer import import_perceval

    items = tmp_path / "items.jsonl"
    items.write_text("\n" + line + "\n", encoding="utf-8")  # a blank first line: the line is 2
    with pytest.raises(DataError) as caught:
        import_perceval(tiny, [items])
    assert (caught.value.path, caught.value.line) == (str(items), 2)
    assert_placed(caught.value, lines=True)


def test_a_missing_file_carries_its_path_and_no_line() -> None:
    with pytest.raises(DataError) as caught:
        data.load_events(D / "no_such_file.csv", "data/activity.csv")
    assert (caught.value.path, caught.value.line) == ("data/activity.csv", None)
    assert str(caught.value) == "data/activity.csv: file not found"


@pytest.mark.parametrize("fixture", ["no_parameters", "missing_topic_parameter"])
def test_a_notebook_unfit_to_run_carries_its_path(tiny: Path, fixture: str) -> None:
    (tiny / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "notebooks" / f"{fixture}.ipynb", tiny / "notebooks/topic.ipynb")
    with pytest.raises(NotebookError) as caught:
        check(tiny)
    assert {p.path for p in caught.value.problems} == {"notebooks/topic.ipynb"}
    assert_placed(caught.value, lines=False)


@pytest.mark.kernel
def test_a_failed_cell_carries_section_notebook_and_cell(tiny: Path, tmp_path: Path) -> None:
    from mdm.build.run import RunOptions, execute_sections

    (tiny / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "notebooks/raises_in_cell.ipynb", tiny / "notebooks/topic.ipynb")
    specs = [s for s in load_project(tiny).sections("proposal") if s.id.startswith("topic-")]
    with pytest.raises(NotebookError) as caught:
        execute_sections(specs[:1], tmp_path / "run", tiny, RunOptions(jobs=1))
    (problem,) = caught.value.problems
    assert (problem.section, problem.path, problem.cell) == (
        "topic-homework-clubs (proposal)",
        "notebooks/topic.ipynb",
        3,
    )
    assert problem.field == "# a section whose evidence cannot be computed"
    assert problem.message == "ZeroDivisionError: division by zero"


# --- no raise site formats a place into its message ----------------------------------------

ERRORS = {
    "MdmError",
    "ConfigError",
    "DataError",
    "NotebookError",
    "KernelDiedError",
    "CellTimeoutError",
    "BuildError",
    "BusyError",
    "PrivacyError",
    "Problem",
    "error",  # a parameter naming the error class to raise, e.g. confine(..., error=DataError)
}
# a path, an option or a dotted key as the first word: `data/a.csv:`, `--for:`, `section.table:`
_PLACE = re.compile(r"^(-|[^\s:{}]*[./])[^\s:{}]*:(\d+:)?( |$)")


def _formats_a_place(message: ast.expr) -> bool:
    """``f"{shown}:{line}: ..."``, ``f"{where(...)}: ..."``, ``"params/x.yaml: ..."`` and the like."""
    if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Add):
        return _formats_a_place(message.left)
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return bool(_PLACE.match(message.value))
    if isinstance(message, ast.JoinedStr) and message.values:
        if isinstance(message.values[0], ast.Constant):
            return bool(_PLACE.match(str(message.values[0].value)))
        # placeholders, then a colon: `{shown}:`, `{shown}{position}:`, `{where(...)}:`
        text = next((v for v in message.values if isinstance(v, ast.Constant)), None)
        return text is not None and str(text.value).startswith(":")
    return False


def placed_messages(source: str) -> list[int]:
    """Lines of calls that format a place into an error's message, or call ``where`` directly."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "where":
            found.append(node.lineno)
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        message = next((k.value for k in node.keywords if k.arg == "message"), None)
        message = node.args[0] if node.args else message
        if name in ERRORS and message is not None and _formats_a_place(message):
            found.append(node.lineno)
    return found


# raise sites as they were written before places became data
OLD_STYLE = [
    'raise DataError(f"{shown}:{reader.line_num}: malformed CSV: {err}") from err',
    'raise DataError(f"{shown}: file not found") from err',
    "raise DataError(f\"{where(shown, line, 'quote_id')}: expected a unique id\")",
    'raise error(f"{shown}:{line}: expected UTF-8 text, found byte {b:#04x}")',
    'raise ConfigError(f"{shown}{position}: invalid YAML: {problem}") from err',
    'raise ConfigError(f"--number: expected a whole number of at least 1, got {number}")',
    'raise ConfigError("params/project.yaml: sources: expected at least one entry")',
    'raise NotebookError("section.figure: expected alt text describing what the figure shows")',
    'raise DataError(message=f"{locate(index)}: {name}: expected a value, found an empty field")',
    'raise ConfigError(f"{shown}:" + f"1: expected a mapping")',
    "problems.append(f\"{where(shown, line, 'number')}: expected a number no other topic uses\")",
    'return Problem(f"{file}: unknown topic {value!r}")',
]
AS_DATA = [
    'raise DataError(f"malformed CSV: {err}", path=shown, line=reader.line_num) from err',
    'raise DataError("file not found", path=shown) from err',
    'raise ConfigError(f"expected a whole number of at least 1, got {number}", field="--number")',
    'raise NotebookError(raised, path=shown, field=first_line, cell=3, section="s (doc)")',
    'raise DataError("refused: a symbolic link that leads outside the project folder")',
    'raise BuildError(f"{spec.id} shows {digest}; run `mdm build` again", path=executed)',
    "sign = np.where(minutes < 0, '-', '+')",
]


@pytest.mark.parametrize("source", OLD_STYLE)
def test_the_scan_finds_a_place_formatted_into_a_message(source: str) -> None:
    assert placed_messages(source)


@pytest.mark.parametrize("source", AS_DATA)
def test_the_scan_passes_a_place_given_as_data(source: str) -> None:
    assert placed_messages(source) == []


def test_no_raise_site_formats_a_place_into_its_message() -> None:
    package = REPO / "mdm"
    found = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "errors.py"  # where the text is made from the places
        for line in placed_messages(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"pass path=, line=, field= instead: {', '.join(found)}"
