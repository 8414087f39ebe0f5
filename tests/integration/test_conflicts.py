"""Two workstations on one database: the second save is refused, explained, and loses nothing.

The other workstation is a real second process (its own interpreter, engine and
connections), on the SQLite file or on the PostgreSQL server.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.errors import EditConflict
from spip_desktop.settings import Settings
from tests.conftest import person_draft

ROOT = Path(__file__).resolve().parents[2]

OTHER_WORKSTATION = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from spip_desktop.bootstrap import open_services
    from spip_desktop.domain.security import Role, User
    from spip_desktop.settings import Settings

    url, person_id = sys.argv[1], int(sys.argv[2])
    services = open_services(Settings(url))
    services.session.user = User(2, "b.martin", "Bruno MARTIN", frozenset({Role.DPIP}))
    opened = services.persons.get_file(person_id)
    draft = replace(opened.person.draft, city="Pessac", phone="05 57 00 00 00")
    saved = services.persons.update(person_id, opened.person.version, draft)
    services.close()
    print(saved.person.version)
    """
)


def other_workstation_saves(settings: Settings, person_id: int) -> int:
    run = subprocess.run(
        [sys.executable, "-c", OTHER_WORKSTATION, settings.database_url, str(person_id)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"SPIP_DATA_DIR": str(settings.data_directory), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return int(run.stdout.strip())


def test_the_second_save_is_refused_with_who_when_and_the_saved_values(
    services: Services, settings: Settings
) -> None:
    file = services.persons.create(person_draft(city="Bordeaux"))
    mine = services.persons.get_file(file.person.id)  # this workstation opens the file
    version = other_workstation_saves(settings, file.person.id)
    assert version == mine.person.version + 1

    my_draft = replace(mine.person.draft, given_names="Jean, Pierre")
    with pytest.raises(EditConflict) as caught:
        services.persons.update(file.person.id, mine.person.version, my_draft)
    conflict = caught.value
    assert conflict.changed_by == "Bruno MARTIN" and conflict.changed_at is not None
    assert "modifié par Bruno MARTIN le" in conflict.message
    theirs = conflict.current.person
    assert (theirs.draft.city, theirs.draft.phone) == ("Pessac", "05 57 00 00 00")
    stored = services.persons.get_file(file.person.id).person.draft
    assert stored.given_names == "Jean"  # nothing overwritten silently

    # the user chose: their given names, the other's city and phone
    merged = replace(theirs.draft, given_names=my_draft.given_names)
    services.persons.update(file.person.id, theirs.version, merged)
    final = services.persons.get_file(file.person.id).person.draft
    assert (final.given_names, final.city, final.phone) == (
        "Jean, Pierre",
        "Pessac",
        "05 57 00 00 00",
    )


def test_a_measure_saved_meanwhile_comes_back_with_who_and_its_saved_values(
    services: Services, settings: Settings
) -> None:
    from datetime import date

    from spip_desktop.domain.enums import MeasureType
    from spip_desktop.domain.model import Measure, MeasureDraft
    from tests.conftest import open_test_services

    file = services.persons.create(person_draft())
    file = services.persons.add_measure(
        file.person.id,
        MeasureDraft(MeasureType.TIG, court="TJ Bordeaux", decision_date=date(2026, 1, 5)),
    )
    mine = file.measures[0]
    other = open_test_services(settings)  # another workstation (its own engine)
    try:
        other.persons.update_measure(mine.id, mine.version, replace(mine.draft, jap_name="M. Juge"))
    finally:
        other.close()
    with pytest.raises(EditConflict) as caught:
        services.persons.update_measure(mine.id, mine.version, replace(mine.draft, notes="suivi"))
    current = caught.value.current
    assert isinstance(current, Measure) and current.draft.jap_name == "M. Juge"
    assert caught.value.changed_by == "Diane DIRECTRICE"
    assert services.persons.get_file(file.person.id).measures[0].draft.notes == ""


def test_a_reference_record_saved_meanwhile_asks_to_reload_and_keeps_the_other_change(
    services: Services,
) -> None:
    from spip_desktop.domain.model import Antenne

    antenne = services.reference.save_antenne(Antenne(None, "Antenne de Blaye", "BLY"))
    services.reference.save_antenne(replace(antenne, phone="05 57 42 00 00"))
    with pytest.raises(EditConflict) as caught:
        services.reference.save_antenne(replace(antenne, code="BLA"))
    assert caught.value.message.startswith("Cette fiche a été modifiée par ailleurs")
    (stored,) = [a for a in services.reference.load().antennes if a.id == antenne.id]
    assert (stored.code, stored.phone) == ("BLY", "05 57 42 00 00")
