"""Where each document stands with its reviewers: the facts, from the last build and the records.

A document's decision, who must still agree, the open feedback, each section's sign-off
state and which sections changed since the last build (their state is that of what was
built, not of what a build would make now), as one JSON-ready dictionary: ``mdm status --json`` prints it, ``mdm status`` tells it
to people (:mod:`mdm.review.status`) and a release freezes it beside the documents.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from mdm.build.check import check
from mdm.build.manifest import built_sections, read_manifest, stale_sections
from mdm.params.models import Role
from mdm.params.project import Project
from mdm.params.reviews import Reviews, section_status

__all__ = ["project_status"]


def project_status(project_dir: Path) -> dict[str, Any]:
    """A JSON-ready summary: per document, its decision, who must still agree, each section."""
    project, reviews = check(project_dir)
    manifest = read_manifest(project.output)
    return {
        "project": project.info.name,
        "names": {i: s.name for i, s in project.stakeholders.items()},
        "documents": {doc: _document(project, reviews, doc, manifest) for doc in project.documents},
    }


def _document(
    project: Project, reviews: Reviews, doc: str, manifest: dict[str, Any]
) -> dict[str, Any]:
    decision = reviews.decision(doc)
    built = {
        s.id: {"title": s.title, "digest": s.digest} for s in built_sections(manifest, doc).values()
    }
    sections = section_status(project, reviews, doc, built)
    current = reviews.current_agreements(doc)
    holders = [person.id for person, _ in project.holders(Role.AGREEMENT)]
    return {
        "version": project.document(doc).version,
        "built": bool(built),
        # sections a build would run again (or drop): the documents are older than the params
        "stale": stale_sections(project, doc, manifest) if built else [],
        "decision": None
        if decision is None
        else {
            "state": decision.state.value,
            "by": decision.by,
            "date": decision.date.isoformat(),
            "version": decision.version,
        },
        "agreements": {
            who: current[who].state.value if who in current else "not asked" for who in holders
        },
        "agreed": [w for w in holders if sections and all(w in s.signed for s in sections)],
        "waiting_for": [
            w for w in holders if any(w in s.waiting_for + s.needs_rereview for s in sections)
        ],
        "objections": [
            {"by": r.by, "sections": list(r.sections), "note": r.note, "date": r.date.isoformat()}
            for r in current.values()
            if r.state.blocks_approval
        ],
        "open_feedback": len(reviews.open_feedback(doc)),
        "sections": [{**asdict(s), "state": s.state} for s in sections],
    }
