"""Reporting periods (month, quarter, year) in Paris time, and the one before.

The current period runs from its first day to today; it is compared with the same
number of days at the start of the previous period, so that a trend is never a
partial month against a full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.planning import day_bounds

KINDS = {"mois": "Mois", "trimestre": "Trimestre", "annee": "Année"}
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return day_bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        return day_bounds(self.last)[1]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        return f"du {self.first:%d/%m/%Y} au {self.last:%d/%m/%Y}"

    @property
    def name(self) -> str:
        if self.kind == "mois":
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        if self.kind == "trimestre":
            return f"{(self.first.month - 1) // 3 + 1}e trimestre {self.first.year}"
        return f"année {self.first.year}"


def _start(kind: str, day: date) -> date:
    if kind == "mois":
        return day.replace(day=1)
    if kind == "trimestre":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if kind == "annee":
        return day.replace(month=1, day=1)
    raise ValueError(f"période inconnue : {kind}")


def current_and_previous(kind: str, today: date) -> tuple[Period, Period]:
    """The period containing `today` (to date) and the same span of the one before."""
    first = _start(kind, today)
    previous_first = _start(kind, first - timedelta(days=1))
    elapsed = today - first
    previous_last = min(previous_first + elapsed, first - timedelta(days=1))
    return Period(kind, first, today), Period(kind, previous_first, previous_last)


def whole(kind: str, first: date) -> Period:
    """The complete period starting on `first` (for reports on a past month)."""
    following = _start(kind, first)
    for _ in range(400):
        following += timedelta(days=1)
        if _start(kind, following) != _start(kind, first):
            break
    return Period(kind, first, following - timedelta(days=1))
