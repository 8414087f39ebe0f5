"""Fuzzing of every form validator and parser with realistic and hostile input.

Requirement: *Hypothesis runs at least 1,000 generated inputs against every form
validator and parser per test run without an unhandled exception.*  Each
property asserts the contract, not only the absence of exceptions.

Covered (each gets every example of the property that names it):

* validation: ``validate_person``, ``validate_measure``, ``validate_named``,
  ``validate_agent`` (``ValidationResult.ok`` / ``summary``);
* dates: ``parse_date``, ``format_date``;
* text: ``fold``, ``search_terms``, ``search_document``, ``name_sort_key``,
  ``given_names_sort_key``, and the FTS5 ``MATCH`` query built from the terms;
* rules: ``key_dates``, ``main_measure``, ``measure_end``, ``reliquat`` (and its
  French wording), ``is_sas_eligible``, ``SasWindow``;
* database URLs: ``sqlite_file_url``, ``is_sqlite``, ``sqlite_path``, ``describe``,
  ``create_engine_for`` (no connection is opened);
* settings: ``resolve``, ``data_dir`` (``SPIP_DATA_DIR``, ``SPIP_DATABASE_URL``);
* command line: the parser of ``cli.build_parser``.

Hypothesis profile note -- the 1,000-example floor
--------------------------------------------------
Every property below is decorated with :data:`FUZZ`, i.e.
``settings(max_examples=1000, deadline=None, database=None)``.  Settings given on
a test take precedence over any profile loaded with ``settings.load_profile``
(for instance a quick ``dev`` profile that lowers ``max_examples`` for the rest
of the suite), so the floor holds on every run whatever profile is active.
Raise the number here if you like, never lower it:
:func:`test_every_property_runs_at_least_1000_examples` fails if a property in
this module asks for fewer.

* ``deadline=None``: a 10,000-character input, or the first call of ``fold``
  before its cache warms up, may take longer than Hypothesis' 200 ms default on
  a loaded 2-core machine; slowness is not what these tests look for.
* ``database=None``: nothing is written under ``.hypothesis/`` (the working
  tree stays untouched); the inputs that once failed are pinned as regression tests.

Run time: about 20 seconds for the module on an idle 2-core machine.  Most of
it is Hypothesis' own per-example work, so functions that take the same input
share a property (validate_named with validate_agent; fold with search_terms,
search_document and the FTS query; key_dates with reliquat and SAS eligibility),
and the strategies are built once and draw few choices each.  No health check is
suppressed: long strings are built by repetition, not drawn character by character.

Reusable strategies
-------------------
:func:`hostile_text` is the strategy to reuse for any new text validator or
parser (password rules, login fields...): it mixes realistic French input with
control characters, NUL, bidirectional marks, combining accents, ligatures,
SQL and FTS syntax, format strings and 10,000-character strings (never lone
surrogates, which no Qt widget or UTF-8 argv can produce).  :func:`any_date`,
:func:`optional_date`, :func:`person_drafts` and :func:`measure_drafts` do the
same for dates and whole forms.

The bugs this file found (bad URLs escaping as tracebacks, unescaped file names,
years before 1000, ``~unknown`` paths, English argparse messages, accented
ligatures, the calendar's last years) each keep a regression test below.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import sqlite3
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.exc import SAWarning

from spip_desktop.cli import COMMANDS, EXIT_OK, EXIT_USAGE, build_parser
from spip_desktop.db.engine import create_engine_for, describe, is_sqlite, sqlite_path
from spip_desktop.db.search import _fts_query
from spip_desktop.db_url import sqlite_file_url
from spip_desktop.domain.dates import DateParseError, age_on, format_date, parse_date
from spip_desktop.domain.enums import (
    MeasureType,
    ObligationType,
    Regime,
    Sex,
)
from spip_desktop.domain.errors import DatabaseUnavailable, SpipError
from spip_desktop.domain.model import (
    Agent,
    Antenne,
    KeyDates,
    MeasureDraft,
    ObligationDraft,
    PersonDraft,
)
from spip_desktop.domain.rules import (
    SasWindow,
    is_sas_eligible,
    key_dates,
    main_measure,
    measure_end,
    reliquat,
)
from spip_desktop.domain.security import (
    LOCK_MINUTES_RANGE,
    LOGIN_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    AccountDraft,
    Role,
    decode_roles,
    encode_roles,
    normalise_login,
    password_checks,
    validate_account,
    validate_login,
    validate_password,
)
from spip_desktop.domain.service_settings import ServiceSettings, validate_settings
from spip_desktop.domain.text import (
    fold,
    given_names_sort_key,
    name_sort_key,
    search_document,
    search_terms,
)
from spip_desktop.domain.validation import (
    FIELD_LABELS,
    MAX_LENGTHS,
    MULTILINE_FIELDS,
    PERSON_TEXT_FIELDS,
    ValidationResult,
    validate_agent,
    validate_measure,
    validate_named,
    validate_person,
)
from spip_desktop.settings import (
    DATABASE_FILE,
    DEMO_DATABASE_FILE,
    Settings,
    data_dir,
    resolve,
)

#: The 1,000-example floor of the requirement (see the module docstring).
MIN_EXAMPLES = 1000
FUZZ = settings(max_examples=MIN_EXAMPLES, deadline=None, database=None)


# --------------------------------------------------------------------------------------
# Reusable strategies
# --------------------------------------------------------------------------------------

#: Pieces of text chosen to break things; :func:`hostile_text` glues them together.
HOSTILE_FRAGMENTS: tuple[str, ...] = (
    # blanks and control characters
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\x1f",  # the separator name_sort_key uses
    "\x7f",
    "\x85",
    "\xa0",
    "\u202f",
    "\u2028",
    "\u200b",
    "\u200d",
    "\ufeff",
    # bidirectional marks and overrides
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    # combining accents, alone and stacked
    "e\u0301",
    "E\u0300",
    "\u0301",
    "o\u0308\u0323",
    "n\u0303",
    "c\u0327",
    # ligatures and letters that fold in surprising ways
    "œ",
    "Œ",
    "æ",
    "Æ",
    "ß",
    "ẞ",
    "ﬁ",
    "ﬀ",
    "ĳ",
    "İ",
    "ı",
    "ŉ",
    "ǅ",
    "Ⅻ",
    "²",
    "½",
    "①",
    "ø",
    "ł",
    "đ",
    # French input
    "é",
    "É",
    "ç",
    "à",
    "ù",
    "ÿ",
    "Ÿ",
    "'",
    "’",
    "-",
    "‐",
    "–",
    "—",
    "L'Hôpital",
    "Jean-Noël",
    "Lætitia",
    "CŒUR",
    "d’Arçon",
    "de La Fontaine",
    "Éloïse Marie-Hélène",
    "Tribunal judiciaire de Bordeaux",
    "12 rue de l'Église",
    # SQL, LIKE, FTS5 and format-string syntax
    "'; DROP TABLE person; --",
    "Robert'); DROP TABLE students;--",
    '" OR 1=1 --',
    "%",
    "_",
    "%_%",
    "*",
    '"',
    "NEAR(",
    " AND ",
    " OR ",
    "NOT",
    "^",
    "col:",
    "%s",
    "%(value)r",
    "{0}",
    "\\",
    "/",
    "..",
    "~",
    "~nosuchuser",
    # numbers and dates
    "0",
    "-1",
    "99999999999999999999",
    "١٢/٠٣/٢٠٢٦",
    "12/03/2026",
    "29/02/2024",
    "29/02/2023",
    "31/12/9999",
    "00/00/0000",
    "__/__/____",
    # other scripts and planes
    "مرحبا",
    "שלום",
    "日本語",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "😀",
    "👩\u200d⚖\ufe0f",
    "\U0010ffff",
    "\ufffd",
    "\ufffe",
    # well-formed values, so that the happy paths are exercised too
    "nom@domaine.fr",
    "a@b.c",
    "06 12 34 56 78",
    "+33 (0)6.12.34.56.78",
    "33000",
    "2A004",
    "2026-000001",
)

#: Lengths for long strings: every field limit, one past it, and 10,000.
LONG_SIZES: tuple[int, ...] = tuple(
    sorted({10_000, *MAX_LENGTHS.values(), *(n + 1 for n in MAX_LENGTHS.values())})
)


def _repeat_to(fragment: str, size: int) -> str:
    return (fragment * (size // len(fragment) + 1))[:size]


def _glue(*parts: str) -> str:
    return "".join(parts)


@functools.cache
def hostile_text() -> st.SearchStrategy[str]:
    """Realistic and hostile text, up to 10,000 characters, never lone surrogates.

    Reuse it for any new text validator or parser (password rules, login input...)::

        @FUZZ
        @given(hostile_text(), hostile_text())
        def test_login_form_never_raises(login: str, password: str) -> None:
            result = validate_login(login, password)  # the new validator
            assert_validation_contract(result, {"login", "password"})

    Its branches: a known troublemaker or French value as is; arbitrary Unicode
    (control characters and NUL included); both glued together; and either
    repeated to a field limit, one past it, or 10,000 characters.  It is built
    once (``functools.cache``): a strategy built anew for every draw is slower.
    """
    known = st.sampled_from(HOSTILE_FRAGMENTS)
    anything = st.text(st.characters(codec="utf-8"), max_size=10)
    mixed = st.builds(_glue, known, anything, known)
    huge = st.builds(_repeat_to, mixed.filter(bool), st.sampled_from(LONG_SIZES))
    return st.one_of(known, anything, mixed, mixed, huge)


#: Dates at the edges of the calendar and of the rules.
EDGE_DATES: tuple[date, ...] = (
    date.min,
    date.max,
    date(1, 12, 31),
    date(99, 1, 1),
    date(999, 12, 31),
    date(1000, 1, 1),
    date(1899, 12, 31),
    date(1900, 1, 1),
    date(1900, 2, 28),
    date(1904, 2, 29),
    date(1929, 12, 31),
    date(1930, 1, 1),
    date(2000, 2, 29),
    date(2008, 2, 29),
    date(2024, 2, 29),
    date(2026, 2, 28),
    date(2026, 3, 12),
    date(2029, 12, 31),
    date(2030, 1, 1),
    date(9997, 12, 31),
    date(9998, 1, 1),
    date(9999, 12, 30),
)

#: The last clock date ``SasWindow`` can handle (see ``test_sas_window_near_date_max``).
LAST_SAS_CLOCK = date(9997, 12, 31)


@functools.cache
def any_date() -> st.SearchStrategy[date]:
    """Edge dates, dates of the last and next century, and any date at all.

    Drawn as day numbers (one draw instead of three for ``st.dates()``: the whole
    module has to run 1,000 examples per property in well under 25 seconds).
    """
    recent = st.integers(date(1900, 1, 1).toordinal(), date(2100, 12, 31).toordinal())
    anywhere = st.integers(date.min.toordinal(), date.max.toordinal())
    return st.one_of(
        st.sampled_from(EDGE_DATES),
        recent.map(date.fromordinal),
        anywhere.map(date.fromordinal),
    )


#: Dates format_date can write with four digits (see test_format_date_round_trip_before_year_1000).
four_digit_years = st.one_of(
    st.sampled_from([d for d in EDGE_DATES if d.year >= 1000]),
    st.integers(date(1000, 1, 1).toordinal(), date.max.toordinal()).map(date.fromordinal),
)


@functools.cache
def optional_date() -> st.SearchStrategy[date | None]:
    return st.one_of(st.none(), any_date())


#: Record ids (the validators only look at None or not): one draw each.
ids = st.sampled_from((None, 1, 0, -1, 2**31, 2**63 - 1))

#: What officers really type in each field (blank included): the base every draft
#: starts from before :func:`hostile_text` overwrites some of its fields.
REALISTIC: dict[str, tuple[str, ...]] = {
    "surname": ("Dupont", "L'Hôpital", "de La Fontaine", "CŒUR", "N'Diaye", "", "  "),
    "usage_name": ("", "Martin-Lefèvre", "Æbischer"),
    "given_names": ("Jean", "Jean-Noël", "Lætitia Marie", "Éloïse", "", " "),
    "birth_place": ("", "Bordeaux (33)", "Saint-Étienne", "Alger (Algérie)"),
    "address": ("", "12 rue de l'Église", "Bât. B, appt 3\n5 allée des Œillets"),
    "postal_code": ("", "33000", "2A004", "3300", "330000"),
    "city": ("", "Bordeaux", "Saint-Médard-en-Jalles"),
    "phone": ("", "06 12 34 56 78", "+33 (0)6.12.34.56.78", "0612", "06-12-34-56-78"),
    "email": ("", "nom@domaine.fr", "jean.dupont@justice.gouv.fr", "pas-un-courriel", "a@b"),
    "file_number": ("2026-000001", "", "  ", "SPIP33/2026/17"),
    "appi_number": ("", "123456789"),
    "ecrou_number": ("", "45 213"),
    "court": ("", "Tribunal judiciaire de Bordeaux", "Cour d'appel de Bordeaux"),
    "jap_name": ("", "Mme Lefèvre", "M. N'Guyen"),
    "notes": ("", "RAS.", "Suivi addictologie ; rendez-vous mensuel."),
    "details": ("", "  ", "Soins en addictologie", "Ne pas paraître à Mérignac"),
}


@functools.cache
def _realistic_rows(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    """Rows that cycle through each field's realistic values: one draw for a whole form
    (a draw per field made the identity form markedly slower to generate)."""
    longest = max(len(REALISTIC[name]) for name in names)
    return st.sampled_from(
        [
            {name: REALISTIC[name][(i + k) % len(REALISTIC[name])] for k, name in enumerate(names)}
            for i in range(2 * longest)
        ]
    )


@functools.cache
def _hostile_choice(names: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    # up to four hostile fields at once: enough to mix errors, cheap enough for 1,000 runs
    return st.lists(st.sampled_from(names), unique=True, max_size=min(len(names), 4))


def _text_fields(draw: st.DrawFn, names: tuple[str, ...]) -> dict[str, str]:
    """Realistic values for ``names``, a few of them (any, all or none) made hostile."""
    values = dict(draw(_realistic_rows(names)))
    for name in draw(_hostile_choice(names)):
        values[name] = draw(hostile_text())
    return values


_SEXES = st.one_of(st.none(), st.sampled_from(Sex))
_REGIMES = st.sampled_from(Regime)
_MEASURE_TYPES = st.one_of(st.none(), st.sampled_from(MeasureType))
_OBLIGATION_KINDS = st.lists(st.sampled_from(ObligationType), max_size=3)
_OBLIGATION_DETAILS = st.one_of(st.sampled_from(REALISTIC["details"]), hostile_text())


@st.composite
def _person_drafts(draw: st.DrawFn) -> PersonDraft:
    return PersonDraft(
        **_text_fields(draw, PERSON_TEXT_FIELDS),
        birth_date=draw(optional_date()),
        sex=draw(_SEXES),
        regime=draw(_REGIMES),
        establishment_id=draw(ids),
        referent_id=draw(ids),
        antenne_id=draw(ids),
    )


@st.composite
def _measure_drafts(draw: st.DrawFn) -> MeasureDraft:
    obligations = tuple(
        ObligationDraft(kind, draw(_OBLIGATION_DETAILS)) for kind in draw(_OBLIGATION_KINDS)
    )
    return MeasureDraft(
        measure_type=draw(_MEASURE_TYPES),
        decision_date=draw(optional_date()),
        final_date=draw(optional_date()),
        referral_date=draw(optional_date()),
        probation_start=draw(optional_date()),
        probation_end=draw(optional_date()),
        sentence_end=draw(optional_date()),
        obligations=obligations,
        **_text_fields(draw, ("court", "jap_name", "notes")),
    )


def person_drafts() -> st.SearchStrategy[PersonDraft]:
    """The identity form: realistic values, some made hostile, any dates, ids or None."""
    return _person_drafts()


def measure_drafts() -> st.SearchStrategy[MeasureDraft]:
    """The measure dialog: any dates (or None), any type, obligations with hostile text."""
    return _measure_drafts()


#: Dates for the rules, which only compare them: the edges, a few ordinary days and
#: None, drawn in one go so that equal dates (ties between measures) come up often.
rule_dates = st.sampled_from(
    (None, *EDGE_DATES, date(2019, 6, 3), date(2024, 1, 15), date(2027, 9, 30), date(2031, 5, 1))
)

#: Measures as the rules see them: only their type and the four dates the rules read.
rule_measures = st.builds(
    MeasureDraft,
    measure_type=_MEASURE_TYPES,
    referral_date=rule_dates,
    probation_start=rule_dates,
    probation_end=rule_dates,
    sentence_end=rule_dates,
)


# --------------------------------------------------------------------------------------
# Contract helpers
# --------------------------------------------------------------------------------------

_ENGLISH = re.compile(
    r"\b(the|is|are|must|should|cannot|invalid|required|error|expected|"
    r"ambiguous|ignored|argument|not allowed|value)\b",
    re.IGNORECASE,
)


def assert_french_sentence(message: object) -> None:
    """One French sentence: a capital first, a full stop last, one line, no English."""
    assert isinstance(message, str), message
    assert message == message.strip(), message
    assert "\n" not in message, message
    assert message[0].isupper(), message
    assert message.endswith("."), message
    assert not _ENGLISH.search(message), message


def assert_validation_contract(result: object, form_fields: set[str]) -> ValidationResult:
    """Errors are French sentences keyed by the form's own field names."""
    assert type(result) is ValidationResult
    assert result.ok is (not result.errors)
    for key, message in result.errors.items():
        assert key in form_fields, f"unknown field {key!r}"
        assert_french_sentence(message)
    for warning in result.warnings:
        assert_french_sentence(warning)
    assert result.summary() == "\n".join(result.errors.values())
    return result


def invisible(value: str, multiline: bool = False) -> bool:
    """A control character no keyboard types (line breaks allowed in multi-line fields)."""
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def assert_lengths_checked(result: ValidationResult, values: dict[str, str]) -> None:
    """A value over its limit, or holding an invisible control character, is refused;
    the message names the field by its label."""
    for name, value in values.items():
        limit = MAX_LENGTHS[name]
        message = result.errors.get(name, "")
        if len(value) > limit or invisible(value, name in MULTILINE_FIELDS):
            assert name in result.errors, (name, len(value))
        if "dépasser" in message:
            assert len(value) > limit
            assert message == f"{FIELD_LABELS[name]} ne peut pas dépasser {limit} caractères."
        if "invisible" in message:
            assert invisible(value, name in MULTILINE_FIELDS)


def _field_names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


#: Error keys each validator may use: the fields of the object its form edits.
#: (They are not all FIELD_LABELS keys: "birth_date", "establishment_id",
#: "measure_type", "obligations", "given_name"... have no length, hence no label.)
PERSON_FIELDS = _field_names(PersonDraft)
MEASURE_FIELDS = _field_names(MeasureDraft)
NAMED_FIELDS = {"name", "code"}  # Antenne / Establishment
AGENT_FIELDS = {"surname", "given_name", "email"}


def test_error_keys_name_fields_of_the_edited_objects() -> None:
    """The sets the contracts below check against are real field names."""
    assert set(PERSON_TEXT_FIELDS) <= PERSON_FIELDS
    assert set(PERSON_TEXT_FIELDS) <= set(FIELD_LABELS)
    assert {"court", "jap_name", "notes"} <= MEASURE_FIELDS & set(FIELD_LABELS)
    assert _field_names(Antenne) & set(FIELD_LABELS) >= NAMED_FIELDS
    assert _field_names(Agent) >= AGENT_FIELDS
    assert set(REALISTIC) >= set(PERSON_TEXT_FIELDS)


# --------------------------------------------------------------------------------------
# Form validators
# --------------------------------------------------------------------------------------


@FUZZ
@given(person_drafts(), any_date())
def test_validate_person_never_raises_and_answers_in_french(
    draft: PersonDraft, today: date
) -> None:
    result = assert_validation_contract(validate_person(draft, today), PERSON_FIELDS)
    errors = result.errors
    for required in ("surname", "given_names", "file_number"):
        if not getattr(draft, required).strip():
            assert "obligatoire" in errors[required]
    if draft.birth_date is None or draft.birth_date > today or draft.birth_date.year < 1900:
        assert "birth_date" in errors
    else:
        assert "birth_date" not in errors
    minor = (
        draft.birth_date is not None
        and "birth_date" not in errors
        and age_on(draft.birth_date, today) < 18
    )
    assert bool(result.warnings) is minor
    if draft.regime is Regime.MILIEU_FERME and draft.establishment_id is None:
        assert "establishment_id" in errors
    else:
        assert "establishment_id" not in errors
    for optional in ("email", "phone", "postal_code"):
        if not getattr(draft, optional):
            assert optional not in errors
    # the identity form and the agent form accept the same e-mail addresses
    agent = validate_agent("Nom", "Prénom", draft.email)
    assert ("email" in errors) is ("email" in agent.errors)
    assert_lengths_checked(result, {name: getattr(draft, name) for name in PERSON_TEXT_FIELDS})


@FUZZ
@given(measure_drafts(), any_date())
def test_validate_measure_never_raises_and_answers_in_french(
    draft: MeasureDraft, today: date
) -> None:
    result = assert_validation_contract(validate_measure(draft, today), MEASURE_FIELDS)
    errors = result.errors
    assert ("measure_type" in errors) is (draft.measure_type is None)
    if draft.decision_date is None or draft.decision_date > today:
        assert "decision_date" in errors
    else:
        assert "decision_date" not in errors
    kinds = [o.kind for o in draft.obligations if o.kind is not ObligationType.AUTRE]
    if (
        len(kinds) != len(set(kinds))
        or any(o.kind is ObligationType.AUTRE and not o.details.strip() for o in draft.obligations)
        or any(len(o.details) > MAX_LENGTHS["obligation_details"] for o in draft.obligations)
        or any(invisible(o.details, multiline=True) for o in draft.obligations)
    ):
        assert "obligations" in errors
    else:
        assert "obligations" not in errors
    if (
        draft.probation_start
        and draft.probation_end
        and draft.probation_end < draft.probation_start
    ):
        assert "probation_end" in errors
    assert_lengths_checked(
        result, {"court": draft.court, "jap_name": draft.jap_name, "notes": draft.notes}
    )


@FUZZ
@given(hostile_text(), hostile_text(), hostile_text())
@example("", "", "")
@example("Antenne de Bordeaux", "BDX", "nom@domaine.fr")
def test_reference_validators_never_raise_and_answer_in_french(
    name: str, second: str, email: str
) -> None:
    """validate_named (antennes, establishments) and validate_agent, on the same input."""
    named = assert_validation_contract(validate_named(name, second), NAMED_FIELDS)
    assert ("name" in named.errors) is (
        not name.strip() or len(name) > MAX_LENGTHS["name"] or invisible(name)
    )
    assert ("code" in named.errors) is (len(second) > MAX_LENGTHS["code"] or invisible(second))
    assert_lengths_checked(named, {"name": name, "code": second})
    assert validate_named(name).errors.keys() <= {"name"}  # establishments have no code

    agent = assert_validation_contract(validate_agent(name, second, email), AGENT_FIELDS)
    if not name.strip():
        assert "obligatoire" in agent.errors["surname"]
    assert ("given_name" in agent.errors) is (not second.strip())
    if not email:
        assert "email" not in agent.errors
    assert_lengths_checked(agent, {"surname": name, "email": email})


# --------------------------------------------------------------------------------------
# Accounts, passwords and the service's settings ([2/6 Trust])
# --------------------------------------------------------------------------------------

PASSWORD_FIELDS = {"password", "password_confirmation"}
ACCOUNT_FIELDS = _field_names(AccountDraft)
SETTINGS_FIELDS = _field_names(ServiceSettings)


@FUZZ
@given(hostile_text(), hostile_text(), st.one_of(st.none(), hostile_text()))
@example("Bordeaux-Gironde-33!", "m.lefevre", "Bordeaux-Gironde-33!")
@example("m.lefevre-Gironde-33!", "m.lefevre", None)
@example("Aa1!" * 40, "", None)
@example("Très\x00Bon-Mot-2026", "", None)
@example("000L'Hôpital", " ", None)  # a blank login once refused every password (found here)
def test_the_password_rule_never_raises_and_says_exactly_why(
    password: str, login: str, confirmation: str | None
) -> None:
    result = assert_validation_contract(
        validate_password(password, login, confirmation), PASSWORD_FIELDS
    )
    strong = all(password_checks(password).values()) and len(password) <= PASSWORD_MAX_LENGTH
    clean = password.isprintable() and not (
        login.strip() and login.strip().casefold() in password.casefold()
    )
    assert ("password" in result.errors) is not (strong and clean)
    assert ("password_confirmation" in result.errors) is (
        confirmation is not None and confirmation != password
    )


@FUZZ
@given(hostile_text())
@example("  Marie.Dupont-2 ")
@example("admin' OR '1'='1")
@example("é" * 65)
def test_logins_are_refused_in_french_unless_plain_identifiers(login: str) -> None:
    result = assert_validation_contract(validate_login(login), {"login"})
    value = login.strip()
    plain = 0 < len(value) <= LOGIN_MAX_LENGTH and all(c.isalnum() or c in "._-" for c in value)
    assert result.ok is plain
    normalised = normalise_login(login)
    assert normalise_login(normalised) == normalised


@FUZZ
@given(
    st.builds(
        AccountDraft,
        hostile_text(),
        hostile_text(),
        st.frozensets(st.sampled_from(list(Role))),
        st.one_of(st.none(), st.integers(-5, 10**9)),
        st.booleans(),
    ),
    hostile_text(),
)
def test_account_forms_and_stored_roles_never_raise(draft: AccountDraft, stored: str) -> None:
    result = assert_validation_contract(validate_account(draft), ACCOUNT_FIELDS)
    assert ("roles" in result.errors) is (not draft.roles)
    if Role.CPIP in draft.roles and draft.agent_id is None:
        assert "agent_id" in result.errors
    assert decode_roles(encode_roles(draft.roles)) == draft.roles
    assert decode_roles(stored) <= set(Role)  # whatever the column holds


@FUZZ
@given(
    st.builds(
        ServiceSettings,
        service_name=hostile_text(),
        service_code=hostile_text(),
        address=hostile_text(),
        city=hostile_text(),
        cpip_service_wide_read=st.booleans(),
        lock_minutes=st.integers(-(10**6), 10**6),
        retention_years=st.integers(-100, 1000),
        audit_retention_years=st.integers(-100, 1000),
    ),
    st.dictionaries(st.sampled_from([*sorted(SETTINGS_FIELDS), "inconnu"]), hostile_text()),
)
def test_service_settings_validate_and_load_whatever_is_stored(
    settings_value: ServiceSettings, stored: dict[str, str]
) -> None:
    result = assert_validation_contract(validate_settings(settings_value), SETTINGS_FIELDS)
    low, high = LOCK_MINUTES_RANGE
    assert ("lock_minutes" in result.errors) is not (low <= settings_value.lock_minutes <= high)
    assert ServiceSettings.from_strings(settings_value.to_strings()) == settings_value
    loaded = ServiceSettings.from_strings(stored)  # a hand-edited or older table
    assert isinstance(loaded, ServiceSettings)


# --------------------------------------------------------------------------------------
# Dates typed in forms
# --------------------------------------------------------------------------------------


def _blank_date(text: str) -> bool:
    """What ``parse_date`` documents as empty: blanks, and an untouched input mask."""
    return text.strip().replace(" ", "").replace("/", "").replace("_", "") == ""


def assert_date_error_is_french(error: DateParseError) -> None:
    message = str(error)
    assert message.startswith(("« ", "Le ")), message
    assert message.endswith((" n'est pas une date au format jj/mm/aaaa.", " calendrier.")), message


def assert_parse_date_contract(text: str) -> None:
    """A date, None for an empty field, or a French DateParseError: nothing else."""
    try:
        value = parse_date(text)
    except DateParseError as error:
        assert not _blank_date(text)
        assert_date_error_is_french(error)
        return
    if value is None:
        assert _blank_date(text)
        return
    assert type(value) is date
    assert not _blank_date(text)
    if value.year >= 1000:  # see test_format_date_round_trip_before_year_1000
        assert parse_date(format_date(value)) == value


_TWO_DIGITS = st.integers(0, 99)
_FOUR_DIGITS = st.integers(0, 9999)
_DATE_SEPARATORS = st.sampled_from("/.-")
_DATE_PADDING = st.sampled_from(["", " ", "  ", "\t", "\xa0", "\n"])


@st.composite
def typed_dates(draw: st.DrawFn) -> tuple[str, int, int, int]:
    """What an officer types: ``d/m/yy`` to ``dd.mm.yyyy``, and ``ddmmyy(yy)`` typed fast.

    Returns the text and the day it means (possibly not a real day: 31/02, 00/13...).
    """
    day, month = draw(_TWO_DIGITS), draw(_TWO_DIGITS)
    four_digits = draw(st.booleans())
    year = draw(_FOUR_DIGITS if four_digits else _TWO_DIGITS)
    y = f"{year:04d}" if four_digits else f"{year:02d}"
    if draw(st.booleans()):
        text = f"{day:02d}{month:02d}{y}"
    else:
        d = f"{day:02d}" if day > 9 or draw(st.booleans()) else str(day)
        m = f"{month:02d}" if month > 9 or draw(st.booleans()) else str(month)
        text = f"{d}{draw(_DATE_SEPARATORS)}{m}{draw(_DATE_SEPARATORS)}{y}"
    text = draw(_DATE_PADDING) + text + draw(_DATE_PADDING)
    if not four_digits:
        year += 2000 if year < 30 else 1900
    return text, year, month, day


@FUZZ
@given(hostile_text(), typed_dates(), four_digit_years)
@example("", ("1/2/1985", 1985, 2, 1), date(2026, 3, 12))
@example("__/__/____", ("31/02/2024", 2024, 2, 31), date(2024, 2, 29))
@example("١٢/٠٣/٢٠٢٦", ("120326", 2026, 3, 12), date.max)
@example("²²²²²²", ("00.13.1930", 1930, 13, 0), date(1000, 1, 1))
@example("9" * 10_000, (" 29-02-00\n", 2000, 2, 29), date(2029, 12, 31))
def test_parse_date_reads_what_is_typed_and_what_format_date_writes(
    anything: str, typed: tuple[str, int, int, int], shown: date
) -> None:
    assert_parse_date_contract(anything)
    assert_parse_date_contract(typed[0])
    text, year, month, day = typed
    try:
        expected: date | None = date(year, month, day)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(DateParseError) as raised:
            parse_date(text)
        assert_date_error_is_french(raised.value)
    else:
        assert parse_date(text) == expected
    # what the application writes, it reads back (years 1000-9999, see the xfail below)
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", format_date(shown))
    assert parse_date(format_date(shown)) == shown
    assert parse_date(shown.strftime(" %d.%m.%Y ")) == shown
    assert parse_date(shown.strftime("%d%m%Y")) == shown
    if 1930 <= shown.year <= 2029:
        assert parse_date(shown.strftime("%d-%m-%y")) == shown
        assert parse_date(shown.strftime("%d%m%y")) == shown
    assert format_date(None, "—") == "—"


@pytest.mark.parametrize("value", [date(99, 1, 1), date(5, 1, 1), date(999, 12, 31)])
def test_format_date_round_trips_before_year_1000(value: date) -> None:
    assert parse_date(format_date(value)) == value


# --------------------------------------------------------------------------------------
# Search text: fold, search_terms, search_document, the FTS query, sort keys
# --------------------------------------------------------------------------------------

_FOLDED = re.compile(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?")
FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ"
french_words = st.text(
    st.sampled_from(FRENCH_LETTERS + FRENCH_LETTERS.upper() + "0123456789 -'’"), max_size=16
)


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    """The search index's FTS5 table (same tokenizer as migration 0001), in memory."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE person_fts USING fts5(search_text, "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    connection.executemany(
        "INSERT INTO person_fts(search_text) VALUES (?)",
        [(search_document("L'Hôpital", "Jean-Noël", "2026-000001"),), ("dupont jean",)],
    )
    yield connection
    connection.close()


@FUZZ
@given(hostile_text(), st.one_of(st.none(), hostile_text()))
@example("L'Hôpital-Cœur  Lætitia", None)
@example("İstanbul ẞ ﬁ ½ ²", "")
@example("'; DROP TABLE person; --", '" OR 1=1 NEAR( col: ^ *')
@example("l'hôpital JEAN-noël", "Jean-Noël")
def test_search_text_is_folded_words_and_a_valid_fts_query(
    fts: sqlite3.Connection, query: str, other: str | None
) -> None:
    # fold: lower-case ASCII words, idempotent, blind to Unicode normalisation
    folded = fold(query)
    assert _FOLDED.fullmatch(folded), folded
    assert folded.isascii() and folded == folded.lower()
    assert not any(unicodedata.combining(c) for c in folded)
    assert fold(folded) == folded
    assert fold(unicodedata.normalize("NFC", query)) == folded
    assert fold(unicodedata.normalize("NFD", query)) == folded
    # search_terms: the distinct folded words, in order
    terms = search_terms(query)
    assert terms == list(dict.fromkeys(folded.split()))
    assert all(re.fullmatch(r"[a-z0-9]+", t) and fold(t) == t for t in terms)
    # search_document: every word the parts give, and nothing else
    document = search_document(query, None, other)
    assert all(re.fullmatch(r"[a-z0-9]+", word) for word in document.split()), document
    typed = " ".join(p for p in (query, other) if p)
    assert set(search_terms(typed)) == set(document.split())
    # the terms are a valid FTS5 query, whatever was typed (SQL, quotes, NEAR, ^, col:)
    if terms:  # without terms the repository does not search at all
        rows = fts.execute(
            "SELECT search_text FROM person_fts WHERE person_fts MATCH ?", (_fts_query(terms),)
        ).fetchall()
        for (found,) in rows:
            assert all(any(w.startswith(t) for w in found.split()) for t in terms)


@pytest.mark.parametrize(
    ("composed", "decomposed"),
    [("ǽ", "æ\u0301"), ("Ǽ", "Æ\u0301"), ("ǣ", "æ\u0304"), ("Ǿ", "Ø\u0301"), ("ǿ", "ø\u0301")],
)
def test_fold_of_accented_ligatures(composed: str, decomposed: str) -> None:
    assert unicodedata.normalize("NFD", composed) == decomposed
    assert fold(composed) == fold(decomposed)


@FUZZ
@given(st.lists(st.tuples(hostile_text(), french_words), min_size=1, max_size=3))
@example([("Élie", "Zoé"), ("Ecker", "Anne"), ("eluard", "")])
@example([("a\x1fb", ""), ("a", "b\x1f")])
@example([("Œuvray", "Jean-Noël"), ("Oeil", "L’Hôpital")])
def test_fold_and_name_sort_keys_order_names_as_a_french_directory(
    names: list[tuple[str, str]],
) -> None:
    for surname, given_names in names:
        key = name_sort_key(surname, given_names)
        assert key.startswith(f"{fold(surname)}\x1f{fold(given_names)}\x1f")
        assert key.endswith(f"\x1f{surname}\x1f{given_names}")
        assert given_names_sort_key(surname, given_names) == name_sort_key(given_names, surname)
        assert name_sort_key(surname) == name_sort_key(surname, "")
    ordered = sorted(names, key=lambda n: name_sort_key(*n))
    folded = [(fold(s), fold(g)) for s, g in ordered]
    assert folded == sorted(folded)
    # French names: case does not count, and hyphens, apostrophes and spaces are alike
    first, second = names[0][1], names[-1][1]
    assert fold(first.upper()) == fold(first.lower()) == fold(first)
    joined = {fold(f"{first}{sep}{second}") for sep in (" ", "-", "'", "’", "  ", " - ")}
    assert joined == {" ".join(w for w in (fold(first), fold(second)) if w)}


# --------------------------------------------------------------------------------------
# Rules over arbitrary measure drafts
# --------------------------------------------------------------------------------------


def _reliquat_wording(years: int, months: int, days: int) -> str:
    """How the file header words a reliquat: ``1 an, 2 mois et 3 jours``."""
    parts = []
    if years:
        parts.append(f"{years} an" if years == 1 else f"{years} ans")
    if months:
        parts.append(f"{months} mois")
    if days or not parts:
        parts.append(f"{days} jour" if days < 2 else f"{days} jours")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def assert_reliquat_and_sas(regime: Regime, end: date | None, today: date) -> None:
    left = reliquat(end, today)
    if end is None or end <= today:
        assert left is None
    else:
        assert left is not None
        assert left.years >= 0 and 0 <= left.months < 12 and 0 <= left.days < 31
        assert today + timedelta(days=left.total_days) == end
        assert str(left) == _reliquat_wording(left.years, left.months, left.days)
    if today > LAST_SAS_CLOCK:  # see test_sas_window_near_date_max
        return
    eligible = is_sas_eligible(regime, end, today)
    assert eligible is SasWindow.on(today).admits(regime, end)
    # SAS (décret 2022-339): milieu fermé and under two years left to serve
    assert eligible is (regime is Regime.MILIEU_FERME and left is not None and left.years < 2)


@FUZZ
@given(st.lists(rule_measures, max_size=4), st.sampled_from(Regime), optional_date(), any_date())
@example([], Regime.MILIEU_FERME, date.max, date.min)
@example([], Regime.MILIEU_FERME, date(2026, 2, 28), date(2024, 2, 29))
@example([], Regime.MILIEU_FERME, date(2026, 2, 27), date(2024, 2, 29))
@example([], Regime.MILIEU_FERME, date(2025, 3, 1), date(2024, 2, 29))
@example([], Regime.MILIEU_FERME, date.max, LAST_SAS_CLOCK)
def test_key_dates_reliquat_and_sas_eligibility(
    measures: list[MeasureDraft], regime: Regime, end: date | None, today: date
) -> None:
    """key_dates over any measures; reliquat and SAS eligibility of its end and of any end."""
    dates = key_dates(measures)
    assert isinstance(dates, KeyDates)
    main = main_measure(measures)
    if not measures:
        assert main is None and dates == KeyDates()
    else:
        assert main is not None and any(main is m for m in measures)
        latest = max(measure_end(m) or date.max for m in measures)
        assert (measure_end(main) or date.max) == latest
        assert dates.main_measure_type is main.measure_type
        assert dates.referral_date == main.referral_date
        assert dates.probation_start == main.probation_start
        assert dates.probation_end == main.probation_end
        ends = [m.sentence_end for m in measures if m.sentence_end]
        assert dates.sentence_end == (max(ends) if ends else None)
    assert dates.end_date == (dates.sentence_end or dates.probation_end)
    # what the file header and the list show from them
    assert_reliquat_and_sas(regime, dates.end_date, today)
    assert_reliquat_and_sas(regime, end, today)


@pytest.mark.parametrize("today", [date(9998, 1, 1), date.max])
def test_sas_window_near_date_max(today: date) -> None:
    assert is_sas_eligible(Regime.MILIEU_FERME, None, today) is False


# --------------------------------------------------------------------------------------
# Database URLs and settings
# --------------------------------------------------------------------------------------

PASSWORD = "Secr3tMotDePasse"

_URL_PARTS = st.tuples(
    st.sampled_from(
        [
            "sqlite",
            "sqlite+pysqlite",
            "SQLite",
            "postgresql",
            "postgresql+psycopg",
            "mysql",
            "mssql+pyodbc",
            "nosuchdb",
            "",
        ]
    ),
    st.sampled_from(["", "spip@", f"spip:{PASSWORD}@", f"sp%40ip:{PASSWORD}@"]),
    st.sampled_from(["", "localhost", "db.justice.fr", "[::1]", "h%20"]),
    st.sampled_from(["", ":5432", ":0", ":99999", ":", ":abc", ":5432x"]),
    hostile_text(),
    st.sampled_from(
        [
            "",
            "?",
            "?sslmode=require",
            "?x=1&x=2",
            "?=&&=",
            "?uri=true&mode=ro",
            "?timeout=abc",
            "?timeout=5",
            "?check_same_thread=peut-etre",
        ]
    ),
)


def _url(parts: tuple[str, str, str, str, str, str]) -> str:
    scheme, user, host, port, database, query = parts
    return f"{scheme}://{user}{host}{port}/{database.replace('?', '')}{query}"


#: Database URLs, well-formed or not, some with a password that must never be shown.
database_urls = _URL_PARTS.map(_url)


@FUZZ
@given(st.one_of(database_urls, hostile_text()))
@example("pas une url")
@example("")
@example("sqlite://")
@example("mysql://h/db")
@example(f"postgresql+psycopg://spip:{PASSWORD}@localhost:5432/spip")
@example(f"nosuchdb://spip:{PASSWORD}@h/db")
def test_url_helpers_parse_or_refuse_in_french(url: str) -> None:
    """is_sqlite, sqlite_path, describe and create_engine_for on any URL."""
    try:
        backend_is_sqlite = is_sqlite(url)
    except DatabaseUnavailable as refused:  # not a usable URL: a French sentence, everywhere
        assert refused.reason == "bad_url" and PASSWORD not in refused.message
        with pytest.raises(DatabaseUnavailable):
            sqlite_path(url)
        assert describe(url) == "« adresse invalide »"
    else:
        assert isinstance(backend_is_sqlite, bool)
        path = sqlite_path(url)
        assert path is None or (isinstance(path, Path) and backend_is_sqlite)
        shown = describe(url)
        assert shown.startswith("« ") and shown.endswith(" »")
        assert PASSWORD not in shown
    try:
        with warnings.catch_warnings():  # unknown query arguments: a warning, not an error
            warnings.simplefilter("ignore", SAWarning)
            engine = create_engine_for(url)
    except DatabaseUnavailable as error:
        assert error.reason == "bad_url"
        assert error.message.startswith("L'adresse de base de données « ")
        assert error.message.endswith(" ou le pilote qu'elle demande n'est pas installé.")
        assert PASSWORD not in error.message
    else:
        assert isinstance(engine, Engine)
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://spip@localhost:5432x/spip",
        "postgresql+psycopg://spip@localhost:/spip",
        "sqlite://localhost:abc/base.sqlite3",
        "sqlite:///base.sqlite3?timeout=abc",
        "sqlite:///base.sqlite3?check_same_thread=peut-etre",
        "sqlite://base.sqlite3",
        "sqlite://:5432/",
    ],
)
def test_bad_url_values_get_a_french_sentence(url: str) -> None:
    """Once let through as bare ValueError / ArgumentError (found by this file)."""
    with pytest.raises(DatabaseUnavailable) as caught:
        create_engine_for(url)
    assert caught.value.reason == "bad_url" and "n'est pas valide" in caught.value.message


#: File names for ``--db`` ("?" and "%" included: sqlite_file_url escapes them). NUL and a
#: leading "~" are refused in French, see test_resolve_db_file_with_unknown_home_or_nul.
path_names = hostile_text().map(lambda s: s.replace("\x00", "").lstrip("~")[:300])


@pytest.mark.parametrize("name", ["dossiers?.sqlite3", "base%41.sqlite3", "50%2Fcent.sqlite3"])
def test_sqlite_file_url_round_trip_with_url_characters(name: str) -> None:
    path = Path("/tmp", name)
    assert sqlite_path(sqlite_file_url(path)) == path


@contextlib.contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or, for None, unset) some variables, then put them back.

    Only the named variables are touched: ``mock.patch.dict(os.environ)`` rewrites the
    whole environment twice per example, which took most of this property's time.
    """
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


#: Environment variables cannot hold NUL; "~user" is the known bug below.
env_text = hostile_text().map(lambda s: s.replace("\x00", "").lstrip("~"))


@FUZZ
@given(
    db_file=st.one_of(st.none(), path_names.map(Path), path_names.map(lambda p: Path("/", p))),
    database_url=st.one_of(st.none(), hostile_text()),
    demo=st.booleans(),
    env_url=st.one_of(st.none(), env_text),
    env_dir=st.one_of(st.none(), env_text),
)
def test_resolve_picks_the_database_in_the_documented_order(
    db_file: Path | None,
    database_url: str | None,
    demo: bool,
    env_url: str | None,
    env_dir: str | None,
) -> None:
    with _environment(SPIP_DATABASE_URL=env_url, SPIP_DATA_DIR=env_dir):
        directory = data_dir()
        chosen = resolve(db_file, database_url, demo)
    assert isinstance(chosen, Settings)
    assert chosen.data_directory == directory
    if env_dir:
        assert directory == Path(env_dir).expanduser()
    if db_file is not None:
        assert chosen.explicit_file is not None and chosen.explicit_file.is_absolute()
        # sqlite_file_url and sqlite_path round-trip the resolved file
        assert chosen.database_url == sqlite_file_url(chosen.explicit_file)
        assert chosen.database_url.startswith("sqlite+pysqlite:///")
        assert is_sqlite(chosen.database_url)
        assert sqlite_path(chosen.database_url) == chosen.explicit_file
    elif demo:
        assert chosen.demo
        assert chosen.database_url == sqlite_file_url(directory / DEMO_DATABASE_FILE)
    elif database_url or env_url:
        assert chosen.database_url == (database_url or env_url)
    else:
        assert chosen.database_url == sqlite_file_url(directory / DATABASE_FILE)
    assert chosen.log_file.parent.parent == directory
    assert chosen.backup_dir.parent == directory


@pytest.mark.parametrize("name", ["~nosuchuser/base.sqlite3", "base\x00.sqlite3"])
def test_resolve_db_file_with_unknown_home_or_nul(name: str) -> None:
    """Once a traceback before cli.main's try (found by this file): now a French sentence."""
    with pytest.raises(SpipError, match="n'est pas utilisable"):
        resolve(Path(name))


def test_data_dir_with_unknown_home() -> None:
    with (
        _environment(SPIP_DATA_DIR="~nosuchuser/spip"),
        pytest.raises(SpipError, match="SPIP_DATA_DIR"),
    ):
        data_dir()


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

OPTION_TOKENS = (
    "--db",
    "--database-url",
    "--demo",
    "--datab",
    "--dem",
    "--d",  # ambiguous
    "--demo=x",
    "--version",
    "-h",
    "--help",
    "-hx",
    "demo",
    "check",
    "audit",
    "verify",
    "--persons",
    "--pers",
    "--seed",
    "--se",
    "--",
    "-",
    "-x",
    "--inconnu",
    "-1",
    "0",
    "1_000",
    "1 000",
    "١٢",
    "99999999999999999999999",
    "9" * 5000,
)
_VALUED_OPTIONS = ("--db", "--database-url", "--persons", "--seed", "--pers", "--se")
argv_lists = st.lists(
    st.one_of(
        st.sampled_from(OPTION_TOKENS),
        st.builds("{}={}".format, st.sampled_from(_VALUED_OPTIONS), hostile_text()),
        hostile_text(),
    ),
    max_size=4,
)

#: The parser ``cli.main`` builds; parsing does not change it, so one serves every example.
PARSER = build_parser()


def _parse(argv: Sequence[str]) -> tuple[Any, str, str]:
    """``(namespace or SystemExit, stdout, stderr)`` of one parse."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            outcome: Any = PARSER.parse_args(list(argv))
        except SystemExit as exit_:
            outcome = exit_
    return outcome, out.getvalue(), err.getvalue()


_USAGE_ERROR = re.compile(r"spip-desktop(?: [a-z]+)* : erreur : (?P<message>.+)", re.S)
#: Every message the parser may end with, in French.
_FRENCH_USAGE_MESSAGES = [
    re.compile(pattern, re.S)
    for pattern in (
        r"arguments non reconnus : .*",
        r"arguments obligatoires manquants : .*",
        r"option \S+ : une valeur est attendue",
        r"option \S+ : valeur invalide : .*",
        r"option \S+ : choix invalide : .* \(possibles : .*\)",
        r"option \S+ : incompatible avec l'option \S+",
        r"option \S+ : « .* » n'est pas un nombre entier",
        r"option \S+ : le nombre doit être supérieur à zéro",
        r"option ambiguë : \S+ peut désigner .*",
        r"option \S+ : valeur inattendue pour cette option : .*",
    )
]


@FUZZ
@given(argv_lists)
@example(["--db", "base.sqlite3", "check"])
@example(["--demo", "demo", "--persons", "0"])
@example(["demo", "--persons", "beaucoup"])
@example(["demo", "--seed", "9" * 5000])
@example(["--db", "a", "--database-url", "b"])
@example(["inventer"])
@example(["--help"])
@example(["check", "--help"])
@example(["--version"])
def test_cli_parser_returns_arguments_or_exits_in_french(argv: list[str]) -> None:
    outcome, out, err = _parse(argv)
    assert "Traceback" not in out + err
    if isinstance(outcome, SystemExit):
        # cli.EXIT_USAGE (64) for usage errors, 0 after --help or --version
        assert outcome.code in (EXIT_OK, EXIT_USAGE)
        if outcome.code == EXIT_OK:
            assert not err
            assert out.startswith(("utilisation : spip-desktop", "SPIP Desktop "))
            assert "usage:" not in out and "show this help" not in out
            return
        assert not out
        assert err.startswith("utilisation : spip-desktop")
        error_line = err[err.index("\nspip-desktop") + 1 :].rstrip("\n")
        match = _USAGE_ERROR.fullmatch(error_line)
        assert match, err
        assert any(p.fullmatch(match["message"]) for p in _FRENCH_USAGE_MESSAGES), err
        return
    assert outcome.command is None or outcome.command in COMMANDS
    assert outcome.db is None or isinstance(outcome.db, Path)
    chosen = [outcome.db is not None, outcome.database_url is not None, outcome.demo]
    assert sum(chosen) <= 1  # the three are mutually exclusive
    if outcome.command == "demo":
        assert isinstance(outcome.persons, int) and outcome.persons >= 1
        assert isinstance(outcome.seed, int)
    assert not out and not err


@pytest.mark.parametrize("argv", [["--d", "x"], ["--demo=x"], ["-hx"]])
def test_argparse_messages_are_french_too(argv: list[str]) -> None:
    outcome, _out, err = _parse(argv)
    assert isinstance(outcome, SystemExit) and outcome.code == EXIT_USAGE
    assert not re.search(r"\b(?:ambiguous|could match|ignored explicit)\b", err), err


# --------------------------------------------------------------------------------------
# The floor itself
# --------------------------------------------------------------------------------------


def _properties() -> list[Callable[..., Any]]:
    return [
        value
        for name, value in globals().items()
        if name.startswith("test_") and hasattr(value, "hypothesis")
    ]


def test_every_property_runs_at_least_1000_examples() -> None:
    properties = _properties()
    assert len(properties) >= 10
    for prop in properties:
        # Hypothesis keeps the settings a test was decorated with on this attribute.
        chosen = getattr(prop, "_hypothesis_internal_use_settings", None)
        assert chosen is not None, prop.__name__
        assert chosen.max_examples >= MIN_EXAMPLES, prop.__name__
        assert chosen.deadline is None, prop.__name__
