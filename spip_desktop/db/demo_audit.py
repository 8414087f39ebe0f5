"""The demonstration's audit trail: what a year of work leaves in ``audit_entry``.

A service's trail grows with every file opened, changed or printed. The demonstration
gives each person, on average, ``PER_PERSON`` entries over the twelve months before
the day of generation: their file opened by their referent (two thirds of the entries),
changed (a phone number, an address: one in five) or printed (the rest). The entries are
chained exactly as the application chains them (:func:`~spip_desktop.domain.audit.
entry_hash`), in time order, after whatever the trail already holds: ``audit verify``
passes on a demonstration base, and the chain's cost at start-up is that of a real one.
"""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from ..domain.audit import GENESIS, entry_hash
from . import models as m
from .demo import insert_rows

#: Entries per person over the year (views, changes, prints).
PER_PERSON = 4
#: How many entries are written per statement.
CHUNK = 50_000


def _login(given: str, surname: str) -> str:
    text = f"{given.split()[0]}.{surname}".lower().replace(" ", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def populate_audit(connection: Connection, seed: int, today: date) -> int:
    """Append the year's entries for every person; returns how many were written."""
    rnd = random.Random(seed * 101 + 7)
    agents = {
        agent_id: (_login(given, surname), f"{given} {surname.upper()}")
        for agent_id, given, surname in connection.execute(
            select(m.AgentRow.id, m.AgentRow.given_name, m.AgentRow.surname)
        )
    }
    if not agents:
        return 0
    fallback = next(iter(agents.values()))
    people = [
        (person_id, file_number, agents.get(referent_id or 0, fallback))
        for person_id, file_number, referent_id in connection.execute(
            select(m.PersonRow.id, m.PersonRow.file_number, m.PersonRow.referent_id).order_by(
                m.PersonRow.id
            )
        )
    ]
    if not people:
        return 0
    start = datetime.combine(today - timedelta(days=365), time(8, 0))
    day_us = 24 * 3600 * 1_000_000
    count = len(people) * PER_PERSON
    # Office hours only: each instant of a day mapped into 8 h – 18 h of that day.
    moments = sorted(rnd.randrange(365 * day_us) for _ in range(count))
    head = connection.execute(
        select(m.AuditEntryRow.id, m.AuditEntryRow.hash).order_by(m.AuditEntryRow.id.desc())
    ).first()
    next_id, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    rows: list[dict[str, Any]] = []
    for n, moment in enumerate(moments):
        day, in_day = divmod(moment, day_us)
        at = start + timedelta(days=day, microseconds=in_day * 10 // 24)
        person_id, number, (login, name) = people[rnd.randrange(len(people))]
        draw = rnd.random()
        changes = ""
        if draw < 2 / 3:
            action, object_type, summary = "view", "person", f"n° {number}"
        elif draw < 2 / 3 + 0.2:
            action, object_type, summary = "update", "person", f"n° {number}"
            changes = json.dumps(
                [["phone", "", f"05 56 {rnd.randrange(100):02d} {rnd.randrange(100):02d} 00"]],
                ensure_ascii=False,
                separators=(",", ":"),
            )
        else:
            action, object_type, summary = "print", "person", f"Fiche du dossier n° {number}"
        digest = entry_hash(prev, at, login, name, action, object_type, person_id, person_id,
                            summary, changes)  # fmt: skip
        rows.append(
            {
                "id": next_id + n,
                "at": at,
                "actor_login": login,
                "actor_name": name,
                "action": action,
                "object_type": object_type,
                "object_id": person_id,
                "person_id": person_id,
                "summary": summary,
                "changes": changes,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
        if len(rows) >= CHUNK:
            insert_rows(connection, m.AuditEntryRow, rows)
            rows = []
    insert_rows(connection, m.AuditEntryRow, rows)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('audit_entry', 'id'), max(id)) FROM audit_entry"
        )
    return count
