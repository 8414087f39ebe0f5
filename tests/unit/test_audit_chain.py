"""The audit chain and field differences (pure domain)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from spip_desktop.domain.audit import (
    GENESIS,
    ChainRow,
    FieldChange,
    changes_from_json,
    changes_to_json,
    diff,
    entry_hash,
    verify_chain,
)
from spip_desktop.domain.enums import Regime

T0 = datetime(2026, 3, 12, 9, 30, 0, 123456)


def chain(n: int, start: str = GENESIS) -> list[ChainRow]:
    rows: list[ChainRow] = []
    prev = start
    for i in range(1, n + 1):
        at = T0 + timedelta(seconds=i)
        fields = (at, "cpip.demo", "Élodie LEFÈVRE", "update", "person", i, i, f"Dossier {i}", "")
        digest = entry_hash(prev, *fields)
        rows.append((i, *fields, prev, digest))
        prev = digest
    return rows


def test_an_untouched_chain_verifies_and_reports_its_head() -> None:
    rows = chain(50)
    report = verify_chain(rows)
    assert report.ok and report.checked == 50
    assert report.head == rows[-1][-1]
    assert "50 entrées vérifiées" in report.message()


def test_a_changed_field_is_named_by_its_entry() -> None:
    rows = chain(10)
    rows[6] = (*rows[6][:8], "Dossier modifié", *rows[6][9:])
    report = verify_chain(rows)
    assert report.broken_id == 7 and report.checked == 6
    assert "entrée n° 7" in report.message() and "modifié" in report.message()


def test_a_removed_or_reordered_entry_breaks_the_next_link() -> None:
    rows = chain(10)
    assert verify_chain(rows[:4] + rows[5:]).broken_id == 6
    assert verify_chain([rows[1], rows[0], *rows[2:]]).broken_id == 2


def test_a_rehashed_forgery_still_breaks_the_following_link() -> None:
    rows = chain(5)
    forged = list(rows[2])
    forged[8] = "Dossier falsifié"
    forged[11] = entry_hash(forged[10], *forged[1:10])  # the forger recomputes its own hash
    rows[2] = tuple(forged)  # type: ignore[assignment]
    assert verify_chain(rows).broken_id == 4


def test_a_pruned_chain_verifies_from_its_anchor() -> None:
    rows = chain(10)
    anchor = rows[3][-1]
    assert verify_chain(rows[4:], anchor).ok
    assert verify_chain(rows[4:]).broken_id == 5  # without the anchor it would not


def test_length_prefixes_keep_field_boundaries_unambiguous() -> None:
    a = entry_hash(GENESIS, T0, "ab", "c", "update", "person", 1, 1, "", "")
    b = entry_hash(GENESIS, T0, "a", "bc", "update", "person", 1, 1, "", "")
    assert a != b


def test_diff_lists_changed_fields_only_with_storable_values() -> None:
    before = {"surname": "Dupont", "birth_date": date(1980, 5, 17), "regime": Regime.MILIEU_OUVERT}
    after = {"surname": "Dupond", "birth_date": date(1980, 5, 17), "regime": Regime.MILIEU_FERME}
    assert diff(before, after) == (
        FieldChange("surname", "Dupont", "Dupond"),
        FieldChange("regime", "ouvert", "ferme"),
    )


def test_a_creation_lists_filled_fields_and_a_deletion_the_old_values() -> None:
    created = diff(None, {"surname": "Dupont", "usage_name": "", "notes": None})
    assert created == (FieldChange("surname", None, "Dupont"),)
    deleted = diff({"surname": "Dupont"}, None)
    assert deleted == (FieldChange("surname", "Dupont", None),)


def test_changes_round_trip_through_json_with_accents() -> None:
    changes = (FieldChange("given_names", "Hélène", "Hélène, Marie"), FieldChange("n", 1, None))
    text = changes_to_json(changes)
    assert "Hélène" in text  # stored readable, not escaped
    assert changes_from_json(text) == changes
    assert changes_to_json(()) == "" and changes_from_json("") == ()
