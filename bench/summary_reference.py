"""The monthly summary computed a second time, by hand-written SQL, straight from its definitions.

:func:`reference_figures` runs one plain SQL statement after the other (``text()`` with
bound parameters, the same text on SQLite and PostgreSQL) and assembles their rows into
the summary's figure codes (``suivis_fin``, ``suivis_fin/regime:ferme``...). It reads
nothing of the application's database layer or services: only the schema's table and
column names, and the domain's vocabularies (:mod:`spip_desktop.domain.summary` for the
codes and rules as printed in the annex, the rights catalogue for the steps' domains).

Two uses:

- ``tests/integration/test_summary_crosscheck.py`` compares the service's figures with
  these, code by code, on a demonstration base, on both backends;
- ``bench/summary.py`` times this script beside the service (the reference of the ratio).

How the definitions are read (``DEFINITIONS`` and ``GENERAL_RULES``):

- the month runs from its first day to its last, or to ``today`` for the current month
  (« les chiffres vont jusqu'au jour de l'édition »): that day is the « dernier jour »;
  the expiry window of the conventions runs from the day after the calendar month;
- a measure starts at its referral date, else probation start, else final date, else
  decision date (none: never counted); it ends at its sentence end, else probation end,
  or at the file's closure when that comes first; a cancelled one counts nowhere;
- a person belongs to the scope by the file's current antenne or referent; sessions of
  an antenne or referent are those of the stages where a person of the scope is
  enrolled; every other stage figure counts the scope's people;
- an attendance record is current when no record supersedes it;
- an enrolment is validated (:func:`spip_desktop.domain.stages.progress`) when its stage
  is over (its last session day is today or before), the minutes of its sessions
  recorded *présent* or *retard* reach the stage's required minutes (its own, else all
  its sessions') and, if it was not ended, every session has a current record; an
  ended one must have reached them (and they must be above 0). It counts in the month
  of its stage's last session; an abandon or exclusion that is not validated counts in
  the month of its end;
- a step's status at the end of a day is that of its latest history row before the
  next midnight (latest by time, then by id); a step « passes » to a status on a row
  that changes it (a row repeating the status is a note).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Integer, String, bindparam, text
from sqlalchemy.types import TypeEngine

from spip_desktop.domain.dates import add_years
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.followup_terms import Outcome, RightsDomain
from spip_desktop.domain.rights import CATALOGUE, SENSITIVE_DOMAINS
from spip_desktop.domain.rules import SAS_RELIQUAT_YEARS
from spip_desktop.domain.stage_terms import AttendanceCode
from spip_desktop.domain.summary import Indicator, Month, ScopeKind, SummaryScope

Value = int | Decimal | None

# -- SQL fragments ----------------------------------------------------------------------------
# ``p`` is the person, ``m`` the measure.

#: GENERAL_RULES: referral date, else probation start, else final date, else decision date.
MEASURE_START = "COALESCE(m.referral_date, m.probation_start, m.final_date, m.decision_date)"
_END = "COALESCE(m.sentence_end, m.probation_end)"
#: The end, or the file's closure when it comes first (or when there is no end).
MEASURE_FINISH = (
    f"CASE WHEN p.closed_on IS NOT NULL AND ({_END} IS NULL OR p.closed_on < {_END}) "
    f"THEN p.closed_on ELSE {_END} END"
)


def _active_on(day: str) -> str:
    """The measure ``m`` of person ``p`` is active on the bound date ``day``."""
    return (
        f"m.cancelled_on IS NULL AND {MEASURE_START} IS NOT NULL AND {MEASURE_START} <= :{day} "
        f"AND ({MEASURE_FINISH} IS NULL OR {MEASURE_FINISH} >= :{day})"
    )


def _minutes_of(column: str) -> str:
    """``HH:MM`` of a TIME column as minutes of the day: the text form starts with
    ``HH:MM`` on both backends (SQLite stores text, PostgreSQL prints ``09:30:00``)."""
    as_text = f"CAST({column} AS VARCHAR(20))"
    return (
        f"(CAST(SUBSTR({as_text}, 1, 2) AS INTEGER) * 60 "
        f"+ CAST(SUBSTR({as_text}, 4, 2) AS INTEGER))"
    )


SESSION_MINUTES = f"({_minutes_of('s.end_time')} - {_minutes_of('s.start_time')})"

#: The attendance record ``a`` is current: no record supersedes it.
CURRENT_RECORD = "NOT EXISTS (SELECT 1 FROM attendance later WHERE later.supersedes_id = a.id)"

ATTENDED_CODES = "('present', 'late')"
#: The history row ``u`` changes the step's status (one repeating the status is a note).
CHANGE = "(u.previous IS NULL OR u.previous <> u.status)"
CLOSED_STATUSES = "('obtenu', 'refuse', 'abandonne', 'sans_objet')"
APPOINTMENT_KINDS = "('entretien', 'convocation', 'visite')"


def _person_scope(scope: SummaryScope) -> str:
    if scope.kind is ScopeKind.ANTENNE:
        return "p.antenne_id = :scope_id"
    if scope.kind is ScopeKind.REFERENT:
        return "p.referent_id = :scope_id"
    return "1 = 1"


def _in_scope(scope: SummaryScope, person_id: str) -> str:
    """The row whose person is ``person_id`` belongs to the scope (no join for the service)."""
    if scope.kind is ScopeKind.SERVICE:
        return "1 = 1"
    return f"{person_id} IN (SELECT p.id FROM person p WHERE {_person_scope(scope)})"


def _partner_scope(scope: SummaryScope) -> str:
    """Conventions (``c``) of the scope: partners serving the antenne or the whole service
    (no antenne listed); partners whose referent the CPIP is."""
    if scope.kind is ScopeKind.ANTENNE:
        return (
            "(EXISTS (SELECT 1 FROM partner_antenne pa WHERE pa.partner_id = c.partner_id "
            "AND pa.antenne_id = :scope_id) OR NOT EXISTS (SELECT 1 FROM partner_antenne pa "
            "WHERE pa.partner_id = c.partner_id))"
        )
    if scope.kind is ScopeKind.REFERENT:
        return (
            "EXISTS (SELECT 1 FROM partner pr WHERE pr.id = c.partner_id "
            "AND pr.referent_id = :scope_id)"
        )
    return "1 = 1"


def _session_scope(scope: SummaryScope) -> str:
    """Sessions (``s``) of the scope: for an antenne or a referent, those of the stages
    where a person of the scope is enrolled."""
    if scope.kind is ScopeKind.SERVICE:
        return "1 = 1"
    return (
        "EXISTS (SELECT 1 FROM enrolment en JOIN person p ON p.id = en.person_id "
        f"WHERE en.stage_id = s.stage_id AND {_person_scope(scope)})"
    )


# -- the statements ---------------------------------------------------------------------------


def statements(scope: SummaryScope) -> dict[str, str]:
    """Every statement of the script, by name, for ``scope`` (run in this order)."""
    person = _person_scope(scope)
    partner = _partner_scope(scope)
    sessions = _session_scope(scope)
    of_enrolment = _in_scope(scope, "en.person_id")
    of_step = _in_scope(scope, "r.person_id")
    of_entry = _in_scope(scope, "j.person_id")
    active_from = "FROM person p JOIN measure m ON m.person_id = p.id WHERE {person} AND {active}"
    sql: dict[str, str] = {}
    # People followed on the first and on the last day, in one pass over the measures
    # active on either (or between: the WHERE only narrows).
    both_days = (
        f"FROM person p JOIN measure m ON m.person_id = p.id WHERE {person} "
        f"AND m.cancelled_on IS NULL AND {MEASURE_START} <= :last "
        f"AND ({MEASURE_FINISH} IS NULL OR {MEASURE_FINISH} >= :first)"
    )
    counts = (
        f"COUNT(DISTINCT CASE WHEN {_active_on('first')} THEN p.id END), "
        f"COUNT(DISTINCT CASE WHEN {_active_on('last')} THEN p.id END)"
    )
    sql["regimes"] = f"SELECT p.regime, {counts} {both_days} GROUP BY p.regime"
    sql["types"] = f"SELECT m.measure_type, {counts} {both_days} GROUP BY m.measure_type"
    sql["caseload"] = (
        "SELECT p.referent_id, COUNT(DISTINCT p.id) "
        + active_from.format(person=person, active=_active_on("last"))
        + " GROUP BY p.referent_id"
    )
    sql["measures_started"] = (
        "SELECT m.measure_type, COUNT(*) FROM person p JOIN measure m ON m.person_id = p.id "
        f"WHERE {person} AND m.cancelled_on IS NULL "
        f"AND {MEASURE_START} >= :first AND {MEASURE_START} <= :last "
        "GROUP BY m.measure_type"
    )
    sql["measures_ended"] = (
        "SELECT m.measure_type, COUNT(*) FROM person p JOIN measure m ON m.person_id = p.id "
        f"WHERE {person} AND m.cancelled_on IS NULL AND {MEASURE_START} IS NOT NULL "
        f"AND {MEASURE_FINISH} >= :first AND {MEASURE_FINISH} <= :last "
        "GROUP BY m.measure_type"
    )
    sql["sas_eligible"] = (
        "SELECT COUNT(*) FROM (SELECT p.id FROM person p JOIN measure m ON m.person_id = p.id "
        f"WHERE {person} AND p.regime = 'ferme' AND {_active_on('last')} GROUP BY p.id "
        "HAVING MAX(m.sentence_end) > :last AND MAX(m.sentence_end) < :sas_limit) eligible"
    )
    sql["sas_placed"] = (
        "SELECT COUNT(*) FROM person p JOIN establishment e ON e.id = p.establishment_id "
        f"WHERE {person} AND e.kind = 'sas' "
        "AND p.establishment_since >= :first AND p.establishment_since <= :last"
    )
    sql["sessions"] = (
        "SELECT st.type_id, COUNT(*) FROM stage_session s JOIN stage st ON st.id = s.stage_id "
        f"WHERE s.day >= :first AND s.day <= :last AND {sessions} GROUP BY st.type_id"
    )
    sql["attendance"] = (
        "SELECT a.code, COUNT(*) FROM attendance a "
        "JOIN stage_session s ON s.id = a.session_id "
        "JOIN enrolment en ON en.id = a.enrolment_id "
        f"WHERE s.day >= :first AND s.day <= :last AND {of_enrolment} "
        f"AND {CURRENT_RECORD} "
        "GROUP BY a.code"
    )
    sql["participants"] = (
        "SELECT COUNT(DISTINCT en.person_id) FROM attendance a "
        "JOIN stage_session s ON s.id = a.session_id "
        "JOIN enrolment en ON en.id = a.enrolment_id "
        f"WHERE s.day >= :first AND s.day <= :last AND {of_enrolment} "
        f"AND {CURRENT_RECORD} "
        f"AND a.code IN {ATTENDED_CODES}"
    )
    # One row per enrolment of the scope whose stage ends, or which was ended, in the month.
    enrolments = (
        "SELECT en.id, en.end_kind, en.end_day, totals.last_day, "
        "COALESCE(totals.sessions, 0) AS sessions, "
        "COALESCE(st.required_minutes, totals.minutes, 0) AS required, "
        "(SELECT COUNT(*) FROM attendance a JOIN stage_session s ON s.id = a.session_id "
        f" WHERE a.enrolment_id = en.id AND s.stage_id = en.stage_id AND {CURRENT_RECORD}"
        ") AS recorded, "
        f"(SELECT COALESCE(SUM({SESSION_MINUTES}), 0) FROM attendance a "
        " JOIN stage_session s ON s.id = a.session_id "
        f" WHERE a.enrolment_id = en.id AND s.stage_id = en.stage_id AND {CURRENT_RECORD} "
        f" AND a.code IN {ATTENDED_CODES}) AS attended "
        "FROM enrolment en JOIN stage st ON st.id = en.stage_id "
        "LEFT JOIN (SELECT s.stage_id, COUNT(*) AS sessions, "
        f" SUM({SESSION_MINUTES}) AS minutes, MAX(s.day) AS last_day "
        " FROM stage_session s GROUP BY s.stage_id) totals ON totals.stage_id = en.stage_id "
        f"WHERE {of_enrolment} AND ((totals.last_day >= :first AND totals.last_day <= :last) "
        "OR (en.end_day >= :first AND en.end_day <= :last))"
    )
    validated = (
        "(e.last_day IS NOT NULL AND e.last_day <= :today AND e.attended >= e.required "
        "AND ((e.end_kind IS NULL AND e.sessions > 0 AND e.recorded = e.sessions) "
        "OR (e.end_kind IS NOT NULL AND e.required > 0)))"
    )
    sql["enrolment_ends"] = (
        "SELECT "
        f"SUM(CASE WHEN {validated} AND e.last_day >= :first AND e.last_day <= :last "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN e.end_kind = 'abandon' AND NOT {validated} "
        "AND e.end_day >= :first AND e.end_day <= :last THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN e.end_kind = 'exclu' AND NOT {validated} "
        "AND e.end_day >= :first AND e.end_day <= :last THEN 1 ELSE 0 END) "
        f"FROM ({enrolments}) e"
    )
    sql["attestations"] = (
        "SELECT COUNT(*) FROM attestation att JOIN enrolment en ON en.id = att.enrolment_id "
        f"WHERE {of_enrolment} "
        "AND att.issued_at >= :start AND att.issued_at < :after"
    )
    sql["duplicates"] = (
        "SELECT COUNT(*) FROM attestation_copy cp JOIN attestation att "
        "ON att.id = cp.attestation_id JOIN enrolment en ON en.id = att.enrolment_id "
        f"WHERE {of_enrolment} "
        "AND cp.printed_at >= :start AND cp.printed_at < :after"
    )
    sql["steps_opened"] = (
        "SELECT r.kind, COUNT(*) FROM rights_step r "
        f"WHERE {of_step} AND r.opened_on >= :first AND r.opened_on <= :last GROUP BY r.kind"
    )
    sql["steps_closed"] = (
        "SELECT u.status, COUNT(DISTINCT u.step_id) FROM rights_step_update u "
        "JOIN rights_step r ON r.id = u.step_id "
        f"WHERE {of_step} AND u.status IN ('obtenu', 'refuse', 'abandonne') AND {CHANGE} "
        "AND u.at >= :start AND u.at < :after GROUP BY u.status"
    )
    # A step that reached two of those statuses in the month counts once in the total.
    sql["steps_closed_total"] = (
        "SELECT COUNT(DISTINCT u.step_id) FROM rights_step_update u "
        "JOIN rights_step r ON r.id = u.step_id "
        f"WHERE {of_step} AND u.status IN ('obtenu', 'refuse', 'abandonne') AND {CHANGE} "
        "AND u.at >= :start AND u.at < :after"
    )
    # Open at the end of the last day: opened by then, and the latest history row before
    # the next midnight (latest by time, then by id) is not a closed status (no row: open).
    latest = (
        "(SELECT u.status FROM rights_step_update u WHERE u.step_id = r.id AND u.at < :after "
        "ORDER BY u.at DESC, u.id DESC LIMIT 1)"
    )
    sql["steps_open"] = (
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.follow_up_on < :last THEN 1 ELSE 0 END), 0) "
        f"FROM rights_step r WHERE {of_step} "
        f"AND r.opened_on <= :last AND COALESCE({latest}, '') NOT IN {CLOSED_STATUSES}"
    )
    sql["obtained"] = (
        "SELECT r.opened_on, MIN(u.at) AS obtained_at FROM rights_step_update u "
        "JOIN rights_step r ON r.id = u.step_id "
        f"WHERE {of_step} AND u.status = 'obtenu' AND {CHANGE} "
        "AND u.at >= :start AND u.at < :after "
        "GROUP BY r.id, r.opened_on"
    )
    sql["appointments"] = (
        "SELECT j.outcome, COUNT(*) FROM journal_entry j "
        f"WHERE {of_entry} AND j.kind IN {APPOINTMENT_KINDS} "
        "AND j.day >= :first AND j.day <= :last GROUP BY j.outcome"
    )
    sql["conventions"] = (
        "SELECT "
        "COALESCE(SUM(CASE WHEN (c.signed_on IS NULL OR c.signed_on <= :last) "
        "AND (c.expires_on IS NULL OR c.expires_on >= :last) THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN c.expires_on >= :expiry_from AND c.expires_on <= :expiry_to "
        "THEN 1 ELSE 0 END), 0) "
        f"FROM convention c WHERE c.status = 'signee' AND {partner}"
    )
    return sql


_RESULT_TYPES: dict[str, dict[str, TypeEngine[Any]]] = {
    "obtained": {"opened_on": Date(), "obtained_at": DateTime()},
}
_NAME = re.compile(r"(?<![:\w]):(\w+)")


def parameters(month: Month, scope: SummaryScope, today: date) -> dict[str, Any]:
    """The values bound into the statements."""
    last = min(month.last_day, today)
    expiry_to = month.next.next.next.last_day
    # décret 2022-339: a reliquat under two years (add_years: 29 February gives the 28th)
    sas_limit = add_years(last, SAS_RELIQUAT_YEARS)
    return {
        "first": month.first_day,
        "last": last,
        "start": datetime.combine(month.first_day, time()),
        "after": datetime.combine(last + timedelta(days=1), time()),
        "today": today,
        "sas_limit": sas_limit,
        "expiry_from": month.last_day + timedelta(days=1),
        "expiry_to": expiry_to,
        "scope_id": scope.target_id,
    }


def _bind_type(value: object) -> TypeEngine[Any]:
    if isinstance(value, datetime):
        return DateTime()
    if isinstance(value, date):
        return Date()
    if isinstance(value, int):
        return Integer()
    return String()


def run_script(
    connection: Connection, month: Month, scope: SummaryScope, today: date
) -> dict[str, Sequence[Any]]:
    """Execute every statement, one after the other: their rows, by name."""
    values = parameters(month, scope, today)
    rows: dict[str, Sequence[Any]] = {}
    for name, sql in statements(scope).items():
        binds = [
            bindparam(n, values[n], type_=_bind_type(values[n])) for n in set(_NAME.findall(sql))
        ]
        statement: Any = text(sql).bindparams(*binds)
        if name in _RESULT_TYPES:
            statement = statement.columns(**_RESULT_TYPES[name])
        rows[name] = connection.execute(statement).all()
    return rows


# -- assembling the rows into codes -----------------------------------------------------------

_ONE_DECIMAL = Decimal("0.1")
_DOMAIN_OF: dict[str, RightsDomain] = {
    item.kind.value: (RightsDomain.OTHER if item.domain in SENSITIVE_DOMAINS else item.domain)
    for item in CATALOGUE
}


def _code(indicator: Indicator, kind: str | None = None, value: object = "") -> str:
    return indicator.value if kind is None else f"{indicator.value}/{kind}:{value}"


def _counts(rows: Sequence[Any]) -> dict[Any, int]:
    return {key: int(n) for key, n in rows}


def _one(rows: Sequence[Any]) -> int:
    return int(rows[0][0] or 0)


def assemble(rows: Mapping[str, Sequence[Any]]) -> dict[str, Value]:
    """The figure codes and their values, from :func:`run_script`'s rows."""
    out: dict[str, Value] = {}
    I = Indicator  # noqa: E741 - as domain.summary does
    for indicator, column in ((I.ACTIVE_FIRST, 1), (I.ACTIVE_LAST, 2)):
        regimes = {row[0]: int(row[column]) for row in rows["regimes"]}
        types = {row[0]: int(row[column]) for row in rows["types"]}
        out[_code(indicator)] = sum(regimes.values())
        for regime in Regime:
            out[_code(indicator, "regime", regime.value)] = regimes.get(regime.value, 0)
        for kind in MeasureType:
            out[_code(indicator, "type", kind.value)] = types.get(kind.value, 0)
    for indicator, name in (
        (I.MEASURES_STARTED, "measures_started"),
        (I.MEASURES_ENDED, "measures_ended"),
    ):
        types = _counts(rows[name])
        out[_code(indicator)] = sum(types.values())
        for kind in MeasureType:
            out[_code(indicator, "type", kind.value)] = types.get(kind.value, 0)
    for agent_id, n in rows["caseload"]:
        out[_code(I.CASELOAD, "agent", "" if agent_id is None else agent_id)] = int(n)
    out[_code(I.SAS_ELIGIBLE)] = _one(rows["sas_eligible"])
    out[_code(I.SAS_PLACED)] = _one(rows["sas_placed"])

    sessions = _counts(rows["sessions"])
    out[_code(I.SESSIONS)] = sum(sessions.values())
    for type_id, n in sessions.items():
        out[_code(I.SESSIONS, "stage_type", type_id)] = n
    codes = _counts(rows["attendance"])
    total = sum(codes.values())
    out[_code(I.ATTENDANCE)] = total
    for code in AttendanceCode:
        out[_code(I.ATTENDANCE, "code", code.value)] = codes.get(code.value, 0)
    attended = codes.get("present", 0) + codes.get("late", 0)
    out[_code(I.ATTENDANCE_RATE)] = (
        None
        if not total
        else (Decimal(attended * 100) / Decimal(total)).quantize(_ONE_DECIMAL, ROUND_HALF_UP)
    )
    out[_code(I.PARTICIPANTS)] = _one(rows["participants"])
    valid, abandon, excluded = (int(n or 0) for n in rows["enrolment_ends"][0])
    out[_code(I.ENROLMENT_ENDS)] = valid + abandon + excluded
    out[_code(I.ENROLMENT_ENDS, "end", "valide")] = valid
    out[_code(I.ENROLMENT_ENDS, "end", "abandon")] = abandon
    out[_code(I.ENROLMENT_ENDS, "end", "exclu")] = excluded
    originals, duplicates = _one(rows["attestations"]), _one(rows["duplicates"])
    out[_code(I.ATTESTATIONS)] = originals + duplicates
    out[_code(I.ATTESTATIONS, "kind", "original")] = originals
    out[_code(I.ATTESTATIONS, "kind", "duplicata")] = duplicates

    domains = dict.fromkeys((d for d in RightsDomain if d not in SENSITIVE_DOMAINS), 0)
    for kind, n in rows["steps_opened"]:
        domains[_DOMAIN_OF[kind]] += int(n)
    out[_code(I.STEPS_OPENED)] = sum(domains.values())
    for domain, n in domains.items():
        out[_code(I.STEPS_OPENED, "domain", domain.value)] = n
    statuses = _counts(rows["steps_closed"])
    out[_code(I.STEPS_CLOSED)] = int(rows["steps_closed_total"][0][0] or 0)
    for status in ("obtenu", "refuse", "abandonne"):
        out[_code(I.STEPS_CLOSED, "status", status)] = statuses.get(status, 0)
    open_steps, overdue = (int(n or 0) for n in rows["steps_open"][0])
    out[_code(I.STEPS_OPEN)] = open_steps
    out[_code(I.STEPS_OVERDUE)] = overdue
    days = [(at.date() - opened).days for opened, at in rows["obtained"]]
    out[_code(I.OBTAINED_DAYS)] = (
        None
        if not days
        else Decimal(str(statistics.median(days))).quantize(_ONE_DECIMAL, ROUND_HALF_UP)
    )
    outcomes = _counts(rows["appointments"])
    out[_code(I.APPOINTMENTS)] = sum(outcomes.values())
    for outcome in Outcome:
        out[_code(I.APPOINTMENTS, "outcome", outcome.value)] = outcomes.get(outcome.value, 0)
    out[_code(I.APPOINTMENTS, "outcome", "")] = outcomes.get(None, 0)
    active, expiring = (int(n or 0) for n in rows["conventions"][0])
    out[_code(I.CONVENTIONS_ACTIVE)] = active
    out[_code(I.CONVENTIONS_EXPIRING)] = expiring
    return out


def reference_figures(
    connection: Connection, month: Month, scope: SummaryScope, today: date
) -> dict[str, Value]:
    """Every figure code of ``month`` for ``scope`` as of ``today``, with its value."""
    return assemble(run_script(connection, month, scope, today))
