"""Plain data that the PDF builders of :mod:`spip_desktop.reports` take.

Services fill these frozen dataclasses from the database (already formatted
where the text is free-form) and hand them to a builder, which returns the PDF
bytes. Nothing here knows about ReportLab.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from pathlib import Path

from .enums import LabelledEnum


@dataclass(frozen=True)
class Letterhead:
    """The issuing service, printed at the top of the first page of every document.

    Attributes:
        service_name: e.g. ``"SPIP de la Gironde"``.
        address_lines: postal address, one line each, printed under the name.
        city: where documents are made (``"Fait à Bordeaux, le ..."``).
        logo_path: the service's own logo (PNG or JPEG), printed top right;
            ``None``, a missing file or an unsupported format gives a text-only header.
        service_code: the service's short code (the *département* number, e.g. ``"33"``).
        logo_png: the logo as image bytes (PNG or JPEG), as stored in the service's
            settings; used when ``logo_path`` is ``None``.
    """

    service_name: str
    address_lines: tuple[str, ...] = ()
    city: str = ""
    logo_path: Path | None = None
    service_code: str = ""
    logo_png: bytes | None = None


@dataclass(frozen=True)
class PrintStamp:
    """Who printed a document and when, repeated in the footer of every page.

    Printed as ``Édité le 27/11/2026 à 14:05 par Élodie LEFÈVRE — page 1 sur 3``.
    """

    generated_at: datetime
    generated_by: str


class PurgeAction(LabelledEnum):
    """What the retention job did to the files that were due."""

    PURGE = ("purge", "Suppression définitive")
    ANONYMISATION = ("anonymisation", "Anonymisation")


@dataclass(frozen=True)
class PurgeCertificate:
    """Proof that the files past their retention period were purged or anonymised.

    It names files by number only: never a person's name or any other identity field.

    Attributes:
        number: the certificate's unique number.
        action: purge (rows deleted) or anonymisation (identity erased).
        retention_years: data is kept this many years after the end of the last measure.
        cutoff: files whose last measure ended before this date were processed.
        file_numbers: the numbers of the files processed, in the order to print.
        counts: French label of a kind of record and how many rows were processed,
            e.g. ``(("Personnes", 12), ("Mesures", 30))``.
        performed_at: when the operation ran.
        performed_by: the display name of the administrator who ran it.
    """

    number: str
    action: PurgeAction
    retention_years: int
    cutoff: date
    file_numbers: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]
    performed_at: datetime
    performed_by: str

    def __post_init__(self) -> None:
        if self.retention_years < 1:
            raise ValueError("retention_years must be at least 1")
        if any(count < 0 for _, count in self.counts):
            raise ValueError("counts cannot be negative")


@dataclass(frozen=True)
class AccessSection:
    """One table of a subject access report (identity, measures, attendance, ...).

    Cells are already formatted French strings; every row has one cell per column.
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"section {self.title!r} has no column")
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"section {self.title!r}, row {index}: {len(row)} cells "
                    f"for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class SubjectAccessReport:
    """Everything held about one person, for the right of access.

    Attributes:
        person_label: e.g. ``"Jean DUPONT — dossier 2026-000001"``.
        sections: printed in this order; an empty section prints "Aucune donnée.".
    """

    person_label: str
    sections: tuple[AccessSection, ...]


@dataclass(frozen=True)
class AttendedSessionLine:
    """One session printed on an attestation: its date and hours, and the outcome."""

    day: date
    start: time
    end: time
    #: ``"Présent"`` or ``"Retard"``.
    outcome: str
    minutes: int


@dataclass(frozen=True)
class AttestationDocument:
    """Everything an attestation prints; stored as is in the register (``to_json``) so
    that a reprint is the same document, marked *DUPLICATA*.

    Attributes:
        number: ``SPIP-33-2026-00042``.
        validated: the person followed the whole stage: the title is *Attestation de
            suivi* and the text says *a suivi l'intégralité du stage*; otherwise it is
            an *Attestation de présence* listing the sessions attended.
        action_noun: ``"stage"``, ``"programme"`` or ``"action"``.
        action_name: the official name (``"Stage de citoyenneté"``).
        cadre: the legal frame's label; ``decision_reference`` the decision's number.
        recipient: who the attestation is for (the *procureur*, or the SPIP and the JAP).
        sessions: the sessions attended, in date order.
        first_day, last_day: the stage's dates (all its sessions, attended or not).
        signatory_name, signatory_role, place: the signature block.
        issued_on: the day the original was issued (a duplicata keeps it).
    """

    number: str
    validated: bool
    surname: str
    given_names: str
    birth_date: date | None
    birth_place: str
    action_noun: str
    action_name: str
    cadre: str
    decision_reference: str
    recipient: str
    organiser: str
    venue: str
    first_day: date
    last_day: date
    sessions: tuple[AttendedSessionLine, ...]
    attended_minutes: int
    required_minutes: int
    place: str
    signatory_name: str
    signatory_role: str
    issued_on: date
    usage_name: str = ""

    @property
    def title(self) -> str:
        return "Attestation de suivi" if self.validated else "Attestation de présence"

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, default=_json_default, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AttestationDocument:
        data = json.loads(text)
        for name in ("birth_date", "first_day", "last_day", "issued_on"):
            if data.get(name):
                data[name] = date.fromisoformat(data[name])
        data["sessions"] = tuple(
            AttendedSessionLine(
                day=date.fromisoformat(s["day"]),
                start=time.fromisoformat(s["start"]),
                end=time.fromisoformat(s["end"]),
                outcome=s["outcome"],
                minutes=s["minutes"],
            )
            for s in data["sessions"]
        )
        return cls(**data)


def _json_default(value: object) -> str:
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"not serialisable: {value!r}")


@dataclass(frozen=True)
class SignInLine:
    """One person on a sign-in sheet."""

    surname: str
    given_names: str
    birth_date: date | None = None


@dataclass(frozen=True)
class SignInSheet:
    """A *feuille d'émargement*: one session and the people enrolled, a signature box each.

    Attributes:
        session_number, session_count: ``Séance 2 sur 4``.
        label: the session's theme, if any.
    """

    action_name: str
    stage_title: str
    day: date
    start: time
    end: time
    venue: str
    organiser: str
    facilitators: str
    session_number: int
    session_count: int
    people: tuple[SignInLine, ...]
    label: str = ""
