"""The metric registry: the params accept exactly its metrics and keys, and its claims hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from pydantic import ValidationError

from mdm.errors import ConfigError
from mdm.metrics.definitions import (
    DEFINITIONS,
    FILTERS,
    GROUPINGS,
    SPEC_KEYS,
    keys_markdown,
)
from mdm.params.loader import FieldError
from mdm.params.models import MetricSpec, ValueSpec
from mdm.params.project import load_project


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    """Three years of random activity with every column a metric reads."""
    rng = np.random.default_rng(11)
    n = 4000
    stamps = pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 3 * 365 * 24 * 60, n), unit="min"
    )
    kinds = rng.choice(["translation", "forum_reply", "event_attended"], n)
    return pd.DataFrame(
        {
            "contributor_id": pd.array([f"u{i}" for i in rng.zipf(1.5, n) % 300], dtype="string"),
            "timestamp": stamps.astype("datetime64[ns, UTC]"),
            "community": pd.array(rng.choice(["L10N", "SUMO", "Reps"], n), dtype="string"),
            "area": pd.array(rng.choice(["localizing", "support", "events"], n), dtype="string"),
            "activity_type": pd.array(kinds, dtype="string"),
            "country": pd.array(rng.choice(["DE", "IN", "BR", "KE"], n), dtype="string"),
            "affiliation": pd.array(rng.choice(["volunteer", "staff"], n), dtype="string"),
            "is_bot": rng.random(n) < 0.03,
            "thread_id": pd.array([f"t{i}" for i in rng.integers(0, 400, n)], dtype="string"),
            "utc_offset_minutes": rng.choice([-300, 0, 330, 540], n).astype("int16"),
        }
    )


def _message(err: pytest.ExceptionInfo[ValidationError]) -> str:
    """The first problem as ``key: message`` (a FieldError names the nested key it is about)."""
    first = err.value.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        return ".".join(map(str, cause.loc)) + ": " + cause.message
    return str(first["msg"])


def test_the_params_accept_exactly_the_registry_metrics() -> None:
    for name in DEFINITIONS:
        assert MetricSpec.model_validate({"metric": name}).metric == name
    with pytest.raises(ValidationError, match="expected one of contributors, ") as err:
        MetricSpec.model_validate({"metric": "contributers"})
    listed = re.search(r"expected one of (.*), got 'contributers'", _message(err))
    assert listed and listed[1].split(", ") == list(DEFINITIONS)


def test_values_are_exactly_the_metrics_with_value_columns() -> None:
    accepted = set()
    for name in DEFINITIONS:
        try:
            ValueSpec.model_validate({"metric": name})
            accepted.add(name)
        except ValidationError as err:
            assert "gives no single series" in str(err)
    assert accepted == {name for name, d in DEFINITIONS.items() if d.columns}
    assert accepted >= {"contributors", "time_to_first_response"}


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_every_metric_gives_the_columns_it_declares(name: str, events: pd.DataFrame) -> None:
    definition = DEFINITIONS[name]
    spec = MetricSpec.model_validate({"metric": name})
    result = definition.compute(events, spec, 1)
    assert len(result)
    assert set(definition.chart.columns) <= set(result.columns)
    if definition.columns:
        assert "period" in result
        assert {c.name for c in definition.columns} <= set(result.columns)


_SETTINGS: dict[str, tuple[Any, Any]] = {
    "freq": ("Y", "M"),
    "community": ("L10N", "SUMO"),
    "area": ("localizing", "support"),
    "activity_type": ("translation", ["event_attended", "forum_reply"]),
    "entry": ("event_attended", "forum_reply"),
    "local": (True, False),
}


@pytest.mark.parametrize(
    ("name", "key"),
    [pytest.param(n, k, id=f"{n}-{k}") for n, d in DEFINITIONS.items() for k in d.keys],
)
def test_every_key_the_registry_accepts_changes_the_result(
    name: str, key: str, events: pd.DataFrame
) -> None:
    if key == "by":
        first, second = (
            (None, DEFINITIONS[name].by[0])
            if name != "contributor_location"
            else (
                "region",
                "country",
            )
        )
    else:
        first, second = _SETTINGS[key]
    results = [
        DEFINITIONS[name].compute(events, MetricSpec.model_validate({"metric": name, key: v}), 1)
        for v in (first, second)
    ]
    assert not results[0].equals(results[1])


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param(n, k, id=f"{n}-{k}")
        for n, d in DEFINITIONS.items()
        for k in SPEC_KEYS
        if k not in d.keys
    ],
)
def test_a_key_without_effect_is_an_error(name: str, key: str) -> None:
    value = {"freq": "Y", "by": "community", "entry": "forum_reply", "local": False}.get(key, "x")
    accepting = ", ".join(n for n, d in DEFINITIONS.items() if key in d.keys)
    with pytest.raises(ValidationError) as err:
        MetricSpec.model_validate({"metric": name, key: value})
    assert _message(err).endswith(
        f"{key}: has no effect on {name}; metrics that accept {key}: {accepting}"
    )


def test_by_on_cohort_retention_names_file_line_and_the_metrics_that_accept_by(
    tiny: Path,
) -> None:
    # issue 11.3: mdm check accepted by: on cohort_retention and activity_heatmap
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8")
        + "evidence:\n  charts:\n    - {metric: cohort_retention, by: community}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/book-sales\.yaml:6: evidence\.charts\.0\.by: has no effect on "
        r"cohort_retention; metrics that accept by: contributors, new_contributors, "
        r"absence_factor, time_to_first_response, contributor_location$",
    ):
        load_project(tiny)


def test_location_by_a_grouping_it_does_not_take_is_an_error() -> None:
    with pytest.raises(
        ValidationError,
        match=r"contributor_location can be grouped by region, country, got 'community'",
    ):
        MetricSpec.model_validate({"metric": "contributor_location", "by": "community"})


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        pytest.param(
            {"by": "community"},
            "by: a value is one series, not one per group; select a group with a filter",
            id="by",
        ),
        pytest.param({"title": "Sales"}, "Extra inputs are not permitted", id="title"),
        pytest.param(
            {"column": "p90_hours"},
            "column: expected one of contributors, got 'p90_hours'",
            id="column",
        ),
    ],
)
def test_value_keys_that_would_not_apply_are_errors(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as err:
        ValueSpec.model_validate({"metric": "contributors", **keys})
    assert _message(err).startswith(message)


def test_groupings_are_the_event_columns_and_region() -> None:
    from mdm.data.events import EVENT_FRAME_COLUMNS

    assert set(GROUPINGS) - {"region"} <= set(EVENT_FRAME_COLUMNS)
    assert set(FILTERS) <= set(EVENT_FRAME_COLUMNS)
    with pytest.raises(ValidationError, match=r"expected one of community, .*, got 'team'"):
        MetricSpec.model_validate({"metric": "contributors", "by": "team"})


def test_docs_hold_the_keys_table() -> None:
    doc = (REPO / "docs/metrics.md").read_text(encoding="utf-8")
    assert keys_markdown() in doc, "regenerate docs/metrics.md (keys_markdown) from DEFINITIONS"


def test_check_reads_the_registry_without_pandas_or_matplotlib(tiny: Path) -> None:
    code = (
        "import sys\n"
        "from mdm.cli import main\n"
        f"code = main(['check', '--project', {str(tiny)!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'matplotlib'))\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().endswith("0 []"), out.stdout + out.stderr


def test_docs_hold_what_the_cluster_computes() -> None:
    from mdm.metrics.definitions import cluster_markdown

    doc = (REPO / "docs/sources.md").read_text(encoding="utf-8")
    assert cluster_markdown() in doc, (
        "regenerate docs/sources.md (cluster_markdown) from DEFINITIONS"
    )
