"""``mdm collect``: run the Perceval backends the params declare, keep the raw items, import them.

Each ``sources:`` entry with ``collect: [BACKEND, ARGS...]`` becomes one run of the
``perceval`` command (the optional ``collect`` extra installs it); mdm starts it as a
separate program and reads its output, it never imports Perceval. Raw items hold
names and emails, so they stay under ``data/private/perceval/`` (git-ignored), one
file per run; the import that follows adds only what is new.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from mdm.errors import ConfigError, DataError
from mdm.sources.importer import import_perceval

__all__ = ["RAW", "collect"]

RAW = "data/private/perceval"


def _perceval() -> str:
    beside = Path(sys.executable).with_name("perceval")
    found = str(beside) if beside.is_file() else shutil.which("perceval")
    if found is None:
        raise ConfigError(
            "collect: needs the perceval command; install it with pip install 'mdm[collect]'",
            path="params/project.yaml",
            field="sources",
        )
    return found


def collect(root: Path | str, dry_run: bool = False) -> list[str]:
    """Run every declared collection, then import; the report, one line per fact."""
    # deferred: pydantic and yaml load only when this runs
    from mdm.params.project import load_project

    project = load_project(root)
    runs = [s for s in project.info.sources if s.collect]
    if not runs:
        raise ConfigError(
            "expected at least one entry with collect: [BACKEND, ARGS...], found none",
            path="params/project.yaml",
            field="sources",
        )
    if dry_run:
        return [f"would run: perceval {' '.join(s.collect)} --json-line" for s in runs]
    command = _perceval()
    folder = project.root / RAW
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    files, report = [], []
    for number, source in enumerate(runs, 1):
        out = folder / f"{stamp}-{number:02d}-{source.collect[0]}.jsonl"
        _run(command, source.collect, out)
        files.append(out)
        report.append(
            f"collected {sum(1 for _ in out.open('rb'))} items: perceval "
            f"{' '.join(source.collect)} → {out.relative_to(project.root)}"
        )
    return report + import_perceval(project.root, files).lines()


def _run(command: str, args: list[str], out: Path) -> None:
    """One Perceval run into ``out``; on failure the partial file is removed."""
    with out.open("w", encoding="utf-8") as stream:
        done = subprocess.run(
            [command, *args, "--json-line"], stdout=stream, stderr=subprocess.PIPE, text=True
        )
    # Perceval logs some failures ("Error!: ...") and still exits 0
    failed = [line for line in done.stderr.splitlines() if "Error!" in line]
    if done.returncode != 0 or failed:
        out.unlink(missing_ok=True)
        last = (failed or done.stderr.strip().splitlines() or ["no message"])[-1]
        raise DataError(
            f"failed (exit {done.returncode}): {last}", field=f"perceval {' '.join(args)}"
        )
