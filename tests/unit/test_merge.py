"""The three-way merge that rebases a form on the version someone saved meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from spip_desktop.domain.errors import EditConflict
from spip_desktop.domain.merge import RebasedConflict, rebase


@dataclass(frozen=True)
class Draft:
    notes: str = ""
    follow_up: str = "20/03"
    contact: str = ""


BASE = Draft()


def test_each_side_keeps_its_own_changes() -> None:
    mine = Draft(notes="Appel de la CPAM")
    theirs = Draft(follow_up="28/03", contact="Mme Roux")

    merged, kept, both = rebase(BASE, mine, theirs)

    assert merged == Draft(notes="Appel de la CPAM", follow_up="28/03", contact="Mme Roux")
    assert (kept, both) == (["follow_up", "contact"], [])


def test_a_field_changed_on_both_sides_keeps_the_users_value_and_is_named() -> None:
    merged, kept, both = rebase(BASE, Draft(follow_up="25/03"), Draft(follow_up="28/03"))

    assert merged.follow_up == "25/03"
    assert (kept, both) == ([], ["follow_up"])


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    merged, kept, both = rebase(BASE, Draft(contact="Mme Roux"), Draft(contact="Mme Roux"))

    assert merged.contact == "Mme Roux" and (kept, both) == ([], [])


def test_the_refusal_names_the_fields_in_the_forms_order_and_who_changed_them() -> None:
    conflict = EditConflict(Draft(), "Samira BENALI", datetime(2026, 3, 12, 10, 0))
    labels = {"notes": "Observations", "follow_up": "Relance le", "contact": "Interlocuteur"}

    merged, refusal = RebasedConflict.of(
        conflict,
        BASE,
        Draft(notes="x", contact="M. Petit"),
        Draft(contact="Mme Roux", follow_up="28/03"),
        labels,
    )

    assert merged == Draft(notes="x", follow_up="28/03", contact="M. Petit")
    assert refusal.message.startswith(
        "Modifié entre-temps par Samira BENALI le 12/03/2026 à 10:00 : "
        "Relance le, Interlocuteur (à vérifier)."
    )
    assert "c'est votre saisie qui est gardée" in refusal.message
