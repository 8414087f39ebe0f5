"""The audit trail on a real database: what is recorded, what is refused, what is detected.

Also the guards that protect a SQLite file: a damaged file, a file on a network
share, a file replaced under the running application.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from spip_desktop import bootstrap
from spip_desktop.bootstrap import Services, open_services
from spip_desktop.db import audit as audit_db
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.enums import ClosureReason, MeasureType
from spip_desktop.domain.errors import (
    DatabaseUnavailable,
    DuplicateValue,
    EditConflict,
    InvalidInput,
    PermissionDenied,
)
from spip_desktop.domain.model import Antenne, MeasureDraft, PersonQuery
from spip_desktop.domain.security import Role
from spip_desktop.settings import Settings
from tests.conftest import MANAGER, Reference, fixed_today, person_draft, sign_in_as


def entries(services: Services, **filters: object) -> list:
    return services.audit.browse(AuditQuery(**filters), 0, 1000)  # type: ignore[arg-type]


def sqlite_file(services: Services) -> Path:
    path = services.settings.explicit_file
    assert path is not None
    return path


def test_every_change_and_every_opening_is_recorded_with_its_values(
    services: Services, reference: Reference
) -> None:
    file = services.persons.create(person_draft(referent_id=reference.cpip.id))
    pid = file.person.id
    services.persons.get_file(pid)
    file = services.persons.update(
        pid, file.person.version, replace(file.person.draft, city="Pessac")
    )
    file = services.persons.add_measure(
        pid, MeasureDraft(MeasureType.TIG, decision_date=date(2026, 1, 5))
    )
    measure = file.measures[0]
    file = services.persons.update_measure(
        measure.id, measure.version, replace(measure.draft, court="TJ de Bordeaux")
    )
    file = services.persons.delete_measure(file.measures[0].id, file.measures[0].version)
    services.persons.close(pid, file.person.version, date(2026, 3, 1), ClosureReason.AUTRE)

    history = list(reversed(services.persons.history(pid)))
    assert [(e.action, e.object_type) for e in history] == [
        (AuditAction.CREATE, "person"),
        (AuditAction.VIEW, "person"),
        (AuditAction.UPDATE, "person"),
        (AuditAction.CREATE, "measure"),
        (AuditAction.UPDATE, "measure"),
        (AuditAction.DELETE, "measure"),
        (AuditAction.UPDATE, "person"),
    ]
    assert all(e.actor_name == "Diane DIRECTRICE" for e in history)
    assert all(e.summary.endswith("2026-000001") for e in history)
    changed = {c.field: (c.old, c.new) for c in history[2].changes}
    assert changed == {"city": ("", "Pessac")}
    assert ("court", "", "TJ de Bordeaux") in [(c.field, c.old, c.new) for c in history[4].changes]
    assert {c.field for c in history[6].changes} == {"closed_on", "closure_reason"}
    assert audit_db.verify(services.engine).ok


def test_a_refused_save_leaves_no_audit_entry(services: Services) -> None:
    first = services.persons.create(person_draft())
    services.persons.create(person_draft(file_number="2026-000002", surname="Autre"))
    before = services.audit.count(AuditQuery())
    with pytest.raises(InvalidInput):
        services.persons.create(person_draft(surname=""))
    with pytest.raises(DuplicateValue):
        services.persons.create(person_draft())
    services.persons.update(first.person.id, first.person.version, person_draft(city="Talence"))
    with pytest.raises(EditConflict):
        services.persons.update(first.person.id, first.person.version, person_draft(city="Blaye"))
    assert services.audit.count(AuditQuery()) == before + 1  # the one update that went through


def test_reference_data_changes_are_recorded(services: Services) -> None:
    antenne = services.reference.save_antenne(Antenne(None, "Antenne de Libourne", "LIB"))
    services.reference.save_antenne(replace(antenne, code="LBN"))
    recorded = entries(services, object_type="antenne")
    assert [e.action for e in recorded] == [AuditAction.UPDATE, AuditAction.CREATE]
    assert [(c.field, c.old, c.new) for c in recorded[0].changes] == [("code", "LIB", "LBN")]


@pytest.mark.sqlite_only("a SQLite file: the server has its own test")
def test_the_database_refuses_to_rewrite_history(services: Services) -> None:
    path = sqlite_file(services)
    services.persons.create(person_draft())
    with closing(sqlite3.connect(path)) as db:
        for statement in ("UPDATE audit_entry SET actor_name = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)


def tamper(path: Path, entry_id: int) -> None:
    """What someone with the file and a SQLite shell could do: lift the guard, edit, restore."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET summary = 'rien à voir' WHERE id = ?", (entry_id,))


@pytest.mark.sqlite_only("a SQLite file: the server has its own test")
def test_a_tampered_entry_is_named_by_verify_and_by_the_command(
    services: Services, settings: Settings
) -> None:
    path = sqlite_file(services)
    for i in range(5):
        services.persons.create(person_draft(file_number=f"2026-00000{i}", surname=f"Nom{i}"))
    assert services.audit.verify().checked == 5
    tamper(path, 3)
    report = services.audit.verify()
    assert (report.ok, report.broken_id, report.checked) == (False, 3, 2)
    run = subprocess.run(
        [sys.executable, "-m", "spip_desktop", "--db", str(path), "audit", "verify"],
        capture_output=True,
        text=True,
        env={"SPIP_DATA_DIR": str(settings.data_directory), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 1
    assert "altéré à partir de l'entrée n° 3" in run.stderr


@pytest.mark.sqlite_only("SQLite's write lock: a server's readers never block writers")
def test_verifying_and_checking_the_base_never_hold_its_write_lock(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start-up checks run while the officer works: a save made while the chain is
    being verified (seconds for a million entries) goes through at once, and the
    integrity check beside the verification is not refused as « database is locked »."""
    import threading

    from spip_desktop.db import maintenance

    for n in range(3):
        services.persons.create(person_draft(file_number=f"2026-V{n}"))
    inside, release = threading.Event(), threading.Event()
    original = audit_db.verify_chain

    def slow_chain(rows, anchor):  # type: ignore[no-untyped-def]
        rows = iter(rows)
        first = next(rows)  # the reading transaction has begun
        inside.set()
        release.wait(10)
        return original([first, *rows], anchor)

    monkeypatch.setattr(audit_db, "verify_chain", slow_chain)
    reports: list[object] = []
    worker = threading.Thread(target=lambda: reports.append(audit_db.verify(services.engine)))
    worker.start()
    try:
        assert inside.wait(10)
        assert maintenance.quick_check_problems(services.engine) == []
        created = services.persons.create(person_draft(file_number="2026-PENDANT"))
        assert created.person.id > 0
    finally:
        release.set()
        worker.join(10)
    assert reports and reports[0].ok  # type: ignore[attr-defined]


def test_pruning_old_entries_keeps_the_chain_verifiable(services: Services) -> None:
    services.persons.create(person_draft())
    services.persons.create(person_draft(file_number="2026-000002", surname="Bis"))
    old_count = services.audit.count(AuditQuery())
    later = datetime.now() + timedelta(days=3 * 366 + 2)  # all current entries are now too old
    services.audit._now = lambda: later
    deleted = services.audit.prune()
    assert deleted == old_count
    remaining = entries(services)
    assert [e.action for e in remaining] == [AuditAction.PRUNE]
    report = services.audit.verify()
    assert report.ok and report.checked == 1
    services.persons.create(person_draft(file_number="2026-000003", surname="Ter"))
    assert services.audit.verify().ok
    if services.engine.dialect.name == "sqlite":  # the guard is back after the prune
        with (
            closing(sqlite3.connect(sqlite_file(services))) as db,
            pytest.raises(sqlite3.DatabaseError, match="append-only"),
        ):
            db.execute("DELETE FROM audit_entry")


def test_only_administrators_prune_and_browse(services: Services) -> None:
    sign_in_as(services, Role.DPIP)
    with pytest.raises(PermissionDenied):
        services.audit.prune()
    with pytest.raises(PermissionDenied):
        services.audit.browse(AuditQuery())


def test_a_cpip_list_holds_their_caseload_when_the_service_says_so(
    services: Services, reference: Reference
) -> None:
    services.persons.create(person_draft(referent_id=reference.cpip.id))
    services.persons.create(
        person_draft(file_number="2026-000002", surname="Autre", referent_id=reference.cpip2.id)
    )
    settings = services.service_settings.load()
    services.service_settings.save(replace(settings, cpip_service_wide_read=False))
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    services.session.user = replace(services.session.user, service_wide_read=False)
    assert services.persons.count(PersonQuery()) == 1
    assert services.persons.count(PersonQuery(referent_id=reference.cpip2.id)) == 0
    other = services.persons.list_page(PersonQuery(status=PersonQuery().status)).rows
    assert [row.surname for row in other] == ["Dupont"]


def test_an_administrator_alone_cannot_read_the_files(services: Services) -> None:
    services.persons.create(person_draft())
    sign_in_as(services, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.persons.list_page(PersonQuery())
    with pytest.raises(PermissionDenied):
        services.persons.get_file(1)


@pytest.mark.sqlite_only("a SQLite file: the server has its own test")
def test_a_file_replaced_under_the_running_app_is_refused_and_nothing_is_written(
    services: Services, tmp_path: Path
) -> None:
    path = sqlite_file(services)
    services.persons.create(person_draft())
    copy = tmp_path / "copie.sqlite3"
    with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    copy.replace(path)  # another program swaps the file
    with pytest.raises(DatabaseUnavailable) as caught:
        services.persons.create(person_draft(file_number="2026-000002", surname="Perdu"))
    assert caught.value.reason == "swapped" and "remplacé" in caught.value.message
    with pytest.raises(DatabaseUnavailable):
        services.persons.list_page(PersonQuery())


def test_a_damaged_file_opens_nothing(tmp_path: Path) -> None:
    """Damage deep inside the file (the header is intact): only ``quick_check`` sees it."""
    path = tmp_path / "abimee.sqlite3"
    settings = Settings(f"sqlite:///{path}", False, path, tmp_path / "data")
    services = open_services(settings, today=fixed_today)
    services.session.user = MANAGER
    for i in range(300):
        services.persons.create(person_draft(file_number=f"A-{i:04d}", surname=f"Nom{i}"))
    services.close()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'").fetchone()
    with path.open("r+b") as raw:
        raw.seek((root - 1) * page_size + 8)
        raw.write(b"\xff" * 64)  # the person table's b-tree page header and cell pointers
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(settings, today=fixed_today)
    assert caught.value.reason == "corrupt" and "endommagée" in caught.value.message


def test_a_file_on_a_network_share_is_refused_with_the_server_mode_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "network_filesystem", lambda path: "cifs")
    path = tmp_path / "partage.sqlite3"
    settings = Settings(f"sqlite:///{path}", False, path, tmp_path / "data")
    with pytest.raises(DatabaseUnavailable) as caught:
        open_services(settings, today=fixed_today)
    assert caught.value.reason == "network_share"
    assert (
        "partage réseau (cifs)" in caught.value.message and "mode serveur" in caught.value.message
    )
    assert not path.exists()  # nothing was created there


def test_an_administrator_who_is_not_dpip_sees_which_fields_changed_not_their_values(
    services: Services,
) -> None:
    file = services.persons.create(person_draft(surname="Secretnom"))
    services.persons.update(file.person.id, file.person.version, person_draft(surname="Autrenom"))
    sign_in_as(services, Role.ADMIN)
    update = entries(services, action=AuditAction.UPDATE)[0]
    assert [(c.field, c.old, c.new) for c in update.changes] == [("surname", None, None)]
    sign_in_as(services, Role.ADMIN, Role.DPIP)
    update = entries(services, action=AuditAction.UPDATE)[0]
    assert [(c.field, c.old, c.new) for c in update.changes] == [
        ("surname", "Secretnom", "Autrenom")
    ]


def test_the_conflict_details_and_form_checks_obey_the_same_rules_as_the_file(
    services: Services, reference: Reference
) -> None:
    other = services.persons.create(person_draft(referent_id=reference.cpip2.id))
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    services.session.user = replace(services.session.user, service_wide_read=False)
    with pytest.raises(PermissionDenied):
        services.persons.conflict_details(other.person.id)
    sign_in_as(services, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.persons.check(person_draft())
    with pytest.raises(PermissionDenied):
        services.persons.suggest_file_number()
