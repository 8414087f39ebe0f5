"""The words of stages and programmes: enumerations, legal limits, hours and money.

Kept apart from :mod:`spip_desktop.domain.stages` (the dataclasses and rules), which
re-exports everything here: the database models and the PDF builders need only these,
and loading them costs nothing at start-up.
"""

from __future__ import annotations

import re
from datetime import time

from .enums import LabelledEnum

#: Code pénal 131-5-1: a stage lasts at most 6 hours a day...
MAX_STAGE_MINUTES_PER_DAY = 6 * 60
#: ... at most one month in all ...
MAX_STAGE_SPAN_MONTHS = 1
#: ... is done within 6 months of the conviction becoming final ...
STAGE_DEADLINE_MONTHS = 6
#: ... and costs the person at most the 3rd-class fine (450 €).
MAX_STAGE_PRICE_CENTS = 450_00

#: Longest text each stage field accepts (columns are sized from these).
STAGE_MAX_LENGTHS: dict[str, int] = {
    "type_name": 200,
    "usual_organiser": 150,
    "title": 150,
    "organiser_name": 150,
    "venue": 250,
    "facilitators": 250,
    "stage_notes": 2000,
    "session_label": 150,
    "decision_reference": 80,
    "reason": 500,
}


# -- vocabularies -----------------------------------------------------------------------


class ActionKind(LabelledEnum):
    """What kind of collective action a catalogue entry is."""

    STAGE = ("stage", "Stage")
    PPR = ("ppr", "Programme de prévention de la récidive")
    COLLECTIVE = ("collective", "Action collective")

    @property
    def noun(self) -> str:
        """``stage``, ``programme``, ``action``: *a suivi l'intégralité du stage*."""
        return {ActionKind.STAGE: "stage", ActionKind.PPR: "programme"}.get(self, "action")

    @property
    def article_noun(self) -> str:
        """``du stage``, ``du programme``, ``de l'action``."""
        return {ActionKind.STAGE: "du stage", ActionKind.PPR: "du programme"}.get(
            self, "de l'action"
        )


class OrganiserKind(LabelledEnum):
    """Who runs a stage: the SPIP itself or a partner (a partner record from [4/6] on)."""

    SPIP = ("spip", "Le SPIP")
    PARTNER = ("partner", "Un partenaire")


class Recipient(LabelledEnum):
    """Who receives the attestation, as the *cadre* implies."""

    PROCUREUR = (
        "procureur",
        "Monsieur ou Madame le procureur de la République, ou son délégué",
    )
    SPIP_JAP = (
        "spip_jap",
        "Le service pénitentiaire d'insertion et de probation, "
        "qui en informe le juge de l'application des peines",
    )
    SPIP = ("spip", "Le service pénitentiaire d'insertion et de probation")


class Cadre(LabelledEnum):
    """The legal frame of an enrolment; it decides who receives the attestation."""

    ALTERNATIVE = (
        "alternative",
        "Alternative aux poursuites (art. 41-1 du code de procédure pénale)",
    )
    COMPOSITION = ("composition", "Composition pénale (art. 41-2 du code de procédure pénale)")
    CRPC = ("crpc", "Comparution sur reconnaissance préalable de culpabilité (CRPC)")
    PEINE = ("peine", "Peine de stage")
    SURSIS_PROBATOIRE = ("sursis_probatoire", "Obligation d'un sursis probatoire")
    ACCOMPAGNEMENT = ("accompagnement", "Accompagnement par le SPIP (hors obligation)")

    @property
    def short_label(self) -> str:
        return _CADRE_SHORT[self]

    @property
    def recipient(self) -> Recipient:
        """Before a conviction the prosecutor follows the stage; after it, the SPIP and JAP.

        *Alternative aux poursuites* and *composition pénale* are the prosecutor's
        measures: the attestation goes to the *procureur* or his *délégué*. A stage
        ordered as a sentence (judgment or CRPC) or as an obligation of a *sursis
        probatoire* is followed by the SPIP, which informs the *JAP*.
        """
        if self in (Cadre.ALTERNATIVE, Cadre.COMPOSITION):
            return Recipient.PROCUREUR
        if self is Cadre.ACCOMPAGNEMENT:
            return Recipient.SPIP
        return Recipient.SPIP_JAP

    @property
    def follows_conviction(self) -> bool:
        """A conviction became final: the 6-month deadline runs from that date."""
        return self in (Cadre.CRPC, Cadre.PEINE, Cadre.SURSIS_PROBATOIRE)


_CADRE_SHORT = {
    Cadre.ALTERNATIVE: "Alternative aux poursuites",
    Cadre.COMPOSITION: "Composition pénale",
    Cadre.CRPC: "CRPC",
    Cadre.PEINE: "Peine",
    Cadre.SURSIS_PROBATOIRE: "Sursis probatoire",
    Cadre.ACCOMPAGNEMENT: "Accompagnement SPIP",
}


class AttendanceCode(LabelledEnum):
    """The outcome of one person at one session, with the key that types it in the grid."""

    PRESENT = ("present", "Présent")
    LATE = ("late", "Retard")
    EXCUSED = ("excused", "Absent excusé")
    UNEXCUSED = ("unexcused", "Absent non excusé")

    @property
    def key(self) -> str:
        """The letter that sets this code in the attendance grid."""
        return _CODE_KEYS[self]

    @property
    def short_label(self) -> str:
        """What a grid cell shows."""
        return _CODE_SHORT[self]

    @property
    def attended(self) -> bool:
        """The session's hours count (a late arrival still followed the session)."""
        return self in (AttendanceCode.PRESENT, AttendanceCode.LATE)

    @classmethod
    def from_key(cls, key: str) -> AttendanceCode | None:
        """The code a key sets (``P``, ``R``, ``E``, ``A``; case-insensitive), or ``None``."""
        wanted = key.strip().upper()
        return next((code for code, k in _CODE_KEYS.items() if k == wanted), None)


_CODE_KEYS = {
    AttendanceCode.PRESENT: "P",
    AttendanceCode.LATE: "R",
    AttendanceCode.EXCUSED: "E",
    AttendanceCode.UNEXCUSED: "A",
}
_CODE_SHORT = {
    AttendanceCode.PRESENT: "Présent",
    AttendanceCode.LATE: "Retard",
    AttendanceCode.EXCUSED: "Excusé",
    AttendanceCode.UNEXCUSED: "Non excusé",
}


class EnrolmentStatus(LabelledEnum):
    INSCRIT = ("inscrit", "Inscrit")
    EN_COURS = ("en_cours", "En cours")
    VALIDE = ("valide", "Terminé (validé)")
    NON_VALIDE = ("non_valide", "Non validé")
    ABANDON = ("abandon", "Abandon")
    EXCLU = ("exclu", "Exclu")

    @property
    def closed(self) -> bool:
        return self not in (EnrolmentStatus.INSCRIT, EnrolmentStatus.EN_COURS)


class EndKind(LabelledEnum):
    """How an enrolment was ended before the stage was over."""

    ABANDON = ("abandon", "Abandon")
    EXCLU = ("exclu", "Exclusion")

    @property
    def status(self) -> EnrolmentStatus:
        return EnrolmentStatus.ABANDON if self is EndKind.ABANDON else EnrolmentStatus.EXCLU


class StagePhase(LabelledEnum):
    """Where a stage stands today, for the list's filter."""

    UPCOMING = ("upcoming", "À venir")
    RUNNING = ("running", "En cours")
    DONE = ("done", "Terminé")


class AttestationKind(LabelledEnum):
    """A stage followed in full, or only the sessions attended."""

    SUIVI = ("suivi", "Attestation de suivi")
    PRESENCE = ("presence", "Attestation de présence")


# -- durations and money ----------------------------------------------------------------


def minutes_between(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def format_minutes(minutes: int) -> str:
    """``6 h``, ``3 h 30``, ``45 min``: durations as French forms print them."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours}\u00a0h\u00a0{rest:02d}"
    if hours or not rest:
        return f"{hours}\u00a0h"
    return f"{rest}\u00a0min"


def format_time(value: time) -> str:
    """``09:30`` → ``9 h 30``; ``14:00`` → ``14 h``."""
    if value.minute:
        return f"{value.hour}\u00a0h\u00a0{value.minute:02d}"
    return f"{value.hour}\u00a0h"


def format_price(cents: int | None) -> str:
    """``250,00 €``; ``Gratuit`` for 0; empty when unknown."""
    if cents is None:
        return ""
    if cents == 0:
        return "Gratuit"
    euros, rest = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{grouped},{rest:02d}\u00a0€"


_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def parse_price(text: str) -> int | None:
    """``250``, ``250,5``, ``250,50 €`` → cents; empty → ``None``; ``ValueError`` otherwise."""
    cleaned = text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not cleaned:
        return None
    if cleaned.lower() == "gratuit":
        return 0
    cleaned = cleaned.replace(",", ".")
    if not _AMOUNT.fullmatch(cleaned):  # ASCII digits only: "²".isdigit() is true
        raise ValueError(f"« {text.strip()} » n'est pas un montant en euros.")
    whole, _, fraction = cleaned.partition(".")
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
