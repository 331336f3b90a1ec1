"""Which warnings fail the suite: mdm's own and the tests', not another library's about itself."""

from __future__ import annotations

import warnings

import pytest


def _warn_from(module: str, category: type[Warning]) -> None:
    """Issue a warning that the warnings machinery attributes to ``module``."""
    namespace = {"__name__": module, "warnings": warnings, "category": category}
    exec("warnings.warn('probe', category)", namespace)


def test_a_warning_of_mdm_is_an_error() -> None:
    with pytest.raises(DeprecationWarning, match="probe"):
        _warn_from("mdm.build.assemble", DeprecationWarning)


def test_another_librarys_deprecation_is_shown_not_raised() -> None:
    # (pytest.warns would record it whatever the filters say: here the configured filters apply)
    _warn_from("weasyprint.pdf.fonts", DeprecationWarning)
