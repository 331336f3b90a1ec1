"""Imports put off until first use: a library's slow import does not slow every command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mdm.lazy import defer_import


def test_reading_a_notebook_does_not_compile_the_iri_grammars() -> None:
    """nbformat (through jsonschema) no longer compiles rfc3987-syntax's grammars on import;
    an IRI check still gives the library's own answers, compiling them then."""
    script = """
import sys
import mdm, nbformat
print("lark" in sys.modules)
from jsonschema import FormatChecker
checker = FormatChecker()
print(checker.conforms("https://example.org/stra\\u00dfe", "iri"), checker.conforms("a b", "iri"))
print("lark" in sys.modules)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "True", "False", "True"]


@pytest.fixture
def slow_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module that records that it was imported."""
    name = "mdm_test_slow_module"
    (tmp_path / f"{name}.py").write_text(
        "import sys\nsys.mdm_test_imported = True\ndef double(x):\n    return 2 * x\nLIMIT = 7\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "mdm_test_imported", False, raising=False)
    yield name
    sys.modules.pop(name, None)


def test_a_deferred_function_imports_its_module_on_the_first_call(slow_module: str) -> None:
    defer_import(slow_module, "double")
    namespace: dict[str, object] = {}
    exec(f"from {slow_module} import double", namespace)
    assert sys.mdm_test_imported is False  # type: ignore[attr-defined]
    assert namespace["double"](21) == 42  # type: ignore[operator]
    assert sys.mdm_test_imported is True  # type: ignore[attr-defined]
    assert sys.modules[slow_module].__file__  # the real module is in place now


def test_any_other_name_imports_the_module_when_read(slow_module: str) -> None:
    defer_import(slow_module, "double")
    stand_in = sys.modules[slow_module]
    assert stand_in.LIMIT == 7
    assert sys.mdm_test_imported is True  # type: ignore[attr-defined]


def test_a_module_not_installed_is_left_alone() -> None:
    defer_import("mdm_no_such_module_anywhere", "f")
    assert "mdm_no_such_module_anywhere" not in sys.modules
