"""Short pandas programs that recompute a number of a document from the events file alone.

``mdm explain`` prints one with every value: a reader who doubts a number runs it in the project
folder and gets the same number without mdm, from the same file. Each metric that can be a value
has a ``per_period`` function written out in plain pandas, the way its definition in
docs/metrics.md reads (mdm's own computation is vectorised NumPy, so the two are independent);
the lines around it load the file, cut it at the reference day and pick the periods. The
snippets print aggregates only, never a contributor id. A test runs the snippet of every value
of the example project and compares what it prints with the number in the document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdm.params.models import MetricKeys
from mdm.report.periods import Span

__all__ = ["Recompute", "chart_snippet", "has_snippet", "value_snippet"]

_BOTS = '    e = events[~events["is_bot"]]  # bots and service accounts are not people\n'

_BODIES: dict[str, str] = {
    "contributors": _BOTS
    + "{keep}"
    + '    return e.groupby(period(e["timestamp"]))["contributor_id"].nunique()\n',
    "new_contributors": _BOTS
    + '    first = e.groupby("contributor_id")["timestamp"].min()  # over the whole history\n'
    + "{keep}"
    + '    new = e[period(e["timestamp"]) == period(e["contributor_id"].map(first))]\n'
    + '    return new.groupby(period(new["timestamp"]))["contributor_id"].nunique()\n',
    "inactive_contributors": _BOTS
    + "{keep}"
    + '    last = e.groupby("contributor_id")["timestamp"].max()  # each person\'s last contribution\n'
    + '    gone = last[last < e["timestamp"].max() - pd.Timedelta(days=365)]\n'
    + "    return gone.groupby(period(gone)).size()  # in the period of their last contribution\n",
    "activity_status": _BOTS
    + "{keep}"
    + '    month = period(e["timestamp"], "M")\n'
    + "    numbers = {{}}\n"
    + "    for p in pd.period_range(month.min().asfreq(FREQ), month.max().asfreq(FREQ), freq=FREQ):\n"
    + '        end = p.asfreq("M", "end") + 1  # the first month after the period\n'
    + "        # each person's latest month of contribution before it\n"
    + '        last = month[month < end].groupby(e["contributor_id"]).max()\n'
    + "        numbers[p] = int({pick})\n"
    + "    return pd.Series(numbers)\n",
    "onion": "def layer(contributions):\n"
    + "    counts = contributions.value_counts()  # contributions per person, most first\n"
    + "    above = (counts.cumsum() - counts) * 100  # made by everyone ranked higher, × 100\n"
    + "    total = counts.sum()\n"
    + "    return int({pick})\n\n\n"
    + "def per_period(events):\n"
    + _BOTS
    + "{keep}"
    + '    return e.groupby(period(e["timestamp"]))["contributor_id"].agg(layer)\n',
    "time_to_first_response": '    t = events[events["thread_id"].fillna("") != ""]  # events in a thread\n'
    + '    t = t.sort_values("timestamp", kind="stable").sort_values("thread_id", kind="stable")\n'
    + '    opened = t.groupby("thread_id").head(1).set_index("thread_id")  # its first event\n'
    + '    t = t.join(opened[["contributor_id", "timestamp"]], on="thread_id", rsuffix="_opened")\n'
    + '    others = t["contributor_id"] != t["contributor_id_opened"]\n'
    + '    replies = t[others & ~t["is_bot"] & (t["timestamp"] > t["timestamp_opened"])]\n'
    + '    answered = replies.groupby("thread_id")["timestamp"].min()  # the first reply\n'
    + '    e = opened[~opened["is_bot"]]  # threads a person opened\n'
    + "{keep}"
    + '    hours = (answered.reindex(e.index) - e["timestamp"]) / pd.Timedelta(hours=1)\n'
    + '    return {pick}.groupby(period(e["timestamp"])).{how}\n',
    "conversion_rate": _BOTS
    + "{keep}"
    + '    entry = e["activity_type"] == {entry}\n'
    + '    entered = e[entry].groupby("contributor_id")["timestamp"].min()  # first entry\n'
    + '    later = e[~entry].join(entered.rename("entered"), on="contributor_id", how="inner")\n'
    + '    after = (later["timestamp"] > later["entered"]) & (\n'
    + '        later["timestamp"] <= later["entered"] + pd.Timedelta(days=180)\n'
    + "    )\n"
    + '    made = later[after].groupby("contributor_id").size()\n'
    + "    converted = made.reindex(entered.index, fill_value=0) >= 3\n"
    + "    return converted.groupby(period(entered)).{how}\n",
    "multi_area_share": _BOTS
    + "{keep}"
    + '    areas = e.groupby([period(e["timestamp"]), "contributor_id"])["area"].nunique()\n'
    + "    return {pick}.groupby(level=0).{how}\n",
}
# what each value column takes from its metric's body: {pick} and {how}
_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "activity_status": {
        "active": ("(last >= end - 6).sum()", ""),
        "drifting": ("((last >= end - 12) & (last < end - 6)).sum()", ""),
        "away": ("(last < end - 12).sum()", ""),
    },
    "onion": {
        "core": ("(above < 80 * total).sum()", ""),
        "regular": ("((above >= 80 * total) & (above < 95 * total)).sum()", ""),
        "casual": ("(above >= 95 * total).sum()", ""),
    },
    "time_to_first_response": {
        "median_hours": ("hours", "median()"),
        "p90_hours": ("hours", "quantile(0.9)"),
        "answered": ("hours.notna()", "mean()"),
        "threads": ("hours", "size()"),
    },
    "conversion_rate": {
        "rate": ("", "mean()"),
        "entered": ("", "size()"),
        "converted": ("", "sum()"),
    },
    "multi_area_share": {
        "share": ("(areas >= 2)", "mean()"),
        "contributors": ("areas", "size()"),
        "multi_area": ("(areas >= 2)", "sum()"),
    },
}


def has_snippet(metric: str) -> bool:
    """Whether a number of ``metric`` can be recomputed by a snippet."""
    return metric in _BODIES


@dataclass(frozen=True)
class Recompute:
    """What a snippet computes: which number, over which days, from which file."""

    statistic: str
    """latest · previous · change · change_pct · headline (latest, then change_pct)"""
    latest: Span | None
    previous: Span | None
    to_date: bool
    reference: date


def value_snippet(
    spec: MetricKeys, column: str, count: bool, what: Recompute, path: str, columns: Sequence[str]
) -> str:
    """The program that prints a value (or a headline's number and change), one a line.

    ``count``: the column is a count, so a period without events is 0 rather than missing;
    ``columns``: the columns the events file has (optional ones are filled in when absent).
    """
    lines = [*_head(path, columns, spec.freq), *_body(spec, column), "", ""]
    wanted = {
        "latest": ["latest"],
        "previous": ["previous"],
        "change": ["latest - previous"],
        "change_pct": ["(latest - previous) / previous * 100"],
        "headline": ["latest", "(latest - previous) / previous * 100"],
    }[what.statistic]
    needs = [
        (name, span)
        for name, span in (("latest", what.latest), ("previous", what.previous))
        if span is not None and any(name in w for w in wanted)
    ]
    default = ", 0" if count else ""  # a period without events has none
    if what.to_date:
        lines.append("# each span counted with what was known on its last day")
        for name, span in needs:
            counted = f"per_period(before({_q(_next(span.last))}))"
            lines.append(f"{name} = {counted}.get(pd.Period({_q(span.period)}, FREQ){default})")
    else:
        lines.append(f"numbers = per_period(before({_q(_next(what.reference))}))")
        for name, span in needs:
            lines.append(f"{name} = numbers.get(pd.Period({_q(span.period)}, FREQ){default})")
    lines += [f"print({w})" for w in wanted]
    return "\n".join(lines) + "\n"


def chart_snippet(
    spec: MetricKeys, column: str, reference: date | None, path: str, columns: Sequence[str]
) -> str:
    """The program that prints a chart's numbers per period (``reference``: the day it is
    pinned to; None: every event counts)."""
    lines = [*_head(path, columns, spec.freq), *_body(spec, column), "", ""]
    kept = "events" if reference is None else f"before({_q(_next(reference))})"
    return "\n".join([*lines, f"print(per_period({kept}).to_string())"]) + "\n"


def _next(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


def _q(value: object) -> str:
    """A string or list of strings as Python source (JSON's quoting is Python's here)."""
    return json.dumps(value, ensure_ascii=False)


def _head(path: str, columns: Sequence[str], freq: str) -> list[str]:
    lines = ["import pandas as pd", ""]
    if path.endswith(".parquet"):
        lines.append(f"events = pd.read_parquet({_q(path)})")
    else:  # CSV, read as text as mdm reads it
        lines += [
            f"events = pd.read_csv({_q(path)}, dtype=str, keep_default_na=False)",
            'events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True, format="ISO8601")',
        ]
        if "is_bot" in columns:
            lines.append('events["is_bot"] = events["is_bot"].str.lower().isin(["true", "1"])')
    if "is_bot" not in columns:
        lines.append('events["is_bot"] = False')
    if "thread_id" not in columns:
        lines.append('events["thread_id"] = ""')
    return [
        *lines,
        f"FREQ = {_q(freq)}",
        "",
        "",
        "def period(times, freq=FREQ):",
        '    """The calendar period (UTC) of each time."""',
        "    return times.dt.tz_convert(None).dt.to_period(freq)",
        "",
        "",
        "def before(day):",
        '    """The events before the start of ``day`` (UTC)."""',
        '    return events[events["timestamp"] < pd.Timestamp(day, tz="UTC")]',
    ]


def _body(spec: MetricKeys, column: str) -> list[str]:
    pick, how = _COLUMNS.get(spec.metric, {}).get(column, ("", ""))
    keep = "".join(
        f"    e = e[e[{_q(name)}].isin({_q([value] if isinstance(value, str) else list(value))})]\n"
        for name, value in spec.filters().items()
    )
    body = _BODIES[spec.metric].format(keep=keep, pick=pick, how=how, entry=_q(spec.entry))
    if not body.startswith("def "):
        body = "def per_period(events):\n" + body
    return ["", "", *body.rstrip("\n").split("\n")]
