"""From a Perceval item to mdm events: one small mapping function per backend.

mdm never imports Perceval (GPL-3.0+); it reads the JSON items Perceval writes
(``perceval BACKEND ... --json-line``). Every item has the same envelope
(``backend_name``, ``origin``, ``uuid``, ``category``, ``updated_on``, ``data``);
``data`` is the tool's own record, whose shape each function below knows.

An item may give several events: an issue with five comments is one
``issue_opened`` and five ``comment`` events sharing a thread. Each event names
the person behind it by the identities that tool knows (an email, a username on
a host) and the names to keep out of every output; :mod:`mdm.sources.identities`
turns them into one pseudonymous contributor.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urlparse

__all__ = ["APPLIED", "BACKENDS", "Actor", "Mapped", "map_item"]

APPLIED = "commit_applied"
"""A commit applied by someone other than its author: the committer's event."""

Item = dict[str, Any]


class Actor(NamedTuple):
    """Who did something: identity keys that unify people, and names that are protected."""

    keys: tuple[str, ...]
    """``email:ADDRESS`` or ``user:HOST:USERNAME`` (lower case); never written to events."""
    names: tuple[str, ...] = ()
    bot: bool = False
    """The tool itself says it is an automated account (GitHub ``type: Bot``, ...)."""


class Mapped(NamedTuple):
    """One event from an item; ``when`` is (UTC nanoseconds, UTC offset in minutes)."""

    event_id: str
    when: tuple[int, int]
    activity_type: str
    thread_id: str | None
    actor: Actor


# --- timestamps: the instant in UTC and the offset it was written with ----------------------

_NS = 1_000_000_000
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(moment: datetime) -> tuple[int, int]:
    if moment.tzinfo is None:  # a date without a zone (ReMo reports): read as UTC
        moment = moment.replace(tzinfo=UTC)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000, minutes


def iso_time(text: str) -> tuple[int, int]:
    """``2017-03-01T14:05:00Z``, ``...+05:30``, ``2013-06-25 11:55:46 +0200`` or a bare date."""
    text = text.strip()
    if len(text) > 19 and text[-6] == " " and text[-5] in "+-":  # Bugzilla's "... +0200"
        text = text[:-6] + text[-5:]
    return _instant(datetime.fromisoformat(text))


def git_time(text: str) -> tuple[int, int]:
    """Git's ``Tue Nov 24 09:14:25 2026 +0200`` (read by hand: strptime is slow)."""
    _, month, day, clock, year, zone = text.split()
    hour, minute, second = clock.split(":")
    sign = -1 if zone[0] == "-" else 1
    offset = sign * (int(zone[1:3]) * 60 + int(zone[3:5]))
    local = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    seconds = (local - _EPOCH.replace(tzinfo=None)).total_seconds() - offset * 60
    return int(seconds) * _NS, offset


def mail_time(text: str) -> tuple[int, int]:
    """An RFC 2822 ``Date:`` header, e.g. ``Mon, 2 Oct 2017 10:00:00 -0700``."""
    return _instant(parsedate_to_datetime(text))


# --- identities and ids ------------------------------------------------------------------------


def host_of(origin: str) -> str:
    """The service a username belongs to: the origin's host (or the origin itself)."""
    return (urlparse(origin).netloc or origin).lower()


def email_key(address: str | None) -> tuple[str, ...]:
    address = (address or "").strip().lower()
    return (f"email:{address}",) if "@" in address else ()


def user_key(host: str, username: object) -> tuple[str, ...]:
    name = str(username).strip().lower() if username not in (None, "") else ""
    return (f"user:{host}:{name}",) if name else ()


def _names(*values: object) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values if isinstance(v, str) and v.strip())


def digest(*parts: object) -> str:
    """A short, stable, non-reversible id for a thread (no names, no message ids)."""
    joined = "\0".join(str(p) for p in parts).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(joined, digest_size=8).hexdigest()


def _event(
    item: Item, key: object, when: tuple[int, int], kind: str, thread: str | None, actor: Actor
) -> Mapped:
    return Mapped(f"{item['uuid']}:{key}", when, kind, thread, actor)


# --- one function per backend ------------------------------------------------------------------


_SIGNATURE = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")


def _signature(text: str) -> tuple[str, str]:
    """Git's ``Name <email>`` (email.utils chokes on ``dependabot[bot]@...``)."""
    match = _SIGNATURE.match(text)
    return (match[1], match[2]) if match else (text, "")


def _git_actor(signature: str) -> tuple[Actor, str]:
    """A git ``Name <email>``: the address is the identity even without an ``@`` (git takes
    any text there, and a real history has such authors)."""
    name, email = _signature(signature)
    address = email.strip().lower()
    return Actor((f"email:{address}",) if address else (), _names(name)), address


def _git(item: Item) -> Iterator[Mapped]:
    """The commit, for its author; and ``commit_applied`` for a committer who is someone
    else, which the importer keeps only when the project counts committers."""
    data = item["data"]
    author, author_email = _git_actor(data["Author"])
    yield _event(item, "author", git_time(data["AuthorDate"]), "commit", None, author)
    committer, committer_email = _git_actor(data.get("Commit") or "")
    if committer_email and committer_email != author_email:
        when = git_time(data["CommitDate"])
        yield _event(item, "committer", when, APPLIED, None, committer)


def _github_user(host: str, user: Any, full: Any = None) -> Actor:
    record = full if isinstance(full, dict) and full else user if isinstance(user, dict) else {}
    login = record.get("login")
    bot = record.get("type") == "Bot"
    return Actor(
        user_key(host, login) + email_key(record.get("email")),
        _names(login, record.get("name")),
        bot,
    )


def _github(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    thread = digest(item["origin"], "issue", data["number"])
    is_pull = item["category"] == "pull_request" or "pull_request" in data
    opener = _github_user(host, data.get("user"), data.get("user_data"))
    kind = "pull_request_opened" if is_pull else "issue_opened"
    # the issue and the pull-request item of one pull request share its opening event
    opened = f"{digest(item['origin'], 'opened', data['number'])}:opened"
    yield Mapped(opened, iso_time(data["created_at"]), kind, thread, opener)
    for comment in data.get("comments_data") or []:
        actor = _github_user(host, comment.get("user"), comment.get("user_data"))
        yield _event(item, comment["id"], iso_time(comment["created_at"]), "comment", thread, actor)
    for review in data.get("reviews_data") or []:
        if review.get("submitted_at"):
            actor = _github_user(host, review.get("user"), review.get("user_data"))
            when = iso_time(review["submitted_at"])
            yield _event(item, f"r{review['id']}", when, "review", thread, actor)
    for comment in data.get("review_comments_data") or []:
        actor = _github_user(host, comment.get("user"), comment.get("user_data"))
        when = iso_time(comment["created_at"])
        yield _event(item, f"rc{comment['id']}", when, "review_comment", thread, actor)
    if data.get("merged_at") and data.get("merged_by_data"):
        actor = _github_user(host, None, data["merged_by_data"])
        yield _event(item, "merged", iso_time(data["merged_at"]), "merge", thread, actor)


def _gitlab_user(host: str, user: Any) -> Actor:
    user = user if isinstance(user, dict) else {}
    bot = bool(user.get("bot")) or user.get("username", "").startswith("project_")
    return Actor(
        user_key(host, user.get("username")), _names(user.get("username"), user.get("name")), bot
    )


def _gitlab(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    is_merge = item["category"] == "merge_request"
    thread = digest(item["origin"], item["category"], data["iid"])
    kind = "merge_request_opened" if is_merge else "issue_opened"
    opener = _gitlab_user(host, data.get("author"))
    yield _event(item, "opened", iso_time(data["created_at"]), kind, thread, opener)
    for note in data.get("notes_data") or []:
        if note.get("system"):  # "changed the label": GitLab's own note, not a person's reply
            continue
        actor = _gitlab_user(host, note.get("author"))
        yield _event(item, note["id"], iso_time(note["created_at"]), "comment", thread, actor)


def _discourse(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    thread = digest(item["origin"], "topic", data["id"])
    for post in data["post_stream"]["posts"]:
        actor = Actor(
            user_key(host, post.get("username")),
            _names(post.get("username"), post.get("name")),
            post.get("user_id") == -1,  # Discourse's "system" user
        )
        kind = "topic_opened" if post.get("post_number") == 1 else "post"
        yield _event(item, post["id"], iso_time(post["created_at"]), kind, thread, actor)


def _bugzilla_rest(item: Item) -> Iterator[Mapped]:
    data = item["data"]
    thread = digest(item["origin"], "bug", data["id"])
    detail = data.get("creator_detail") or {}
    creator = Actor(
        email_key(detail.get("email") or data.get("creator")),
        _names(data.get("creator"), detail.get("real_name"), detail.get("name")),
    )
    yield _event(item, "opened", iso_time(data["creation_time"]), "bug_opened", thread, creator)
    for comment in data.get("comments") or []:
        if comment.get("count") == 0:  # comment 0 is the bug's description
            continue
        actor = Actor(email_key(comment.get("creator")), _names(comment.get("creator")))
        when = iso_time(comment["creation_time"])
        yield _event(item, comment["id"], when, "comment", thread, actor)


def _text(field: Any) -> str:
    """Perceval's XML-as-dict: ``[{"__text__": value, attributes...}]``."""
    return str(field[0].get("__text__", "")) if isinstance(field, list) and field else ""


def _bugzilla(item: Item) -> Iterator[Mapped]:
    data = item["data"]
    thread = digest(item["origin"], "bug", _text(data["bug_id"]))
    for index, comment in enumerate(data.get("long_desc") or []):
        who = comment["who"][0]
        actor = Actor(email_key(who.get("__text__")), _names(who.get("__text__"), who.get("name")))
        kind = "bug_opened" if index == 0 else "comment"
        yield _event(item, index, iso_time(_text(comment["bug_when"])), kind, thread, actor)


def _header(data: Item, name: str) -> str:
    wanted = name.lower()
    for key, value in data.items():
        if key.lower() == wanted and isinstance(value, str):
            return value
    return ""


def _mail(item: Item) -> Iterator[Mapped]:
    data = item["data"]
    name, address = parseaddr(_header(data, "From"))
    actor = Actor(email_key(address), _names(name))
    # the thread is its first message: the oldest reference, else the one it replies to
    references = _header(data, "References").split() or _header(data, "In-Reply-To").split()
    root = references[0] if references else _header(data, "Message-ID")
    kind = "message" if references else "thread_opened"
    when = mail_time(_header(data, "Date"))
    yield _event(item, 0, when, kind, digest(item["origin"], "thread", root.strip()), actor)


def _mediawiki(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    for revision in data.get("revisions") or []:
        user = revision.get("user")
        if not user or "userhidden" in revision:
            continue
        actor = Actor(user_key(host, user), _names(user), "bot" in revision.get("tags", ()))
        when = iso_time(revision["timestamp"])
        yield _event(item, revision["revid"], when, "page_edit", None, actor)


def _kitsune_user(host: str, creator: Any) -> Actor:
    creator = creator if isinstance(creator, dict) else {"username": creator}
    username = creator.get("username")
    return Actor(user_key(host, username), _names(username, creator.get("display_name")))


def _kitsune(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    thread = digest(item["origin"], "question", data["id"])
    asker = _kitsune_user(host, data.get("creator"))
    yield _event(item, "asked", iso_time(data["created"]), "question", thread, asker)
    for answer in data.get("answers_data") or []:
        actor = _kitsune_user(host, answer.get("creator"))
        yield _event(item, answer["id"], iso_time(answer["created"]), "answer", thread, actor)


def _remo_user(host: str, user: Any) -> Actor:
    user = user if isinstance(user, dict) else {}
    # a Rep's profile is /u/<display_name>/: that name is their username on the portal
    username = user.get("display_name") or user.get("_url")
    full = " ".join(_names(user.get("first_name"), user.get("last_name")))
    return Actor(user_key(host, username), _names(username, full))


def _remo(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    if item["category"] == "event":
        actor = _remo_user(host, data.get("owner"))
        yield _event(item, "event", iso_time(data["start"]), "event_organised", None, actor)
    elif item["category"] == "activity":
        actor = _remo_user(host, data.get("user"))
        yield _event(item, "report", iso_time(data["report_date"]), "activity_report", None, actor)
    # "user" items are profiles, not activity


_PONTOON_KINDS = {
    "translation:created": "translation",
    "translation:approved": "translation_review",
    "translation:unapproved": "translation_review",
    "translation:rejected": "translation_review",
    "translation:unrejected": "translation_review",
}


def _pontoon(item: Item) -> Iterator[Mapped]:
    data, host = item["data"], host_of(item["origin"])
    if item["category"] != "action" or data.get("type") not in _PONTOON_KINDS:
        return  # locales and entity snapshots are not activity; deletions are not counted
    user = data.get("user") or {}
    actor = Actor(
        user_key(host, user.get("pk")), _names(user.get("name")), bool(user.get("system_user"))
    )
    # one string in one locale: a translation and its review form a thread
    thread = digest(host, data["locale"]["code"], data["entity"]["pk"])
    yield _event(item, 0, iso_time(data["date"]), _PONTOON_KINDS[data["type"]], thread, actor)


BACKENDS: dict[str, Callable[[Item], Iterator[Mapped]]] = {
    "git": _git,
    "github": _github,
    "gitlab": _gitlab,
    "discourse": _discourse,
    "bugzilla": _bugzilla,
    "bugzillarest": _bugzilla_rest,
    "mbox": _mail,
    "pipermail": _mail,
    "hyperkitty": _mail,
    "mediawiki": _mediawiki,
    "kitsune": _kitsune,
    "remo": _remo,
    "pontoon": _pontoon,
}
"""Perceval ``backend_name`` → its mapping function."""


def map_item(item: Item) -> list[Mapped]:
    """The events of one Perceval item (KeyError/TypeError/ValueError on an unexpected shape)."""
    return list(BACKENDS[item["backend_name"].lower()](item))
