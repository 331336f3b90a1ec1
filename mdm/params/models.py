"""Domain types of a strategy project. No I/O here: :mod:`mdm.params.project` loads them.

A project has topic areas, stakeholders holding decision roles, documents made
of sections, and a timeline of milestones. The shapes mirror the params files
(``params/project.yaml``, ``params/stakeholders.yaml``, ``params/documents.yaml``,
``params/topics/<id>.yaml``); docs/params.md describes each key.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from mdm.metrics.definitions import DEFINITIONS, GROUPINGS, SPEC_KEYS, Column
from mdm.params.loader import FieldError

__all__ = [
    "PROGRESS_PAGES",
    "STATES",
    "Ask",
    "Audience",
    "DataPaths",
    "Decision",
    "Document",
    "DocumentsFile",
    "Effect",
    "Evidence",
    "Feedback",
    "Headline",
    "Id",
    "Investment",
    "InvestmentOption",
    "Link",
    "MetricKeys",
    "MetricSpec",
    "Milestone",
    "Model",
    "NumberFormat",
    "OpenSearch",
    "ProjectInfo",
    "Role",
    "RoleAssignment",
    "Source",
    "Stakeholder",
    "StakeholdersFile",
    "TableSpec",
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
VALUE_PARTS = ("", "number", "period")
"""``{{ name }}`` with unit, ``{{ name.number }}`` without, ``{{ name.period }}`` its period."""


class Model(BaseModel):
    """Base of every params and research-data model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: who a document is for; decides which quotes it may show
Audience = Literal["leadership", "internal", "community"]


class Link(Model):
    """A titled link to background material."""

    title: Text
    url: Url


class Milestone(Model):
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
        year, quarter = self.quarter.split("-Q")  # the form was validated on construction
        return int(year) * 4 + int(quarter) - 1


class DataPaths(Model):
    """Where the research inputs are, relative to the project folder (docs/data.md)."""

    events: ProjectPath = "data/activity.parquet"
    quotes: ProjectPath = "data/quotes.csv"
    pseudonyms: ProjectPath = "data/private/register.csv"
    survey_questions: ProjectPath = "data/survey/questions.yaml"
    survey_responses: ProjectPath = "data/survey/responses.csv"
    discussions: ProjectPath = "data/discussions.csv"
    notes: ProjectPath = "data/notes"
    spending: ProjectPath = "data/spending.csv"
    """Money spent against the asks, read by progress reports (docs/data.md)."""
    milestones: ProjectPath = "data/milestones.csv"
    """Dated status changes of the timeline's milestones, read by progress reports."""
    min_group: Annotated[int, Field(ge=1)] = 5
    """Groups smaller than this are never shown (CHAOSS ethics: protect identities)."""
    privacy_allowlist: list[Text] = []
    """Parts of protected names that are also ordinary words in this project's documents
    (e.g. a surname "Rose"): the privacy guard does not flag them on their own."""


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 code such as USD or EUR."""
AskRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")]
"""``<topic id>/<ask id>``: one ask of one topic."""


class InvestmentOption(Model):
    """A set of asks leadership may fund together (e.g. essential, recommended, full)."""

    id: Id
    title: Text
    description: str = ""
    asks: Annotated[list[AskRef], Field(min_length=1)]


class Investment(Model):
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
                raise FieldError(
                    (
                        "options",
                        index,
                        "id",
                    ),
                    f"expected a unique id, got {option.id!r} a second time",
                )
        if self.recommended is not None and self.recommended not in ids:
            raise FieldError(
                ("recommended",),
                f"expected one of the options ({', '.join(ids) or 'none declared'}), "
                f"got {self.recommended!r}",
            )
        return self


class Source(Model):
    """Where imported activity belongs: Perceval origins matching ``origin`` (a glob)."""

    origin: Text
    community: Text
    area: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    collect: list[Text] = []
    """``mdm collect`` runs ``perceval`` with these arguments, e.g. ``[kitsune, URL]``."""


class OpenSearch(Model):
    """``opensearch`` in ``params/project.yaml``: read the evidence from GrimoireLab's indexes.

    Credentials come from the environment only (``MDM_OPENSEARCH_USER`` and
    ``MDM_OPENSEARCH_PASSWORD``, or ``MDM_OPENSEARCH_API_KEY``), never from the params.
    """

    url: Url
    indices: Annotated[
        list[Literal["git", "github_issues", "discourse", "mbox"]], Field(min_length=1)
    ]
    ca_certs: Text | None = None
    """A CA bundle to verify the cluster's certificate with (a path; inside the project or not)."""
    approximate: bool = False
    """Count contributors with HyperLogLog (``cardinality``) instead of exactly; documents say so."""
    timeout: Annotated[float, Field(gt=0)] = 60.0
    """Seconds to wait for one answer before trying again."""
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    """How many times a failed request is tried again, waiting longer each time."""

    @model_validator(mode="after")
    def _unique(self) -> OpenSearch:
        for index, alias in enumerate(self.indices):
            if alias in self.indices[:index]:
                raise FieldError(
                    ("indices", index), f"expected each index once, got {alias!r} again"
                )
        return self


class ProjectInfo(Model):
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
    as_of: date | None = None
    """The last day values refer to (docs/metrics.md); unset: the day of the last event."""
    data_note: str = ""
    """Said about the research data in the sources appendix (e.g. "synthetic and illustrative")."""
    sources: list[Source] = []
    """Perceval origin → community and area, first match wins (``mdm import perceval``)."""
    bots: list[Text] = []
    """Accounts (emails, usernames, names or globs) whose activity is marked ``is_bot`` on import."""
    services: list[Text] = []
    """Platform accounts (a merge tool, a sync) beside mdm's built-in list: never people."""
    not_bots: list[Text] = []
    """People whom a bot or service rule would mark by mistake: always counted as people."""
    count_committers: bool = False
    """Also count who applied someone else's commit (``commit_applied``); by default a commit
    is one contribution, of its author."""
    unify_names: bool = False
    """Take identities with the same full name (two words or more) for one person."""
    investment: Investment | None = None
    opensearch: OpenSearch | None = None
    """Compute the metrics in GrimoireLab's OpenSearch instead of from ``data.events``."""


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


class Stakeholder(Model):
    """A person, a group, or a position not yet held by a named person."""

    id: Id
    name: Text
    kind: Literal["person", "group", "position"] = "person"
    description: str = ""


class RoleAssignment(Model):
    """Who holds which decision role; ``note`` qualifies it ("in support")."""

    role: Role
    who: Id
    note: str = ""


class StakeholdersFile(Model):
    """``params/stakeholders.yaml``."""

    stakeholders: list[Stakeholder]
    roles: list[RoleAssignment]

    @model_validator(mode="after")
    def _consistent(self) -> StakeholdersFile:
        ids: list[str] = []
        for index, person in enumerate(self.stakeholders):
            if person.id in ids:
                raise FieldError(
                    (
                        "stakeholders",
                        index,
                        "id",
                    ),
                    f"expected a unique id, got {person.id!r} a second time",
                )
            ids.append(person.id)
        for index, assignment in enumerate(self.roles):
            if assignment.who not in ids:
                raise FieldError(
                    (
                        "roles",
                        index,
                        "who",
                    ),
                    f"{assignment.who!r} is not a stakeholder (known: {', '.join(ids)})",
                )
        deciders = [i for i, a in enumerate(self.roles) if a.role is Role.DECISION_MAKER]
        if len(deciders) != 1:
            loc: tuple[str | int, ...] = ("roles", deciders[1]) if deciders else ("roles",)
            raise FieldError(loc, f"expected exactly one decision_maker, found {len(deciders)}")
        if not any(a.role is Role.DRIVER for a in self.roles):
            raise FieldError(("roles",), "expected at least one driver, found none")
        return self


class TopicStatus(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    MERGED = "merged"
    RETIRED = "retired"


def _metric_name(value: str) -> str:
    if value not in DEFINITIONS:
        raise ValueError(f"expected one of {', '.join(DEFINITIONS)}, got {value!r}")
    return value


def _grouping(value: str) -> str:
    if value not in GROUPINGS:
        raise ValueError(f"expected one of {', '.join(GROUPINGS)}, got {value!r}")
    return value


MetricName = Annotated[str, AfterValidator(_metric_name)]
"""A metric of the registry (:data:`mdm.metrics.definitions.DEFINITIONS`)."""
Selection = str | list[str] | None


def _accepting(key: str) -> str:
    return ", ".join(d.name for d in DEFINITIONS.values() if key in d.keys) or "none"


class MetricKeys(Model):
    """What selects and shapes a metric's result; which keys apply depends on the metric."""

    metric: MetricName
    freq: Literal["M", "Q", "Y"] = "Q"
    by: Annotated[str, AfterValidator(_grouping)] | None = None
    community: Selection = None
    area: Selection = None
    activity_type: Selection = None
    entry: str = "event_attended"
    local: bool = True

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

    @model_validator(mode="after")
    def _keys_apply(self) -> MetricKeys:
        # a key that changes nothing would let a chart or value claim what it does not show
        definition = DEFINITIONS[self.metric]
        for key in (k for k in SPEC_KEYS if k in self.model_fields_set):
            if key not in definition.keys:
                raise FieldError(
                    (key,),
                    f"has no effect on {self.metric}; metrics that accept {key}: {_accepting(key)}",
                )
        if self.by is not None and self.by not in definition.by:
            raise FieldError(
                ("by",),
                f"{self.metric} can be grouped by {', '.join(definition.by)}, got {self.by!r}",
            )
        return self


class MetricSpec(MetricKeys):
    """A chart of one metric, computed from the activity events."""

    title: str = ""


STATES = ("activity_status", "inactive_contributors")
"""Metrics that count a state at the end of each period, not what happened in it: the first
days of a period (``span: to_date``) have no count of their own."""


class ValueSpec(MetricKeys):
    """A number for the narrative: one statistic of a metric over complete periods, or over the
    running period to the reference day against the same days of the period before."""

    value: Literal["latest", "previous", "change", "change_pct"] = "latest"
    span: Literal["complete", "to_date"] = "complete"
    """``complete``: the periods that had ended by the reference day; ``to_date``: the period
    running on the reference day, from its first day to the reference day, and the same days
    of the period before (1 Jan–19 Nov 2017 against 1 Jan–19 Nov 2016)."""
    column: str | None = None
    as_of: date | None = None
    """The last day the value may refer to; unset: the project's ``as_of``."""

    @model_validator(mode="after")
    def _single_series(self) -> ValueSpec:
        if self.span == "to_date" and self.metric in STATES:
            raise FieldError(
                ("span",),
                f"{self.metric} counts a state at the end of each period, so a period's first "
                "days have no count of their own; expected complete",
            )
        columns = [c.name for c in DEFINITIONS[self.metric].columns]
        if not columns:
            values = ", ".join(d.name for d in DEFINITIONS.values() if d.columns)
            raise FieldError(
                ("metric",), f"{self.metric} gives no single series; expected one of {values}"
            )
        if self.by is not None:
            raise FieldError(
                ("by",),
                "a value is one series, not one per group; select a group with "
                "a filter instead (community, area or activity_type)",
            )
        if self.column is not None and self.column not in columns:
            raise FieldError(
                ("column",), f"expected one of {', '.join(columns)}, got {self.column!r}"
            )
        return self

    @property
    def measure(self) -> Column:
        """The result column the value takes: its name, unit and which way it improves."""
        columns = DEFINITIONS[self.metric].columns
        return next(c for c in columns if c.name == (self.column or columns[0].name))


NumberFormat = Literal["count", "decimal", "share", "hours", "change", "change_pct", "text"]
"""How a table column or a published value is written (docs/notebooks.md has examples)."""
ValueName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]


def _data_file(value: str) -> str:
    if not value.startswith("data/") or not value.lower().endswith((".csv", ".parquet")):
        raise ValueError(f"expected a .csv or .parquet file under data/, got {value!r}")
    return value


DataFile = Annotated[ProjectPath, AfterValidator(_data_file)]


class TableSpec(Model):
    """A table from any CSV or Parquet file under ``data/``: columns, order, totals, formats."""

    file: DataFile
    columns: list[Text] | dict[Text, Text] = []
    """The columns to show, in order (a mapping gives each a heading); empty: every column."""
    sort: Text | None = None
    descending: bool = False
    totals: bool | list[Text] = False
    """A totals row: for every numeric column shown, or for the columns listed."""
    formats: dict[Text, NumberFormat] = {}
    limit: Annotated[int, Field(ge=1)] | None = None
    title: str = ""

    @property
    def shown(self) -> dict[str, str]:
        """Column → heading, in display order (empty: every column of the file)."""
        if isinstance(self.columns, dict):
            return dict(self.columns)
        return {c: c for c in self.columns}


class Evidence(Model):
    """What a topic section shows besides its narrative."""

    values: dict[ValueName, ValueSpec] = {}
    charts: list[MetricSpec] = []
    tables: list[TableSpec] = []
    files: list[DataFile] = []
    """Other data files the topic's own notebook reads (through ``section.data``)."""
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


_TARGET = re.compile(
    r"^(?:(?P<sign>[+\-−])\s*(?P<change>\d+(?:\.\d+)?)\s*(?P<per>%|pp)"
    r"|[x×]\s*(?P<factor>\d+(?:\.\d+)?)"
    r"|(?P<absolute>\d+(?:\.\d+)?))$"
)
TargetKind = Literal["absolute", "percent", "points", "factor"]


def _target_text(value: object) -> object:
    # YAML gives text; a model built in Python may pass a number
    return str(value).strip() if isinstance(value, int | float | Decimal) else value


def _target(value: str) -> str:
    value = value.strip()
    match = _TARGET.match(value)
    if match is None:
        raise ValueError(
            "expected a number (2500; 0.25 for a share of 25%), a change on the baseline "
            f"(+20%, -30%; +5pp for a share) or a factor (x2), got {value!r}"
        )
    if match["factor"] is not None and Decimal(match["factor"]) == 0:
        raise ValueError(f"expected a factor above 0, got {value!r}")
    return value


class Effect(Model):
    """What an ask should change: one of the topic's named values, from its baseline to a target.

    ``target`` is absolute (``2500``) or relative to the baseline: ``+20%`` / ``-30%`` (of the
    baseline), ``+5pp`` (percentage points, for a share) or ``x2`` (a factor).
    """

    value: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
    target: Annotated[str, BeforeValidator(_target_text), AfterValidator(_target)]
    by: Quarter | None = None
    label: str = ""
    """What the value counts, in a few words ("core contributors"); unset: the metric's title."""

    @property
    def kind(self) -> TargetKind:
        """``absolute``, ``percent`` (of the baseline), ``points`` (percentage points) or ``factor``."""
        match = _TARGET.match(self.target)
        if match is None:  # unreachable: validated on construction
            raise ValueError(self.target)
        if match["absolute"] is not None:
            return "absolute"
        if match["factor"] is not None:
            return "factor"
        return "percent" if match["per"] == "%" else "points"

    @property
    def number(self) -> Decimal:
        """The target's number: the absolute value, the signed change, or the factor."""
        match = _TARGET.match(self.target)
        if match is None:  # unreachable: validated on construction
            raise ValueError(self.target)
        if match["change"] is not None:
            sign = -1 if match["sign"] in "-−" else 1
            return sign * Decimal(match["change"])
        return Decimal(match["factor"] or match["absolute"])

    def resolve(self, baseline: float) -> float:
        """The target as a value of the metric, given the baseline it is relative to."""
        number = float(self.number)
        if self.kind == "percent":
            return baseline * (1 + number / 100)
        if self.kind == "points":
            return baseline + number / 100
        if self.kind == "factor":
            return baseline * number
        return number


class Ask(Model):
    """One investment ask of a topic: what, how much, when, who owns it, what it changes."""

    id: Id
    title: Text
    amount: Annotated[Decimal, Field(ge=0)]
    currency: Currency
    start: Quarter
    end: Quarter
    kind: Literal["people", "programs", "events", "tools", "grants"]
    owner: Id
    co_owners: list[Id] = []
    """Who shares the ask's ownership with ``owner`` (volunteer groups, partners)."""
    priority: Literal["high", "medium", "low"] = "medium"
    effect: Effect | None = None
    if_not_funded: Text
    description: str = ""

    @model_validator(mode="after")
    def _period(self) -> Ask:
        if quarter_index(self.end) < quarter_index(self.start):
            raise FieldError(("end",), f"expected a quarter from {self.start} on, got {self.end}")
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


class Topic(Model):
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
    notebooks: dict[Id, Id] = {}
    """Document id → the notebook (``notebooks/<name>``) that renders this topic there."""
    asks: list[Ask] = []

    @property
    def proposes(self) -> bool:
        """Whether the topic has a proposal: a structure, a process or an investment ask."""
        return bool(self.structures.strip() or self.processes.strip() or self.asks)

    @model_validator(mode="after")
    def _asks(self) -> Topic:
        ids: list[str] = []
        for index, ask in enumerate(self.asks):
            if ask.id in ids:
                raise FieldError(
                    (
                        "asks",
                        index,
                        "id",
                    ),
                    f"expected a unique id, got {ask.id!r} a second time",
                )
            ids.append(ask.id)
            if ask.effect is not None:
                self._effect(index, ask.effect)
        return self

    def _effect(self, index: int, effect: Effect) -> None:
        """An effect names a level (a ``latest`` value) and a target of a form its unit takes."""
        where_: tuple[str | int, ...] = ("asks", index, "effect")
        spec = self.evidence.values.get(effect.value)
        if spec is None:
            known = ", ".join(self.evidence.values) or "none: declare them under evidence.values"
            raise FieldError(
                (*where_, "value"), f"unknown value {effect.value!r} (defined: {known})"
            )
        if spec.value != "latest":
            raise FieldError(
                (*where_, "value"),
                f"an effect moves a level, and {effect.value!r} is a {spec.value} value; "
                "name a value with value: latest (the default)",
            )
        share = spec.measure.unit == "share"
        if effect.kind == "points" and not share:
            raise FieldError(
                (*where_, "target"),
                f"percentage points apply to shares; {effect.value!r} is in {spec.measure.unit}: "
                f"write a change such as +20% or a factor such as x2, got {effect.target!r}",
            )
        if effect.kind == "percent" and share:
            raise FieldError(
                (*where_, "target"),
                f"{effect.value!r} is a share, so '%' would be ambiguous; write percentage "
                f"points (+5pp: 70% to 75%) or a factor (x1.1), got {effect.target!r}",
            )

    @model_validator(mode="after")
    def _references(self) -> Topic:
        if self.notebooks:
            # its own notebook may publish more values (section.value); they are checked when it runs
            return self
        for key in (
            "summary",
            "findings",
            "recommendations",
            "investment",
            "structures",
            "processes",
        ):
            for reference in REFERENCE.findall(getattr(self, key)):
                name, _, part = reference.partition(".")
                if name not in self.evidence.values:
                    known = (
                        ", ".join(self.evidence.values)
                        or "none: declare them under evidence.values"
                    )
                    raise FieldError(
                        (key,), f"unknown value {name!r} in {{{{ }}}} (defined: {known})"
                    )
                if part not in VALUE_PARTS:
                    raise FieldError(
                        (key,),
                        f"expected {{{{ {name} }}}}, {{{{ {name}.number }}}} or "
                        f"{{{{ {name}.period }}}}, got {{{{ {reference} }}}}",
                    )
        return self

    @model_validator(mode="after")
    def _merge_target(self) -> Topic:
        if (self.status is TopicStatus.MERGED) != (self.merged_into is not None):
            raise FieldError(
                ("status",),
                "expected merged_into (the target topic) exactly when status is merged, "
                f"got status {self.status.value!r} and merged_into {self.merged_into!r}",
            )
        return self


class Decision(Model):
    """The decision a document asks for: what, and by when (who decides comes from the roles)."""

    request: Text
    by: dt.date


class Feedback(Model):
    """How and by when readers give feedback on a document."""

    channel: Text
    url: Url | None = None
    deadline: dt.date
    contact: Text


class Headline(ValueSpec):
    """An impact number of a document's summary: a value and the phrase that follows it.

    Leadership reads the summary as current, so a headline compares the period running on the
    reference day with the same days of the period before (``span: to_date``) unless it says
    ``span: complete`` (or counts a state, which only complete periods have).
    """

    title: Text
    span: Literal["complete", "to_date"] = "to_date"

    @model_validator(mode="before")
    @classmethod
    def _states_complete(cls, data: object) -> object:
        if isinstance(data, dict) and "span" not in data and data.get("metric") in STATES:
            return {**data, "span": "complete"}
        return data


PROGRESS_PAGES = {
    "front": ["progress-summary", "progress-asks", "progress-unfunded"],
    "topics": [],
    "back": ["sources"],
}
"""What a progress report is made of unless its entry says otherwise."""


class Document(Model):
    """One deliverable: front-matter notebooks, then one section per topic."""

    id: Id
    kind: Literal["proposal", "strategy", "progress"] | None = None
    """``progress``: a report on the decision taken on the document it ``follows``, as of
    ``as_of`` (docs/reports.md); its pages default to :data:`PROGRESS_PAGES`. The other kinds
    only name what a document is."""
    follows: Id | None = None
    """The document whose decision a progress report holds to account."""
    title: Text
    subtitle: str = ""
    audience: Audience = "leadership"
    description: str = ""
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "draft"
    front: list[Id] = ["overview"]
    topic_notebook: Id = "topic"
    topics: Literal["all"] | list[Id] = "all"
    back: list[Id] = []
    decision_record: bool = False
    decision: Decision | None = None
    feedback: Feedback | None = None
    headlines: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")], Headline] = {}
    """Impact numbers for the summary; ``title`` is the phrase after the number."""
    as_of: date | None = None
    """The last day this document's numbers may refer to: events after it count in no chart
    or value (a proposal stays pinned to the data it was written with). Unset: the project's
    ``as_of``, else the day of the last event."""

    @model_validator(mode="before")
    @classmethod
    def _progress_pages(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("kind") == "progress":
            return {**PROGRESS_PAGES, **data}
        return data

    @model_validator(mode="after")
    def _progress(self) -> Document:
        if (self.kind == "progress") != (self.follows is not None):
            raise FieldError(
                ("follows",),
                "expected follows (the document whose decision it reports on) exactly when "
                f"kind is progress, got kind {self.kind!r} and follows {self.follows!r}",
            )
        if self.kind == "progress" and self.as_of is None:
            raise FieldError(
                ("as_of",),
                "expected the day the progress report is as of (YYYY-MM-DD, e.g. the last "
                "day of a quarter), found none",
            )
        return self


class DocumentsFile(Model):
    """``params/documents.yaml``."""

    documents: list[Document]

    @model_validator(mode="after")
    def _unique(self) -> DocumentsFile:
        ids: list[str] = []
        for index, doc in enumerate(self.documents):
            if doc.id in ids:
                raise FieldError(
                    (
                        "documents",
                        index,
                        "id",
                    ),
                    f"expected a unique id, got {doc.id!r} a second time",
                )
            ids.append(doc.id)
        kinds = {d.id: d.kind for d in self.documents}
        for index, doc in enumerate(self.documents):
            if doc.follows is not None and (
                doc.follows not in kinds or kinds[doc.follows] == "progress"
            ):
                followed = [i for i, k in kinds.items() if k != "progress"]
                raise FieldError(
                    ("documents", index, "follows"),
                    f"expected a document that is not a progress report "
                    f"({', '.join(followed) or 'none'}), got {doc.follows!r}",
                )
        return self
