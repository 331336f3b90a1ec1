"""The cluster path: metric results computed in an OpenSearch-compatible server, timed.

    .venv/bin/python benchmarks/bench_cluster.py --documents 1000000

Starts osmem-server (PyPI; an in-memory OpenSearch-compatible server, the one the tests use) on
127.0.0.1, loads ``--documents`` enriched git documents of the "minimal" shape (8 indexed fields:
``uuid``, ``origin``, ``grimoire_creation_date``, ``metadata__updated_on``, ``author_uuid``,
``author_bot``, ``author_org_name``, ``lines_added``; 30,000 authors with Zipf-like activity,
2% bots, 2008–2025, 20 repositories in 4 communities), then runs mdm's evidence step
(:func:`mdm.build.precompute.precompute`) for one topic showing seven charts and two values
computed in the cluster: once cold, once on the unchanged cluster, and once with
``approximate: true``. It reports wall and CPU seconds of mdm's process, the requests made and the
server's resident memory. osmem scans every document for every request (a real cluster answers
composite pages from its indexes), so these times bound the request count, not a real cluster's
speed: the research report measured 1M full-shape documents as impractical on osmem (about
100 KB of server memory per document), hence the minimal shape.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MAPPING = {
    "dynamic": False,
    "properties": {
        "uuid": {"type": "keyword"},
        "origin": {"type": "keyword"},
        "grimoire_creation_date": {"type": "date"},
        "metadata__updated_on": {"type": "date"},
        "author_uuid": {"type": "keyword"},
        "author_bot": {"type": "boolean"},
        "author_org_name": {"type": "keyword"},
        "lines_added": {"type": "long"},
    },
}
COMMUNITIES = ["L10N", "SUMO", "MDN", "Reps"]
EVIDENCE = """
evidence:
  values:
    people: {metric: contributors, freq: Y}
    newcomers: {metric: new_contributors, freq: Y, value: change_pct}
  charts:
    - {metric: contributors, freq: Q}
    - {metric: contributors, freq: Y, by: community}
    - {metric: new_contributors, freq: Q}
    - {metric: activity_status, freq: Q}
    - {metric: onion, freq: Y}
    - {metric: absence_factor, by: community}
    - {metric: cohort_retention, freq: Y}
"""


def _call(url: str, method: str, path: str, body: bytes | None = None, kind: str = "json") -> Any:
    headers = {"Content-Type": f"application/{'x-ndjson' if kind == 'ndjson' else 'json'}"}
    request = urllib.request.Request(url + path, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=3600) as answer:
        return json.load(answer)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(url: str, documents: int, seed: int = 7) -> float:
    """Bulk-load the documents behind the alias ``git``; seconds taken."""
    rng = random.Random(seed)
    _call(
        url,
        "PUT",
        "/git_enriched",
        json.dumps({"mappings": MAPPING, "aliases": {"git": {}}}).encode(),
    )
    start, span = datetime(2008, 1, 1, tzinfo=UTC), 18 * 365 * 24 * 3600
    started = time.perf_counter()
    lines: list[str] = []
    for i in range(documents):
        author = min(int(rng.paretovariate(0.8)), 30_000)
        when = start + timedelta(seconds=rng.randrange(span))
        doc = {
            "uuid": f"{i:040x}",
            "origin": f"https://git.example.org/{COMMUNITIES[author % 4]}/repo{author % 5}.git",
            "grimoire_creation_date": when.isoformat(),
            "metadata__updated_on": when.isoformat(),
            "author_uuid": f"sh{author:06d}",
            "author_bot": author % 50 == 0,
            "author_org_name": "Unknown",
            "lines_added": rng.randrange(200),
        }
        lines += [
            json.dumps({"index": {"_index": "git_enriched", "_id": doc["uuid"]}}),
            json.dumps(doc),
        ]
        if len(lines) >= 10_000 or i == documents - 1:
            _call(url, "POST", "/_bulk", ("\n".join(lines) + "\n").encode(), kind="ndjson")
            lines = []
    _call(url, "POST", "/git_enriched/_refresh")
    return time.perf_counter() - started


def project(folder: Path, url: str, approximate: bool) -> Path:
    root = folder / ("approximate" if approximate else "exact")
    shutil.copytree(REPO / "tests" / "projects" / "tiny", root)
    sources = "".join(
        f'  - {{origin: "https://git.example.org/{c}/*", community: {c}, area: code}}\n'
        for c in COMMUNITIES
    )
    declared = {"url": url, "indices": ["git"], "timeout": 3600, "approximate": approximate}
    with (root / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write("sources:\n" + sources + "opensearch: " + json.dumps(declared) + "\n")
    with (root / "params" / "topics" / "homework-clubs.yaml").open("a", encoding="utf-8") as out:
        out.write(EVIDENCE)
    return root


def evidence(root: Path) -> dict[str, float]:
    """mdm's evidence step for the project, with the requests it made."""
    from mdm.build.precompute import precompute
    from mdm.params.project import load_project
    from mdm.sources import opensearch

    calls = [0]
    search = opensearch.Cluster.search

    def counted(self: opensearch.Cluster, index: str, body: dict[str, Any]) -> Any:
        calls[0] += 1
        return search(self, index, body)

    opensearch.Cluster.search = counted  # type: ignore[method-assign]
    project_ = load_project(root)
    wall, cpu = time.perf_counter(), time.process_time()
    results = precompute(project_, project_.sections("proposal"))
    opensearch.Cluster.search = search  # type: ignore[method-assign]
    return {
        "results": results,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "requests": calls[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    args = parser.parse_args()
    import osmem_server

    binary = os.environ.get("OSMEM_SERVER_BIN") or osmem_server.resolve_binary()
    server = subprocess.Popen(
        [binary, "--addr", "127.0.0.1:0", "--no-ja", "--parent-pid", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    url = json.loads(server.stdout.readline())["url"]
    print(f"{args.documents:,} documents; load average {os.getloadavg()[0]:.1f}", flush=True)
    seconds = load(url, args.documents)
    print(f"bulk load {seconds:.1f} s; server RSS {_rss_mb(server.pid):,.0f} MB", flush=True)
    print("| run | results | requests | wall s | mdm CPU s | server RSS MB | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="mdm-cluster-") as tmp:
        for name, approximate in (
            ("exact, cold", False),
            ("exact, unchanged", False),
            ("approximate, cold", True),
        ):
            root = Path(tmp) / ("approximate" if approximate else "exact")
            if not root.exists():
                project(Path(tmp), url, approximate)
            load_average = os.getloadavg()[0]
            r = evidence(root)
            print(
                f"| {name} | {r['results']:.0f} | {r['requests']:.0f} | {r['wall']:.1f} | "
                f"{r['cpu']:.1f} | {_rss_mb(server.pid):,.0f} | {load_average:.1f} |",
                flush=True,
            )
    server.stdin.close()
    server.wait(timeout=30)
    sys.exit(0)


if __name__ == "__main__":
    main()
