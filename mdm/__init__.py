"""mdm: draft the documents of a community-strategy project with Jupyter.

The library behind the ``mdm`` command, for scripts and other tools::

    import mdm

    project = mdm.load_project("path/to/project")
    report = mdm.build(mdm.BuildOptions(project_dir=project.root, formats=("html",)))
    print(report.outputs)

Names are imported on first use, so ``import mdm`` stays cheap (no pandas, no
matplotlib) and ``from mdm import sections``, the first line of every notebook,
loads only what a section needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mdm.errors import (
    BuildError,
    BusyError,
    CellTimeoutError,
    ConfigError,
    DataError,
    KernelDiedError,
    MdmError,
    NotebookError,
    OptionError,
    PrivacyError,
    Problem,
)
from mdm.lazy import defer_import, lazy_face
from mdm.version import __version__

# jsonschema, imported with nbformat by every command that reads a notebook, imports
# rfc3987-syntax when it is installed (Jupyter's dependencies install it), which compiles
# some forty Lark grammars on import: 1.2 s of CPU here (import nbformat 1.4 s -> 0.2 s)
# for an IRI check no notebook schema makes (python-jsonschema/jsonschema#1428). They are
# compiled if an IRI is ever checked.
defer_import("rfc3987_syntax", "is_valid_syntax")

# public name -> the module that defines it
_LAZY = {
    # params: the project as one validated object
    "Project": "mdm.params.project",
    "SectionSpec": "mdm.params.project",
    "load_project": "mdm.params.project",
    # build: check, build, preview
    "BuildOptions": "mdm.build.options",
    "BuildReport": "mdm.build.options",
    "SectionResult": "mdm.build.run",
    "build": "mdm.build.pipeline",
    "check": "mdm.build.check",
    "preview": "mdm.build.preview",
    "watch": "mdm.build.preview",
    # review: records, sign-off status, diffs, releases
    "Reviews": "mdm.params.reviews",
    "load_reviews": "mdm.params.reviews",
    "project_status": "mdm.build.signoff",
    "diff_builds": "mdm.review.diff",
    "release": "mdm.build.release",
    # authoring: start a project, reshape its topics
    "init_project": "mdm.authoring.scaffold",
    "new_topic": "mdm.authoring.topics",
    "rename_topic": "mdm.authoring.topics",
    "merge_topic": "mdm.authoring.topics",
}
# public name -> a module offered as it is
_MODULES = {"sections": "mdm.report.sections", "review": "mdm.review"}

__all__ = [
    "BuildError",
    "BuildOptions",
    "BuildReport",
    "BusyError",
    "CellTimeoutError",
    "ConfigError",
    "DataError",
    "KernelDiedError",
    "MdmError",
    "NotebookError",
    "OptionError",
    "PrivacyError",
    "Problem",
    "Project",
    "Reviews",
    "SectionResult",
    "SectionSpec",
    "__version__",
    "build",
    "check",
    "diff_builds",
    "init_project",
    "load_project",
    "load_reviews",
    "merge_topic",
    "new_topic",
    "preview",
    "project_status",
    "release",
    "rename_topic",
    "review",
    "sections",
    "watch",
]

if TYPE_CHECKING:
    from mdm import review
    from mdm.authoring.scaffold import init_project
    from mdm.authoring.topics import merge_topic, new_topic, rename_topic
    from mdm.build.check import check
    from mdm.build.options import BuildOptions, BuildReport
    from mdm.build.pipeline import build
    from mdm.build.preview import preview, watch
    from mdm.build.release import release
    from mdm.build.run import SectionResult
    from mdm.build.signoff import project_status
    from mdm.params.project import Project, SectionSpec, load_project
    from mdm.params.reviews import Reviews, load_reviews
    from mdm.report import sections
    from mdm.review.diff import diff_builds

__getattr__, _ = lazy_face(__name__, _LAZY, _MODULES)


def __dir__() -> list[str]:
    return sorted(__all__)
