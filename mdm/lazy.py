"""A package face whose names are imported on first use.

``import mdm`` must not load pandas, matplotlib or papermill, and a notebook's first line
(``from mdm import sections``) only what a section needs; so a package face maps each public
name to the module that defines it and imports that module when the name is first read::

    __getattr__, __dir__ = lazy_face(__name__, {"load_events": "mdm.data.events"})
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module

__all__ = ["lazy_face"]


def lazy_face(
    package: str, names: Mapping[str, str], modules: Mapping[str, str] | None = None
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    ``names`` maps a public name to the module defining it; ``modules`` maps a public name
    to a module offered whole (``mdm.sections``). A name read once is kept in the package,
    so the next read does not call ``__getattr__`` again.
    """
    whole = dict(modules or {})

    def __getattr__(name: str) -> object:
        if name in whole:
            value: object = import_module(whole[name])
        elif name in names:
            value = getattr(import_module(names[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names, *whole})

    return __getattr__, __dir__
