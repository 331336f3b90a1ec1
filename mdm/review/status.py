"""``mdm status`` for people: where each document stands with its reviewers.

:func:`mdm.build.signoff.project_status` gives the facts (stakeholder ids, for scripts:
``mdm status --json``); :func:`status_table` tells people: a summary line per document
first, then only the sections whose state differs from the document's (every section
with ``verbose``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["status_table", "summary"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(doc: str, info: dict[str, Any], names: dict[str, str]) -> str:
    """``proposal 0.3: 1 of 5 agreed; waiting for …; not yet asked: …; 2 open comments; …``."""
    titles = {s["section"]: s["title"] for s in info["sections"]}
    if info["agreements"]:
        parts = [f"{len(info['agreed'])} of {len(info['agreements'])} agreed"]
    else:
        parts = ["nobody holds the agreement role (params/stakeholders.yaml)"]
    # as the documents' badges say it: only someone asked to agree is waited for
    unasked = [w for w in info["waiting_for"] if info["agreements"].get(w) == "not asked"]
    asked = [w for w in info["waiting_for"] if w not in unasked]
    if asked:
        parts.append("waiting for " + ", ".join(names.get(w, w) for w in asked))
    if unasked:
        parts.append("not yet asked: " + ", ".join(names.get(w, w) for w in unasked))
    parts.append(_plural(info["open_feedback"], "open comment"))
    if info["objections"]:
        on = [titles.get(s, s) for o in info["objections"] for s in o["sections"]]
        where_ = f" on {', '.join(dict.fromkeys(on))}" if on else ""
        parts.append(_plural(len(info["objections"]), "objection") + where_)
    decision = info["decision"]
    if decision:
        said = decision["state"].replace("_", " ")
        parts.append(f"{said} by {names.get(decision['by'], decision['by'])} ({decision['date']})")
    else:
        parts.append("decision pending")
    return f"{doc} {info['version']}: " + "; ".join(parts)


def _rows(info: dict[str, Any], names: dict[str, str], verbose: bool) -> list[str]:
    """The sections whose state differs from the document's (all of them with ``verbose``)."""
    sections = info["sections"]
    usual = Counter(s["state"] for s in sections).most_common(1)[0][0]
    shown = sections if verbose else [s for s in sections if s["state"] != usual]
    lines = []
    if shown:
        width = max(len(s["title"]) for s in shown)
        lines.append(f"  {'section':<{width}}  {'state':<18}  agreed  open  still to agree")
    order = list(info["agreements"])  # the order of params/stakeholders.yaml
    for s in shown:
        people = s["signed"] + s["needs_rereview"] + s["waiting_for"] + s["objections"]
        rest = sorted(s["waiting_for"] + s["needs_rereview"] + s["objections"], key=order.index)
        who = ", ".join(names.get(w, w) for w in rest) or "-"
        agreed = f"{len(s['signed'])}/{len(people)}"
        lines.append(
            f"  {s['title']:<{width}}  {s['state']:<18}  {agreed:>6}  "
            f"{s['open_feedback']:>4}  {who}"
        )
    if not verbose:
        lines.append(f"  {'other sections' if shown else 'every section'}: {usual}")
    return lines


def _out_of_date(info: dict[str, Any]) -> str:
    titles = {s["section"]: s["title"] for s in info["sections"]}
    stale = info["stale"]
    which = (
        "every section" if set(stale) >= set(titles) else ", ".join(titles.get(s, s) for s in stale)
    )
    return (
        f"  out of date: {which} changed since the last build (params, data or mdm); "
        "the states below are the last build's: run `mdm build`"
    )


def status_table(status: dict[str, Any], verbose: bool = False) -> str:
    """The status for people, as plain text readable in a terminal and in CI logs."""
    names: dict[str, str] = status.get("names", {})
    lines = [status["project"]]
    for doc, info in status["documents"].items():
        lines += ["", summary(doc, info, names)]
        if not info["built"]:
            lines.append(
                "  not built yet: run `mdm build` to see the sign-off state of its sections"
            )
            continue
        if info["stale"]:
            lines.append(_out_of_date(info))
        lines += _rows(info, names, verbose)
    return "\n".join(lines)
