"""The no-change fast path: "up to date" only when nothing a build reads changed; it tidies too.

The build here is made up (a manifest with each section's real key, one document file and
the stamp a build would write), so no kernel runs: the fast path reads only those.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

import nbformat
import pytest
from conftest import as_built

from mdm.authoring.notebooks import text_twin
from mdm.build.lock import LOCK_NAME
from mdm.build.manifest import MANIFEST
from mdm.build.pipeline import BuildOptions, build
from mdm.build.uptodate import STAMP, stamp, up_to_date
from mdm.files import sha256_file
from mdm.params.project import bundled_notebooks, load_project


def built(root: Path) -> None:
    """``root`` as a build of its HTML would leave it."""
    as_built(root)
    output = root / "output"
    (output / "proposal.html").write_text("<p>The proposal.</p>", encoding="utf-8")
    manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    manifest["proposal"]["files"] = {"proposal.html": sha256_file(output / "proposal.html")}
    (output / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    project = load_project(root)
    read = {p for s in project.sections("proposal") for p in (s.notebook, *s.inputs)}
    done = stamp(project.root, read, ("html",), (), ["proposal"])
    (output / STAMP).write_text(json.dumps(done), encoding="utf-8")


def test_a_paired_ipynb_edited_alone_is_not_up_to_date(tiny: Path) -> None:
    notebooks = tiny / "notebooks"
    notebooks.mkdir()
    ipynb, text = notebooks / "topic.ipynb", notebooks / "topic.py"
    ipynb.write_bytes((bundled_notebooks() / "topic.ipynb").read_bytes())
    text.write_text(text_twin(ipynb, "py") + "\n# %% [markdown]\n# Added in the text.\n", "utf-8")
    os.utime(ipynb, (1, 1))  # the text is newer and has a cell more: it is what runs
    built(tiny)
    assert up_to_date(tiny, ("html",), []) == ["proposal"]
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[0].source += "\n\nEdited in the notebook, not in its text twin."
    nbformat.write(nb, ipynb)  # now newer than the text, and different: mdm check refuses it
    assert up_to_date(tiny, ("html",), []) is None
    os.utime(ipynb, (1, 1))
    assert up_to_date(tiny, ("html",), []) is None  # its content changed all the same
    built(tiny)
    os.utime(ipynb)  # saved again unchanged, after the text: the full check decides
    assert up_to_date(tiny, ("html",), []) is None


def test_an_up_to_date_build_clears_a_dead_builds_lock_and_staging(tiny: Path) -> None:
    built(tiny)
    output = tiny / "output"
    dead = {"pid": 2**22 + 7, "host": socket.gethostname(), "started": time.time()}
    (output / LOCK_NAME).write_text(json.dumps(dead), encoding="utf-8")
    (output / ".staging-killed").mkdir()
    (output / ".staging-killed/proposal.html").write_text("half", encoding="utf-8")
    assert up_to_date(tiny, ("html",), []) == ["proposal"]
    assert not (output / LOCK_NAME).exists() and not (output / ".staging-killed").exists()
    live = {**dead, "pid": os.getpid()}  # a build running now keeps its lock and staging
    (output / LOCK_NAME).write_text(json.dumps(live), encoding="utf-8")
    (output / ".staging-running").mkdir()
    assert up_to_date(tiny, ("html",), []) == ["proposal"]
    assert (output / LOCK_NAME).exists() and (output / ".staging-running").exists()


@pytest.mark.kernel  # the shared built project is built once, in kernels
def test_a_build_found_up_to_date_after_loading_clears_a_dead_builds_lock(
    tiny_built: Path, tmp_path: Path
) -> None:
    root = tmp_path / "tiny"
    shutil.copytree(tiny_built, root)
    output = root / "output"
    (output / STAMP).unlink()  # the fast path cannot decide: the project is loaded and keyed
    dead = {"pid": 2**22 + 7, "host": socket.gethostname(), "started": time.time()}
    (output / LOCK_NAME).write_text(json.dumps(dead), encoding="utf-8")
    (output / ".staging-killed").mkdir()
    report = build(BuildOptions(project_dir=root))
    assert report.up_to_date == ["proposal"] and report.sections == []
    assert not (output / LOCK_NAME).exists() and not (output / ".staging-killed").exists()
