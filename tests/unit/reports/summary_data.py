"""Hand-built monthly summaries for the export tests (and for looking at the PDF).

:func:`summary` gives every :class:`Indicator`, with int, ``Decimal`` and ``None``
values and breakdown lines, at a realistic scale (thousands of people, 13 measure
types in use, several stage types, 20 CPIP); ``scale=0`` gives a month of zeros.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from spip_desktop.domain.documents import Letterhead
from spip_desktop.domain.enums import MeasureType
from spip_desktop.domain.followup_terms import Outcome
from spip_desktop.domain.stage_terms import AttendanceCode
from spip_desktop.domain.summary import (
    TOTAL,
    Figure,
    Indicator,
    Month,
    Summary,
    SummaryDocument,
    SummaryScope,
    breakdown_key,
    public_domains,
)

I = Indicator  # noqa: E741 - as in the domain module

MARCH = Month(2026, 3)
GENERATED_AT = datetime(2026, 4, 2, 9, 30)
AUTHOR = "Élodie LEFÈVRE"
HEAD = Letterhead(
    service_name="SPIP de la Gironde",
    address_lines=("13 rue Élisée-Reclus", "33000 Bordeaux"),
    city="Bordeaux",
    service_code="33",
)

#: People per measure type on the last day (the two legacy types are at zero: 13 in use).
TYPES: dict[MeasureType, int] = {
    MeasureType.SURSIS_PROBATOIRE: 1210,
    MeasureType.SURSIS_PROBATOIRE_RENFORCE: 85,
    MeasureType.TIG: 310,
    MeasureType.DDSE: 240,
    MeasureType.LIBERATION_CONDITIONNELLE: 95,
    MeasureType.SEMI_LIBERTE: 30,
    MeasureType.PLACEMENT_EXTERIEUR: 18,
    MeasureType.LIBERATION_SOUS_CONTRAINTE: 120,
    MeasureType.SUIVI_SOCIO_JUDICIAIRE: 140,
    MeasureType.CONTROLE_JUDICIAIRE: 210,
    MeasureType.PEINE_DE_STAGE: 45,
    MeasureType.AJOURNEMENT_PROBATION: 12,
    MeasureType.EMPRISONNEMENT: 380,
    MeasureType.SME: 0,
    MeasureType.CONTRAINTE_PENALE: 0,
}

STAGE_TYPES: tuple[tuple[int, str, int], ...] = (
    (1, "Stage de citoyenneté", 12),
    (2, "Stage de sensibilisation à la sécurité routière", 8),
    (3, "Programme de prévention de la récidive (PPR)", 6),
    (4, "Stage de sensibilisation aux dangers de l'usage de produits stupéfiants", 5),
    (5, "Stage de responsabilité parentale", 3),
)

AGENTS: tuple[str, ...] = (
    "DUPONT Marie",
    "MARTIN Jean-Baptiste",
    "BERNARD Sophie",
    "PETIT Karim",
    "DURAND Hélène",
    "LEROY Thomas",
    "MOREAU Camille",
    "SIMON Nathalie",
    "LAURENT Julien",
    "LEFEBVRE Aïcha",
    "MICHEL Pierre",
    "GARCIA Inès",
    "DAVID Olivier",
    "BERTRAND Léa",
    "ROUX François",
    "VINCENT Chloé",
    "FOURNIER Mathieu",
    "MOREL Sarah",
    "GIRARD Antoine",
    "ANDRÉ Émilie",
)


def _n(value: int, scale: float) -> int:
    return round(value * scale)


def _lines(
    indicator: Indicator, total: int | None, parts: list[tuple[str, str, int]]
) -> list[Figure]:
    lines = [] if total is None else [Figure(indicator, TOTAL, "", total)]
    return lines + [Figure(indicator, key, label, value) for key, label, value in parts]


def _active(indicator: Indicator, scale: float) -> list[Figure]:
    types = [
        (breakdown_key("type", t.value), t.label, _n(count, scale)) for t, count in TYPES.items()
    ]
    ferme = _n(380 + 150, scale)
    ouvert = _n(2340 - 530, scale)
    regimes = [
        (breakdown_key("regime", "ouvert"), "Milieu ouvert", ouvert),
        (breakdown_key("regime", "ferme"), "Milieu fermé", ferme),
    ]
    return _lines(indicator, ouvert + ferme, regimes + types)


def figures(scale: float = 1.0, *, stage_types: int = 5, with_rate: bool = True) -> list[Figure]:
    """Every indicator in the domain's order; ``scale`` multiplies the counts."""
    out: list[Figure] = []
    out += _active(I.ACTIVE_FIRST, scale * 0.98)
    out += _active(I.ACTIVE_LAST, scale)
    for indicator, factor in ((I.MEASURES_STARTED, 0.05), (I.MEASURES_ENDED, 0.04)):
        parts = [
            (breakdown_key("type", t.value), t.label, _n(count * factor, scale))
            for t, count in TYPES.items()
            if count
        ]
        out += _lines(indicator, sum(p[2] for p in parts), parts)
    caseload = [
        (breakdown_key("agent", index + 1), name, _n(95 + 7 * (index % 5), scale))
        for index, name in enumerate(AGENTS)
    ]
    caseload.append((breakdown_key("agent"), "Sans référent", _n(12, scale)))
    out += _lines(I.CASELOAD, None, caseload)
    out += _lines(I.SAS_ELIGIBLE, _n(64, scale), [])
    out += _lines(I.SAS_PLACED, _n(7, scale), [])
    sessions = [
        (breakdown_key("stage_type", key), label, _n(count, scale))
        for key, label, count in STAGE_TYPES[:stage_types]
    ]
    out += _lines(I.SESSIONS, sum(p[2] for p in sessions), sessions)
    codes = dict(zip(AttendanceCode, (412, 37, 41, 28), strict=True))
    attendance = [
        (breakdown_key("code", code.value), code.label, _n(count, scale))
        for code, count in codes.items()
    ]
    total_attendance = sum(p[2] for p in attendance)
    out += _lines(I.ATTENDANCE, total_attendance, attendance)
    rate = None
    if with_rate and total_attendance:
        rate = (Decimal(attendance[0][2] + attendance[1][2]) * 100 / total_attendance).quantize(
            Decimal("0.1")
        )
    out.append(Figure(I.ATTENDANCE_RATE, TOTAL, "", rate))
    out += _lines(I.PARTICIPANTS, _n(96, scale), [])
    ends = [
        (breakdown_key("end", "valide"), "Validées", _n(61, scale)),
        (breakdown_key("end", "abandon"), "Abandons", _n(6, scale)),
        (breakdown_key("end", "exclu"), "Exclusions", _n(2, scale)),
    ]
    out += _lines(I.ENROLMENT_ENDS, sum(p[2] for p in ends), ends)
    attestations = [
        (breakdown_key("kind", "original"), "Originaux", _n(58, scale)),
        (breakdown_key("kind", "duplicata"), "Duplicatas", _n(4, scale)),
    ]
    out += _lines(I.ATTESTATIONS, sum(p[2] for p in attestations), attestations)
    domains = [
        (breakdown_key("domain", d.value), d.label, _n(10 + 9 * i, scale))
        for i, d in enumerate(public_domains())
    ]
    out += _lines(I.STEPS_OPENED, sum(p[2] for p in domains), domains)
    closed = [
        (breakdown_key("status", "obtenu"), "Obtenues", _n(74, scale)),
        (breakdown_key("status", "refuse"), "Refusées", _n(11, scale)),
        (breakdown_key("status", "abandonne"), "Abandonnées", _n(9, scale)),
    ]
    out += _lines(I.STEPS_CLOSED, sum(p[2] for p in closed), closed)
    out += _lines(I.STEPS_OPEN, _n(1284, scale), [])
    out += _lines(I.STEPS_OVERDUE, _n(143, scale), [])
    days = (Decimal("23.5") * Decimal(str(scale))).quantize(Decimal("0.1")) if scale else None
    out.append(Figure(I.OBTAINED_DAYS, TOTAL, "", days))
    outcomes = [
        (breakdown_key("outcome", o.value), o.label, _n(count, scale))
        for o, count in zip(Outcome, (3120, 402, 188), strict=False)
    ]
    outcomes.append((breakdown_key("outcome"), "Issue non renseignée", _n(96, scale)))
    out += _lines(I.APPOINTMENTS, sum(p[2] for p in outcomes), outcomes)
    out += _lines(I.CONVENTIONS_ACTIVE, _n(27, scale), [])
    out += _lines(I.CONVENTIONS_EXPIRING, _n(3, scale), [])
    return out


def summary(
    month: Month = MARCH,
    scale: float = 1.0,
    *,
    scope: SummaryScope | None = None,
    computed_on: date | None = None,
    stage_types: int = 5,
    with_rate: bool = True,
) -> Summary:
    return Summary(
        month,
        scope or SummaryScope.service(),
        computed_on or month.next.first_day,
        tuple(figures(scale, stage_types=stage_types, with_rate=with_rate)),
    )


def document(
    current: Summary | None = None,
    previous: Summary | None = None,
    *,
    generated_at: datetime = GENERATED_AT,
    generated_by: str = AUTHOR,
    head: Letterhead = HEAD,
) -> SummaryDocument:
    """March 2026 for the whole service beside February (a little lower, one stage type
    fewer, no rate), unless told otherwise."""
    current = current or summary()
    if previous is None:
        previous = summary(
            current.month.previous,
            0.93,
            scope=current.scope,
            stage_types=4,
            with_rate=False,
        )
    return SummaryDocument(current, previous, generated_at, generated_by, head)
