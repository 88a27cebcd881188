"""Where an RPPS practice site is: its INSEE code, or else its postcode (and label).

The territory's postcodes come from `db/data/pma_codes_postaux.csv`: for every
postcode used by a commune of the territory, every commune of France sharing it
(La Poste's official postcode base as published in @etalab/decoupage-administratif
2026, Licence Ouverte). Any other regular postcode is therefore outside.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

POSTCODES_CSV = (
    Path(__file__).resolve().parents[1] / "db" / "data" / ("pma_codes_postaux.csv")
)

INSIDE = "territoire"
OUTSIDE_KNOWN = "voisine"
AMBIGUOUS = "code postal ambigu"
OUT_OF_TERRITORY = "hors territoire"
NO_PLACE = "sans code commune ni code postal"


def normalise_label(text: str) -> str:
    """Upper case, no accents, no CEDEX, SAINT(E) as ST(E).

    "St-Julien-lès-Montbéliard" and "SAINT JULIEN LES MONTBELIARD" compare equal.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    for char in "-'’.,":
        text = text.replace(char, " ")
    words = []
    for word in text.split():
        if word == "CEDEX" or word.isdigit():
            continue  # "25209 MONTBELIARD CEDEX 9": postcode and cedex number go
        words.append({"SAINT": "ST", "SAINTE": "STE"}.get(word, word))
    return " ".join(words)


@dataclass
class Placer:
    """Decides the commune of a row from its codes, for one territory."""

    territory: set[str]
    neighbours: set[str] = field(default_factory=set)
    postcodes: dict[str, list[tuple[str, set[str]]]] = field(default_factory=dict)
    departments: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, territory, neighbours=(), path: Path = POSTCODES_CSV) -> Placer:
        postcodes: dict[str, list[tuple[str, set[str]]]] = {}
        names: dict[str, set[str]] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                labels = {
                    normalise_label(row["nom_commune"]),
                    normalise_label(row["libelle_acheminement"]),
                }
                names.setdefault(row["code_insee"], set()).update(labels)
                postcodes.setdefault(row["code_postal"], []).append(
                    (row["code_insee"], labels)
                )
        placer = cls(set(territory), set(neighbours) - set(territory), postcodes)
        placer.departments = {code[:2] for code in placer.territory}
        placer.names = {c: n for c, n in names.items() if c in placer.territory}
        return placer

    def kind(self, insee: str) -> str:
        if insee in self.territory:
            return INSIDE
        if insee in self.neighbours:
            return OUTSIDE_KNOWN
        return OUT_OF_TERRITORY

    def place(self, insee: str, postcode: str, labels: tuple[str, ...]):
        """(commune code or None, how: "insee", "code_postal" or why it failed)."""
        if insee:
            return (
                (insee, "insee")
                if self.kind(insee) != OUT_OF_TERRITORY
                else (
                    None,
                    OUT_OF_TERRITORY,
                )
            )
        if not postcode:
            return None, NO_PLACE
        wanted = {normalise_label(label) for label in labels if label.strip()}
        wanted.discard("")
        candidates = self.postcodes.get(postcode)
        if candidates is None:
            return self._cedex(postcode, wanted)
        if len(candidates) > 1:
            # A shared postcode is resolved only by a label naming exactly one of
            # the communes that share it.
            candidates = [c for c in candidates if c[1] & wanted]
            if len(candidates) != 1:
                return None, AMBIGUOUS
        code = candidates[0][0]
        if self.kind(code) == OUT_OF_TERRITORY:
            return None, OUT_OF_TERRITORY
        return code, "code_postal"

    def _cedex(self, postcode: str, wanted: set[str]):
        # Not a distribution postcode of the territory: outside, unless it is a
        # CEDEX code of the territory's department whose label names one commune.
        if postcode[:2] in self.departments and wanted:
            matches = [c for c, names in self.names.items() if names & wanted]
            if len(matches) == 1:
                return matches[0], "code_postal"
        return None, OUT_OF_TERRITORY
