"""Where each document stands with its reviewers, from the last build and the review records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mdm.build.pipeline import MANIFEST, check
from mdm.params.models import Role
from mdm.params.project import Project
from mdm.review.records import Reviews, section_status

__all__ = ["project_status", "status_table"]


def _manifest(project: Project) -> dict[str, Any]:
    import json

    try:
        data = json.loads((project.output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def project_status(project_dir: Any) -> dict[str, Any]:
    """A JSON-ready summary: per document, its decision, who must still agree, each section."""
    project, reviews = check(project_dir)
    built = _manifest(project)
    return {
        "project": project.info.name,
        "documents": {
            doc: _document(project, reviews, doc, built.get(doc, {})) for doc in project.documents
        },
    }


def _document(
    project: Project, reviews: Reviews, doc: str, entry: dict[str, Any]
) -> dict[str, Any]:
    decision = reviews.decision(doc)
    sections = section_status(project, reviews, doc, entry.get("sections", {}))
    current = reviews.current_agreements(doc)
    return {
        "version": project.document(doc).version,
        "built": bool(entry.get("sections")),
        "decision": None
        if decision is None
        else {
            "state": decision.state.value,
            "by": decision.by,
            "date": decision.date.isoformat(),
            "version": decision.version,
        },
        "agreements": {
            person.id: current[person.id].state.value if person.id in current else "not asked"
            for person, _ in project.holders(Role.AGREEMENT)
        },
        "waiting_for": sorted({w for s in sections for w in s.waiting_for + s.needs_rereview}),
        "open_feedback": len(reviews.open_feedback(doc)),
        "sections": [{**asdict(s), "state": s.state} for s in sections],
    }


def status_table(status: dict[str, Any]) -> str:
    """The status as aligned plain text, readable in a terminal and in CI logs."""
    lines = [status["project"]]
    for doc, info in status["documents"].items():
        decision = info["decision"]
        said = (
            f"{decision['state'].replace('_', ' ')} ({decision['date']}, v{decision['version']})"
            if decision
            else "pending"
        )
        lines += [
            "",
            f"{doc} (version {info['version']}): decision {said}; {info['open_feedback']} open comments",
        ]
        if not info["built"]:
            lines.append(
                "  not built yet: run `mdm build` to see the sign-off state of its sections"
            )
            continue
        width = max(len(s["title"]) for s in info["sections"])
        lines.append(f"  {'section':<{width}}  {'state':<18}  agreed  open  still to agree")
        for s in info["sections"]:
            agreed = f"{len(s['signed'])}/{len(s['signed']) + len(s['needs_rereview']) + len(s['waiting_for']) + len(s['objections'])}"
            rest = ", ".join(s["waiting_for"] + s["needs_rereview"] + s["objections"]) or "-"
            lines.append(
                f"  {s['title']:<{width}}  {s['state']:<18}  {agreed:>6}  "
                f"{s['open_feedback']:>4}  {rest}"
            )
    return "\n".join(lines)
