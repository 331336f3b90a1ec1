"""One small community's activity twice: as Perceval items and as GrimoireLab's enriched documents.

:func:`community` makes, from one seed, the Perceval items that ``mdm import perceval`` reads
(git commits, GitHub issues and pull requests without comments, Discourse topics with their
posts, mailing-list messages) and the documents GrimoireLab's enrichment makes of the same items,
in the shape its ``schema/*.csv`` documents (``grimoire_creation_date``, ``origin``, ``uuid``,
``metadata__updated_on``, ``author_uuid``/``_name``/``_bot``/``_org_name``, and per index the
fields mdm reads: ``pull_request``, Discourse's ``type``/``first_answer`` with a ``question``
document and an ``answer`` per post, the first post included, and mbox's ``root``). Each
person has a SortingHat uuid (``author_uuid``) and one to three identities; the alias file
that gives ``mdm import`` the same people is written beside them. Written by hand from the
schema, not copied from grimoirelab-elk's GPL test data.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

GIT = "https://git.example.org/library/catalogue.git"
GITHUB = "https://github.com/library/volunteers"
DISCOURSE = "https://forum.example.org"
MBOX = "https://lists.example.org/readers"

SOURCES = f"""
sources:
  - {{origin: "{GIT}", community: Catalogue, area: code}}
  - {{origin: "{GITHUB}", community: Catalogue, area: issues}}
  - {{origin: "{DISCOURSE}", community: Readers, area: support}}
  - {{origin: "{MBOX}", community: Readers, area: mail}}
"""

MAPPING = {  # GrimoireLab's enriched mapping for the fields used: strings are keywords
    "dynamic_templates": [
        {
            "strings": {
                "match": "*",
                "match_mapping_type": "string",
                "mapping": {"type": "keyword"},
            }
        }
    ],
    "properties": {
        "grimoire_creation_date": {"type": "date"},
        "metadata__updated_on": {"type": "date"},
        "author_bot": {"type": "boolean"},
        "pull_request": {"type": "boolean"},
        "root": {"type": "boolean"},
        "first_answer": {"type": "long"},
    },
}


@dataclass
class Person:
    uuid: str
    name: str
    emails: list[str]
    login: str
    bot: bool = False


@dataclass
class Community:
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)

    def write_items(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for backend, items in self.items.items():
            path = folder / f"{backend}.jsonl"
            lines = (json.dumps(i, sort_keys=True, separators=(",", ":")) for i in items)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            paths.append(path)
        return paths

    def write_aliases(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = ["person,identity", *(f"{p},{i}" for p, i in self.aliases)]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _uuid(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def _people(rng: random.Random, n: int) -> list[Person]:
    people = []
    for i in range(n):
        emails = [f"reader{i}@example.org"] + ([f"r{i}@work.example.com"] if i % 4 == 0 else [])
        people.append(Person(_uuid("sh", i), f"Reader {i}", emails, f"reader{i}"))
    people.append(
        Person(
            _uuid("sh", "bot"),
            "dependabot[bot]",
            ["dependabot[bot]@example.org"],
            "dependabot[bot]",
            bot=True,
        )
    )
    return people


def _when(rng: random.Random) -> datetime:
    start = datetime(2021, 11, 1, tzinfo=UTC)
    moment = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
    return moment.astimezone(timezone(timedelta(minutes=rng.choice([-300, 0, 60, 330]))))


def _envelope(backend: str, origin: str, uid: str, category: str, when: datetime) -> dict[str, Any]:
    stamp = when.timestamp()
    return {
        "backend_name": backend,
        "backend_version": "1.0.0",
        "perceval_version": "1.0.0",
        "origin": origin,
        "uuid": uid,
        "category": category,
        "tag": origin,
        "timestamp": stamp,
        "updated_on": stamp,
        "search_fields": {"item_id": uid},
    }


def _doc(
    person: Person,
    origin: str,
    uid: str,
    when: datetime,
    updated: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A document of an item created at ``when`` (``updated``: the item's last update)."""
    return {
        "uuid": uid,
        "origin": origin,
        "grimoire_creation_date": when.isoformat(),
        "metadata__updated_on": (updated or when).astimezone(UTC).isoformat(),
        "author_uuid": person.uuid,
        "author_id": _uuid(person.uuid, origin),
        "author_name": person.name,
        "author_bot": person.bot,
        "author_org_name": "Unknown",
        **extra,
    }


def _git(c: Community, rng: random.Random, people: list[Person], n: int) -> None:
    items, docs = c.items.setdefault("git", []), c.documents.setdefault("git", [])
    for i in range(n):
        person = people[min(int(rng.paretovariate(1.2)) - 1, len(people) - 1)]
        when = _when(rng)
        email = rng.choice(person.emails)
        signature = f"{person.name} <{email}>"
        uid = _uuid("git", i)
        item = _envelope("Git", GIT, uid, "commit", when)
        git_date = when.strftime("%a %b %-d %H:%M:%S %Y %z")
        item["data"] = {
            "commit": f"{i:040x}",
            "Author": signature,
            "AuthorDate": git_date,
            "Commit": signature,
            "CommitDate": git_date,
            "message": f"Change {i}",
            "files": [],
            "parents": [],
        }
        items.append(item)
        docs.append(_doc(person, GIT, uid, when, hash=f"{i:040x}"))


def _github(c: Community, rng: random.Random, people: list[Person], n: int) -> None:
    items, docs = c.items.setdefault("github", []), c.documents.setdefault("github_issues", [])
    for number in range(1, n + 1):
        person = rng.choice(people[:-1])
        when = _when(rng).astimezone(UTC)
        pull = number % 3 == 0
        uid = _uuid("github", number)
        item = _envelope("GitHub", GITHUB, uid, "issue", when)
        created = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        item["data"] = {
            "id": number,
            "number": number,
            "title": f"Issue {number}",
            "state": "open",
            "created_at": created,
            "updated_at": created,
            "closed_at": None,
            "html_url": f"{GITHUB}/issues/{number}",
            "labels": [],
            "user": {"login": person.login},
            "user_data": {"login": person.login, "name": person.name, "email": None},
            "assignee": None,
            "assignee_data": {},
            "comments": 0,
            "comments_data": [],
            "reactions": {"total_count": 0},
            "reactions_data": [],
            **({"pull_request": {"url": f"{GITHUB}/pull/{number}"}} if pull else {}),
        }
        items.append(item)
        docs.append(
            _doc(
                person,
                GITHUB,
                uid,
                when,
                pull_request=pull,
                item_type="pull request" if pull else "issue",
            )
        )


def _discourse(c: Community, rng: random.Random, people: list[Person], n: int) -> None:
    items, docs = c.items.setdefault("discourse", []), c.documents.setdefault("discourse", [])
    for topic in range(1, n + 1):
        asker = rng.choice(people[:-1])
        start = _when(rng).astimezone(UTC).replace(microsecond=0)
        posts = [(asker, start)]
        at = start
        for _ in range(rng.choice([0, 1, 2, 3])):
            at = at + timedelta(minutes=rng.randrange(5, 4000))
            posts.append((rng.choice(people[:-1]), at))
        uid = _uuid("discourse", topic)
        item = _envelope("Discourse", DISCOURSE, uid, "topic", start)
        item["data"] = {
            "id": topic,
            "category_id": 1,
            "slug": f"topic-{topic}",
            "fancy_title": f"Topic {topic}",
            "views": 10,
            "like_count": 0,
            "posts_count": len(posts),
            "reply_count": len(posts) - 1,
            "participant_count": len({who.uuid for who, _ in posts}),
            "pinned": False,
            "pinned_at": None,
            "pinned_globally": False,
            "pinned_until": None,
            "created_at": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "post_stream": {
                "posts": [
                    {
                        "id": topic * 100 + number,
                        "username": who.login,
                        "name": who.name,
                        "user_id": 1000 + people.index(who),
                        "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "post_number": number,
                        "topic_id": topic,
                        "topic_slug": f"topic-{topic}",
                        "display_username": who.name,
                        "trust_level": 1,
                        "reads": 1,
                        "score": 0,
                        "reply_count": 0,
                    }
                    for number, (who, when) in enumerate(posts, start=1)
                ]
            },
        }
        items.append(item)
        docs.append(_doc(asker, DISCOURSE, uid, start, id=str(topic), type="question"))
        for number, (who, when) in enumerate(posts, start=1):
            docs.append(
                _doc(
                    who,
                    DISCOURSE,
                    uid,
                    when,
                    start,
                    id=f"{topic}_{topic * 100 + number}",
                    type="answer",
                    first_answer=int(number == 1),
                )
            )


def _mbox(c: Community, rng: random.Random, people: list[Person], n: int) -> None:
    items, docs = c.items.setdefault("mbox", []), c.documents.setdefault("mbox", [])
    roots: list[str] = []
    for i in range(n):
        person = rng.choice(people[:-1])
        when = _when(rng)
        message_id = f"<m{i}@lists.example.org>"
        reply = bool(roots) and rng.random() < 0.6
        uid = _uuid("mbox", i)
        item = _envelope("MBox", MBOX, uid, "message", when)
        item["data"] = {
            "Message-ID": message_id,
            "From": f"{person.name} <{person.emails[0]}>",
            "Date": when.strftime("%a, %d %b %Y %H:%M:%S %z"),
            "Subject": f"Subject {i}",
            "To": "readers@lists.example.org",
            "body": {"plain": f"Message {i}"},
            **({"In-Reply-To": rng.choice(roots)} if reply else {}),
        }
        if not reply:
            roots.append(message_id)
        items.append(item)
        docs.append(_doc(person, MBOX, uid, when, root=not reply))


def community(seed: int = 2024, people: int = 30, scale: int = 1) -> Community:
    """The activity of ``people`` people (and a bot), as items and as enriched documents."""
    rng = random.Random(seed)
    everyone = _people(rng, people)
    made = Community()
    _git(made, rng, everyone, 300 * scale)
    _github(made, rng, everyone, 60 * scale)
    _discourse(made, rng, everyone, 80 * scale)
    _mbox(made, rng, everyone, 120 * scale)
    forum, code = "forum.example.org", "github.com"
    for person in everyone:
        made.aliases += [(person.uuid, email) for email in person.emails]
        made.aliases += [(person.uuid, f"{host}:{person.login}") for host in (forum, code)]
    return made
