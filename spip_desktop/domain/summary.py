"""The monthly activity summary (*synthèse mensuelle*): its period, scope, indicators and rules.

Everything a number of the summary means is stated here once, in French, as the
annex of the exported PDF prints it (:data:`DEFINITIONS`), and as the pure functions
the queries follow and the tests check (:func:`measure_start`, :func:`measure_active_on`,
:func:`step_open_on`, :func:`attendance_rate`, :func:`median_days`...). The database
layer computes the counts with aggregate SQL that applies these same rules; the
tests compare both on hand-built cases.

A summary is a flat, ordered tuple of :class:`Figure` (indicator, breakdown, value):
what the page shows, what the three export formats write, what the register of
sent summaries stores and compares with today's data.

Nothing here is built on sensitive data (R113-51): the rights steps of the health
and disability domains are counted in their total but never shown apart
(:func:`public_domain`).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .dates import add_months, add_years
from .documents import Letterhead
from .enums import LabelledEnum, Regime
from .errors import SpipError
from .followup_terms import CLOSED_STATUSES, RightsDomain, StepStatus
from .rules import SAS_RELIQUAT_YEARS
from .timeline import FileTab

MONTH_NAMES = (
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
)

#: Conventions expiring within this many months after the month are counted apart.
CONVENTION_HORIZON_MONTHS = 3

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_MONTH_FR = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


# -- the period ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; it runs from its first to its last day, inclusive, in dates."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9998:
            raise SpipError(
                f"« {self.iso} » n'est pas un mois valide (AAAA-MM, par exemple 2026-03)."
            )

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-03`` (or ``03/2026``); anything else is refused with a French sentence."""
        match = _MONTH.match(text) or None
        if match is not None:
            year, month = int(match.group(1)), int(match.group(2))
        elif (match := _MONTH_FR.match(text)) is not None:
            month, year = int(match.group(1)), int(match.group(2))
        else:
            raise SpipError(
                f"« {text.strip()} » n'est pas un mois : écrivez-le AAAA-MM, par exemple 2026-03."
            )
        if not 1 <= month <= 12:
            raise SpipError(f"« {text.strip()} » n'est pas un mois valide : le mois va de 01 à 12.")
        return cls(year, month)

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant of the month (times are stored as local wall-clock time)."""
        return datetime.combine(self.first_day, datetime.min.time())

    @property
    def end(self) -> datetime:
        """The first instant after the month."""
        return datetime.combine(self.next.first_day, datetime.min.time())

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def label(self) -> str:
        """``mars 2026``."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def of_label(self) -> str:
        """``de mars 2026``, ``d'octobre 2026``: the month after « de », elided."""
        return f"d'{self.label}" if self.label[0] in "aeiou" else f"de {self.label}"

    @property
    def title(self) -> str:
        """``Mars 2026``."""
        return self.label[0].upper() + self.label[1:]

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return self.iso


def check_month(month: Month, today: date) -> None:
    """A summary covers a month that has begun: a future month is refused."""
    if month.first_day > today:
        raise SpipError(
            f"Le mois {month.of_label} n'a pas encore commencé : "
            "choisissez un mois passé ou le mois en cours."
        )


@dataclass(frozen=True)
class Period:
    """The days a summary counts: the month, or for the current month its days up to today."""

    month: Month
    first: date
    #: The month's last day, or today in the current month: the day stocks are taken on.
    last: date

    @classmethod
    def of(cls, month: Month, today: date) -> Period:
        return cls(month, month.first_day, min(month.last_day, today))

    @property
    def start(self) -> datetime:
        """The first instant counted (times are stored as local wall-clock time)."""
        return datetime.combine(self.first, datetime.min.time())

    @property
    def end(self) -> datetime:
        """The first instant no longer counted."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())


def is_partial(month: Month, today: date) -> bool:
    """The current month: its figures run to today and will still change."""
    return month.contains(today) and today < month.last_day


def last_complete_month(today: date) -> Month:
    """The month the summary is usually sent for: the one before today's."""
    return Month.of(today).previous


# -- the scope -------------------------------------------------------------------------------


class ScopeKind(LabelledEnum):
    SERVICE = ("service", "Tout le service")
    ANTENNE = ("antenne", "Antenne")
    REFERENT = ("referent", "CPIP référent")


@dataclass(frozen=True)
class SummaryScope:
    """What the summary counts: the whole service, one antenne, or one referent's caseload.

    ``label`` names it for people (« Antenne de Lille », « DUPONT Marie »); the service
    fills it in. People belong to the scope by their file's current antenne and referent.
    """

    kind: ScopeKind = ScopeKind.SERVICE
    target_id: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind is ScopeKind.SERVICE and self.target_id is not None:
            raise SpipError("Le périmètre « tout le service » ne désigne ni antenne ni CPIP.")
        if self.kind is not ScopeKind.SERVICE and self.target_id is None:
            what = "l'antenne" if self.kind is ScopeKind.ANTENNE else "le CPIP référent"
            raise SpipError(f"Choisissez {what} dont vous voulez la synthèse.")

    @classmethod
    def service(cls) -> SummaryScope:
        return cls()

    @classmethod
    def antenne(cls, antenne_id: int, label: str = "") -> SummaryScope:
        return cls(ScopeKind.ANTENNE, antenne_id, label)

    @classmethod
    def referent(cls, agent_id: int, label: str = "") -> SummaryScope:
        return cls(ScopeKind.REFERENT, agent_id, label)

    @property
    def key(self) -> str:
        """``service``, ``antenne:3``, ``referent:12``: how the register files it."""
        return self.kind.value if self.target_id is None else f"{self.kind.value}:{self.target_id}"

    @property
    def description(self) -> str:
        """« Tout le service », « Antenne : Antenne de Lille », « CPIP référent : DUPONT Marie »."""
        if self.kind is ScopeKind.SERVICE:
            return self.kind.label
        return f"{self.kind.label} : {self.label or self.target_id}"

    def labelled(self, label: str) -> SummaryScope:
        return SummaryScope(self.kind, self.target_id, label)


# -- the indicators --------------------------------------------------------------------------


class Section(LabelledEnum):
    PERSONS = ("personnes", "Personnes suivies")
    STAGES = ("stages", "Stages et programmes")
    RIGHTS = ("droits", "Accès aux droits")
    APPOINTMENTS = ("entretiens", "Entretiens")
    PARTNERSHIPS = ("partenariats", "Partenariats")


class Unit(LabelledEnum):
    COUNT = ("nombre", "Nombre")
    PERCENT = ("pourcentage", "Pourcentage")
    DAYS = ("jours", "Jours")


class DrillKind(LabelledEnum):
    """What the list behind a number shows (and the permission it needs)."""

    PERSONS = ("personnes", "Personnes")
    MEASURES = ("mesures", "Mesures")
    SESSIONS = ("seances", "Séances")
    ATTENDANCE = ("emargements", "Émargements")
    ENROLMENTS = ("inscriptions", "Inscriptions")
    ATTESTATIONS = ("attestations", "Attestations")
    STEPS = ("demarches", "Démarches")
    APPOINTMENTS = ("entretiens", "Entretiens")
    CONVENTIONS = ("conventions", "Conventions")


class Indicator(LabelledEnum):
    """Every number of the summary, in the order it is printed."""

    ACTIVE_FIRST = ("suivis_debut", "Personnes suivies le premier jour du mois")
    ACTIVE_LAST = ("suivis_fin", "Personnes suivies le dernier jour du mois")
    MEASURES_STARTED = ("mesures_debutees", "Mesures commencées dans le mois")
    MEASURES_ENDED = ("mesures_terminees", "Mesures terminées dans le mois")
    CASELOAD = ("charge_cpip", "Personnes suivies par CPIP le dernier jour")
    SAS_ELIGIBLE = ("eligibles_sas", "Personnes éligibles SAS le dernier jour")
    SAS_PLACED = ("placements_sas", "Placements en SAS commencés dans le mois")
    SESSIONS = ("seances", "Séances tenues dans le mois")
    ATTENDANCE = ("emargements", "Émargements des séances du mois")
    ATTENDANCE_RATE = ("taux_presence", "Taux de présence")
    PARTICIPANTS = ("participants", "Participants distincts")
    ENROLMENT_ENDS = ("fins_inscription", "Fins de stage dans le mois")
    ATTESTATIONS = ("attestations", "Attestations délivrées dans le mois")
    STEPS_OPENED = ("demarches_ouvertes", "Démarches ouvertes dans le mois")
    STEPS_CLOSED = ("demarches_issues", "Démarches arrivées à leur issue dans le mois")
    STEPS_OPEN = ("demarches_en_cours", "Démarches en cours le dernier jour")
    STEPS_OVERDUE = ("demarches_relance", "dont relance dépassée")
    OBTAINED_DAYS = ("delai_obtention", "Délai médian d'obtention (jours)")
    APPOINTMENTS = ("entretiens", "Entretiens du mois")
    CONVENTIONS_ACTIVE = ("conventions_vigueur", "Conventions en vigueur le dernier jour")
    CONVENTIONS_EXPIRING = (
        "conventions_echeance",
        "Conventions arrivant à échéance dans les 3 mois suivants",
    )

    @property
    def section(self) -> Section:
        return _SECTIONS[self]

    @property
    def unit(self) -> Unit:
        return _UNITS.get(self, Unit.COUNT)

    @property
    def drill(self) -> DrillKind | None:
        """What opens behind the number (``None``: a computed rate or median)."""
        return _DRILLS.get(self)

    @property
    def definition(self) -> str:
        return DEFINITIONS[self]


I = Indicator  # noqa: E741 - a table of indicators reads better with a short name
_SECTIONS: dict[Indicator, Section] = {
    **dict.fromkeys(
        (
            I.ACTIVE_FIRST,
            I.ACTIVE_LAST,
            I.MEASURES_STARTED,
            I.MEASURES_ENDED,
            I.CASELOAD,
            I.SAS_ELIGIBLE,
            I.SAS_PLACED,
        ),
        Section.PERSONS,
    ),
    **dict.fromkeys(
        (
            I.SESSIONS,
            I.ATTENDANCE,
            I.ATTENDANCE_RATE,
            I.PARTICIPANTS,
            I.ENROLMENT_ENDS,
            I.ATTESTATIONS,
        ),
        Section.STAGES,
    ),
    **dict.fromkeys(
        (I.STEPS_OPENED, I.STEPS_CLOSED, I.STEPS_OPEN, I.STEPS_OVERDUE, I.OBTAINED_DAYS),
        Section.RIGHTS,
    ),
    I.APPOINTMENTS: Section.APPOINTMENTS,
    I.CONVENTIONS_ACTIVE: Section.PARTNERSHIPS,
    I.CONVENTIONS_EXPIRING: Section.PARTNERSHIPS,
}
_UNITS: dict[Indicator, Unit] = {I.ATTENDANCE_RATE: Unit.PERCENT, I.OBTAINED_DAYS: Unit.DAYS}
_DRILLS: dict[Indicator, DrillKind] = {
    I.ACTIVE_FIRST: DrillKind.PERSONS,
    I.ACTIVE_LAST: DrillKind.PERSONS,
    I.MEASURES_STARTED: DrillKind.MEASURES,
    I.MEASURES_ENDED: DrillKind.MEASURES,
    I.CASELOAD: DrillKind.PERSONS,
    I.SAS_ELIGIBLE: DrillKind.PERSONS,
    I.SAS_PLACED: DrillKind.PERSONS,
    I.SESSIONS: DrillKind.SESSIONS,
    I.ATTENDANCE: DrillKind.ATTENDANCE,
    I.PARTICIPANTS: DrillKind.PERSONS,
    I.ENROLMENT_ENDS: DrillKind.ENROLMENTS,
    I.ATTESTATIONS: DrillKind.ATTESTATIONS,
    I.STEPS_OPENED: DrillKind.STEPS,
    I.STEPS_CLOSED: DrillKind.STEPS,
    I.STEPS_OPEN: DrillKind.STEPS,
    I.STEPS_OVERDUE: DrillKind.STEPS,
    I.APPOINTMENTS: DrillKind.APPOINTMENTS,
    I.CONVENTIONS_ACTIVE: DrillKind.CONVENTIONS,
    I.CONVENTIONS_EXPIRING: DrillKind.CONVENTIONS,
}

_BY_CODE: dict[str, Indicator] = {i.value: i for i in Indicator}

#: General rules, printed at the head of the annex.
GENERAL_RULES: tuple[str, ...] = (
    "Le mois M va de son premier à son dernier jour inclus ; les dates s'entendent en jours "
    "calendaires et les heures en heure locale. Pour le mois en cours, les chiffres vont "
    "jusqu'au jour de l'édition, qui tient lieu de dernier jour.",
    "Début d'une mesure : la date de saisine du SPIP ; à défaut, le début du délai d'épreuve, "
    "puis la date où la décision est devenue définitive, puis la date de la décision. Une mesure "
    "sans aucune de ces dates n'est pas comptée.",
    "Fin d'une mesure : la fin de peine ; à défaut, la fin du délai d'épreuve. Le suivi d'une "
    "mesure s'arrête aussi à la clôture du dossier (transfert, décès...) : la fin retenue est la "
    "plus proche des deux.",
    "Une mesure est active le jour J quand elle a commencé ce jour-là ou avant, qu'elle n'a pas "
    "pris fin avant J (pas de fin connue, ou fin le jour J ou après) et qu'elle n'est pas "
    "annulée. Une mesure annulée n'est comptée nulle part.",
    "Une personne est suivie le jour J quand l'une au moins de ses mesures est active ce jour-là.",
    "Périmètre : tout le service, une antenne ou un CPIP référent. Une personne en relève par "
    "l'antenne et le référent actuels de son dossier ; son régime (milieu ouvert ou fermé) est "
    "celui du dossier au jour de l'édition.",
    "Aucun chiffre n'est construit sur une donnée sensible (santé, origine, religion...), "
    "conformément à l'article R113-51 du Code pénitentiaire : les démarches des domaines santé "
    "et handicap sont comptées dans les totaux, sans être détaillées.",
)

#: What each indicator counts, printed in the PDF's annex and the workbook's last sheet.
DEFINITIONS: dict[Indicator, str] = {
    I.ACTIVE_FIRST: "Personnes suivies le premier jour du mois, au total, par régime et par type "
    "de mesure active ce jour-là. Une personne qui a deux types de mesure compte une fois dans "
    "chacun et une seule fois dans le total.",
    I.ACTIVE_LAST: "Les mêmes chiffres le dernier jour du mois.",
    I.MEASURES_STARTED: "Mesures non annulées dont le début (date de saisine) tombe dans le "
    "mois, par type.",
    I.MEASURES_ENDED: "Mesures non annulées dont la fin tombe dans le mois, par type.",
    I.CASELOAD: "Personnes suivies le dernier jour du mois, par CPIP référent du dossier "
    "(« sans référent » quand le dossier n'en a pas).",
    I.SAS_ELIGIBLE: f"Personnes suivies en milieu fermé le dernier jour du mois dont le reliquat "
    f"est inférieur à {SAS_RELIQUAT_YEARS} ans (décret 2022-339) : la plus tardive des fins de "
    "peine de leurs mesures actives ce jour-là est postérieure à ce jour et antérieure à "
    f"ce jour plus {SAS_RELIQUAT_YEARS} ans.",
    I.SAS_PLACED: "Personnes affectées à une structure d'accompagnement vers la sortie (SAS) "
    "dont la date d'arrivée dans l'établissement tombe dans le mois (d'après l'affectation "
    "actuelle du dossier).",
    I.SESSIONS: "Séances de stage ou de programme dont la date tombe dans le mois, par type de "
    "stage. Pour une antenne ou un CPIP : les séances des stages où une personne du périmètre "
    "est inscrite.",
    I.ATTENDANCE: "Émargements en vigueur des séances du mois, par code (présent, retard, "
    "absent excusé, absent non excusé) ; un émargement corrigé ne compte que dans sa dernière "
    "version.",
    I.ATTENDANCE_RATE: "(présents + retards) / tous les émargements des séances du mois, en "
    "pourcentage à une décimale ; sans objet quand aucun émargement n'est saisi.",
    I.PARTICIPANTS: "Personnes distinctes présentes ou en retard à au moins une séance du mois.",
    I.ENROLMENT_ENDS: "Inscriptions validées (la dernière séance du stage a lieu dans le mois et "
    "les heures de présence atteignent les heures requises ; une personne partie ou exclue "
    "après les avoir atteintes est validée), abandonnées et exclues (la fin d'inscription "
    "tombe dans le mois).",
    I.ATTESTATIONS: "Attestations de stage délivrées dans le mois : originaux (numéro attribué "
    "dans le mois) et duplicatas (réimpressions faites dans le mois).",
    I.STEPS_OPENED: "Démarches d'accès aux droits ouvertes dans le mois, par domaine ; les "
    "domaines santé et handicap sont comptés avec « Autres démarches ».",
    I.STEPS_CLOSED: "Démarches passées dans le mois au statut obtenu, refusé ou abandonné "
    "(une démarche compte une fois par statut atteint, et une fois dans le total ; une note "
    "ajoutée à une démarche close ne la fait pas compter à nouveau).",
    I.STEPS_OPEN: "Démarches ouvertes le dernier jour du mois ou avant dont le dernier statut "
    "enregistré à la fin de ce jour n'est pas clos (obtenu, refusé, abandonné, sans objet) ; une "
    "démarche saisie plus tard avec une date d'ouverture antérieure compte comme à engager.",
    I.STEPS_OVERDUE: "Parmi les démarches en cours, celles dont la date de relance (actuelle) "
    "est antérieure au dernier jour du mois.",
    I.OBTAINED_DAYS: "Pour les démarches obtenues dans le mois, médiane du nombre de jours "
    "entre l'ouverture et le passage au statut obtenu ; sans objet quand aucune ne l'a été.",
    I.APPOINTMENTS: "Entretiens, convocations et visites à domicile dont la date tombe dans "
    "le mois, par issue (honoré, non honoré, excusé, issue non renseignée).",
    I.CONVENTIONS_ACTIVE: "Conventions signées (ni en projet ni dénoncées), signées le dernier "
    "jour du mois ou avant et non expirées ce jour-là. Pour une antenne : celles des "
    "partenaires qui la servent (ou servent tout le service) ; pour un CPIP : celles des "
    "partenaires dont il est le référent.",
    I.CONVENTIONS_EXPIRING: "Conventions signées dont l'échéance tombe dans les "
    f"{CONVENTION_HORIZON_MONTHS} mois qui suivent le mois (du lendemain du dernier jour au "
    f"dernier jour du {CONVENTION_HORIZON_MONTHS}e mois suivant).",
}

#: Key of an indicator's total line. Breakdown lines are keyed ``kind:value``:
#:
#: - ``regime:ouvert|ferme`` and ``type:<MeasureType value>`` (active people; every
#:   regime and type is listed, zeros included); ``type:`` also for measures started/ended;
#: - ``agent:<agent id>`` (caseload; ``agent:`` for files without a referent);
#: - ``stage_type:<stage type id>`` (sessions; only the types that had sessions);
#: - ``code:<AttendanceCode value>`` (attendance, the four codes);
#: - ``end:valide|abandon|exclu`` (enrolment ends); ``kind:original|duplicata`` (attestations);
#: - ``domain:<RightsDomain value>`` (steps opened, the :func:`public_domains`);
#: - ``status:obtenu|refuse|abandonne`` (steps closed);
#: - ``outcome:<Outcome value>`` (appointments; ``outcome:`` when none is recorded).
TOTAL = ""


def indicator_of(code: str) -> Indicator:
    """The indicator whose value is ``code`` (``KeyError`` when there is none)."""
    return _BY_CODE[code]


#: Labels of the outcomes counted among the steps closed in the month.
CLOSED_LABELS: dict[StepStatus, str] = {
    StepStatus.OBTAINED: "Obtenues",
    StepStatus.REFUSED: "Refusées",
    StepStatus.ABANDONED: "Abandonnées",
}


#: Labels of the lines of enrolment ends, attestations and appointments without outcome.
ENROLMENT_END_LABELS: dict[str, str] = {
    "valide": "Validées",
    "abandon": "Abandons",
    "exclu": "Exclusions",
}
ATTESTATION_LABELS: dict[str, str] = {"original": "Originaux", "duplicata": "Duplicatas"}
NO_OUTCOME = "Issue non renseignée"
NO_REFERENT = "Sans référent"


def domain_label(domain: RightsDomain) -> str:
    """A domain's line: « Autres démarches » also holds the folded sensitive domains."""
    return "Autres démarches" if domain is RightsDomain.OTHER else domain.label


def breakdown_key(kind: str, value: object = "") -> str:
    return f"{kind}:{value}"


# -- the rules as functions ------------------------------------------------------------------


def measure_start(
    referral_date: date | None,
    probation_start: date | None = None,
    final_date: date | None = None,
    decision_date: date | None = None,
) -> date | None:
    """When the service's follow-up of a measure starts (see :data:`GENERAL_RULES`)."""
    return referral_date or probation_start or final_date or decision_date


def measure_finish(
    sentence_end: date | None, probation_end: date | None, closed_on: date | None = None
) -> date | None:
    """When the follow-up ends: end of sentence, else of probation, or the file's closure."""
    end = sentence_end or probation_end
    if closed_on is not None and (end is None or closed_on < end):
        return closed_on
    return end


def measure_active_on(
    day: date, start: date | None, finish: date | None, cancelled: bool = False
) -> bool:
    """Started on or before ``day``, not ended before it, not cancelled."""
    return (
        not cancelled and start is not None and start <= day and (finish is None or finish >= day)
    )


def sas_eligible_on(day: date, regime: Regime, latest_sentence_end: date | None) -> bool:
    """Milieu fermé and a reliquat under two years on ``day`` (décret 2022-339)."""
    if regime is not Regime.MILIEU_FERME or latest_sentence_end is None:
        return False
    return day < latest_sentence_end < sas_limit(day)


def sas_limit(day: date) -> date:
    """The first end of sentence that is too far for the SAS on ``day``."""
    try:
        return add_years(day, SAS_RELIQUAT_YEARS)
    except (ValueError, OverflowError):
        return date.max


def step_open_on(
    day: date, opened_on: date, history: Iterable[tuple[datetime, StepStatus]]
) -> bool:
    """Whether a step was open at the end of ``day``: opened by then, and the last status
    it reached by then is not a closed one.

    ``history`` is (when, status) in the order the rows were written; of rows with the
    same time, the one written last counts. A step with no row by then (recorded later
    with an earlier opening date) was still to be started: open.
    """
    if opened_on > day:
        return False
    limit = datetime.combine(day + timedelta(days=1), datetime.min.time())
    reached = [(at, i, status) for i, (at, status) in enumerate(history) if at < limit]
    if not reached:
        return True
    return max(reached)[2] not in CLOSED_STATUSES


def convention_active_on(
    day: date, signed: bool, signed_on: date | None, expires_on: date | None
) -> bool:
    """A signed convention, signed by ``day`` (or undated) and not expired on ``day``."""
    return (
        signed
        and (signed_on is None or signed_on <= day)
        and (expires_on is None or expires_on >= day)
    )


def expiry_window(month: Month) -> tuple[date, date]:
    """The days after ``month`` whose expiries are counted (inclusive bounds)."""
    last = add_months(month.next.first_day, CONVENTION_HORIZON_MONTHS) - timedelta(days=1)
    return month.last_day + timedelta(days=1), last


_ONE_DECIMAL = Decimal("0.1")


def attendance_rate(attended: int, total: int) -> Decimal | None:
    """(présents + retards) / all records, as a percentage to one decimal (``None``: none)."""
    if total <= 0:
        return None
    return (Decimal(attended) * 100 / Decimal(total)).quantize(_ONE_DECIMAL, ROUND_HALF_UP)


def median_days(days: Sequence[int]) -> Decimal | None:
    """The median of ``days``, to one decimal (``None`` when there is none)."""
    if not days:
        return None
    return Decimal(str(statistics.median(days))).quantize(_ONE_DECIMAL, ROUND_HALF_UP)


def public_domain(domain: RightsDomain) -> RightsDomain:
    """The domain a step is counted under: sensitive domains fold into « Autres »."""
    from .rights import SENSITIVE_DOMAINS

    return RightsDomain.OTHER if domain in SENSITIVE_DOMAINS else domain


def public_domains() -> tuple[RightsDomain, ...]:
    """The domains the steps opened are broken down by, in display order."""
    return tuple(d for d in RightsDomain if public_domain(d) is d)


# -- the result ------------------------------------------------------------------------------

Value = int | Decimal | None


@dataclass(frozen=True)
class Figure:
    """One line of the summary: an indicator's total (``key == ""``) or one breakdown."""

    indicator: Indicator
    key: str
    label: str
    value: Value

    @property
    def section(self) -> Section:
        return self.indicator.section

    @property
    def code(self) -> str:
        """Stable identifier of the line: ``suivis_fin``, ``suivis_fin/regime:ferme``."""
        return self.indicator.value if not self.key else f"{self.indicator.value}/{self.key}"

    @property
    def breakdown(self) -> str:
        """The breakdown's label, ``Total`` for the indicator's total."""
        return self.label if self.key else "Total"


@dataclass(frozen=True)
class Summary:
    """Every figure of one month for one scope, computed on ``computed_on``."""

    month: Month
    scope: SummaryScope
    computed_on: date
    figures: tuple[Figure, ...]
    _index: dict[str, Figure] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.code: f for f in self.figures})

    def figure(self, indicator: Indicator, key: str = TOTAL) -> Figure | None:
        code = indicator.value if not key else f"{indicator.value}/{key}"
        return self._index.get(code)

    def value(self, indicator: Indicator, key: str = TOTAL) -> Value:
        found = self.figure(indicator, key)
        return None if found is None else found.value

    def of(self, indicator: Indicator) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.indicator is indicator)

    def section(self, section: Section) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.section is section)

    @property
    def partial(self) -> bool:
        return is_partial(self.month, self.computed_on)

    @property
    def is_empty(self) -> bool:
        """Nothing at all happened: every count is zero (a summary of zeros, not an error)."""
        return all(not f.value for f in self.figures)

    def values(self) -> dict[str, str | None]:
        """``{code: value}`` with values as text (``12``, ``87.5``): what the register keeps."""
        return {f.code: None if f.value is None else str(f.value) for f in self.figures}


def value_from_text(text: str | None) -> Value:
    if text is None:
        return None
    return Decimal(text) if "." in text else int(text)


# -- comparisons -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A figure beside the previous month's."""

    figure: Figure
    previous: Value

    @property
    def change(self) -> Value:
        return change(self.previous, self.figure.value)


def change(previous: Value, current: Value) -> Value:
    """``current - previous`` (``None`` when either is *sans objet*)."""
    if previous is None or current is None:
        return None
    return current - previous


def compare(current: Summary, previous: Summary) -> tuple[Comparison, ...]:
    """Each of ``current``'s figures with the previous month's value of the same line
    (0 for a breakdown line the previous month did not have); a breakdown line only the
    previous month had (a stage type, a CPIP) follows its indicator's lines, at 0 this
    month, so that each column adds up to its total."""
    previous_lines: dict[Indicator, list[Figure]] = {}
    for fig in previous.figures:
        if fig.key:
            previous_lines.setdefault(fig.indicator, []).append(fig)
    result = []
    figures = current.figures
    for index, fig in enumerate(figures):
        before = previous.figure(fig.indicator, fig.key)
        if before is None:
            prev: Value = None if fig.indicator.unit is not Unit.COUNT else 0
        else:
            prev = before.value
        result.append(Comparison(fig, prev))
        last_of_its_indicator = (
            index + 1 == len(figures) or figures[index + 1].indicator is not fig.indicator
        )
        if last_of_its_indicator:
            for old in previous_lines.get(fig.indicator, ()):
                if current.figure(old.indicator, old.key) is None:
                    gone: Value = 0 if old.indicator.unit is Unit.COUNT else None
                    result.append(
                        Comparison(Figure(old.indicator, old.key, old.label, gone), old.value)
                    )
    return tuple(result)


@dataclass(frozen=True)
class Difference:
    """A line whose value today differs from the one recorded when the summary was sent."""

    code: str
    label: str
    recorded: Value
    today: Value

    @property
    def change(self) -> Value:
        return change(self.recorded, self.today)


def differences(recorded: Sequence[Figure], today: Summary) -> tuple[Difference, ...]:
    """The lines whose value today is not the ``recorded`` one: today's lines in the
    summary's order (a line absent from the record counted 0), then the recorded lines
    today's data no longer has."""
    before = {f.code: f for f in recorded}
    found = []
    for fig in today.figures:
        old = before.get(fig.code)
        if old is None:
            old_value: Value = 0 if fig.indicator.unit is Unit.COUNT else None
        else:
            old_value = old.value
        if old_value != fig.value:
            found.append(Difference(fig.code, figure_title(fig), old_value, fig.value))
    for code, old in before.items():
        if today.figure(old.indicator, old.key) is None and old.value:
            found.append(Difference(code, figure_title(old), old.value, 0))
    return tuple(found)


def figure_title(fig: Figure) -> str:
    """« Personnes suivies le dernier jour du mois — Milieu fermé »."""
    return fig.indicator.label if not fig.key else f"{fig.indicator.label} — {fig.label}"


# -- formatting ------------------------------------------------------------------------------


def format_value(value: Value, unit: Unit = Unit.COUNT) -> str:
    """French display: ``1 234``, ``87,5 %``, ``12,5 j``; « sans objet » for ``None``."""
    if value is None:
        return "sans objet"
    if isinstance(value, Decimal):
        text = f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    else:
        text = f"{value:,d}".replace(",", "\u202f")
    if unit is Unit.PERCENT:
        return f"{text} %"
    return text


def format_change(value: Value) -> str:
    """``+12``, ``−3``, ``0``, ``+2,5``; empty when it cannot be computed."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{abs(value):,.1f}".replace(",", "\u202f").replace(".", ",")
    else:
        text = f"{abs(value):,d}".replace(",", "\u202f")
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return text


def csv_number(value: Value) -> str:
    """A value as a French spreadsheet reads it: ``1234``, ``87,5``; empty for *sans objet*."""
    if value is None:
        return ""
    return str(value).replace(".", ",")


# -- the register ----------------------------------------------------------------------------


class ExportCancelled(SpipError):
    """The user stopped an export: no file was left and nothing was registered."""

    def __init__(self) -> None:
        super().__init__("Export interrompu : aucun fichier n'a été écrit.")


class ExportFormat(LabelledEnum):
    PDF = ("pdf", "PDF")
    XLSX = ("xlsx", "Classeur (XLSX)")
    CSV = ("csv", "CSV")

    @property
    def suffix(self) -> str:
        return f".{self.value}"


def default_file_name(month: Month, scope: SummaryScope, fmt: ExportFormat) -> str:
    """``synthese-2026-03-service.pdf``, ``synthese-2026-03-antenne-3.xlsx``."""
    tail = scope.key.replace(":", "-")
    return f"synthese-{month.iso}-{tail}{fmt.suffix}"


def encode_values(summary: Summary) -> str:
    """The figures as the register stores them: JSON, one entry per line, in order."""
    return json.dumps(
        [
            [f.indicator.value, f.key, f.label, None if f.value is None else str(f.value)]
            for f in summary.figures
        ],
        ensure_ascii=False,
    )


def decode_figures(text: str) -> tuple[Figure, ...]:
    """The figures :func:`encode_values` stored."""
    return tuple(
        Figure(indicator_of(indicator), key, label, value_from_text(value))
        for indicator, key, label, value in json.loads(text)
    )


@dataclass(frozen=True)
class SummaryDocument:
    """Everything an exported file is made of, and nothing else: the same document gives
    the same bytes, which is how the register produces a sent file again."""

    summary: Summary
    previous: Summary
    generated_at: datetime
    generated_by: str
    head: Letterhead


# -- drill-down ------------------------------------------------------------------------------

#: The most lines a drill-down list shows (the count says how many there are in all).
DRILL_LIMIT = 5000


@dataclass(frozen=True)
class DrillRow:
    """One item behind a number, and where a double-click takes the user.

    ``person_id`` with ``tab``/``ref_id`` opens the person's file; ``stage_id`` (and
    ``session_id``) opens the stage (its attendance grid); ``partner_id`` the partner's
    conventions.
    """

    cells: tuple[str, ...]
    person_id: int | None = None
    tab: FileTab | None = None
    ref_id: int | None = None
    stage_id: int | None = None
    session_id: int | None = None
    partner_id: int | None = None


@dataclass(frozen=True)
class DrillList:
    """The items behind one figure (the first :data:`DRILL_LIMIT` of ``total``)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[DrillRow, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


# -- the register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SentSummary:
    """One line of the register of sent summaries."""

    id: int
    month: Month
    scope: SummaryScope
    format: ExportFormat
    file_name: str
    sha256: str
    size: int
    generated_at: datetime
    author: str
    figures: tuple[Figure, ...]
    #: The day the figures were computed: a month sent before its end stopped that day.
    computed_on: date

    @property
    def partial(self) -> bool:
        """Sent before the month was over: its figures ran to ``computed_on`` only."""
        return is_partial(self.month, self.computed_on)


@dataclass(frozen=True)
class SentCheck:
    """A sent summary beside what today's data gives for the same month and scope."""

    sent: SentSummary
    today: Summary
    differences: tuple[Difference, ...]

    @property
    def unchanged(self) -> bool:
        return not self.differences
