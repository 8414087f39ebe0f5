"""The process that ``test_crash.py`` kills: realistic writes through the services, forever.

Two ways to run it (from the repository root)::

    python -m tests.integration.crash_child DB_PATH SEED   # one worker, until killed
    python -m tests.integration.crash_child --serve DB_PATH  # a fork server (see below)

A worker opens the database with :func:`open_services` (migrating a new file), acts as a
DPIP and loops: create people, open files (audited views), edit identities, add, edit
and delete measures with obligations, close and reopen files. It writes one line per
event on its standard output, each with a single ``write()`` (so a line is whole or
absent), as JSON after a keyword:

- ``OPENING`` just before :func:`open_services`, ``READY`` once it returned;
- ``INTENT {...}`` just before a service call: the call and the state it should leave;
- ``COMMITTED {...}`` only once that call has returned, i.e. after its commit: the
  person's whole file as the service returned it is now a promise.

Any exception is a bug: the traceback goes to standard error and the worker exits 1.

The fork server imports everything once, then forks one worker per ``RUN SEED`` line
read on its standard input, answers ``PID n`` and, when the worker is gone,
``EXIT code`` (minus the signal number when a signal ended it). The test uses it for
most rounds so that a round costs milliseconds of start-up instead of a second of
imports; what matters for durability (opening, migrating, writing) all happens after
the fork.
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.enums import (
    AgentRole,
    ClosureReason,
    EstablishmentKind,
    FileStatus,
    MeasureType,
    ObligationType,
    Regime,
    Sex,
)
from spip_desktop.domain.model import (
    Agent,
    Antenne,
    Establishment,
    MeasureDraft,
    ObligationDraft,
    PersonDraft,
    PersonFile,
    PersonQuery,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.services.passwords import fast_passwords
from spip_desktop.settings import Settings

TODAY = date(2026, 3, 12)
USER = User(None, "crash-test", "Test de panne (DPIP)", frozenset({Role.DPIP}))

ANTENNES = ("Antenne de Bordeaux", "Antenne de Libourne")
AGENTS = (("Lefèvre", "Élodie"), ("Zola", "Anne"), ("N'Diaye", "Moussa"))
ESTABLISHMENTS = (
    ("Centre pénitentiaire de Gradignan", EstablishmentKind.CENTRE_PENITENTIAIRE),
    ("SAS de Gradignan", EstablishmentKind.SAS),
)
SURNAMES = ("Martin", "Lefèvre", "Cœur", "L'Hôpital", "Dupont-Moreau", "Élie", "Nguyễn", "Roux")
GIVEN = ("Hélène", "François", "Lætitia", "Jean-Noël", "Zoé", "Marc", "Anaïs", "Émile")
CITIES = (("33000", "Bordeaux"), ("33500", "Libourne"), ("33170", "Gradignan"))
COURTS = ("Tribunal judiciaire de Bordeaux", "Cour d'appel de Bordeaux", "TJ de Libourne")
MAX_MEASURES = 4  # keeps a file's line well under PIPE_BUF (4096 bytes)
QUERY_ALL = PersonQuery(status=FileStatus.ALL)


def say(keyword: str, payload: object = None) -> None:
    """One whole line on standard output, in one system call (no Python buffering)."""
    line = keyword if payload is None else f"{keyword} {json.dumps(payload, sort_keys=True)}"
    data = (line + "\n").encode()
    written = os.write(1, data)
    if written != len(data):
        raise OSError(f"short write on stdout: {written} of {len(data)} bytes")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def measure_state(draft: MeasureDraft, version: int) -> dict[str, Any]:
    """A measure as the test compares it with the database's rows."""
    assert draft.measure_type is not None
    return {
        "version": version,
        "type": draft.measure_type.value,
        "court": draft.court,
        "decision_date": _iso(draft.decision_date),
        "referral_date": _iso(draft.referral_date),
        "probation_end": _iso(draft.probation_end),
        "sentence_end": _iso(draft.sentence_end),
        "notes": draft.notes,
        "obligations": [[o.kind.value, o.details] for o in draft.obligations],
    }


def person_state(
    person_id: int | None,
    version: int,
    draft: PersonDraft,
    closed_on: date | None,
    reason: ClosureReason | None,
    note: str,
    measures: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """A person's file as the test compares it with the database's rows."""
    return {
        "id": person_id,
        "version": version,
        "file_number": draft.file_number,
        "surname": draft.surname,
        "given_names": draft.given_names,
        "address": draft.address,
        "postal_code": draft.postal_code,
        "city": draft.city,
        "regime": draft.regime.value,
        "establishment_id": draft.establishment_id,
        "referent_id": draft.referent_id,
        "antenne_id": draft.antenne_id,
        "closed_on": _iso(closed_on),
        "closure_reason": None if reason is None else reason.value,
        "closure_note": note,
        "measures": measures,
    }


def file_state(file: PersonFile) -> dict[str, Any]:
    p = file.person
    measures = {str(m.id): measure_state(m.draft, m.version) for m in file.measures}
    return person_state(
        p.id, p.version, p.draft, p.closed_on, p.closure_reason, p.closure_note, measures
    )


class Worker:
    def __init__(self, services: Services, seed: int) -> None:
        self.services = services
        self.persons = services.persons
        self.rng = random.Random(seed)
        self.seed = seed
        self.counter = 0
        self.mine: list[int] = []  # people created by this worker
        self.agents: list[int] = []
        self.antennes: list[int] = []
        self.prisons: list[int] = []

    # -- the protocol ---------------------------------------------------------------
    def act(self, op: str, intent: dict[str, Any], call: Callable[[], PersonFile]) -> PersonFile:
        say("INTENT", {"op": op, **intent})
        file = call()
        say("COMMITTED", {"op": op, "person": file_state(file)})
        return file

    # -- reference data -------------------------------------------------------------
    def ensure_reference(self) -> None:
        ref = self.services.reference
        data = ref.load()
        for name in ANTENNES:
            found = next((a for a in data.antennes if a.name == name), None)
            if found is None:
                say("INTENT", {"op": "ref", "table": "antenne", "name": name})
                found = ref.save_antenne(Antenne(None, name, name[11:14].upper()))
                say("COMMITTED", {"op": "ref", "table": "antenne", "name": name, "id": found.id})
            assert found.id is not None
            self.antennes.append(found.id)
        for surname, given in AGENTS:
            agent = next((a for a in data.agents if a.surname == surname), None)
            if agent is None:
                say("INTENT", {"op": "ref", "table": "agent", "name": surname})
                agent = ref.save_agent(
                    Agent(None, surname, given, AgentRole.CPIP, self.antennes[0])
                )
                say("COMMITTED", {"op": "ref", "table": "agent", "name": surname, "id": agent.id})
            assert agent.id is not None
            self.agents.append(agent.id)
        for name, kind in ESTABLISHMENTS:
            place = next((e for e in data.establishments if e.name == name), None)
            if place is None:
                say("INTENT", {"op": "ref", "table": "establishment", "name": name})
                place = ref.save_establishment(Establishment(None, name, kind, "Gradignan"))
                payload = {"op": "ref", "table": "establishment", "name": name, "id": place.id}
                say("COMMITTED", payload)
            assert place.id is not None
            self.prisons.append(place.id)

    # -- random but valid content ---------------------------------------------------
    def identity(self, draft: PersonDraft) -> PersonDraft:
        rng = self.rng
        postal, city = rng.choice(CITIES)
        fields: dict[str, Any] = {
            "given_names": rng.choice(GIVEN) + rng.choice(("", " Marie", " Jean")),
            "address": f"{rng.randint(1, 200)} rue de la Paix",
            "postal_code": postal,
            "city": city,
            "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00",
        }
        if rng.random() < 0.2:
            fields["referent_id"] = rng.choice(self.agents)
        if rng.random() < 0.15:
            closed = rng.random() < 0.5
            fields["regime"] = Regime.MILIEU_FERME if closed else Regime.MILIEU_OUVERT
            fields["establishment_id"] = rng.choice(self.prisons) if closed else None
        return replace(draft, **fields)

    def new_draft(self) -> PersonDraft:
        rng = self.rng
        self.counter += 1
        draft = PersonDraft(
            surname=rng.choice(SURNAMES),
            birth_date=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice(list(Sex)),
            file_number=f"CR{self.seed}-{self.counter:05d}",
            referent_id=rng.choice(self.agents),
            antenne_id=rng.choice(self.antennes),
        )
        return self.identity(draft)

    def measure(self) -> MeasureDraft:
        rng = self.rng
        decision = TODAY - timedelta(days=rng.randint(10, 2500))
        final = decision + timedelta(days=rng.randint(0, 40))
        referral = final + timedelta(days=rng.randint(0, 60))
        end = referral + timedelta(days=365 * rng.randint(1, 3))
        kinds = rng.sample([k for k in ObligationType if k is not ObligationType.AUTRE], 3)
        obligations = [ObligationDraft(k) for k in kinds[: rng.randint(0, 3)]]
        if rng.random() < 0.3:
            obligations.append(ObligationDraft(ObligationType.AUTRE, "Pointer au commissariat"))
        return MeasureDraft(
            measure_type=rng.choice(MeasureType.choices()),  # type: ignore[arg-type]
            court=rng.choice(COURTS),
            decision_date=decision,
            final_date=final,
            referral_date=referral,
            probation_start=referral,
            probation_end=end,
            sentence_end=end if rng.random() < 0.5 else None,
            jap_name="Mme Durand",
            notes=rng.choice(("", "Suivi renforcé", "Première mesure")),
            obligations=tuple(obligations),
        )

    # -- use cases ------------------------------------------------------------------
    def create(self) -> PersonFile:
        draft = self.new_draft()
        expect = person_state(None, 1, draft, None, None, "", {})
        file = self.act("create", {"expect": expect}, lambda: self.persons.create(draft))
        self.mine.append(file.person.id)
        return file

    def pick(self) -> int | None:
        """Someone from this worker, or from the list (earlier rounds included)."""
        if self.mine and self.rng.random() < 0.5:
            return self.rng.choice(self.mine)
        total = self.persons.count(QUERY_ALL)
        if total == 0:
            return None
        rows = self.persons.list_page(QUERY_ALL, self.rng.randrange(total), 1).rows
        return rows[0].id if rows else None

    def view(self, person_id: int) -> PersonFile:
        return self.act("view", {"person_id": person_id}, lambda: self.persons.get_file(person_id))

    def edit(self, file: PersonFile) -> PersonFile:
        rng = self.rng
        p = file.person
        state = file_state(file)
        measures = dict(state["measures"])
        choice = rng.random()
        if choice < 0.3:
            draft = self.identity(p.draft)
            expect = person_state(
                p.id, p.version + 1, draft, p.closed_on, p.closure_reason, p.closure_note, measures
            )
            call = lambda: self.persons.update(p.id, p.version, draft)  # noqa: E731
            return self.act("update", {"expect": expect}, call)
        if choice < 0.6 and len(file.measures) < MAX_MEASURES:
            new = self.measure()
            expect = {**state, "measures": {**measures, "new": measure_state(new, 1)}}
            call = lambda: self.persons.add_measure(p.id, new)  # noqa: E731
            return self.act("add_measure", {"expect": expect}, call)
        if choice < 0.8 and file.measures:
            old = rng.choice(file.measures)
            new = self.measure()
            measures[str(old.id)] = measure_state(new, old.version + 1)
            expect = {**state, "measures": measures}
            call = lambda: self.persons.update_measure(old.id, old.version, new)  # noqa: E731
            return self.act("update_measure", {"expect": expect}, call)
        if choice < 0.9 and file.measures:
            old = rng.choice(file.measures)
            del measures[str(old.id)]
            expect = {**state, "measures": measures}
            call = lambda: self.persons.delete_measure(old.id, old.version)  # noqa: E731
            return self.act("delete_measure", {"expect": expect}, call)
        if p.closed_on is None:
            on = TODAY - timedelta(days=rng.randint(0, 30))
            reason = rng.choice(list(ClosureReason))
            note = rng.choice(("", "Fin de mesure constatée"))
            expect = person_state(p.id, p.version + 1, p.draft, on, reason, note, measures)
            call = lambda: self.persons.close(p.id, p.version, on, reason, note)  # noqa: E731
            return self.act("close", {"expect": expect}, call)
        expect = person_state(p.id, p.version + 1, p.draft, None, None, "", measures)
        return self.act("reopen", {"expect": expect}, lambda: self.persons.reopen(p.id, p.version))

    def run(self) -> None:
        self.ensure_reference()
        while True:
            person_id = None if self.rng.random() < 0.3 else self.pick()
            if person_id is None:
                file, edits = self.create(), self.rng.randint(0, 2)
            else:
                file, edits = self.view(person_id), self.rng.randint(1, 3)
            for _ in range(edits):
                file = self.edit(file)


def preload() -> None:
    """Import what migrating needs now, so that OPENING to READY is database work only."""
    import alembic.command
    import alembic.runtime.migration
    import alembic.script  # noqa: F401


def work(db_path: Path, seed: int) -> None:
    """One worker: open (and migrate) the database, then write until killed."""
    preload()
    settings = Settings(sqlite_file_url(db_path), False, db_path, db_path.parent / "data")
    say("OPENING")
    services = open_services(settings, today=lambda: TODAY, passwords=fast_passwords())
    services.session.user = USER
    say("READY")
    Worker(services, seed).run()


def run_worker(db_path: Path, seed: int) -> int:
    try:
        work(db_path, seed)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        return 1
    return 0  # pragma: no cover - the loop never ends


def serve(db_path: Path) -> None:
    """Fork one worker per ``RUN SEED`` line; report its pid, then how it ended."""
    preload()
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command != "RUN":
            raise SystemExit(f"unknown command {line!r}")
        go, start = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: waits until its pid is announced, then writes alone
            os.close(start)
            os.read(go, 1)
            os.close(go)
            os._exit(run_worker(db_path, int(argument)))
        os.close(go)
        say(f"PID {pid}")
        os.write(start, b"!")
        os.close(start)
        _, status = os.waitpid(pid, 0)
        say(f"EXIT {os.waitstatus_to_exitcode(status)}")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--serve":
        serve(Path(argv[1]))
        return 0
    if len(argv) == 2:
        return run_worker(Path(argv[0]), int(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
