"""Interview quotes with consent, and the pseudonym register used only by the privacy guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import StringConstraints, ValidationError, model_validator

from mdm.data._tables import Problems, csv_rows, model_error, unknown_topics
from mdm.errors import DataError, Problem
from mdm.params.models import Audience, Model

__all__ = [
    "CONSENT_LEVELS",
    "QUOTE_COLUMNS",
    "Audience",
    "Consent",
    "Quote",
    "forbidden_names",
    "load_quotes",
    "load_register",
    "visible_quotes",
]

Consent = Literal["none", "internal_only", "anonymous", "attributed"]
CONSENT_LEVELS: tuple[Consent, ...] = ("none", "internal_only", "anonymous", "attributed")
# a document's audience; "community" documents follow the leadership rules
QUOTE_COLUMNS = ("quote_id", "pseudonym", "descriptor", "topics", "consent", "attribution", "text")
_VISIBLE: dict[str, frozenset[str]] = {
    "internal": frozenset({"internal_only", "anonymous", "attributed"}),
    "leadership": frozenset({"anonymous", "attributed"}),
    "community": frozenset({"anonymous", "attributed"}),
}
_Text = Annotated[str, StringConstraints(min_length=1)]


class Quote(Model):
    """One quote from an interview; ``text`` is untrusted and kept raw (escaped when shown)."""

    quote_id: _Text
    pseudonym: _Text
    descriptor: _Text
    topics: tuple[str, ...]
    consent: Consent
    attribution: str = ""
    text: _Text
    interview_date: dt.date | None = None

    @model_validator(mode="after")
    def _attribution(self) -> Quote:
        if (self.consent == "attributed") != bool(self.attribution.strip()):
            # the name itself stays out of the message: without consent it must not reach a log
            given = "a name in attribution" if self.attribution.strip() else "no attribution"
            raise ValueError(
                f"attribution: expected a name exactly when consent is attributed, got consent "
                f"{self.consent!r} and {given}"
            )
        return self

    def visible_to(self, audience: Audience) -> bool:
        """Whether consent allows showing this quote to ``audience``."""
        return self.consent in _VISIBLE[audience]

    @property
    def credit(self) -> str:
        """Who said it, as a reader may see it: the descriptor, or "Name, descriptor"."""
        if self.consent == "attributed":
            return f"{self.attribution}, {self.descriptor}"
        return self.descriptor

    def display_name(self, audience: Audience) -> str | None:
        """The credit shown to ``audience``, or None when consent keeps the quote from it."""
        return self.credit if self.visible_to(audience) else None


def load_quotes(
    path: Path, shown: str | None = None, *, topics: Collection[str] | None = None
) -> list[Quote]:
    """Interview quotes, every row checked; a header without rows means none collected yet.

    Every bad row is reported (up to a limit), not only the first. With ``topics`` (the
    project's topic ids), each quote's topics must be among them.
    """
    shown = shown or str(path)
    problems = Problems(shown)
    quotes = []
    first_line: dict[str, int] = {}
    rows = csv_rows(
        path, shown, QUOTE_COLUMNS, ("interview_date",), allow_empty=True, problems=problems
    )
    for line, row in rows:
        with problems.collect():
            quote = _quote(shown, line, row, first_line)
            unknown_topics(shown, line, "topics", quote.topics, topics)
            quotes.append(quote)
    problems.raise_any()
    return quotes


def _quote(shown: str, line: int, row: dict[str, str], first_line: dict[str, int]) -> Quote:
    """One row as a Quote; ``first_line`` (id → line) catches repeated ids."""
    data: dict[str, object] = {k: v.strip() for k, v in row.items()}
    data["topics"] = tuple(t.strip() for t in row["topics"].split(";") if t.strip())
    if not data.get("interview_date"):
        data.pop("interview_date", None)
    quote_id = str(data["quote_id"])
    if quote_id in first_line:
        raise DataError(
            f"expected a unique id, got {quote_id!r} again (first on line {first_line[quote_id]})",
            path=shown,
            line=line,
            field="quote_id",
        )
    first_line[quote_id] = line
    if not data["topics"]:
        raise DataError(
            "expected topic ids separated by ';', found none", path=shown, line=line, field="topics"
        )
    if data["consent"] not in CONSENT_LEVELS:
        raise DataError(
            f"expected one of {'|'.join(CONSENT_LEVELS)}, got {data['consent']!r}",
            path=shown,
            line=line,
            field="consent",
        )
    try:
        return Quote.model_validate(data)
    except ValidationError as err:
        raise model_error(shown, line, err) from err


def visible_quotes(quotes: Iterable[Quote], topic: str, audience: Audience) -> list[Quote]:
    """Quotes on ``topic`` that consent allows ``audience`` to see, in file order."""
    return [q for q in quotes if topic in q.topics and q.visible_to(audience)]


def load_register(path: Path, shown: str | None = None) -> dict[str, str]:
    """Pseudonym → real name. Only the privacy guard reads it; it never reaches an output."""
    shown = shown or str(path)
    problems = Problems(shown)
    register: dict[str, str] = {}
    for line, row in csv_rows(
        path, shown, ("pseudonym", "name"), allow_empty=True, problems=problems
    ):
        pseudonym, name = row["pseudonym"].strip(), row["name"].strip()
        if not pseudonym or not name:
            problems.add(
                Problem(
                    "expected a value, found an empty field",
                    shown,
                    line,
                    "name" if pseudonym else "pseudonym",
                )
            )
        elif pseudonym in register:
            # the message names the pseudonym only: the register's names stay out of logs
            problems.add(
                Problem(
                    f"expected a unique pseudonym, got {pseudonym!r} again",
                    shown,
                    line,
                    "pseudonym",
                )
            )
        else:
            register[pseudonym] = name
    problems.raise_any()
    return register


def forbidden_names(
    quotes: Iterable[Quote], register: dict[str, str], audience: Audience
) -> set[str]:
    """Real names that must not appear in an export for ``audience``.

    Everyone in the register, except names attributed by a quote that ``audience`` may see.
    """
    allowed = {
        q.attribution.strip()
        for q in quotes
        if q.consent == "attributed" and q.visible_to(audience)
    }
    return {name for name in register.values() if name not in allowed}
