"""Privacy-guard benchmark: the PDF checked on the text WeasyPrint printed vs. re-read with pypdf.

    .venv/bin/python benchmarks/bench_privacy.py PROJECT [--repeat 5]

PROJECT is a built project (``output/<doc>.html`` present, e.g. a copy of the example after
``mdm build``); nothing in it is written. For each document the HTML is printed once with
``mdm.build.assemble.write_pdf`` into a temporary folder (which returns the printed text), then
``check_exports`` is timed ``--repeat`` times on each input: the PDF read back with pypdf (the
guard before issue #11), the PDF's printed text (what a build passes now), and the HTML.
The median is reported with the load average at the start. Results go to stdout as Markdown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _median(repeat: int, run: Callable[..., None], *args: Any) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from mdm.build.assemble import write_pdf
    from mdm.build.privacy import check_exports
    from mdm.params.project import load_project

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = load_project(args.project)
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(
        "| document | pages' text chars | print (s) | guard, pypdf (s) | guard, printed text (s) | guard, HTML (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as scratch:
        for doc in project.documents:
            html_path = project.output / f"{doc}.html"
            pdf = Path(scratch) / f"{doc}.pdf"
            start = time.perf_counter()
            printed = write_pdf(html_path.read_text(encoding="utf-8"), pdf)
            printing = time.perf_counter() - start
            audience = project.document(doc).audience
            check_exports(project, audience, [html_path])  # imports and first reads, untimed
            timings = [
                _median(args.repeat, check_exports, project, audience, [pdf]),
                _median(args.repeat, check_exports, project, audience, [pdf], {pdf: printed}),
                _median(args.repeat, check_exports, project, audience, [html_path]),
            ]
            cells = " | ".join(f"{t:.3f}" for t in timings)
            print(f"| {doc} | {len(printed):,} | {printing:.2f} | {cells} |")


if __name__ == "__main__":
    main()
