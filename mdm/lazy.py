"""A package face whose names are imported on first use.

``import mdm`` must not load pandas, matplotlib or papermill, and a notebook's first line
(``from mdm import sections``) only what a section needs; so a package face maps each public
name to the module that defines it and imports that module when the name is first read::

    __getattr__, __dir__ = lazy_face(__name__, {"load_events": "mdm.data.events"})
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from importlib import import_module
from importlib.util import find_spec
from typing import Any

__all__ = ["defer_import", "lazy_face"]


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


def defer_import(module: str, *functions: str) -> None:
    """Let another library's ``from module import function`` cost nothing until it is called.

    Until then ``module`` is a stand-in whose ``functions`` import the real module on their
    first call; reading any other name imports it too. Nothing happens when the module is
    not installed or is already imported."""
    if module in sys.modules or find_spec(module) is None:
        return
    stand_in = types.ModuleType(module, f"{module}, imported on first use")

    def real() -> types.ModuleType:
        if sys.modules.get(module) is stand_in:
            del sys.modules[module]
        found = import_module(module)
        for name in functions:
            setattr(stand_in, name, getattr(found, name))
        return found

    def deferred(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), name)(*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        return call

    for name in functions:
        setattr(stand_in, name, deferred(name))

    def other(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        return getattr(real(), name)

    setattr(stand_in, "__getattr__", other)  # noqa: B010 (a module-level __getattr__, PEP 562)
    sys.modules[module] = stand_in
