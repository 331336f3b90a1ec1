"""One person, one contributor: identities unified across tools, then pseudonymised.

Identities (``email:ADDRESS``, ``user:HOST:USERNAME``) seen on one event, listed
together in the team's alias file, or unified by an earlier import belong to one
person. That person's ``contributor_id`` is a keyed hash (HMAC-SHA256) of the
alias-file person, else of their smallest identity; the key is created on the
first import under ``data/private/`` and never leaves it. Everything that could
name someone (identities and names) is kept only in ``data/private/``, for the
next import and for the privacy guard (:func:`protected_strings`).
"""

from __future__ import annotations

import csv
import fnmatch
import hmac
import io
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data._tables import csv_rows
from mdm.errors import DataError, PrivacyError
from mdm.names import MIN_PART, Matcher, words
from mdm.sources.perceval import Actor

if TYPE_CHECKING:
    from mdm.params.project import Project

__all__ = [
    "ALIASES",
    "KEY",
    "REGISTER",
    "Identities",
    "check_imported",
    "load_key",
    "protected_strings",
    "register_text",
    "save_key",
    "write_register",
]

PRIVATE = "data/private"
KEY = f"{PRIVATE}/pseudonym.key"
ALIASES = f"{PRIVATE}/identities.csv"
"""The team's own alias file: ``person,identity`` (an email or ``HOST:USERNAME``)."""
REGISTER = f"{PRIVATE}/imported-identities.csv"
"""What imports saw: ``contributor_id,kind,value``; read by the next import and the guard."""
_REGISTER_COLUMNS = ("contributor_id", "kind", "value")
_BOT_PREFIXES = ("dependabot", "renovate", "github-actions", "greenkeeper", "snyk-bot")


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


def _alias_key(value: str, shown: str, line: int) -> str:
    """``someone@example.org`` → ``email:...``; ``github.com:login`` → ``user:github.com:login``."""
    value = value.strip().lower()
    for prefix in ("email:", "user:"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
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


class Identities:
    """A union-find over identity keys, with the names and bot marks seen with them."""

    def __init__(self, bots: Sequence[str] = ()) -> None:
        self._node: dict[str, int] = {}
        self._parent: list[int] = []
        self._names: list[set[str]] = []
        self._person: dict[int, str] = {}
        self._bot: set[int] = set()
        self._bots = [b.lower() for b in bots]

    @property
    def size(self) -> int:
        """How many identities are known."""
        return len(self._node)

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
            self._bot.add(first)
        return first

    def link(
        self, keys: Iterable[str], person: str | None = None, names: Iterable[str] = ()
    ) -> None:
        """Keys known to be one person (alias file, earlier import)."""
        nodes = [self._add(k) for k in keys]
        for node in nodes[1:]:
            self._union(nodes[0], node)
        if nodes:
            self._names[nodes[0]].update(names)
            if person:
                self._person[nodes[0]] = person

    def read_aliases(self, path: Path, shown: str) -> None:
        """The team's alias file (optional): rows ``person,identity``."""

        for line, row in csv_rows(path, shown, ("person", "identity"), allow_empty=True):
            person = row["person"].strip()
            if not person:
                raise DataError(
                    "expected a value, found none", path=shown, line=line, field="person"
                )
            self.link([_alias_key(row["identity"], shown, line)], person=person)
        by_person: dict[str, list[int]] = {}
        for node, person in self._person.items():
            by_person.setdefault(person, []).append(node)
        for nodes in by_person.values():
            for node in nodes[1:]:
                self._union(nodes[0], node)

    def read_register(self, path: Path, shown: str) -> dict[str, list[str]]:
        """An earlier import's register: its unifications hold. Returns old id → its keys."""

        groups: dict[str, list[str]] = {}
        names: dict[str, list[str]] = {}
        for line, row in csv_rows(path, shown, _REGISTER_COLUMNS, allow_empty=True):
            cid, kind, value = row["contributor_id"], row["kind"], row["value"]
            if kind == "name":
                names.setdefault(cid, []).append(value)
            elif kind in ("email", "user"):
                groups.setdefault(cid, []).append(f"{kind}:{value}")
            elif kind != "bot":  # bot marks are recomputed from identities and params
                raise DataError(
                    f"expected email, user, name or bot, got {kind!r}",
                    path=shown,
                    line=line,
                    field="kind",
                )
        for cid, keys in groups.items():
            self.link(keys, names=names.get(cid, ()))
        return groups

    def _is_bot(self, keys: list[str], names: set[str]) -> bool:
        handles = [k.rsplit(":", 1)[-1] if k.startswith("user:") else k[6:] for k in keys]
        handles += [n.lower() for n in names]
        for handle in handles:
            if handle.endswith("[bot]") or "[bot]@" in handle or handle.startswith(_BOT_PREFIXES):
                return True
            if any(fnmatch.fnmatchcase(handle, pattern) for pattern in self._bots):
                return True
        return False

    def resolve(self, key: bytes) -> tuple[list[str], list[bool], dict[str, tuple[str, ...]]]:
        """Per node: contributor id and bot mark; and per contributor: their register rows."""
        members: dict[int, list[str]] = {}
        for identity, node in self._node.items():
            members.setdefault(self._find(node), []).append(identity)
        names: dict[int, set[str]] = {}
        bots: set[int] = {self._find(n) for n in self._bot}
        persons: dict[int, str] = {}
        for node, found in enumerate(self._names):
            if found:
                names.setdefault(self._find(node), set()).update(found)
        for node, person in self._person.items():
            root = self._find(node)
            persons[root] = min(person, persons.get(root, person))
        ids: dict[int, str] = {}
        rows: dict[str, tuple[str, ...]] = {}
        for root, identities in members.items():
            canonical = f"person:{persons[root]}" if root in persons else min(identities)
            cid = "p" + hmac.new(key, canonical.encode(), sha256).hexdigest()[:15]
            ids[root] = cid
            if root not in bots and self._is_bot(identities, names.get(root, set())):
                bots.add(root)
            rows[cid] = (
                *sorted(identities),
                *(f"name:{n}" for n in sorted(names.get(root, ()))),
                *(("bot:yes",) if root in bots else ()),
            )
        roots = [self._find(n) for n in range(len(self._parent))]
        return [ids[r] for r in roots], [r in bots for r in roots], rows


def register_text(rows: dict[str, tuple[str, ...]]) -> str:
    """The register as CSV, in a stable order (an unchanged register compares equal)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_REGISTER_COLUMNS)
    for cid in sorted(rows):
        for entry in rows[cid]:
            kind, _, value = entry.partition(":")
            writer.writerow((cid, kind, value))
    return out.getvalue()


def write_register(path: Path, text: str) -> None:
    """Replace the register atomically (a temporary file, then a rename), private to its owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    os.replace(temporary, path)


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
    for _, row in csv_rows(path, REGISTER, _REGISTER_COLUMNS, allow_empty=True):
        kind, value = row["kind"], row["value"]
        if kind == "user":
            value = value.split(":", 1)[-1]
        elif kind not in ("email", "name"):
            continue  # bot marks
        phrase = words(value)
        if not phrase or phrase in public or "".join(phrase).isdigit():
            continue
        if len(phrase) == 1 and (len(phrase[0]) < MIN_PART or phrase[0] in params):
            continue
        found[value] = row["contributor_id"]
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
