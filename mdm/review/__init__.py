"""The review workflow: feedback, agreement and decision records, sign-off status, badges, the
decision record page, diffs and releases.

The functions that record a step of a review, for scripts (``mdm review ...`` calls the same)::

    from mdm import review

    review.agree("path/to/project", by="amara-okafor", document="proposal")
    print(review.project_status("path/to/project")["documents"]["proposal"])
"""

from __future__ import annotations

import typing as _typing

from mdm.lazy import lazy_face

# name -> the module that defines it, imported on first use (diffs and releases: ``mdm.diff_builds``
# and ``mdm.release``; a function here may not share its module's name)
_LAZY = {
    "request": "mdm.review.commands",
    "feedback": "mdm.review.commands",
    "resolve_feedback": "mdm.review.commands",
    "agree": "mdm.review.commands",
    "object_to": "mdm.review.commands",
    "resolve_objection": "mdm.review.commands",
    "decide": "mdm.review.commands",
    "import_feedback": "mdm.review.importing",
    "write_packet": "mdm.review.packet",
    "project_status": "mdm.build.signoff",
}

__all__ = [
    "agree",
    "decide",
    "feedback",
    "import_feedback",
    "object_to",
    "project_status",
    "request",
    "resolve_feedback",
    "resolve_objection",
    "write_packet",
]

if _typing.TYPE_CHECKING:
    from mdm.build.signoff import project_status
    from mdm.review.commands import (
        agree,
        decide,
        feedback,
        object_to,
        request,
        resolve_feedback,
        resolve_objection,
    )
    from mdm.review.importing import import_feedback
    from mdm.review.packet import write_packet

__getattr__, __dir__ = lazy_face(__name__, _LAZY)
