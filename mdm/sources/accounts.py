"""Who is a person: platform accounts and bots told apart from the people who contribute.

Real histories carry accounts that are not people. A **service** is a platform acting for
someone: GitHub's "web-flow" committer ``GitHub <noreply@github.com>`` on every commit
merged or edited on github.com, GitHub's merge button and its "Deleted user" placeholder,
Gerrit, Weblate, Pontoon's sync and other no-reply addresses. A **bot** is an account that
acts on its own: ``dependabot[bot]``, ``pyup-bot``, ``renovate``, CI accounts. Both are marked
``is_bot`` on import, so no metric counts them; :func:`classify` says which and why, for
``mdm people`` to show. The lists are documented in docs/sources.md; a project adds its
own under ``services:`` and ``bots:`` and overrules a mistake under ``not_bots:``.

Names are matched as :mod:`mdm.names` normalises them; a name "ends in bot" only when
``bot`` is a word of its own ("pyup.io bot", "ci-bot", "MozillaBot"), never inside a
surname such as "Chibotaru" or "Talbot".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from mdm.names import normalise

__all__ = ["BOT_NAMES", "SERVICES", "Mark", "Rules", "Service", "classify", "handles"]


@dataclass(frozen=True)
class Service:
    """A platform account: matched by any of its email globs, usernames or exact names."""

    label: str
    emails: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    """``host:login`` (lower case)."""
    names: tuple[str, ...] = ()


SERVICES: tuple[Service, ...] = (
    Service(
        "GitHub web-flow: commits made or merged on github.com",
        emails=("noreply@github.com",),
        users=("github.com:web-flow",),
    ),
    Service("GitHub's merge button", emails=("merge-button@github.com",)),
    Service(
        "GitHub's placeholder for a deleted account",
        emails=("ghost@github.com",),
        users=("github.com:ghost",),
        names=("Deleted user",),
    ),
    Service("GitHub Actions", emails=("action@github.com", "actions@github.com")),
    Service("GitLab", emails=("gitlab@*",), names=("GitLab",)),
    Service("Gitea", emails=("gitea@*",), names=("Gitea",)),
    Service(
        "Gerrit Code Review",
        emails=("gerrit@*", "noreply-gerritcodereview@*"),
        names=("Gerrit Code Review",),
    ),
    Service("Phabricator", emails=("phabricator@*",), names=("Phabricator",)),
    Service(
        "Weblate",
        emails=("noreply@weblate.org", "hosted@weblate.org"),
        names=("Weblate", "Hosted Weblate"),
    ),
    Service("Pontoon's sync", emails=("pontoon@mozilla.com",), names=("Mozilla Pontoon",)),
    Service(
        "a no-reply address: a platform, never a person",
        emails=("noreply@*", "no-reply@*", "noreply-*@*", "no_reply@*", "donotreply@*"),
    ),
)
"""Built-in platform accounts (docs/sources.md lists them)."""

BOT_NAMES = frozenset(
    [
        "dependabot",
        "dependabot-preview",
        "renovate",
        "greenkeeper",
        "github-actions",
        "pyup",
        "whitesource",
        "whitesource-bolt-for-github",
        "snyk",
        "mergify",
        "codecov",
        "imgbot",
        "allcontributors",
    ]
)
"""Known bot services: a login, a name's first word or an address's local part equal to one."""

# "bot" as a word of its own at the end: "pyup-bot", "pyup.io bot", "ci_bot", "MozillaBot"
_ENDS_IN_BOT = re.compile(r"(?:^|[\s._+\-])bot$|[a-z0-9]Bot$")
_BOT_ADDRESS = re.compile(r"^(?:bot|.*[._+\-]bot)@", re.IGNORECASE)


@dataclass(frozen=True)
class Mark:
    """Why an identity is not (or, under ``not_bots:``, is) a person."""

    kind: Literal["bot", "service", "person"]
    reason: str


@dataclass(frozen=True)
class Rules:
    """The project's own lists (``params/project.yaml``), lower-cased globs."""

    bots: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    not_bots: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, bots: Sequence[str] = (), services: Sequence[str] = (), not_bots: Sequence[str] = ()
    ) -> Rules:
        return cls(_lower(bots), _lower(services), _lower(not_bots))


def _lower(patterns: Sequence[str]) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in patterns)


def handles(keys: Iterable[str], names: Iterable[str]) -> list[str]:
    """What a params pattern is matched against: emails, logins (no host) and names."""
    found = [k.split(":", 2)[-1] if k.startswith("user:") else k.partition(":")[2] for k in keys]
    return found + [n.strip() for n in names]


def _listed(patterns: tuple[str, ...], values: list[str]) -> str | None:
    for pattern in patterns:
        if any(fnmatchcase(v.lower(), pattern) for v in values):
            return pattern
    return None


def _service(keys: list[str], names: list[str]) -> str | None:
    emails = [k[6:] for k in keys if k.startswith("email:")]
    users = [k[5:] for k in keys if k.startswith("user:")]
    normalised = {normalise(n) for n in names}
    for service in SERVICES:
        if (
            any(fnmatchcase(e, p) for e in emails for p in service.emails)
            or any(u in service.users for u in users)
            or any(normalise(n) in normalised for n in service.names)
        ):
            return service.label
    return None


def _bot(keys: list[str], names: list[str]) -> str | None:
    logins = [k.split(":", 2)[-1] for k in keys if k.startswith("user:")]
    emails = [k[6:] for k in keys if k.startswith("email:")]
    for handle in [*logins, *emails, *names]:
        if "[bot]" in handle.lower():
            return "a [bot] account (a GitHub App)"
    for handle in [*logins, *names]:
        if _ENDS_IN_BOT.search(handle.strip()) or _ENDS_IN_BOT.search(handle.strip().lower()):
            return f"its name ends in the word 'bot' ({handle.strip()!r})"
    for email in emails:
        if _BOT_ADDRESS.match(email):
            return f"a bot's address ({email})"
    firsts = {h.lower().split()[0] for h in [*logins, *names] if h.split()}
    firsts |= {e.partition("@")[0] for e in emails}
    known = sorted(firsts & BOT_NAMES)
    if known:
        return f"a known bot service ({known[0]})"
    return None


def classify(
    keys: Iterable[str], names: Iterable[str], rules: Rules, tool_says_bot: bool = False
) -> Mark | None:
    """The mark of one person's identities (``email:...``, ``user:HOST:LOGIN``) and names;
    None for a person no rule applies to."""
    keys, names = sorted(keys), sorted(n for n in names if n.strip())
    values = handles(keys, names)
    pattern = _listed(rules.not_bots, values)
    if pattern is not None:
        return Mark("person", f"listed as a person, not a bot ({pattern!r})")
    pattern = _listed(rules.services, values)
    if pattern is not None:
        return Mark("service", f"listed under services: ({pattern!r})")
    label = _service(keys, names)
    if label is not None:
        return Mark("service", label)
    pattern = _listed(rules.bots, values)
    if pattern is not None:
        return Mark("bot", f"listed under bots: ({pattern!r})")
    if tool_says_bot:
        return Mark("bot", "the tool marks the account as a bot")
    reason = _bot(keys, names)
    return Mark("bot", reason) if reason is not None else None
