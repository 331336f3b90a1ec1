"""A review packet: one self-contained HTML page asking one person for their answer.

For someone in the agreement role the packet holds the sections waiting for them,
those changed since they signed first, each with what changed (the sentences of
:mod:`mdm.review.diff`); for anyone else, every section, for comment. Each section
has a reply link: a ``mailto:`` URL whose subject and body carry the document,
version, section id and digest, and the ``mdm review`` command that records the
answer, so the driver records it with one command and a changed section cannot be
signed by mistake (``--sections S=DIGEST`` is refused when the digest moved on).

What a sign-off covered is kept as sentences in ``output/.mdm-signed/<document>.json``
(written when a sign-off is recorded); releases under ``output/releases/`` are looked
in too. The page makes no request: styles are inline, charts are ``data:`` images.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mdm.build.assemble import notebook_fragment
from mdm.build.manifest import BuiltSection, built_sections, read_manifest, require_current
from mdm.build.privacy import check_exports
from mdm.build.run import SectionResult
from mdm.errors import BuildError, ConfigError
from mdm.files import write_atomic
from mdm.params.models import Role
from mdm.params.project import Project, load_project
from mdm.params.reviews import Agreement, Reviews, SectionStatus, load_reviews, section_status
from mdm.report.render import Fragment, render
from mdm.review.diff import SectionDiff, parse_sections, read_sections, section_changes, words

__all__ = ["PACKETS", "SIGNED", "remember_signed", "write_packet"]

PACKETS = "packets"
SIGNED = ".mdm-signed"

Sentences = tuple[str, list[str]]


def _archive(project: Project, document: str) -> Path:
    return project.output / SIGNED / f"{document}.json"


def remember_signed(project: Project, document: str, digests: Iterable[str]) -> None:
    """Keep the sentences of the sections signed (by digest), for later packets' diffs."""
    html = project.output / f"{document}.html"
    if not html.is_file():  # built as PDF only: later packets show no word-level changes
        return
    built = {s.digest: s.id for s in _built(project, document).values()}
    sections = read_sections(html)
    path = _archive(project, document)
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    for digest in digests:
        if digest in built and built[digest] in sections:
            title, sentences = sections[built[digest]]
            kept[digest] = {"title": title, "sentences": sentences}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(kept, indent=1).encode("utf-8"))


def _built(project: Project, document: str) -> dict[str, BuiltSection]:
    return built_sections(read_manifest(project.output), document)


def _signed_before(project: Project, document: str, section: str, digest: str) -> Sentences | None:
    """The sentences a section had when it had ``digest``: from the sign-off archive or a release."""
    try:
        kept = json.loads(_archive(project, document).read_text(encoding="utf-8"))
        if digest in kept:
            return kept[digest]["title"], list(kept[digest]["sentences"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for release in sorted((project.output / "releases").glob("*/manifest.json"), reverse=True):
        try:
            info = json.loads(release.read_text(encoding="utf-8"))["documents"][document]
            if info["sections"][section]["digest"] == digest:
                return read_sections(release.parent / f"{document}.html")[section]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


@dataclass(frozen=True)
class PacketSection:
    """One section of a packet: where it stands for the person, what changed, the reply link."""

    status: SectionStatus
    fragment: Fragment
    state: str
    changes: SectionDiff | None
    signed_on: str
    reply: str
    #: open comments on the section, (who, text): shown as text, never as markup
    comments: list[tuple[str, str]]


def _fragments(
    project: Project, document: str, built: Mapping[str, BuiltSection]
) -> dict[str, Fragment]:
    """The built sections' HTML, from the executed notebooks; refused if it drifted from the manifest."""
    fragments = {}
    for spec in project.sections(document):
        executed = project.output / "notebooks" / document / f"{spec.id}.ipynb"
        if not executed.is_file():
            raise BuildError("missing; run `mdm build` first", path=executed)
        fragment = notebook_fragment(SectionResult(spec, executed, 0.0, cached=True))
        if fragment.digest != built[spec.id].digest:
            raise BuildError(
                f"{spec.id} shows {fragment.digest}, the last build recorded "
                f"{built[spec.id].digest}; run `mdm build` again",
                path=executed,
            )
        fragments[spec.id] = fragment
    return fragments


def _mailto(address: str, subject: str, body: str) -> str:
    # RFC 6068: line breaks in a mailto body are CRLF
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def _reply(
    project: Project, person: str, document: str, section: BuiltSection, agreeing: bool, to: str
) -> str:
    version = project.document(document).version
    base = ["mdm", "review"]
    who = ["--by", person, "--document", document]
    if agreeing:
        answer = "I agree / I agree on these conditions / I object (keep one), because:"
        commands = [
            [*base, "agree", *who, "--sections", f"{section.id}={section.digest}"],
            [*base, "object", *who, "--section", section.id, "WHY"],
        ]
    else:
        answer = "My comment:"
        commands = [[*base, "feedback", *who, "--section", section.id, "COMMENT"]]
    body = "\n".join(
        [
            f"Document: {document}, version {version}",
            f"Section: {section.id} ({section.title}), digest {section.digest}",
            "",
            answer,
            "",
            "",
            "-- ",
            "To record this answer:",
            *(shlex.join(c) for c in commands),
        ]
    )
    subject = f"{document} {version}: {section.title} [{section.id} {section.digest}]"
    return _mailto(to, subject, body)


def _state(status: SectionStatus, person: str, agreeing: bool) -> str:
    if not agreeing:
        return "for your comments"
    if person in status.needs_rereview:
        return "changed since you agreed"
    if person in status.objections:
        return "your objection is open"
    if person in status.waiting_for:
        return "waiting for your agreement"
    return "agreed"


def _sections(
    project: Project, reviews: Reviews, person: str, document: str, to: str
) -> list[PacketSection]:
    built = require_current(project, document)
    agreeing = any(p.id == person for p, _ in project.holders(Role.AGREEMENT))
    info = {s.id: {"title": s.title, "digest": s.digest} for s in built.values()}
    statuses = section_status(project, reviews, document, info)
    if agreeing:
        statuses = [s for s in statuses if person not in s.signed]
        statuses.sort(key=lambda s: person not in s.needs_rereview)  # changed ones first
    fragments = _fragments(project, document, built)
    signed: Agreement | None = reviews.last_sign_off(document, person)
    out = []
    for status in statuses:
        changes, when = None, ""
        if signed is not None and person in status.needs_rereview:
            when = signed.date.isoformat()
            before = _signed_before(
                project, document, status.section, signed.sections[status.section]
            )
            if before is not None:
                now = _sentences(fragments[status.section])
                changes = section_changes(status.section, status.title, before[1], now)
        out.append(
            PacketSection(
                status,
                fragments[status.section],
                _state(status, person, agreeing),
                changes,
                when,
                _reply(project, person, document, built[status.section], agreeing, to),
                [
                    (project.stakeholders[f.by].name, f.text)
                    for f in reviews.open_feedback(document, status.section)
                ],
            )
        )
    return out


def _sentences(fragment: Fragment) -> list[str]:
    """A fragment's sentences, split as :mod:`mdm.review.diff` splits a whole document."""
    html = f'<section data-section="{fragment.spec.id}">{fragment.html}</section>'
    return parse_sections(html)[fragment.spec.id][1]


def write_packet(project_dir: Path, person: str, document: str, reply_to: str = "") -> Path:
    """Write ``output/packets/<document>-<person>.html``; return its path."""

    project = load_project(project_dir)
    reviews = load_reviews(project)
    if person not in project.stakeholders:
        raise ConfigError(
            f"{person!r} is not a stakeholder (known: {', '.join(project.stakeholders)})",
            field="--for",
        )
    doc = project.document(document)
    sections = _sections(project, reviews, person, document, reply_to)
    agreeing = any(p.id == person for p, _ in project.holders(Role.AGREEMENT))
    everything = ""
    if agreeing and sections:
        built = require_current(project, document)
        all_of = " ".join(f"{s.status.section}={built[s.status.section].digest}" for s in sections)
        everything = _mailto(
            reply_to,
            f"{document} {doc.version}: I agree to the {len(sections)} sections sent",
            f"I agree to every section sent, as sent.\n\n-- \nTo record this answer:\n"
            f"mdm review agree --by {person} --document {document} --sections {all_of}",
        )
    html = render(
        "packet.html.j2",
        project=project,
        document=doc,
        person=project.stakeholders[person],
        agreeing=agreeing,
        sections=sections,
        everything=everything,
        words=words,
    )
    target = project.output / PACKETS / f"{document}-{person}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.partial")
    staged.write_text(html, encoding="utf-8")
    check_exports(project, doc.audience, [staged])
    staged.replace(target)
    return target
