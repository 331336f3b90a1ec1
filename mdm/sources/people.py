"""``mdm people``: the author audits who is behind the pseudonyms, locally, and fixes it.

:func:`list_people` reads the events file, the private register and ledger, and gives the
most active contributors with the names and identities behind each pseudonym, their events
per source, and whether and why each is marked bot or service. It is for the terminal only:
nothing here writes a report. The fixing commands write the params or the alias file, each
under its lock and atomically, then re-derive every imported event's person and mark
(:func:`mdm.sources.importer.refresh`), so the next build already counts people anew:

- :func:`mark_bot` adds the contributor's identities to ``bots:`` (and takes them out of
  ``not_bots:``);
- :func:`mark_not_bot` adds one identity to the private not-bot list
  (``data/private/not-bots.txt``: it names a person) and takes them out of ``bots:`` and
  ``services:``;
- :func:`merge` writes alias rows (``data/private/identities.csv``) that make several
  contributors one person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data.events import load_events
from mdm.errors import DataError
from mdm.files import exclusive
from mdm.sources import ledger
from mdm.sources.accounts import Mark
from mdm.sources.identities import (
    ALIASES,
    REGISTER,
    identity_hash,
    load_key,
    read_register_rows,
    write_not_bots,
    write_private,
)
from mdm.sources.importer import ImportSummary, refresh

if TYPE_CHECKING:
    import pandas as pd

    from mdm.params.project import Project

__all__ = ["Person", "list_people", "mark_bot", "mark_not_bot", "merge"]

PROJECT_YAML = "params/project.yaml"


@dataclass
class Person:
    """One contributor as ``mdm people`` shows them."""

    contributor_id: str
    events: int = 0
    is_bot: bool = False
    """As the events file marks them."""
    mark: Mark | None = None
    identities: dict[str, int] = field(default_factory=dict)
    """``email:...`` or ``user:HOST:LOGIN`` → the events made under it (0: not known)."""
    names: list[str] = field(default_factory=list)
    sources: dict[str, Counter[str]] = field(default_factory=dict)
    """Origin (or community / area) → events per activity type."""


@dataclass(frozen=True)
class _Register:
    identities: dict[str, list[str]]
    names: dict[str, list[str]]
    marks: dict[str, Mark]

    def owner(self, wanted: str) -> str | None:
        """The contributor id of ``wanted``: an id, an email or ``HOST:LOGIN``."""
        if wanted in self.identities:
            return wanted
        value = wanted.strip().lower()
        candidates = {value, f"email:{value}", f"user:{value}", value.removeprefix("email:")}
        return next((cid for cid, keys in self.identities.items() if candidates & set(keys)), None)


def _register(root: Path) -> _Register:
    identities: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    marks: dict[str, Mark] = {}
    if (root / REGISTER).is_file():
        for cid, kind, value, _, _ in read_register_rows(root / REGISTER, REGISTER):
            if kind in ("email", "user"):
                identities.setdefault(cid, []).append(f"{kind}:{value}")
            elif kind == "name":
                names.setdefault(cid, []).append(value)
            elif kind in ("bot", "service", "person"):
                marks[cid] = Mark(kind, value)  # type: ignore[arg-type]
    return _Register(identities, names, marks)


def list_people(
    root: Path | str, top: int = 20, sources: Sequence[str] = ()
) -> tuple[list[Person], int]:
    """The ``top`` most active contributors (of events from ``sources``: globs over origins
    or communities), and how many contributors there are in all."""
    # deferred: pydantic and yaml load only when this runs
    from mdm.params.project import load_project

    project = load_project(root)
    register = _register(project.root)
    events = _events(project)
    if sources:
        keep = events["source"].map(lambda s: any(fnmatchcase(s, g) for g in sources))
        keep |= events["community"].astype(str).isin(list(sources))
        events = events[keep]
    counts = events.groupby("contributor_id", observed=True).size().sort_values(ascending=False)
    people = []
    for cid, total in counts.head(top).items():
        mine = events[events["contributor_id"] == cid]
        person = Person(str(cid), int(total), bool(mine["is_bot"].any()))
        person.mark = register.marks.get(str(cid))
        person.names = sorted(register.names.get(str(cid), []))
        person.identities = dict.fromkeys(register.identities.get(str(cid), []), 0)
        person.identities.update(Counter(mine["identity"].dropna()))
        for (source, kind), n in (
            mine.groupby(["source", "activity_type"], observed=True).size().items()
        ):
            person.sources.setdefault(str(source), Counter())[str(kind)] = int(n)
        people.append(person)
    return people, len(counts)


def _events(project: Project) -> pd.DataFrame:
    """The events file's events, each with its source and identity where the ledger knows."""
    path = project.root / project.info.data.events
    if not path.is_file():
        raise DataError(
            "no events yet: run mdm import perceval or mdm collect first",
            path=project.info.data.events,
        )
    events = load_events(path, project.info.data.events)
    ids = _event_ids(path)
    events["event_id"] = ids
    found = ledger.read_events(project.root).to_pandas().drop_duplicates("event_id")
    key, _ = load_key(project.root)
    known = _register(project.root).identities
    by_hash = {identity_hash(key, k): k for keys in known.values() for k in keys}
    found["identity"] = found["identity"].map(by_hash)
    events = events.merge(found, on="event_id", how="left")
    place = events["community"].astype(str) + " / " + events["area"].astype(str)
    events["source"] = events["origin"].fillna(place)
    return events


def _event_ids(path: Path) -> list[str | None]:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=["event_id"]) if "event_id" in names else None
    else:
        options = pa_csv.ConvertOptions(
            include_columns=["event_id"], include_missing_columns=True, strings_can_be_null=True
        )
        table = pa_csv.read_csv(path, convert_options=options)
    if table is None:
        return [None] * pq.read_metadata(path).num_rows
    return table["event_id"].cast("string").to_pylist()  # type: ignore[no-any-return]


# --- fixing --------------------------------------------------------------------------------------


def _who(root: Path, wanted: str) -> tuple[str, list[str]]:
    register = _register(root)
    cid = register.owner(wanted)
    if cid is None:
        raise DataError(
            f"no contributor or identity {wanted!r} (mdm people lists them)",
            path=REGISTER,
            field="contributor_id",
        )
    return cid, register.identities.get(cid, [])


def _value(identity: str) -> str:
    """An identity as the params and the alias file write it: an email, or HOST:LOGIN."""
    kind, _, value = identity.partition(":")
    return value if kind == "user" or "@" in value else identity


def _edit_lists(root: Path, change: dict[str, tuple[list[str], list[str]]]) -> None:
    """Per top-level list of params/project.yaml: values to add and values to take out."""
    # deferred: yaml and pydantic load only when this runs
    from mdm.params.edits import read, set_list, transaction
    from mdm.params.project import load_project

    path = root / PROJECT_YAML
    with exclusive(path, PROJECT_YAML):
        project = load_project(root)
        text = read(path, Path(PROJECT_YAML))
        for key, (add, remove) in change.items():
            current = list(getattr(project.info, key))
            values = [v for v in current if v.strip().lower() not in remove] + [
                v for v in add if v not in current
            ]
            if values != current:
                after = "sources" if key == "bots" else "bots"
                text = set_list(text, Path(PROJECT_YAML), key, values, after)
        with transaction(project) as changes:
            changes[Path(PROJECT_YAML)] = text


def mark_bot(root: Path | str, wanted: str) -> tuple[str, list[str], ImportSummary]:
    """Mark a contributor a bot in the params; their id, the values added, the refresh."""
    root = Path(root)
    cid, identities = _who(root, wanted)
    values = [_value(i) for i in identities]
    lowered = [v.lower() for v in values]
    _edit_lists(root, {"bots": (values, []), "not_bots": ([], lowered)})
    write_not_bots(root, add=[], remove=lowered)
    return cid, values, refresh(root)


def mark_not_bot(root: Path | str, wanted: str) -> tuple[str, list[str], ImportSummary]:
    """Mark a contributor a person, whatever rule said otherwise.

    The identity goes into the private list (``data/private/not-bots.txt``), never into the
    params: it names a person, and the params are committed.
    """
    root = Path(root)
    cid, identities = _who(root, wanted)
    values = [_value(i) for i in identities]
    lowered = [v.lower() for v in values]
    _edit_lists(root, {"bots": ([], lowered), "services": ([], lowered)})
    write_not_bots(root, add=values[:1], remove=[])
    return cid, values[:1], refresh(root)


def merge(root: Path | str, wanted: Sequence[str]) -> tuple[list[str], str, ImportSummary]:
    """Make several contributors one person with rows of the alias file."""
    root = Path(root)
    found = [_who(root, w) for w in wanted]
    cids = list(dict.fromkeys(cid for cid, _ in found))
    if len(cids) < 2:
        raise DataError(
            f"expected two contributors or more to merge, got {', '.join(cids) or 'none'}",
            path=REGISTER,
            field="contributor_id",
        )
    path = root / ALIASES
    with exclusive(path, ALIASES):
        text = path.read_text(encoding="utf-8") if path.is_file() else "person,identity\n"
        rows = _alias_rows(text)
        identities = [_value(i) for _, keys in found for i in keys]
        labels = sorted({person for person, identity in rows if identity.lower() in identities})
        label = labels[0] if labels else cids[0]
        ending = "\r\n" if "\r\n" in text else "\n"
        if not text.endswith(("\n", "\r")):
            text += ending
        for identity in identities:
            if (label, identity) not in rows:
                text += f"{_csv_cell(label)},{_csv_cell(identity)}{ending}"
        write_private(path, text.encode("utf-8"))
    return cids, label, refresh(root)


def _alias_rows(text: str) -> set[tuple[str, str]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return {(r[0].strip(), r[1].strip()) for r in reader if len(r) == 2}


def _csv_cell(value: str) -> str:
    return (
        f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\r\n') else value
    )
