"""Domain types of a strategy project. No I/O here: :mod:`mdm.params.project` loads them.

A project has topic areas, stakeholders holding decision roles, documents made
of sections, and a timeline of milestones. The shapes mirror the params files
(``params/project.yaml``, ``params/stakeholders.yaml``, ``params/documents.yaml``,
``params/topics/<id>.yaml``); docs/params.md describes each key.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from mdm.params.loader import at

__all__ = [
    "Ask",
    "DataPaths",
    "Decision",
    "Document",
    "DocumentsFile",
    "Effect",
    "Evidence",
    "Feedback",
    "Investment",
    "InvestmentOption",
    "Link",
    "MetricSpec",
    "Milestone",
    "ProjectInfo",
    "Role",
    "RoleAssignment",
    "Stakeholder",
    "StakeholdersFile",
    "Topic",
    "TopicStatus",
    "ValueSpec",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _quarter(value: str) -> str:
    if not _QUARTER.match(value):
        raise ValueError(f"expected YYYY-QN such as 2017-Q3, got {value!r}")
    return value


Quarter = Annotated[str, AfterValidator(_quarter)]


def _inside(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ValueError(f"expected a path inside the project folder, got {value!r}")
    return value


ProjectPath = Annotated[str, StringConstraints(min_length=1), AfterValidator(_inside)]
REFERENCE = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Model):
    """A titled link to background material."""

    title: Text
    url: Url


class Milestone(_Model):
    """One step of the project timeline."""

    quarter: Quarter
    title: Text
    phase: Text
    owners: list[Id] = []
    status: Literal["planned", "in_progress", "done", "at_risk"] = "planned"
    topics: list[Id] = []

    @property
    def quarter_index(self) -> int:
        """Quarters since year 0, for ordering and plotting."""
        match = _QUARTER.match(self.quarter)
        assert match  # validated on construction
        return int(match[1]) * 4 + int(match[2]) - 1


class DataPaths(_Model):
    """Where the research inputs are, relative to the project folder (docs/data.md)."""

    events: ProjectPath = "data/activity.parquet"
    quotes: ProjectPath = "data/quotes.csv"
    pseudonyms: ProjectPath = "data/private/register.csv"
    survey_questions: ProjectPath = "data/survey/questions.yaml"
    survey_responses: ProjectPath = "data/survey/responses.csv"
    discussions: ProjectPath = "data/discussions.csv"
    notes: ProjectPath = "data/notes"
    min_group: Annotated[int, Field(ge=1)] = 5
    """Groups smaller than this are never shown (CHAOSS ethics: protect identities)."""


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 code such as USD or EUR."""
AskRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")]
"""``<topic id>/<ask id>``: one ask of one topic."""


class InvestmentOption(_Model):
    """A set of asks leadership may fund together (e.g. essential, recommended, full)."""

    id: Id
    title: Text
    description: str = ""
    asks: Annotated[list[AskRef], Field(min_length=1)]


class Investment(_Model):
    """``investment`` in ``params/project.yaml``: the currency, conversions and the options."""

    currency: Currency
    rates: dict[Currency, Annotated[Decimal, Field(gt=0)]] = {}
    """Units of ``currency`` per unit of another currency an ask is given in."""
    note: str = ""
    """Shown with every total, e.g. that the amounts are illustrative."""
    options: list[InvestmentOption] = []
    recommended: Id | None = None

    @model_validator(mode="after")
    def _options(self) -> Investment:
        ids = [o.id for o in self.options]
        for index, option in enumerate(self.options):
            if option.id in ids[:index]:
                raise ValueError(
                    at("options", index, "id")
                    + f"expected a unique id, got {option.id!r} a second time"
                )
        if self.recommended is not None and self.recommended not in ids:
            raise ValueError(
                at("recommended")
                + f"expected one of the options ({', '.join(ids) or 'none declared'}), "
                f"got {self.recommended!r}"
            )
        return self


class ProjectInfo(_Model):
    """``params/project.yaml``: what the project is."""

    name: Text
    organisation: Text
    team: Text
    summary: Text
    background: Text
    approach: Text
    links: list[Link] = []
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"
    timeline: list[Milestone] = []
    data: DataPaths = DataPaths()
    investment: Investment | None = None


class Role(StrEnum):
    """Decision roles (DACI/RAPID in docs/params.md)."""

    DRIVER = "driver"
    DECISION_MAKER = "decision_maker"
    AGREEMENT = "agreement"
    INPUT = "input"
    INFORMED = "informed"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.DRIVER: "Driver",
    Role.DECISION_MAKER: "Decision-maker",
    Role.AGREEMENT: "Agreement sought from",
    Role.INPUT: "Input & consultation",
    Role.INFORMED: "Informed",
}


class Stakeholder(_Model):
    """A person, a group, or a position not yet held by a named person."""

    id: Id
    name: Text
    kind: Literal["person", "group", "position"] = "person"
    description: str = ""


class RoleAssignment(_Model):
    """Who holds which decision role; ``note`` qualifies it ("in support")."""

    role: Role
    who: Id
    note: str = ""


class StakeholdersFile(_Model):
    """``params/stakeholders.yaml``."""

    stakeholders: list[Stakeholder]
    roles: list[RoleAssignment]

    @model_validator(mode="after")
    def _consistent(self) -> StakeholdersFile:
        ids: list[str] = []
        for index, person in enumerate(self.stakeholders):
            if person.id in ids:
                raise ValueError(
                    at("stakeholders", index, "id")
                    + f"expected a unique id, got {person.id!r} a second time"
                )
            ids.append(person.id)
        for index, assignment in enumerate(self.roles):
            if assignment.who not in ids:
                raise ValueError(
                    at("roles", index, "who") + f"{assignment.who!r} is not a "
                    f"stakeholder (known: {', '.join(ids)})"
                )
        deciders = [i for i, a in enumerate(self.roles) if a.role is Role.DECISION_MAKER]
        if len(deciders) != 1:
            where_ = at("roles", deciders[1]) if deciders else at("roles")
            raise ValueError(where_ + f"expected exactly one decision_maker, found {len(deciders)}")
        if not any(a.role is Role.DRIVER for a in self.roles):
            raise ValueError(at("roles") + "expected at least one driver, found none")
        return self


class TopicStatus(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    MERGED = "merged"
    RETIRED = "retired"


MetricName = Literal[
    "contributors",
    "new_contributors",
    "inactive_contributors",
    "activity_status",
    "cohort_retention",
    "absence_factor",
    "onion",
    "time_to_first_response",
    "conversion_rate",
    "contributor_location",
    "multi_area_share",
    "activity_heatmap",
]
Selection = str | list[str] | None


class MetricSpec(_Model):
    """One metric, computed from the activity events: for a chart or a named value."""

    metric: MetricName
    freq: Literal["M", "Q", "Y"] = "Q"
    by: Literal["community", "area", "activity_type", "country", "affiliation", "region"] | None = (
        None
    )
    community: Selection = None
    area: Selection = None
    activity_type: Selection = None
    entry: str = "event_attended"
    local: bool = True
    title: str = ""

    def filters(self) -> dict[str, str | list[str]]:
        return {
            k: v
            for k, v in (
                ("community", self.community),
                ("area", self.area),
                ("activity_type", self.activity_type),
            )
            if v is not None
        }


VALUE_METRICS = {
    "contributors": ("contributors",),
    "new_contributors": ("new_contributors",),
    "inactive_contributors": ("inactive",),
    "activity_status": ("active", "drifting", "away"),
    "onion": ("core", "regular", "casual"),
    "time_to_first_response": ("median_hours", "p90_hours", "answered", "threads"),
    "conversion_rate": ("rate", "entered", "converted"),
    "multi_area_share": ("share", "contributors", "multi_area"),
}
"""Metrics that give one series over time, and the columns a value may take (first: default)."""


class ValueSpec(MetricSpec):
    """A number for the narrative: one statistic of a metric over complete periods."""

    value: Literal["latest", "previous", "change", "change_pct"] = "latest"
    column: str | None = None

    @model_validator(mode="after")
    def _single_series(self) -> ValueSpec:
        if self.metric not in VALUE_METRICS or self.by:
            raise ValueError(
                at("metric") + f"{self.metric}{' grouped by ' + self.by if self.by else ''} gives "
                f"no single series; expected one of {', '.join(VALUE_METRICS)} without by"
            )
        if self.column is not None and self.column not in VALUE_METRICS[self.metric]:
            raise ValueError(
                at("column") + f"expected one of "
                f"{', '.join(VALUE_METRICS[self.metric])}, got {self.column!r}"
            )
        return self


class Evidence(_Model):
    """What a topic section shows besides its narrative."""

    values: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")], ValueSpec] = {}
    charts: list[MetricSpec] = []
    quotes: bool | None = None
    """Show interview quotes on this topic; unset: when the quotes file exists."""
    max_quotes: Annotated[int, Field(ge=0, le=20)] = 4
    survey: list[str] = []
    discussions: bool = False
    notes: bool | None = None
    """List desk-research notes on this topic; unset: when the notes folder exists."""

    @property
    def uses_events(self) -> bool:
        return bool(self.values or self.charts)


class Effect(_Model):
    """What an ask should change: one of the topic's named values, from its baseline to a target."""

    value: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
    target: Decimal
    by: Quarter | None = None


class Ask(_Model):
    """One investment ask of a topic: what, how much, when, who owns it, what it changes."""

    id: Id
    title: Text
    amount: Annotated[Decimal, Field(ge=0)]
    currency: Currency
    start: Quarter
    end: Quarter
    kind: Literal["people", "programs", "events", "tools", "grants"]
    owner: Id
    priority: Literal["high", "medium", "low"] = "medium"
    effect: Effect | None = None
    if_not_funded: Text
    description: str = ""

    @model_validator(mode="after")
    def _period(self) -> Ask:
        if quarter_index(self.end) < quarter_index(self.start):
            raise ValueError(at("end") + f"expected a quarter from {self.start} on, got {self.end}")
        return self

    @property
    def quarters(self) -> list[str]:
        """Every quarter the ask spans; its amount is spread evenly over them."""
        first, last = quarter_index(self.start), quarter_index(self.end)
        return [f"{q // 4}-Q{q % 4 + 1}" for q in range(first, last + 1)]


def quarter_index(quarter: str) -> int:
    """Quarters since year 0 of a validated ``YYYY-QN``, for ordering."""
    match = _QUARTER.match(quarter)
    if match is None:
        raise ValueError(f"expected YYYY-QN such as 2017-Q3, got {quarter!r}")
    return int(match[1]) * 4 + int(match[2]) - 1


class Topic(_Model):
    """``params/topics/<id>.yaml``: one topic area; ``id`` is the file name."""

    id: Id
    number: Annotated[int, Field(ge=1)]
    title: Text
    question: Text
    status: TopicStatus = TopicStatus.ACTIVE
    merged_into: Id | None = None
    summary: str = ""
    evidence: Evidence = Evidence()
    findings: str = ""
    recommendations: str = ""
    investment: str = ""
    structures: str = ""
    processes: str = ""
    asks: list[Ask] = []

    @model_validator(mode="after")
    def _asks(self) -> Topic:
        ids: list[str] = []
        for index, ask in enumerate(self.asks):
            if ask.id in ids:
                raise ValueError(
                    at("asks", index, "id") + f"expected a unique id, got {ask.id!r} a second time"
                )
            ids.append(ask.id)
            if ask.effect is not None and ask.effect.value not in self.evidence.values:
                known = (
                    ", ".join(self.evidence.values) or "none: declare them under evidence.values"
                )
                raise ValueError(
                    at("asks", index, "effect", "value")
                    + f"unknown value {ask.effect.value!r} (defined: {known})"
                )
        return self

    @model_validator(mode="after")
    def _references(self) -> Topic:
        for key in (
            "summary",
            "findings",
            "recommendations",
            "investment",
            "structures",
            "processes",
        ):
            for name in REFERENCE.findall(getattr(self, key)):
                if name not in self.evidence.values:
                    known = (
                        ", ".join(self.evidence.values)
                        or "none: declare them under evidence.values"
                    )
                    raise ValueError(
                        at(key) + f"unknown value {name!r} in {{{{ }}}} (defined: {known})"
                    )
        return self

    @model_validator(mode="after")
    def _merge_target(self) -> Topic:
        if (self.status is TopicStatus.MERGED) != (self.merged_into is not None):
            raise ValueError(
                at("status")
                + "expected merged_into (the target topic) exactly when status is merged, "
                f"got status {self.status.value!r} and merged_into {self.merged_into!r}"
            )
        return self


class Decision(_Model):
    """The decision a document asks for: what, and by when (who decides comes from the roles)."""

    request: Text
    by: dt.date


class Feedback(_Model):
    """How and by when readers give feedback on a document."""

    channel: Text
    url: Url | None = None
    deadline: dt.date
    contact: Text


class Document(_Model):
    """One deliverable: front-matter notebooks, then one section per topic."""

    id: Id
    title: Text
    subtitle: str = ""
    audience: Literal["leadership", "internal", "community"] = "leadership"
    description: str = ""
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "draft"
    front: list[Id] = ["overview"]
    topic_notebook: Id = "topic"
    topics: Literal["all"] | list[Id] = "all"
    back: list[Id] = []
    decision_record: bool = False
    decision: Decision | None = None
    feedback: Feedback | None = None
    headlines: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")], ValueSpec
    ] = {}
    """Impact numbers for the summary; ``title`` is the phrase after the number."""


class DocumentsFile(_Model):
    """``params/documents.yaml``."""

    documents: list[Document]

    @model_validator(mode="after")
    def _unique(self) -> DocumentsFile:
        ids: list[str] = []
        for index, doc in enumerate(self.documents):
            if doc.id in ids:
                raise ValueError(
                    at("documents", index, "id")
                    + f"expected a unique id, got {doc.id!r} a second time"
                )
            ids.append(doc.id)
        return self
