"""Community metrics: pure, vectorised functions over the tidy events table.

Every metric takes the events DataFrame (see :mod:`mdm.data`) and returns a
DataFrame; none reads files or prints. Bots are left out unless ``bots=True``.
Periods are pandas period frequencies ``"M"``, ``"Q"`` or ``"Y"`` in UTC. Each
metric's definition, computation, chart and the spec keys it accepts are in the registry
:data:`DEFINITIONS`, from which the params validation, the evidence, the documents'
"Sources and definitions" appendix and docs/metrics.md are made.

Metrics describe the health of a community, never the productivity of a person:
no result names a contributor, and grouped results go through
:func:`suppress_small`.

Modules: ``counts`` (contributors, new, inactive, multi-area), ``lifecycle``
(active/drifting/away, cohorts, conversion), ``concentration`` (absence factor,
onion), ``responses`` (time to first response), ``places`` (location, hour ×
weekday), ``publish`` (filtering, suppression, changes), ``definitions`` (the registry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mdm.lazy import lazy_face
from mdm.metrics.definitions import DEFINITIONS, MetricDefinition, definitions_markdown

if TYPE_CHECKING:
    from mdm.metrics.concentration import absence_factor, onion
    from mdm.metrics.counts import (
        contributors,
        inactive_contributors,
        multi_area_share,
        new_contributors,
    )
    from mdm.metrics.lifecycle import activity_status, cohort_retention, conversion_rate
    from mdm.metrics.places import WEEKDAYS, activity_heatmap, contributor_location
    from mdm.metrics.publish import (
        Change,
        change,
        complete_periods,
        filter_events,
        suppress_small,
    )
    from mdm.metrics.responses import first_responses, time_to_first_response

# The registry (definitions) is imported by the params validation, so ``mdm check`` reaches this
# package; the metric functions need pandas and NumPy and are imported on first use.
_LAZY = {
    "absence_factor": "concentration",
    "onion": "concentration",
    "contributors": "counts",
    "inactive_contributors": "counts",
    "multi_area_share": "counts",
    "new_contributors": "counts",
    "activity_status": "lifecycle",
    "cohort_retention": "lifecycle",
    "conversion_rate": "lifecycle",
    "WEEKDAYS": "places",
    "activity_heatmap": "places",
    "contributor_location": "places",
    "Change": "publish",
    "change": "publish",
    "complete_periods": "publish",
    "filter_events": "publish",
    "suppress_small": "publish",
    "first_responses": "responses",
    "time_to_first_response": "responses",
}


__getattr__, __dir__ = lazy_face(
    __name__, {name: f"mdm.metrics.{module}" for name, module in _LAZY.items()}
)

__all__ = [
    "DEFINITIONS",
    "WEEKDAYS",
    "Change",
    "MetricDefinition",
    "absence_factor",
    "activity_heatmap",
    "activity_status",
    "change",
    "cohort_retention",
    "complete_periods",
    "contributor_location",
    "contributors",
    "conversion_rate",
    "definitions_markdown",
    "filter_events",
    "first_responses",
    "inactive_contributors",
    "multi_area_share",
    "new_contributors",
    "onion",
    "suppress_small",
    "time_to_first_response",
]
