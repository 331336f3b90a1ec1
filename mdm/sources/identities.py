"""One person, one contributor: identities unified across tools, then pseudonymised.

Identities (``email:ADDRESS``, ``user:HOST:USERNAME``) seen together on one event, or
unified by an earlier import, form a **group**; those links are kept in the register,
because the items that showed them are not read again. A **person** is one group or
several joined by what the team asserts now: rows of its alias file, and, with
``unify_names: true``, a full name of at least two words (as :func:`mdm.names.words`
normalises it). Those assertions are not kept: removing an alias row, or switching
name unification off, parts the people again on the next import.

A person's ``contributor_id`` is a keyed hash (HMAC-SHA256) of the alias-file person,
else of their smallest identity; the key is created on the first import that writes
anything, under ``data/private/``, and never leaves it. Each person is marked bot or
service (:mod:`mdm.sources.accounts`) or not. Everything that could name someone is kept
only in ``data/private/``, for the next import, ``mdm people`` and the privacy guard
(:func:`protected_strings`).
"""

from __future__ import annotations

import csv
import hmac
import io
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data._tables import csv_rows
from mdm.errors import DataError, PrivacyError
from mdm.files import exclusive, write_atomic
from mdm.names import MIN_PART, Matcher, words
from mdm.sources.accounts import Mark, Rules, classify
from mdm.sources.perceval import Actor

if TYPE_CHECKING:
    from mdm.params.project import Project

__all__ = [
    "ALIASES",
    "KEY",
    "NOT_BOTS",
    "REGISTER",
    "Identities",
    "Resolved",
    "alias_key",
    "check_imported",
    "identity_hash",
    "load_key",
    "protected_strings",
    "read_register_rows",
    "save_key",
    "write_private",
]

PRIVATE = "data/private"
KEY = f"{PRIVATE}/pseudonym.key"
ALIASES = f"{PRIVATE}/identities.csv"
NOT_BOTS = f"{PRIVATE}/not-bots.txt"
"""People a bot or service rule marks by mistake, one identity a line (``mdm people not-bot``):
private, because each line names a person; ``not_bots:`` in the params does the same in public."""
"""The team's own alias file: ``person,identity`` (an email or ``HOST:USERNAME``)."""
REGISTER = f"{PRIVATE}/imported-identities.csv"
"""What imports saw: ``contributor_id,kind,value,group``; read by the next import, ``mdm
people`` and the guard. Rows of one person share ``group`` when they are one group."""
REGISTER_COLUMNS = ("contributor_id", "kind", "value")
MARKS = ("bot", "service")
"""The marks of what is not a person; a register also records ``person`` (``not_bots:``)."""


def load_key(root: Path) -> tuple[bytes, bool]:
    """The project's pseudonym key, and whether it is new (then :func:`save_key` it)."""
    path = root / KEY
    if not path.is_file():
        return secrets.token_bytes(32), True
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError) as err:
        raise DataError(f"expected the key as hex digits: {err}", path=KEY, line=1) from err
    if len(key) < 16:
        raise DataError(
            f"expected a hex key of at least 16 bytes, got {len(key)}", path=KEY, line=1
        )
    return key, False


def save_key(root: Path, key: bytes) -> None:
    """Write a new key, readable by its owner only; never over an existing one."""
    path = root / KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")


def identity_hash(key: bytes, identity: str) -> int:
    """A keyed 64-bit hash of an identity, as the ledger records it (a signed int64)."""
    digest = hmac.new(key, identity.encode(), sha256).digest()
    return int.from_bytes(digest[:8], "little", signed=True)


def alias_key(value: str, shown: str, line: int | None) -> str:
    """``someone@example.org`` → ``email:...``; ``github.com:login`` → ``user:github.com:login``.

    ``email:TEXT`` takes TEXT as it is: git accepts an address without ``@``."""
    value = value.strip().lower()
    if value.startswith("email:") and value[6:]:
        return value
    value = value.removeprefix("user:")
    if ":" in value:
        host, _, username = value.partition(":")
        if host and username:
            return f"user:{host}:{username}"
    elif "@" in value:
        return f"email:{value}"
    raise DataError(
        f"expected an email address or HOST:USERNAME (e.g. github.com:octocat), got {value!r}",
        path=shown,
        line=line,
        field="identity",
    )


@dataclass(frozen=True)
class Resolved:
    """Who the identity nodes turned out to be."""

    person_of: list[int]
    """Per node: the index of its person."""
    ids: list[str]
    """Per person: the contributor id."""
    marks: list[Mark | None]
    """Per person: bot, service, an explicit person (``not_bots:``) or None."""
    register: str
    """The register to write, in a stable order (an unchanged register compares equal)."""

    def is_bot(self, person: int) -> bool:
        mark = self.marks[person]
        return mark is not None and mark.kind in MARKS


class Identities:
    """A union-find over identity keys (the links that persist), with the names, alias-file
    persons and bot flags seen with them."""

    def __init__(self, rules: Rules | None = None, unify_names: bool = False) -> None:
        self._node: dict[str, int] = {}
        self._parent: list[int] = []
        self._names: list[set[str]] = []
        self._person: dict[int, set[str]] = {}
        self._tool_bot: set[int] = set()
        self.rules, self.unify_names = rules or Rules(), unify_names

    @property
    def size(self) -> int:
        """How many identities are known."""
        return len(self._node)

    def hashes(self, key: bytes) -> list[int]:
        """Per node: the keyed hash of its identity (:func:`identity_hash`)."""
        return [identity_hash(key, identity) for identity in self._node]

    def node(self, key: str) -> int | None:
        return self._node.get(key)

    def _add(self, key: str) -> int:
        node = self._node.get(key)
        if node is None:
            node = self._node[key] = len(self._parent)
            self._parent.append(node)
            self._names.append(set())
        return node

    def _find(self, node: int) -> int:
        parent = self._parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression keeps later finds short
            parent[node], node = root, parent[node]
        return root

    def _union(self, a: int, b: int) -> None:
        a, b = self._find(a), self._find(b)
        if a != b:
            self._parent[max(a, b)] = min(a, b)

    def see(self, actor: Actor) -> int:
        """Record an event's person; their node (-1 when the tool gave no identity)."""
        if not actor.keys:
            return -1
        first = self._add(actor.keys[0])
        for key in actor.keys[1:]:
            self._union(first, self._add(key))
        if actor.names:
            self._names[first].update(actor.names)
        if actor.bot:
            self._tool_bot.add(first)
        return first

    def link(self, keys: Iterable[str], names: Iterable[str] = ()) -> None:
        """Keys known to be one group (an earlier import's register)."""
        nodes = [self._add(k) for k in keys]
        for node in nodes[1:]:
            self._union(nodes[0], node)
        if nodes:
            self._names[nodes[0]].update(names)

    def read_aliases(self, path: Path, shown: str) -> None:
        """The team's alias file (optional): rows ``person,identity``; links of this import."""
        for line, row in csv_rows(path, shown, ("person", "identity"), allow_empty=True):
            person = row["person"].strip()
            if not person:
                raise DataError(
                    "expected a value, found none", path=shown, line=line, field="person"
                )
            node = self._add(alias_key(row["identity"], shown, line))
            self._person.setdefault(node, set()).add(person)

    def read_register(self, path: Path, shown: str) -> dict[str, list[str]]:
        """An earlier import's register: its groups hold. Returns old id → its keys."""
        groups: dict[tuple[str, str], list[str]] = {}
        names: dict[tuple[str, str], list[str]] = {}
        for cid, kind, value, group, line in read_register_rows(path, shown):
            if kind == "name":
                names.setdefault((cid, group), []).append(value)
            elif kind in ("email", "user"):
                groups.setdefault((cid, group), []).append(f"{kind}:{value}")
            elif kind not in (*MARKS, "person"):  # marks are recomputed on every import
                raise DataError(
                    f"expected email, user, name, bot, service or person, got {kind!r}",
                    path=shown,
                    line=line,
                    field="kind",
                )
        old: dict[str, list[str]] = {}
        for (cid, group), keys in groups.items():
            self.link(keys, names.get((cid, group), ()))
            old.setdefault(cid, []).extend(keys)
        return old

    def resolve(self, key: bytes) -> Resolved:
        """Groups joined into people (alias file, names), each with its id and mark."""
        members: dict[int, list[str]] = {}
        for identity, node in self._node.items():
            members.setdefault(self._find(node), []).append(identity)
        names: dict[int, set[str]] = {}
        for node, found in enumerate(self._names):
            if found:
                names.setdefault(self._find(node), set()).update(found)
        tool = {self._find(n) for n in self._tool_bot}
        people = _People(list(members))
        labels: dict[int, str] = {}
        for node, persons in self._person.items():
            for label in persons:
                people.join_label(self._find(node), label, labels)
        if self.unify_names:
            for root in members:
                mark = classify(members[root], names.get(root, ()), self.rules, root in tool)
                if mark is None or mark.kind == "person":
                    people.join_names(root, names.get(root, ()))
        return people.resolved(key, members, names, tool, labels, self)


class _People:
    """Groups (persistent roots) joined into people: a small union-find of its own."""

    def __init__(self, roots: list[int]) -> None:
        self.parent = {root: root for root in roots}
        self._by_label: dict[str, int] = {}
        self._by_name: dict[tuple[str, ...], int] = {}

    def find(self, root: int) -> int:
        while self.parent[root] != root:
            self.parent[root] = root = self.parent[self.parent[root]]
        return root

    def join(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def join_label(self, root: int, label: str, labels: dict[int, str]) -> None:
        self.join(self._by_label.setdefault(label, root), root)
        labels[root] = min(label, labels.get(root, label))

    def join_names(self, root: int, names: Iterable[str]) -> None:
        for name in names:
            # a full name: two words or more apart ("alice", "Ana" or "ana-s" name too many)
            if len([w for w in name.split() if words(w)]) >= 2:
                self.join(self._by_name.setdefault(words(name), root), root)

    def resolved(
        self,
        key: bytes,
        members: dict[int, list[str]],
        names: dict[int, set[str]],
        tool: set[int],
        labels: dict[int, str],
        identities: Identities,
    ) -> Resolved:
        groups: dict[int, list[int]] = {}
        for root in members:
            groups.setdefault(self.find(root), []).append(root)
        index = {top: i for i, top in enumerate(sorted(groups))}
        ids, marks, rows = [], [], []
        for top in sorted(groups):
            roots = sorted(groups[top], key=lambda r: min(members[r]))
            keys = sorted(k for r in roots for k in members[r])
            found = set().union(*(names.get(r, set()) for r in roots))
            person = min((labels[r] for r in roots if r in labels), default=None)
            canonical = f"person:{person}" if person is not None else keys[0]
            cid = "p" + hmac.new(key, canonical.encode(), sha256).hexdigest()[:15]
            mark = classify(keys, found, identities.rules, any(r in tool for r in roots))
            ids.append(cid)
            marks.append(mark)
            rows.append((cid, roots, mark))
        person_of = [index[self.find(identities._find(n))] for n in range(identities.size)]
        text = _register_text(rows, members, names)
        return Resolved(person_of, ids, marks, text)


def _register_text(
    rows: list[tuple[str, list[int], Mark | None]],
    members: dict[int, list[str]],
    names: dict[int, set[str]],
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*REGISTER_COLUMNS, "group"))
    for cid, roots, mark in sorted(rows, key=lambda row: row[0]):
        for number, root in enumerate(roots, 1):
            group = str(number) if len(roots) > 1 else ""
            for identity in sorted(members[root]):
                kind, _, value = identity.partition(":")
                writer.writerow((cid, kind, value, group))
            writer.writerows((cid, "name", n, group) for n in sorted(names.get(root, ())))
        if mark is not None:
            writer.writerow((cid, mark.kind, mark.reason, ""))
    return out.getvalue()


def read_register_rows(path: Path, shown: str) -> Iterable[tuple[str, str, str, str, int]]:
    """``(contributor_id, kind, value, group, line)`` per row of a register, old or new."""
    rows = csv_rows(path, shown, REGISTER_COLUMNS, ("group",), allow_empty=True)
    for line, row in rows:
        yield row["contributor_id"], row["kind"], row["value"], row.get("group", ""), line


def write_private(path: Path, content: bytes) -> None:
    """Replace a private file atomically; a new one is readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    write_atomic(path, content)  # keeps the mode of the file it replaces


def read_not_bots(root: Path) -> list[str]:
    """The identities of :data:`NOT_BOTS` (blank lines and ``#`` comments skipped)."""
    path = root / NOT_BOTS
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def write_not_bots(root: Path, add: Sequence[str], remove: Sequence[str]) -> None:
    """Add and remove identities of :data:`NOT_BOTS`, under its lock, atomically."""
    path = root / NOT_BOTS
    with exclusive(path, NOT_BOTS):
        gone = {v.lower() for v in remove}
        kept = [v for v in read_not_bots(root) if v.lower() not in gone]
        kept += [v for v in add if v.lower() not in {k.lower() for k in kept}]
        header = "# people mdm people not-bot marked: one email or HOST:USERNAME a line\n"
        write_private(path, (header + "".join(f"{v}\n" for v in kept)).encode("utf-8"))


def protected_strings(project: Project) -> dict[str, str]:
    """Every email, username and name an import saw → its contributor id.

    Stakeholders' names are left out (params/stakeholders.yaml names them on purpose), and
    so are one-word usernames and names too short to be distinctive (:data:`~mdm.names.MIN_PART`)
    or that the params use as words themselves: an account called ``sumo`` or ``l10n`` must
    not stop every document that names the SUMO community.
    """

    path = project.root / REGISTER
    if not path.is_file():
        return {}
    public = {words(s.name) for s in project.stakeholders.values()}
    params = set(words(" ".join(f.read_text(encoding="utf-8") for f in project.files)))
    found = {}
    for cid, kind, value, _, _ in read_register_rows(path, REGISTER):
        if kind == "user":
            value = value.split(":", 1)[-1]
        elif kind not in ("email", "name"):
            continue  # bot and service marks
        phrase = words(value)
        if not phrase or phrase in public or "".join(phrase).isdigit():
            continue
        if len(phrase) == 1 and (len(phrase[0]) < MIN_PART or phrase[0] in params):
            continue
        found[value] = cid
    return found


def check_imported(project: Project, files: Iterable[Path], text_of: Callable[[Path], str]) -> None:
    """Raise PrivacyError if an exported file contains an identity from imported activity."""

    matcher = Matcher(protected_strings(project))
    if not matcher:
        return
    for path in files:
        found = matcher.found(text_of(path))
        if found:
            # the message names the pseudonym, never the person
            raise PrivacyError(
                f"contains an email, username or name of contributor {found[0]} from "
                f"imported activity ({REGISTER}); nothing was published",
                path=path.name,
            )
