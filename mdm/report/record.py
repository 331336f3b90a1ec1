"""Review status shown in a document: a badge per section and a decision-record page.

Both are rendered at assembly time, after each section's digest was taken, so
showing the status never changes what was signed.
"""

from __future__ import annotations

from collections.abc import Sequence

from mdm.params.models import Role
from mdm.params.project import Project
from mdm.params.reviews import AgreementState, Reviews, section_status
from mdm.report.render import Fragment, Html, render

__all__ = ["DECISION_RECORD_ANCHOR", "badges", "decision_record"]

DECISION_RECORD_ANCHOR = "sec-decision-record"


def _built(fragments: Sequence[Fragment]) -> dict[str, dict[str, str]]:
    return {f.spec.id: {"title": f.title, "digest": f.digest} for f in fragments}


def badges(
    project: Project, reviews: Reviews, doc_id: str, fragments: Sequence[Fragment]
) -> dict[str, Html]:
    """Section id → a one-line badge: signed off, awaiting agreement, changed, objection."""
    names = project.stakeholders
    required = len(project.holders(Role.AGREEMENT))

    def who(ids: list[str]) -> str:
        return ", ".join(names[i].name for i in ids)

    # who was asked, as the decision record says it: everyone else is "not yet asked"
    asked = set(reviews.current_agreements(doc_id))
    return {
        status.section: render(
            "badge.html.j2",
            status=status,
            required=required,
            names=who,
            asked=[w for w in status.waiting_for if w in asked],
            unasked=[w for w in status.waiting_for if w not in asked],
        )
        for status in section_status(project, reviews, doc_id, _built(fragments))
    }


def decision_record(
    project: Project, reviews: Reviews, doc_id: str, fragments: Sequence[Fragment]
) -> Html:
    """The decision-record page of ``doc_id``."""
    document = project.document(doc_id)
    built = _built(fragments)
    current = reviews.current_agreements(doc_id)
    rows = []
    for person, _ in project.holders(Role.AGREEMENT):
        record = current.get(person.id)
        signed = stale = 0
        # a new request leaves the earlier sign-off standing for unchanged sections
        counted = (
            reviews.last_sign_off(doc_id, person.id)
            if record is not None and record.state is AgreementState.REQUESTED
            else record
        )
        if counted is not None:
            for section, digest in counted.sections.items():
                if section in built:
                    signed += digest == built[section]["digest"]
                    stale += digest != built[section]["digest"]
        rows.append((person.id, record, signed, stale))
    titles = {s: info["title"] for s, info in built.items()}
    open_items = reviews.open_feedback(doc_id)
    closed = sum(1 for f in reviews.feedback if f.document == doc_id and f.status != "open")
    return render(
        "decision_record.html.j2",
        anchor=DECISION_RECORD_ANCHOR,
        document=document,
        decision=reviews.decision(doc_id),
        deciders=[p.name for p, _ in project.holders(Role.DECISION_MAKER)],
        names={i: s.name for i, s in project.stakeholders.items()},
        agreements=rows,
        feedback=[(titles.get(f.section, f.section) or "Whole document", f) for f in open_items],
        closed=closed,
    )
