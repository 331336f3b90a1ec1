"""The appendix "Sources and definitions": every input file with rows and hash, every metric
definition the document's topics use, what each number the document shows counts (the prose and
the headlines link each number to its entry), and the note on the data."""

from __future__ import annotations

from dataclasses import dataclass

from mdm.data.provenance import InputFile, describe_input
from mdm.files import file_digest
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.project import Project, SectionSpec
from mdm.params.reviews import REVIEWS_DIR
from mdm.report.evidence import Research
from mdm.report.explain import SUMMARY, Explanation, shown_numbers
from mdm.report.pages.context import Context
from mdm.report.render import Html, render
from mdm.report.tracking import RULES, TOLERANCE

__all__ = ["Sources"]


@dataclass(frozen=True)
class Sources(Context):
    """The appendix: every input file with rows and hash, every metric definition used."""

    anchor: str = "sec-sources"

    def table(self) -> Html:
        research = Research(self.project, self.document)
        files = [
            InputFile(str(p.relative_to(self.project.root)), "params", None, file_digest(p))
            for p in self.project.files
        ]
        for key in ("events", "quotes", "survey_questions", "survey_responses", "discussions"):
            if research.exists(key):
                files.append(research.describe(key))
        for note in research.notes:
            path = self.project.root / note.path
            files.append(InputFile(note.path, "notes", None, file_digest(path)))
        topics = self.project.sections(self.document.id)
        files += _declared_files(self.project, topics)
        used = dict.fromkeys(
            spec.metric
            for section in topics
            if "topic" in section.parameters
            for t in [self.project.topics[section.parameters["topic"]]]
            for spec in [*t.evidence.charts, *t.evidence.values.values()]
        )
        numbers = shown_numbers(self.project, self.document) if research.exists("events") else []
        used.update((n.metric, None) for n in numbers)
        progress = self.document.follows is not None
        if progress:
            files += _progress_files(self.project)
            used |= dict.fromkeys(_effect_metrics(self.project))
        return render(
            "sources.html.j2",
            anchor=self.anchor,
            files=files,
            definitions=[DEFINITIONS[m] for m in used],
            numbers=_by_section(self.project, numbers),
            min_group=self.project.info.data.min_group,
            data_note=self.project.info.data_note,
            rules=RULES if progress else {},
            tolerance=TOLERANCE,
        )


def _by_section(
    project: Project, numbers: list[Explanation]
) -> list[tuple[str, list[Explanation]]]:
    """The numbers under the title of the section that shows them, in document order."""
    sections: dict[str, list[Explanation]] = {}
    for number in numbers:
        title = "Summary" if number.topic == SUMMARY else project.topics[number.topic].title
        sections.setdefault(title, []).append(number)
    return list(sections.items())


def _declared_files(project: Project, specs: list[SectionSpec]) -> list[InputFile]:
    """The data files this document's topics declare (tables, own notebooks), once each."""

    declared = dict.fromkeys(
        f
        for spec in specs
        if "topic" in spec.parameters
        for t in [project.topics[spec.parameters["topic"]]]
        for f in [*(s.file for s in t.evidence.tables), *t.evidence.files]
    )
    return [describe_input(project.root / f, f) for f in declared]


def _progress_files(project: Project) -> list[InputFile]:
    """What a progress report reads besides: the decision records, spending, milestone log."""
    found = []
    decisions = project.root / REVIEWS_DIR / "decisions.yaml"
    if decisions.is_file():
        found.append(
            InputFile(f"{REVIEWS_DIR}/decisions.yaml", "reviews", None, file_digest(decisions))
        )
    for path in project.progress_files():
        found.append(describe_input(path, str(path.relative_to(project.root))))
    return found


def _effect_metrics(project: Project) -> list[str]:
    """The metrics the asks' expected effects are measured with."""
    return [
        t.evidence.values[a.effect.value].metric
        for t in project.active_topics()
        for a in t.asks
        if a.effect is not None
    ]
