"""Research inputs: read, check and normalise every file under ``data/``.

Each loader checks its file completely and raises :class:`~mdm.errors.DataError`
naming the file, the row (the physical line, the header being line 1; for
Parquet, ``row N`` counting data rows from 1), the field, what was expected and
what was found. CSV files are read as text throughout, so a literal ``NA`` or
``None`` stays an answer and an id like ``0123`` stays an id. docs/data.md
describes every file.

    events       load_events                       activity.parquet / .csv / .csv.gz
    quotes       load_quotes, visible_quotes        quotes.csv
                 load_register, forbidden_names     private/register.csv (privacy guard only)
    survey       load_survey → Survey               survey/questions.yaml + responses.csv
    discussions  load_discussions                   discussions.csv
    notes        load_notes                         notes/*.md
    spending     load_spending → [Spend]            spending.csv (progress reports)
    milestones   load_milestone_log                 milestones.csv (progress reports)
    provenance   describe_input                    any of the above
    _tables      check_topic_refs                   topic ids in any of the above
"""

from __future__ import annotations

import typing as _typing

from mdm.lazy import lazy_face

# name -> the module that defines it: imported on first use, so that reading one kind of input
# (or hashing a file with provenance) does not load every reader and their libraries
_LAZY = {
    "check_topic_refs": "mdm.data._tables",
    "DISCUSSION_COLUMNS": "mdm.data.discussions",
    "load_discussions": "mdm.data.discussions",
    "EVENT_COLUMNS": "mdm.data.events",
    "EVENT_FRAME_COLUMNS": "mdm.data.events",
    "OPTIONAL_EVENT_COLUMNS": "mdm.data.events",
    "load_events": "mdm.data.events",
    "MILESTONE_COLUMNS": "mdm.data.milestones",
    "MILESTONE_STATES": "mdm.data.milestones",
    "MilestoneUpdate": "mdm.data.milestones",
    "load_milestone_log": "mdm.data.milestones",
    "milestone_log_of": "mdm.data.milestones",
    "Note": "mdm.data.notes",
    "Source": "mdm.data.notes",
    "load_notes": "mdm.data.notes",
    "InputFile": "mdm.data.provenance",
    "describe_input": "mdm.data.provenance",
    "CONSENT_LEVELS": "mdm.data.quotes",
    "QUOTE_COLUMNS": "mdm.data.quotes",
    "Audience": "mdm.data.quotes",
    "Consent": "mdm.data.quotes",
    "Quote": "mdm.data.quotes",
    "forbidden_names": "mdm.data.quotes",
    "load_quotes": "mdm.data.quotes",
    "load_register": "mdm.data.quotes",
    "visible_quotes": "mdm.data.quotes",
    "RESPONSE_COLUMNS": "mdm.data.survey",
    "Question": "mdm.data.survey",
    "Survey": "mdm.data.survey",
    "load_survey": "mdm.data.survey",
    "SPENDING_COLUMNS": "mdm.data.spending",
    "Spend": "mdm.data.spending",
    "load_spending": "mdm.data.spending",
    "spending_of": "mdm.data.spending",
}

if _typing.TYPE_CHECKING:
    from mdm.data._tables import check_topic_refs
    from mdm.data.discussions import DISCUSSION_COLUMNS, load_discussions
    from mdm.data.events import (
        EVENT_COLUMNS,
        EVENT_FRAME_COLUMNS,
        OPTIONAL_EVENT_COLUMNS,
        load_events,
    )
    from mdm.data.milestones import (
        MILESTONE_COLUMNS,
        MILESTONE_STATES,
        MilestoneUpdate,
        load_milestone_log,
        milestone_log_of,
    )
    from mdm.data.notes import Note, Source, load_notes
    from mdm.data.provenance import InputFile, describe_input
    from mdm.data.quotes import (
        CONSENT_LEVELS,
        QUOTE_COLUMNS,
        Audience,
        Consent,
        Quote,
        forbidden_names,
        load_quotes,
        load_register,
        visible_quotes,
    )
    from mdm.data.spending import SPENDING_COLUMNS, Spend, load_spending, spending_of
    from mdm.data.survey import RESPONSE_COLUMNS, Question, Survey, load_survey

__all__ = [
    "CONSENT_LEVELS",
    "DISCUSSION_COLUMNS",
    "EVENT_COLUMNS",
    "EVENT_FRAME_COLUMNS",
    "MILESTONE_COLUMNS",
    "MILESTONE_STATES",
    "OPTIONAL_EVENT_COLUMNS",
    "QUOTE_COLUMNS",
    "RESPONSE_COLUMNS",
    "SPENDING_COLUMNS",
    "Audience",
    "Consent",
    "InputFile",
    "MilestoneUpdate",
    "Note",
    "Question",
    "Quote",
    "Source",
    "Spend",
    "Survey",
    "check_topic_refs",
    "describe_input",
    "forbidden_names",
    "load_discussions",
    "load_events",
    "load_milestone_log",
    "load_notes",
    "load_quotes",
    "load_register",
    "load_spending",
    "load_survey",
    "milestone_log_of",
    "spending_of",
    "visible_quotes",
]

__getattr__, __dir__ = lazy_face(__name__, _LAZY)
