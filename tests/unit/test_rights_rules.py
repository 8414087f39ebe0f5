"""The rules of access-to-rights steps: transition table, closed statuses, validation."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest

from spip_desktop.domain.rights import (
    CATALOGUE,
    Actor,
    RightsDomain,
    Step,
    StepDraft,
    StepKind,
    StepStatus,
    catalogue_item,
    kinds_of,
    suggested_expiry,
    transition_error,
    validate_note,
    validate_step,
)

S = StepStatus
TODAY = date(2026, 3, 12)

#: The table of domain.md, typed from the text rather than copied from the code:
#: à engager → en cours → dossier déposé ↔ pièces manquantes → obtenu | refusé (→ recours)
#: | abandonné | sans objet; giving up is possible at any open stage.
EXPECTED: dict[StepStatus, set[StepStatus]] = {
    S.TO_START: {S.IN_PROGRESS, S.ABANDONED, S.NOT_APPLICABLE},
    S.IN_PROGRESS: {S.FILED, S.ABANDONED, S.NOT_APPLICABLE},
    S.FILED: {S.MISSING_DOCUMENTS, S.OBTAINED, S.REFUSED, S.ABANDONED, S.NOT_APPLICABLE},
    S.MISSING_DOCUMENTS: {S.FILED, S.OBTAINED, S.REFUSED, S.ABANDONED, S.NOT_APPLICABLE},
    S.OBTAINED: set(),
    S.REFUSED: {S.APPEAL},
    S.APPEAL: {S.OBTAINED, S.REFUSED, S.ABANDONED},
    S.ABANDONED: set(),
    S.NOT_APPLICABLE: set(),
}

ALL_PAIRS = list(itertools.product(StepStatus, StepStatus))


def pair_id(pair: tuple[StepStatus, StepStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=[pair_id(p) for p in ALL_PAIRS])
def test_every_pair_of_statuses_follows_the_table(pair: tuple[StepStatus, StepStatus]) -> None:
    current, new = pair
    error = transition_error(current, new)
    if new is current or new in EXPECTED[current]:
        assert error is None
        return
    assert error is not None
    if EXPECTED[current]:
        # The refusal names both statuses and every status allowed instead.
        assert f"« {current.label.lower()} »" in error
        assert f"« {new.label.lower()} »" in error
        for allowed in EXPECTED[current]:
            assert f"« {allowed.label.lower()} »" in error
    else:
        assert "close" in error and "nouvelle démarche" in error


def test_the_refusal_is_one_french_sentence_with_the_allowed_statuses() -> None:
    assert transition_error(S.TO_START, S.OBTAINED) == (
        "Une démarche « à engager » ne peut pas passer à « obtenu ». Statuts possibles : "
        "« en cours », « abandonné » ou « sans objet »."
    )
    assert transition_error(S.REFUSED, S.IN_PROGRESS) == (
        "Une démarche « refusé » ne peut pas passer à « en cours ». "
        "Statuts possibles : « recours »."
    )


@pytest.mark.parametrize("status", list(StepStatus), ids=lambda s: s.value)
def test_allowed_lists_the_table_in_display_order(status: StepStatus) -> None:
    assert set(status.allowed) == EXPECTED[status]
    assert len(status.allowed) == len(set(status.allowed))
    order = list(StepStatus)
    assert list(status.allowed) == sorted(status.allowed, key=order.index)


def test_closed_statuses_are_the_final_ones_and_a_refusal() -> None:
    closed = {s for s in StepStatus if s.closed}
    assert closed == {S.OBTAINED, S.REFUSED, S.ABANDONED, S.NOT_APPLICABLE}
    # Final statuses allow nothing; a refusal is closed but may still be appealed.
    assert all(not s.allowed for s in closed - {S.REFUSED})
    assert not S.APPEAL.closed and S.APPEAL.allowed


def test_every_status_has_its_own_light_colour() -> None:
    colours = [s.colour for s in StepStatus]
    assert all(c.startswith("#") and len(c) == 7 for c in colours)
    assert len(set(colours)) == len(colours)
    # Light enough for the dark text of the pill (relative luminance, sRGB approximated).
    for colour in colours:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        assert 0.2126 * red**2.2 + 0.7152 * green**2.2 + 0.0722 * blue**2.2 > 0.55, colour


def test_every_open_status_leads_to_a_closed_one() -> None:
    for status in StepStatus:
        seen, todo = {status}, [status]
        while todo:
            for following in todo.pop().allowed:
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        assert any(s.closed for s in seen), status


# -- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_covers_every_kind_once_with_its_body() -> None:
    assert sorted(i.kind.value for i in CATALOGUE) == sorted(k.value for k in StepKind)
    assert all(item.body for item in CATALOGUE)
    assert catalogue_item(StepKind.FRANCE_TRAVAIL).body == "France Travail"
    assert catalogue_item(StepKind.C2S).body == "CPAM"
    assert catalogue_item(StepKind.SHELTER).domain is RightsDomain.HOUSING


def test_pole_emploi_stays_readable_but_is_not_offered() -> None:
    assert StepKind.POLE_EMPLOI not in StepKind.choices()
    assert StepKind.FRANCE_TRAVAIL in StepKind.choices()
    assert "Pôle emploi" in StepKind.POLE_EMPLOI.label
    # A filter on the employment domain still finds the old steps.
    assert StepKind.POLE_EMPLOI in kinds_of(RightsDomain.EMPLOYMENT)


@pytest.mark.parametrize(
    ("kind", "outcome", "expected"),
    [
        (StepKind.DOMICILIATION, date(2026, 3, 12), date(2027, 3, 12)),
        (StepKind.C2S, date(2026, 1, 31), date(2027, 1, 31)),
        (StepKind.RESIDENCE_PERMIT, date(2024, 2, 29), date(2025, 2, 28)),
        (StepKind.CNI, date(2026, 3, 12), None),
        (StepKind.DOMICILIATION, None, None),
    ],
)
def test_the_usual_validity_suggests_the_expiry(
    kind: StepKind, outcome: date | None, expected: date | None
) -> None:
    assert suggested_expiry(kind, outcome) == expected


# -- validation ------------------------------------------------------------------------------


def draft(**changes: object) -> StepDraft:
    values: dict[str, object] = {"kind": StepKind.RSA, "opened_on": date(2026, 3, 1)}
    values.update(changes)
    return StepDraft(**values)  # type: ignore[arg-type]


def test_a_plain_draft_is_valid() -> None:
    assert validate_step(draft(), TODAY, S.TO_START).ok


@pytest.mark.parametrize(
    ("changes", "status", "field", "words"),
    [
        ({"kind": StepKind.OTHER}, S.TO_START, "other_label", "intitulé"),
        ({"kind": StepKind.OTHER, "other_label": "   "}, S.TO_START, "other_label", "intitulé"),
        ({"opened_on": None}, S.TO_START, "opened_on", "obligatoire"),
        ({"opened_on": date(2026, 3, 13)}, S.TO_START, "opened_on", "futur"),
        (
            {"follow_up_on": date(2026, 2, 28)},
            S.TO_START,
            "follow_up_on",
            "28/02/2026",
        ),
        ({"handled_by": Actor.PARTNER}, S.TO_START, "partner_id", "partenaire"),
        (
            {"outcome_on": date(2026, 3, 10), "expires_on": date(2026, 3, 9)},
            S.OBTAINED,
            "expires_on",
            "10/03/2026",
        ),
        (
            {"outcome_on": date(2026, 3, 10), "expires_on": date(2026, 3, 10)},
            S.OBTAINED,
            "expires_on",
            "doit suivre",
        ),
        ({"expires_on": date(2027, 3, 10)}, S.IN_PROGRESS, "expires_on", "obtention"),
        ({}, S.OBTAINED, "outcome_on", "obtenu"),
        ({"outcome_on": date(2026, 3, 20)}, S.OBTAINED, "outcome_on", "futur"),
        ({"outcome_on": date(2026, 2, 20)}, S.REFUSED, "outcome_on", "précéder"),
        ({"outcome_on": date(2026, 3, 5)}, S.FILED, "outcome_on", "obtenue ou refusée"),
        ({"other_label": "x" * 151}, S.TO_START, "other_label", "150"),
        ({"notes": "x" * 2001}, S.TO_START, "notes", "2000"),
    ],
)
def test_each_rule_blocks_with_its_sentence(
    changes: dict[str, object], status: StepStatus, field: str, words: str
) -> None:
    result = validate_step(draft(**changes), TODAY, status)
    assert field in result.errors, result.errors
    assert words in result.errors[field]


def test_a_follow_up_in_the_past_is_only_a_warning_on_an_open_step() -> None:
    late = draft(follow_up_on=date(2026, 3, 5))
    result = validate_step(late, TODAY, S.IN_PROGRESS)
    assert result.ok
    assert "05/03/2026" in result.warnings[0] and "retard" in result.warnings[0]
    closed = draft(follow_up_on=date(2026, 3, 5), outcome_on=date(2026, 3, 6))
    assert not validate_step(closed, TODAY, S.OBTAINED).warnings


def test_an_obtained_right_with_its_expiry_is_valid() -> None:
    obtained = draft(outcome_on=date(2026, 3, 10), expires_on=date(2027, 3, 10))
    assert validate_step(obtained, TODAY, S.OBTAINED).ok


def test_the_note_length_is_limited() -> None:
    assert validate_note("x" * 2000).ok
    assert "2000" in validate_note("x" * 2001).errors["update_note"]


def test_a_step_is_overdue_when_open_and_its_follow_up_passed() -> None:
    def step(status: StepStatus, follow_up: date | None) -> Step:
        return Step(
            1, 1, 1, draft(follow_up_on=follow_up), status, datetime(2026, 3, 1), datetime.now(), ""
        )

    assert step(S.IN_PROGRESS, date(2026, 3, 11)).overdue(TODAY)
    assert not step(S.IN_PROGRESS, TODAY).overdue(TODAY)
    assert step(S.IN_PROGRESS, TODAY).follow_up_due(TODAY)
    assert not step(S.OBTAINED, date(2026, 3, 1)).overdue(TODAY)
    assert not step(S.IN_PROGRESS, None).overdue(TODAY)
    assert step(S.APPEAL, date(2026, 3, 1)).overdue(TODAY)
