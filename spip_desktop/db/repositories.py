"""Repositories: the SQL of each aggregate, domain objects in and out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..domain import rules
from ..domain.enums import FileStatus, MeasureType, Regime
from ..domain.errors import NotFound
from ..domain.model import (
    Agent,
    Antenne,
    Establishment,
    KeyDates,
    Measure,
    MeasureDraft,
    ObligationDraft,
    Person,
    PersonDraft,
    PersonQuery,
    PersonRow,
)
from ..domain.text import (
    fold,
    given_names_sort_key,
    name_sort_key,
    search_document,
    search_terms,
)
from . import models as m
from . import search

NULLABLE_SORTS = frozenset({"birth_date", "measure", "measure_end", "referent"})
PERSON_FIELDS = tuple(PersonDraft.__dataclass_fields__)
MEASURE_FIELDS = tuple(f for f in MeasureDraft.__dataclass_fields__ if f != "obligations")


def _derived_person_columns(draft: PersonDraft) -> dict[str, Any]:
    """Folded copies of the names, rewritten with every change of them."""
    return {
        "sort_key": name_sort_key(draft.surname, draft.given_names),
        "given_sort_key": given_names_sort_key(draft.surname, draft.given_names),
        "search_text": search_document(
            draft.surname,
            draft.usage_name,
            draft.given_names,
            draft.file_number,
            draft.appi_number,
            draft.ecrou_number,
        ),
    }


def _to_person(row: m.PersonRow) -> Person:
    return Person(
        id=row.id,
        version=row.version,
        draft=PersonDraft(**{name: getattr(row, name) for name in PERSON_FIELDS}),
        closed_on=row.closed_on,
        closure_reason=row.closure_reason,
        closure_note=row.closure_note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _to_measure(row: m.MeasureRow) -> Measure:
    obligations = tuple(ObligationDraft(o.kind, o.details) for o in row.obligations)
    values = {name: getattr(row, name) for name in MEASURE_FIELDS}
    return Measure(
        id=row.id,
        person_id=row.person_id,
        version=row.version,
        draft=MeasureDraft(**values, obligations=obligations),
    )


def _to_agent(row: m.AgentRow) -> Agent:
    return Agent(
        id=row.id,
        surname=row.surname,
        given_name=row.given_name,
        role=row.role,
        antenne_id=row.antenne_id,
        email=row.email,
        phone=row.phone,
        active=row.active,
        version=row.version,
    )


def _to_antenne(row: m.AntenneRow) -> Antenne:
    return Antenne(
        id=row.id,
        name=row.name,
        code=row.code,
        address=row.address,
        phone=row.phone,
        active=row.active,
        version=row.version,
    )


def _to_establishment(row: m.EstablishmentRow) -> Establishment:
    return Establishment(
        id=row.id,
        name=row.name,
        kind=row.kind,
        city=row.city,
        active=row.active,
        version=row.version,
    )


RowT = TypeVar("RowT", bound=m.Versioned)


def checked(row: RowT | None, version: int, message: str) -> RowT:
    """The row, if it still exists at the version the user read (optimistic locking)."""
    if row is None:
        raise NotFound(message)
    if row.version != version:
        raise StaleDataError(f"{type(row).__name__} {row.id} changed since it was read")
    return row


#: Measure codes ranked by their French label, as the list column shows them.
MEASURE_RANK = {
    t.value: i for i, t in enumerate(sorted(MeasureType, key=lambda t: fold(t.short_label)))
}


class PersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading -----------------------------------------------------------------
    def get(self, person_id: int) -> Person | None:
        row = self.session.get(m.PersonRow, person_id)
        return _to_person(row) if row else None

    def file_number_owner(self, file_number: str) -> int | None:
        return self.session.scalar(
            select(m.PersonRow.id).where(m.PersonRow.file_number == file_number.strip())
        )

    def max_file_number(self, prefix: str) -> str | None:
        return self.session.scalar(
            select(func.max(m.PersonRow.file_number)).where(
                m.PersonRow.file_number.like(f"{prefix}%")
            )
        )

    def _filters(self, query: PersonQuery, today: date) -> list[ColumnElement[bool]]:
        p = m.PersonRow
        where: list[ColumnElement[bool]] = []
        if query.status is FileStatus.ACTIVE:
            where.append(p.closed_on.is_(None))
        elif query.status is FileStatus.CLOSED:
            where.append(p.closed_on.is_not(None))
        if query.regime is not None:
            where.append(p.regime == query.regime)
        if query.referent_id is not None:
            where.append(p.referent_id == query.referent_id)
        if query.measure_type is not None:
            where.append(p.main_measure_type == query.measure_type)
        if query.sas_eligible_only:
            where.append(self._sas_condition(today))
        return where

    def _restricted(
        self, stmt: Select[Any], query: PersonQuery, today: date, count_only: bool = False
    ) -> Select[Any]:
        stmt = stmt.where(*self._filters(query, today))
        terms = search_terms(query.text)
        if terms:
            plan = search.choose_plan(self.session, terms, count_only)
            dialect = self.session.get_bind().dialect.name
            stmt = search.restrict(stmt, plan, terms, dialect)
        return stmt

    @staticmethod
    def _sas_condition(today: date) -> ColumnElement[bool]:
        low, high = rules.SasWindow.on(today).bounds
        p = m.PersonRow
        return (p.regime == Regime.MILIEU_FERME) & (p.sentence_end > low) & (p.sentence_end < high)

    def _order(self, query: PersonQuery, today: date) -> list[Any]:
        p = m.PersonRow
        columns: dict[str, Callable[[], Any]] = {
            "name": lambda: p.sort_key,
            "given_names": lambda: p.given_sort_key,
            "birth_date": lambda: p.birth_date,
            "file_number": lambda: p.file_number,
            "regime": lambda: p.regime,
            "measure": lambda: case(MEASURE_RANK, value=p.main_measure_type),
            "measure_end": lambda: p.main_measure_end,
            "referent": lambda: m.AgentRow.sort_key,
            "sas": lambda: case((self._sas_condition(today), 0), else_=1),
        }
        key = columns.get(query.sort, columns["name"])()
        ordered = key.desc() if query.descending else key.asc()
        if query.sort in NULLABLE_SORTS:
            ordered = ordered.nulls_last()  # empty values last whatever the direction
        tie_break = [p.id] if query.sort == "name" else [p.sort_key, p.id]
        return [ordered, *tie_break]

    def page(self, query: PersonQuery, offset: int, limit: int, today: date) -> list[PersonRow]:
        """One page of the list: the ids first (narrow, index-friendly), then their rows."""
        p = m.PersonRow
        agent = m.AgentRow
        ids_stmt: Select[Any] = select(p.id)
        if query.sort == "referent":
            ids_stmt = ids_stmt.outerjoin(agent, p.referent_id == agent.id)
        ids_stmt = self._restricted(ids_stmt, query, today)
        ids = list(
            self.session.scalars(
                ids_stmt.order_by(*self._order(query, today)).offset(offset).limit(limit)
            )
        )
        if not ids:
            return []
        stmt = (
            select(
                p.id,
                p.file_number,
                p.surname,
                p.usage_name,
                p.given_names,
                p.birth_date,
                p.regime,
                p.main_measure_type,
                p.main_measure_end,
                p.sentence_end,
                p.closed_on,
                agent.given_name,
                agent.surname.label("agent_surname"),
            )
            .outerjoin(agent, p.referent_id == agent.id)
            .where(p.id.in_(bindparam("ids", expanding=True)))
        )
        by_id = {r.id: r for r in self.session.execute(stmt, {"ids": ids})}
        sas = rules.SasWindow.on(today)
        return [self._row(by_id[i], sas) for i in ids]

    @staticmethod
    def _row(r: Any, sas: rules.SasWindow) -> PersonRow:
        referent = f"{r.given_name} {r.agent_surname.upper()}" if r.agent_surname else ""
        return PersonRow(
            id=r.id,
            file_number=r.file_number,
            surname=r.surname,
            usage_name=r.usage_name,
            given_names=r.given_names,
            birth_date=r.birth_date,
            regime=r.regime,
            main_measure_type=r.main_measure_type,
            main_measure_end=r.main_measure_end,
            referent_name=referent,
            closed=r.closed_on is not None,
            sas_eligible=sas.admits(r.regime, r.sentence_end),
        )

    def count(self, query: PersonQuery, today: date) -> int:
        inner = self._restricted(select(m.PersonRow.id), query, today, count_only=True).subquery()
        return int(self.session.scalar(select(func.count()).select_from(inner)) or 0)

    # -- writing -----------------------------------------------------------------
    def add(self, draft: PersonDraft) -> int:
        row = m.PersonRow(**_clean(draft), **_derived_person_columns(draft))
        self.session.add(row)
        self.session.flush()
        return row.id

    def update(self, person_id: int, version: int, draft: PersonDraft) -> None:
        row = self._locked(person_id, version)
        for name, value in {**_clean(draft), **_derived_person_columns(draft)}.items():
            setattr(row, name, value)
        self.session.flush()

    def set_closure(
        self, person_id: int, version: int, closed_on: date | None, reason: Any, note: str
    ) -> None:
        row = self._locked(person_id, version)
        row.closed_on = closed_on
        row.closure_reason = reason
        row.closure_note = note
        self.session.flush()

    def set_key_dates(self, person_id: int, key_dates: KeyDates) -> None:
        """Store the projection of the main measure (not a user edit: no version bump)."""
        self.session.execute(
            update(m.PersonRow)
            .where(m.PersonRow.id == person_id)
            .values(
                main_measure_type=key_dates.main_measure_type,
                main_measure_end=key_dates.end_date,
                sentence_end=key_dates.sentence_end,
            )
            .execution_options(synchronize_session=False)
        )

    def _locked(self, person_id: int, version: int) -> m.PersonRow:
        row = self.session.get(m.PersonRow, person_id)
        row = checked(row, version, "Ce dossier n'existe plus.")
        return row


def _clean(draft: PersonDraft) -> dict[str, Any]:
    values = {name: getattr(draft, name) for name in PERSON_FIELDS}
    return {k: v.strip() if type(v) is str else v for k, v in values.items()}


class MeasureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_person(self, person_id: int) -> list[Measure]:
        rows = self.session.scalars(
            select(m.MeasureRow)
            .where(m.MeasureRow.person_id == person_id)
            .options(selectinload(m.MeasureRow.obligations))
            .order_by(m.MeasureRow.decision_date.desc(), m.MeasureRow.id.desc())
        )
        return [_to_measure(r) for r in rows]

    def get(self, measure_id: int) -> Measure | None:
        row = self.session.scalar(
            select(m.MeasureRow)
            .where(m.MeasureRow.id == measure_id)
            .options(selectinload(m.MeasureRow.obligations))
        )
        return _to_measure(row) if row else None

    def add(self, person_id: int, draft: MeasureDraft) -> int:
        row = m.MeasureRow(person_id=person_id, **_measure_values(draft))
        row.obligations = _obligation_rows(draft.obligations)
        self.session.add(row)
        self.session.flush()
        return row.id

    def update(self, measure_id: int, version: int, draft: MeasureDraft) -> int:
        row = self.session.scalar(
            select(m.MeasureRow)
            .where(m.MeasureRow.id == measure_id)
            .options(selectinload(m.MeasureRow.obligations))
        )
        row = checked(row, version, "Cette mesure n'existe plus.")
        for name, value in _measure_values(draft).items():
            setattr(row, name, value)
        row.obligations = _obligation_rows(draft.obligations)
        row.updated_at = m.utcnow()  # the obligations changed even if no column did
        self.session.flush()
        return row.person_id

    def delete(self, measure_id: int, version: int) -> int:
        row = self.session.get(m.MeasureRow, measure_id)
        row = checked(row, version, "Cette mesure n'existe plus.")
        person_id = row.person_id
        self.session.execute(delete(m.ObligationRow).where(m.ObligationRow.measure_id == row.id))
        self.session.execute(
            delete(m.MeasureRow)
            .where(m.MeasureRow.id == row.id)
            .execution_options(synchronize_session=False)
        )
        self.session.expunge(row)
        return person_id


def _measure_values(draft: MeasureDraft) -> dict[str, Any]:
    values = {name: getattr(draft, name) for name in MEASURE_FIELDS}
    return {k: v.strip() if type(v) is str else v for k, v in values.items()}


def _obligation_rows(obligations: Sequence[ObligationDraft]) -> list[m.ObligationRow]:
    return [
        m.ObligationRow(kind=o.kind, details=o.details.strip(), position=i)
        for i, o in enumerate(obligations)
    ]


class ReferenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def antennes(self) -> list[Antenne]:
        return [_to_antenne(r) for r in self.session.scalars(select(m.AntenneRow))]

    def agents(self) -> list[Agent]:
        rows = self.session.scalars(select(m.AgentRow).order_by(m.AgentRow.sort_key))
        return [_to_agent(r) for r in rows]

    def establishments(self) -> list[Establishment]:
        return [_to_establishment(r) for r in self.session.scalars(select(m.EstablishmentRow))]

    def agent(self, agent_id: int) -> Agent | None:
        row = self.session.get(m.AgentRow, agent_id)
        return _to_agent(row) if row else None

    def antenne(self, antenne_id: int) -> Antenne | None:
        row = self.session.get(m.AntenneRow, antenne_id)
        return _to_antenne(row) if row else None

    def establishment(self, establishment_id: int) -> Establishment | None:
        row = self.session.get(m.EstablishmentRow, establishment_id)
        return _to_establishment(row) if row else None

    def name_taken(self, table: str, name: str, exclude_id: int | None) -> bool:
        model: Any = {"antenne": m.AntenneRow, "establishment": m.EstablishmentRow}[table]
        stmt = select(model.id).where(func.lower(model.name) == name.strip().lower())
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        return self.session.scalar(stmt) is not None

    def save_antenne(self, antenne: Antenne) -> int:
        values = {
            "name": antenne.name.strip(),
            "code": antenne.code.strip(),
            "address": antenne.address.strip(),
            "phone": antenne.phone.strip(),
            "active": antenne.active,
        }
        return self._save(m.AntenneRow, antenne.id, antenne.version, values)

    def save_agent(self, agent: Agent) -> int:
        values = {
            "surname": agent.surname.strip(),
            "given_name": agent.given_name.strip(),
            "role": agent.role,
            "antenne_id": agent.antenne_id,
            "email": agent.email.strip(),
            "phone": agent.phone.strip(),
            "active": agent.active,
            "sort_key": name_sort_key(agent.surname.strip(), agent.given_name.strip()),
        }
        return self._save(m.AgentRow, agent.id, agent.version, values)

    def save_establishment(self, establishment: Establishment) -> int:
        values = {
            "name": establishment.name.strip(),
            "kind": establishment.kind,
            "city": establishment.city.strip(),
            "active": establishment.active,
        }
        return self._save(m.EstablishmentRow, establishment.id, establishment.version, values)

    def _save(self, model: Any, row_id: int | None, version: int, values: dict[str, Any]) -> int:
        if row_id is None:
            row = model(**values)
            self.session.add(row)
        else:
            row = self.session.get(model, row_id)
            row = checked(row, version, "Cette fiche n'existe plus.")
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()
        return int(row.id)
