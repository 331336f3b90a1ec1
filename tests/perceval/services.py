"""API responses shaped like each service's documented API, for one small community.

Each ``*_routes(base)`` returns the routes a :func:`tests.perceval.server.serve` server
answers; each ``run_*`` runs the real Perceval command against it and returns the
JSON-lines file. ``PEOPLE`` lists every name, username and email that appears, so a
test can check none of them reaches an events file or an output.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

PEOPLE = [
    "Alice Andersen",
    "alice",
    "alice@example.org",
    "Bruno Bianchi",
    "bruno",
    "Carla Quintero",
    "carla_q",
    "alice_s",
    "bruno_b",
    "Dmitri Volkov",
    "dmitri",
    "Eve Example",
    "Farid Haddad",
    "Grace Mentor",
    "bruno@example.org",
]

PERCEVAL = Path(sys.executable).with_name("perceval")


def perceval(out: Path, *args: str) -> Path:
    """Run the real ``perceval`` command; its JSON lines go to ``out``."""
    with out.open("w", encoding="utf-8") as stream:
        done = subprocess.run(
            [str(PERCEVAL), *args, "--json-line"],
            stdout=stream,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    if done.returncode != 0 or "Error!" in done.stderr:  # Perceval logs some failures, exit 0
        raise RuntimeError(f"perceval {' '.join(args)} failed:\n{done.stderr}")
    return out


# --- Discourse: /latest.json, /t/{id}.json -------------------------------------------------------

DISCOURSE_POSTS = [  # (post id, username, name, created_at, post_number)
    (71, "alice", "Alice Andersen", "2024-03-04T09:00:00.000Z", 1),
    (72, "bruno", "Bruno Bianchi", "2024-03-04T11:00:00.000Z", 2),
    (73, "alice", "Alice Andersen", "2024-03-04T12:30:00.000Z", 3),
]


def discourse_routes(base: str) -> dict[str, Any]:
    posts = [
        {
            "id": pid,
            "username": user,
            "name": name,
            "user_id": 1 if user == "alice" else 2,
            "created_at": created,
            "post_number": number,
            "reply_to_post_number": None if number == 1 else 1,
            "cooked": "<p>Hello</p>",
        }
        for pid, user, name, created, number in DISCOURSE_POSTS
    ]
    topic = {
        "id": 7,
        "title": "Where do we meet for the L10N sprint?",
        "created_at": "2024-03-04T09:00:00.000Z",
        "last_posted_at": "2024-03-04T12:30:00.000Z",
        "posts_count": 3,
        "chunk_size": 20,
        "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]},
    }
    summary = {
        "id": 7,
        "title": topic["title"],
        "last_posted_at": topic["last_posted_at"],
        "pinned": False,
    }

    def latest(query: dict[str, list[str]]) -> dict[str, Any]:
        page = int(query.get("page", ["0"])[0])
        return {"topic_list": {"topics": [summary] if page == 0 else []}}

    return {"/latest.json": latest, "/t/7.json": topic}


# --- Kitsune (SUMO): /api/2/question/, /api/2/answer/ --------------------------------------------

KITSUNE_QUESTION_CREATED = "2024-03-04T08:00:00-08:00"  # SUMO answers in Pacific time
KITSUNE_ANSWERS = [  # (id, username, display name, created)
    (5001, "alice_s", "Alice Andersen", "2024-03-04T11:00:00-08:00"),
    (5002, "bruno_b", "Bruno Bianchi", "2024-03-04T13:00:00-08:00"),
    (5003, "carla_q", "Carla Quintero", "2024-03-04T14:00:00-08:00"),
]


def kitsune_routes(base: str) -> dict[str, Any]:
    question = {
        "id": 1001,
        "title": "Sync stopped working",
        "content": "Since the update my bookmarks no longer sync.",
        "created": KITSUNE_QUESTION_CREATED,
        "updated": "2024-03-04T14:00:00-08:00",
        "creator": {"username": "carla_q", "display_name": "Carla Quintero"},
        "product": "firefox",
        "locale": "en-US",
        "is_solved": True,
        "num_votes": 1,
    }
    answers = [
        {
            "id": aid,
            "question": 1001,
            "content": "Try this.",
            "created": created,
            "updated": created,
            "creator": {"username": user, "display_name": name},
        }
        for aid, user, name, created in KITSUNE_ANSWERS
    ]
    return {
        "/api/2/question/": {"count": 1, "next": None, "previous": None, "results": [question]},
        "/api/2/answer/": {"count": 3, "next": None, "previous": None, "results": answers},
    }


# --- ReMo (Reps portal): /api/remo/v1/events/, /api/remo/v1/activities/ --------------------------


def remo_routes(base: str) -> dict[str, Any]:
    api = f"{base}/api/remo/v1"
    owner = {
        "first_name": "Dmitri",
        "last_name": "Volkov",
        "display_name": "dmitri",
        "_url": f"{api}/users/5/",
    }
    mentor = {
        "first_name": "Grace",
        "last_name": "Mentor",
        "display_name": "gmentor",
        "_url": f"{api}/users/6/",
    }
    event = {
        "name": "Firefox launch party",
        "description": "Hands-on session",
        "start": "2024-03-09T16:00:00Z",
        "end": "2024-03-09T20:00:00Z",
        "estimated_attendance": 40,
        "city": "Nairobi",
        "country": "Kenya",
        "owner": owner,
        "remo_url": "https://reps.example.org/e/launch-party/",
        "categories": [{"name": "Localization"}],
    }
    activity = {
        "user": owner,
        "mentor": mentor,
        "activity": "Organized an Event",
        "report_date": "2024-03-10",
        "initiative": "Firefox launch",
        "location": "Nairobi, Kenya",
        "remo_url": "https://reps.example.org/u/dmitri/r/2024/March/10/1/",
    }

    def listing(url: str) -> dict[str, Any]:
        return {"count": 1, "next": None, "previous": None, "results": [{"_url": url}]}

    return {
        "/api/remo/v1/events/": listing(f"{api}/events/1/"),
        "/api/remo/v1/events/1/": event,
        "/api/remo/v1/activities/": listing(f"{api}/activities/9/"),
        "/api/remo/v1/activities/9/": activity,
        # profiles (perceval remo --category user): people, not activity
        "/api/remo/v1/users/": listing(f"{api}/users/5/"),
        "/api/remo/v1/users/5/": {
            **owner,
            "fullname": "Dmitri Volkov",
            "country": "Kenya",
            "date_joined_program": "2019-05-01",
            "remo_url": "https://reps.example.org/u/dmitri/",
        },
    }


# --- Pontoon (L10N): /api/v2/user-actions/{date}/project/{slug}/ --------------------------------

PONTOON_PROJECT = {"pk": 1, "slug": "firefox", "name": "Firefox"}


def _pontoon_action(
    kind: str, date: str, user: tuple[int, str], translation: int
) -> dict[str, Any]:
    return {
        "type": kind,
        "date": date,
        "user": {"pk": user[0], "name": user[1], "system_user": False},
        "locale": {"pk": 5, "code": "de", "name": "German"},
        "entity": {"pk": 900, "key": "sync-stopped"},
        "resource": {"pk": 3, "path": "browser/sync.ftl", "format": "ftl"},
        "translation": {"pk": translation, "string": "Synchronisierung angehalten"},
    }


def pontoon_routes(base: str) -> dict[str, Any]:
    day = [
        _pontoon_action(
            "translation:created", "2024-03-01T10:00:00.000Z", (101, "Eve Example"), 7000
        ),
        _pontoon_action(
            "translation:approved", "2024-03-01T16:00:00.000Z", (102, "Farid Haddad"), 7000
        ),
    ]
    return {
        "/api/v2/user-actions/2024-03-01/project/firefox/": {
            "actions": day,
            "project": PONTOON_PROJECT,
        }
    }


def pontoon_other_days(path: str, query: dict[str, list[str]]) -> dict[str, Any] | None:
    """Days without activity still answer, with no actions."""
    if path.startswith("/api/v2/user-actions/") and path.endswith("/project/firefox/"):
        return {"actions": [], "project": PONTOON_PROJECT}
    return None


# --- GitHub (REST v3 under /api/v3, as GitHub Enterprise serves it) ------------------------------

GITHUB_USERS = {
    "alice": {
        "login": "alice",
        "name": "Alice Andersen",
        "email": "alice@example.org",
        "type": "User",
    },
    "bruno": {"login": "bruno", "name": "Bruno Bianchi", "email": None, "type": "User"},
    "dependabot[bot]": {"login": "dependabot[bot]", "name": None, "email": None, "type": "Bot"},
}


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "type": GITHUB_USERS[login]["type"]}


def github_routes(base: str) -> dict[str, Any]:
    repo = "/api/v3/repos/mozilla/sumo-docs"
    issue = {
        "id": 9001,
        "number": 1,
        "title": "Broken link on the sync article",
        "state": "open",
        "user": _user("alice"),
        "created_at": "2024-03-04T09:00:00Z",
        "updated_at": "2024-03-04T15:00:00Z",
        "comments": 2,
        "reactions": {"total_count": 0},
        "assignee": None,
        "assignees": [],
    }
    pull_issue = {
        "id": 9002,
        "number": 2,
        "title": "Bump markdown-it",
        "state": "closed",
        "user": _user("dependabot[bot]"),
        "created_at": "2024-03-05T08:00:00Z",
        "updated_at": "2024-03-05T12:00:00Z",
        "comments": 0,
        "reactions": {"total_count": 0},
        "assignee": None,
        "assignees": [],
        "pull_request": {"url": f"{base}{repo}/pulls/2"},
    }
    comments = [
        {
            "id": 11,
            "user": _user("dependabot[bot]"),
            "created_at": "2024-03-04T10:00:00Z",
            "body": "automated",
            "reactions": {"total_count": 0},
        },
        {
            "id": 12,
            "user": _user("bruno"),
            "created_at": "2024-03-04T13:00:00Z",
            "body": "Fixed in the draft.",
            "reactions": {"total_count": 0},
        },
    ]
    pull = {
        **pull_issue,
        "merged_at": "2024-03-05T12:00:00Z",
        "merged_by": _user("alice"),
        "review_comments": 1,
        "requested_reviewers": [],
        "commits": 0,
        "base": {"ref": "main"},
        "head": {"ref": "dependabot/npm/markdown-it"},
    }
    del pull["pull_request"]
    reviews = [
        {
            "id": 21,
            "user": _user("bruno"),
            "state": "APPROVED",
            "submitted_at": "2024-03-05T11:00:00Z",
            "html_url": f"{base}/r/21",
        }
    ]
    review_comments = [
        {
            "id": 22,
            "user": _user("bruno"),
            "created_at": "2024-03-05T10:30:00Z",
            "url": f"{base}/c/22",
            "reactions": {"total_count": 0},
        }
    ]
    routes: dict[str, Any] = {
        f"{repo}/issues": [issue, pull_issue],
        f"{repo}/issues/1/comments": comments,
        f"{repo}/issues/2/comments": [],
        f"{repo}/pulls/2": pull,
        f"{repo}/pulls/2/reviews": reviews,
        f"{repo}/pulls/2/comments": review_comments,
        "/api/v3/rate_limit": {"resources": {"core": {"limit": 5000, "remaining": 5000}}},
    }
    for login, record in GITHUB_USERS.items():
        routes[f"/api/v3/users/{login}"] = record
        routes[f"/api/v3/users/{login}/orgs"] = []
    return routes


# --- Bugzilla (REST API under /rest) -----------------------------------------------------------


def bugzilla_routes(base: str) -> dict[str, Any]:
    bug = {
        "id": 1880001,
        "summary": "Sync article shows the old menu",
        "creation_time": "2024-03-04T09:00:00Z",
        "last_change_time": "2024-03-04T16:00:00Z",
        "creator": "alice@example.org",
        "creator_detail": {"email": "alice@example.org", "name": "alice@example.org",
                           "real_name": "Alice Andersen"},
        "product": "support.mozilla.org",
        "component": "Knowledge Base Content",
        "status": "NEW",
    }  # fmt: skip
    comments = [
        {"id": 1, "count": 0, "bug_id": 1880001, "creator": "alice@example.org",
         "creation_time": "2024-03-04T09:00:00Z", "text": "Steps to reproduce..."},
        {"id": 2, "count": 1, "bug_id": 1880001, "creator": "bruno@example.org",
         "creation_time": "2024-03-04T16:00:00Z", "text": "Confirmed."},
    ]  # fmt: skip

    def bugs(query: dict[str, list[str]]) -> dict[str, Any]:
        first = int(query.get("offset", ["0"])[0]) == 0
        return {"bugs": [bug] if first else []}

    return {
        "/rest/bug": bugs,
        "/rest/bug/1880001/comment": {"bugs": {"1880001": {"comments": comments}}},
        "/rest/bug/1880001/history": {"bugs": [{"id": 1880001, "history": []}]},
        "/rest/bug/1880001/attachment": {"bugs": {"1880001": []}},
        "/rest/version": {"version": "5.0.4"},
    }


# --- GitLab (REST v4 under /api/v4, project "mozilla/l10n-docs") --------------------------------


def gitlab_routes(base: str) -> dict[str, Any]:
    project = "/api/v4/projects/mozilla/l10n-docs"  # the server decodes the %2F GitLab wants
    alice = {"id": 31, "username": "alice", "name": "Alice Andersen", "state": "active"}
    bruno = {"id": 32, "username": "bruno", "name": "Bruno Bianchi", "state": "active"}
    issue = {"id": 7001, "iid": 1, "title": "Glossary page is out of date", "state": "opened",
             "author": alice, "created_at": "2024-03-04T09:00:00.000Z",
             "updated_at": "2024-03-04T12:00:00.000Z", "user_notes_count": 1}  # fmt: skip
    notes = [
        {"id": 81, "body": "added ~docs label", "author": bruno, "system": True,
         "created_at": "2024-03-04T09:30:00.000Z"},
        {"id": 82, "body": "On it.", "author": bruno, "system": False,
         "created_at": "2024-03-04T12:00:00.000Z"},
    ]  # fmt: skip
    return {
        project: {"id": 55, "path_with_namespace": "mozilla/l10n-docs"},
        f"{project}/issues": [issue],
        f"{project}/issues/1/notes": notes,
        f"{project}/issues/1/award_emoji": [],
        f"{project}/issues/1/notes/81/award_emoji": [],
        f"{project}/issues/1/notes/82/award_emoji": [],
    }
