"""Releases without a kernel: a build's products (written here) frozen with their manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdm.build.manifest import MANIFEST
from mdm.build.options import check_version
from mdm.build.release import release
from mdm.errors import BuildError
from mdm.files import sha256_file


def fake_build(project: Path) -> dict[str, str]:
    """What ``mdm build`` leaves in output/: the documents and the manifest naming them."""
    output = project / "output"
    output.mkdir()
    (output / "proposal.html").write_text("<h1>Investing</h1>", encoding="utf-8")
    (output / "proposal.pdf").write_bytes(b"%PDF-1.7 stand-in")
    files = {name: sha256_file(output / name) for name in ("proposal.html", "proposal.pdf")}
    sections = {"topic-book-sales": {"title": "2. Book sales", "digest": "0123456789ab"}}
    manifest = {"proposal": {"key": "k", "files": files, "sections": sections}}
    (output / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return files


def test_a_release_freezes_the_documents_with_what_made_them(tiny: Path) -> None:
    files = fake_build(tiny)
    folder = release(tiny, "1.0")
    assert folder == tiny / "output/releases/1.0"
    for name, digest in files.items():
        assert sha256_file(folder / name) == digest
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release"] == "1.0"
    assert manifest["project"] == "Riverside Library Friends Volunteer Plan"
    assert {"mdm", "python", "papermill", "pandas", "weasyprint"} <= manifest["tools"].keys()
    topic = "params/topics/book-sales.yaml"
    assert manifest["inputs"][topic] == sha256_file(tiny / topic)
    document = manifest["documents"]["proposal"]
    assert document["version"] == "1.0" and document["files"] == files
    assert document["sections"]["topic-book-sales"]["digest"] == "0123456789ab"
    assert document["sections"]["topic-book-sales"]["parameters"] == {
        "document": "proposal",
        "topic": "book-sales",
    }
    assert manifest["signoff"]["proposal"]["decision"] is None


def test_a_release_is_never_overwritten(tiny: Path) -> None:
    fake_build(tiny)
    release(tiny, "1.0")
    with pytest.raises(BuildError, match=r"release 1\.0 exists; releases are never overwritten$"):
        release(tiny, "1.0")


def test_nothing_built_is_nothing_to_release(tiny: Path) -> None:
    (tiny / "output").mkdir()
    with pytest.raises(
        BuildError, match=r"\.mdm-build\.json: no build to release; run `mdm build`"
    ):
        release(tiny, "1.0")
    assert not (tiny / "output/releases").exists()


@pytest.mark.parametrize("version", ["../escape", "1.0/..", "", "v 1", "x" * 41])
def test_a_release_name_is_a_plain_name(version: str) -> None:
    with pytest.raises(BuildError, match=r"^--release: expected letters, digits"):
        check_version(version)
