"""Retention of people's files: when a file falls due, and what anonymisation keeps.

The rule (data protection rules of the domain reference): a person's data is kept
``N`` years (:attr:`ServiceSettings.retention_years`, 5 by default) after the end of
their last measure, then purged or anonymised after review.

- A measure ends on the *latest* of its end of sentence and its end of probation
  period. Taking the latest of the two never shortens the period a file is kept.
- The file runs from the latest end among all the person's measures. A measure with
  neither date is open-ended (the sentence is still being set): the file is never due.
- A person without any measure runs from the closing of the file (*clôture*); a file
  without measure that is still open is never due.
- "Ended more than N years ago": a measure ended on 12/03/2021 is kept through
  12/03/2026 and due from 13/03/2026. Years are counted as the calendar counts them
  (:func:`~spip_desktop.domain.dates.add_years`: 29 February gives 28 February).

:func:`last_day_due` turns the rule into a single bound on the start date, which is
what the database query compares with; the unit tests prove both forms agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .dates import add_years, format_date
from .errors import SpipError
from .model import PersonDraft

#: ``(sentence_end, probation_end)`` of one measure.
MeasureEnds = tuple[date | None, date | None]

#: Prefix of the file number an anonymised file receives (``ANON-<id>``).
ANONYMOUS_PREFIX = "ANON-"
#: The surname an anonymised file shows in lists.
ANONYMOUS_SURNAME = "Anonymisé"
#: Prefix of the retention certificates' numbers (``PURGE-2026-0001``).
CERTIFICATE_PREFIX = "PURGE"

#: French plural names of the kinds of records, for the certificate's counts.
RECORD_LABELS: dict[str, str] = {
    "person": "Personnes",
    "measure": "Mesures",
    "obligation": "Obligations",
    "enrolment": "Inscriptions aux stages",
    "attendance": "Présences aux séances",
    "attestation": "Attestations délivrées",
    "attestation_copy": "Duplicatas d'attestations",
    "rights_step": "Démarches d'accès aux droits",
    "rights_step_update": "Historique des démarches",
    "journal_entry": "Journal (notes et rendez-vous)",
}

#: Free-text or third-party columns of the kept tables that anonymisation empties.
#: Measure types and dates, and obligation kinds, stay for the statistics.
#: Every other table linked to a person is deleted by an anonymisation: only what
#: is listed here (and the person's row) is kept, so a table added later is never
#: kept with content nobody has vetted.
ANONYMISED_COLUMNS: dict[str, dict[str, object]] = {
    # court + decision date + measure type points to one public judgment: cleared;
    # the judge's name and the notes are third parties' names and free text.
    "measure": {"court": "", "jap_name": "", "notes": ""},
    # "Ne pas paraître à ...", "ne pas entrer en relation avec Mme X": free text.
    "obligation": {"details": ""},
}


def measure_end(sentence_end: date | None, probation_end: date | None) -> date | None:
    """When one measure ends for the retention rule: the later of its two end dates."""
    ends = [d for d in (sentence_end, probation_end) if d is not None]
    return max(ends) if ends else None


def retention_start(measures: Iterable[MeasureEnds], closed_on: date | None) -> date | None:
    """The date a file's retention period runs from; ``None`` when it never falls due.

    Args:
        measures: the end dates of every measure of the person.
        closed_on: when the file was closed (used only when there is no measure).
    """
    latest: date | None = None
    count = 0
    for sentence_end, probation_end in measures:
        count += 1
        end = measure_end(sentence_end, probation_end)
        if end is None:
            return None  # an open-ended measure keeps the whole file
        latest = end if latest is None or end > latest else latest
    return latest if count else closed_on


def due_on(start: date, years: int) -> date:
    """The first day a file whose retention runs from ``start`` may be purged."""
    return add_years(start, years) + timedelta(days=1)


def is_due(start: date | None, today: date, years: int) -> bool:
    """Did the retention period from ``start`` end before ``today``?"""
    return start is not None and due_on(start, years) <= today


def last_day_due(today: date, years: int) -> date:
    """The latest start date that is due on ``today``: due iff ``start <= last_day_due``.

    ``add_years`` is non-decreasing, so the due start dates are all the dates up to
    a bound; it is ``today - years`` or the day before (leap days clamp).
    """
    bound = add_years(today, -years)
    return bound if due_on(bound, years) <= today else bound - timedelta(days=1)


def cutoff(today: date, years: int) -> date:
    """Files whose retention runs from a date *before* this one are due (certificate)."""
    return last_day_due(today, years) + timedelta(days=1)


@dataclass(frozen=True)
class RetentionCandidate:
    """A file due for review: numbers and dates only, never a name.

    Attributes:
        person_id: the file's internal id (what purge and anonymise take).
        file_number: the file number, the only way the administrator names it.
        last_end: end of the person's last measure; ``None`` if they had no measure.
        closed_on: when the file was closed; ``None`` if it is still open.
        referent_id: the agent who followed the person (to ask before purging).
        due_since: the first day the file could be purged.
    """

    person_id: int
    file_number: str
    last_end: date | None
    closed_on: date | None
    referent_id: int | None
    due_since: date

    @property
    def basis_label(self) -> str:
        """What the retention period ran from, in French."""
        if self.last_end is not None:
            return f"Fin de la dernière mesure le {format_date(self.last_end)}"
        return f"Dossier sans mesure clôturé le {format_date(self.closed_on)}"


class NotDue(SpipError):
    """Some files asked for are not (or no longer) due: nothing was done."""

    def __init__(self, file_numbers: Iterable[str]) -> None:
        self.file_numbers = tuple(file_numbers)
        listed = ", ".join(self.file_numbers[:10])
        more = f" et {len(self.file_numbers) - 10} autres" if len(self.file_numbers) > 10 else ""
        super().__init__(
            "Ces dossiers ne sont pas arrivés au terme de leur durée de conservation : "
            f"{listed}{more}. Aucun dossier n'a été traité."
        )


def anonymous_file_number(person_id: int) -> str:
    return f"{ANONYMOUS_PREFIX}{person_id}"


def anonymous_draft(draft: PersonDraft, person_id: int) -> PersonDraft:
    """What an anonymised file keeps of its identity.

    Kept, for the statistics (stocks and flows by regime, antenne, referent,
    establishment): the regime, the establishment, the referent and the antenne.
    Everything that identifies the person goes: names, birth date (a year plus
    sex plus measure dates singles people out in a small service, and a 1 January
    placeholder would read as a real date), sex (no statistic uses it), birth
    place, address, phone, e-mail, APPI and écrou numbers. The file number becomes
    ``ANON-<id>``.
    """
    return PersonDraft(
        surname=ANONYMOUS_SURNAME,
        file_number=anonymous_file_number(person_id),
        regime=draft.regime,
        establishment_id=draft.establishment_id,
        referent_id=draft.referent_id,
        antenne_id=draft.antenne_id,
    )


def certificate_number(year: int, sequence: int) -> str:
    """``PURGE-2026-0001``: one sequence a year, shared by purges and anonymisations."""
    return f"{CERTIFICATE_PREFIX}-{year}-{sequence:04d}"


def next_certificate_sequence(existing: Iterable[str], year: int) -> int:
    """One more than the highest sequence of ``year`` among certificate numbers."""
    prefix = f"{CERTIFICATE_PREFIX}-{year}-"
    highest = 0
    for number in existing:
        tail = number[len(prefix) :] if number.startswith(prefix) else ""
        if tail.isdigit():
            highest = max(highest, int(tail))
    return highest + 1
