"""SQLAlchemy 2 typed models of the SPIP Desktop database.

Conventions:
- every editable row has ``version`` (optimistic locking through the mapper's
  ``version_id_col``), ``created_at`` and ``updated_at`` (UTC, naive);
- enumerations are stored as their short string value (:class:`EnumText`);
- relationships are ``lazy="raise"``: a repository loads what a use case needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from ..domain.enums import (
    AgentRole,
    ClosureReason,
    EstablishmentKind,
    LabelledEnum,
    MeasureType,
    ObligationType,
    Regime,
    Sex,
)
from ..domain.followup_terms import (
    Actor,
    ConventionLevel,
    ConventionStatus,
    EntryKind,
    Milieu,
    Outcome,
    PartnerKind,
    StepKind,
    StepStatus,
)
from ..domain.stage_terms import (
    STAGE_MAX_LENGTHS,
    ActionKind,
    AttendanceCode,
    Cadre,
    EndKind,
    OrganiserKind,
)
from ..domain.validation import MAX_LENGTHS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Current UTC time without tzinfo, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


class EnumText(TypeDecorator[LabelledEnum]):
    """Stores a :class:`LabelledEnum` member as its short string value."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[LabelledEnum], length: int = 40) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def _member(self, value: Any) -> LabelledEnum:
        """The member for a member or its stored value."""
        member = self.enum_cls._value2member_map_[str(value)]
        assert isinstance(member, LabelledEnum)
        return member

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self._member(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> LabelledEnum | None:
        return None if value is None else self._member(value)


def _text(name: str) -> String:
    return String(MAX_LENGTHS[name])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Version counter and timestamps shared by every editable table."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class AntenneRow(Versioned, Base):
    __tablename__ = "antenne"

    name: Mapped[str] = mapped_column(_text("name"), nullable=False, unique=True)
    code: Mapped[str] = mapped_column(_text("code"), nullable=False, default="")
    address: Mapped[str] = mapped_column(_text("address"), nullable=False, default="")
    phone: Mapped[str] = mapped_column(_text("phone"), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class AgentRow(Versioned, Base):
    __tablename__ = "agent"

    surname: Mapped[str] = mapped_column(_text("surname"), nullable=False)
    given_name: Mapped[str] = mapped_column(_text("given_names"), nullable=False)
    role: Mapped[AgentRole] = mapped_column(EnumText(AgentRole, 20), nullable=False)
    antenne_id: Mapped[int | None] = mapped_column(ForeignKey("antenne.id"), index=True)
    email: Mapped[str] = mapped_column(_text("email"), nullable=False, default="")
    phone: Mapped[str] = mapped_column(_text("phone"), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort_key: Mapped[str] = mapped_column(String(600), nullable=False, index=True)

    antenne: Mapped[AntenneRow | None] = relationship(lazy="raise")


class EstablishmentRow(Versioned, Base):
    __tablename__ = "establishment"

    name: Mapped[str] = mapped_column(_text("name"), nullable=False, unique=True)
    kind: Mapped[EstablishmentKind] = mapped_column(EnumText(EstablishmentKind, 30), nullable=False)
    city: Mapped[str] = mapped_column(_text("city"), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class PersonRow(Versioned, Base):
    """A person followed (*PPSMJ*).

    ``sort_key`` and ``search_text`` are folded copies of the names (see
    :mod:`spip_desktop.domain.text`); ``main_measure_type``, ``main_measure_end``
    and ``sentence_end`` project the main measure (see
    :func:`spip_desktop.domain.rules.key_dates`) so that the list can filter and
    sort 250,000 people through indexes. The services rewrite all of them in the
    same transaction as the change they derive from, so they are never stale.
    """

    __tablename__ = "person"

    file_number: Mapped[str] = mapped_column(_text("file_number"), nullable=False, unique=True)
    surname: Mapped[str] = mapped_column(_text("surname"), nullable=False)
    usage_name: Mapped[str] = mapped_column(_text("usage_name"), nullable=False, default="")
    given_names: Mapped[str] = mapped_column(_text("given_names"), nullable=False)
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    birth_place: Mapped[str] = mapped_column(_text("birth_place"), nullable=False, default="")
    sex: Mapped[Sex | None] = mapped_column(EnumText(Sex, 1))
    address: Mapped[str] = mapped_column(_text("address"), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(_text("postal_code"), nullable=False, default="")
    city: Mapped[str] = mapped_column(_text("city"), nullable=False, default="")
    phone: Mapped[str] = mapped_column(_text("phone"), nullable=False, default="")
    email: Mapped[str] = mapped_column(_text("email"), nullable=False, default="")
    appi_number: Mapped[str] = mapped_column(_text("appi_number"), nullable=False, default="")
    ecrou_number: Mapped[str] = mapped_column(_text("ecrou_number"), nullable=False, default="")
    regime: Mapped[Regime] = mapped_column(EnumText(Regime, 10), nullable=False)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"), index=True)
    #: Arrival in the current establishment (SAS placements of the monthly summary).
    establishment_since: Mapped[date | None] = mapped_column(Date, index=True)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    antenne_id: Mapped[int | None] = mapped_column(ForeignKey("antenne.id"), index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(EnumText(ClosureReason, 20))
    closure_note: Mapped[str] = mapped_column(_text("notes"), nullable=False, default="")

    sort_key: Mapped[str] = mapped_column(String(600), nullable=False)
    given_sort_key: Mapped[str] = mapped_column(String(600), nullable=False, index=True)
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    main_measure_type: Mapped[MeasureType | None] = mapped_column(EnumText(MeasureType, 40))
    main_measure_end: Mapped[date | None] = mapped_column(Date)
    sentence_end: Mapped[date | None] = mapped_column(Date)

    referent: Mapped[AgentRow | None] = relationship(lazy="raise")
    antenne: Mapped[AntenneRow | None] = relationship(lazy="raise")
    establishment: Mapped[EstablishmentRow | None] = relationship(lazy="raise")
    measures: Mapped[list[MeasureRow]] = relationship(
        back_populates="person", lazy="raise", order_by="MeasureRow.decision_date"
    )

    __table_args__ = (
        Index("ix_person_active_sort", "closed_on", "sort_key"),
        Index("ix_person_sort_key", "sort_key"),
        Index("ix_person_referent_sort", "referent_id", "sort_key"),
        Index("ix_person_regime_sentence_end", "regime", "sentence_end"),
        Index("ix_person_main_measure", "main_measure_type", "main_measure_end"),
        Index("ix_person_main_measure_end", "main_measure_end"),
        # Narrow copy of what a name search sorts on (see db.search.restrict).
        Index("ix_person_search_cover", "id", "closed_on", "sort_key"),
        # what the monthly summary needs of a person, for each of their measures
        Index("ix_person_summary", "id", "closed_on", "regime", "referent_id", "antenne_id"),
    )


class MeasureRow(Versioned, Base):
    """A judicial measure (*mesure*) of a person."""

    __tablename__ = "measure"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    measure_type: Mapped[MeasureType] = mapped_column(EnumText(MeasureType, 40), nullable=False)
    court: Mapped[str] = mapped_column(_text("court"), nullable=False, default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    final_date: Mapped[date | None] = mapped_column(Date)
    referral_date: Mapped[date | None] = mapped_column(Date, index=True)
    probation_start: Mapped[date | None] = mapped_column(Date)
    probation_end: Mapped[date | None] = mapped_column(Date)
    sentence_end: Mapped[date | None] = mapped_column(Date)
    #: A cancelled measure (quashed on appeal, entered by mistake...) counts nowhere.
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    jap_name: Mapped[str] = mapped_column(_text("jap_name"), nullable=False, default="")
    notes: Mapped[str] = mapped_column(_text("notes"), nullable=False, default="")

    person: Mapped[PersonRow] = relationship(back_populates="measures", lazy="raise")
    obligations: Mapped[list[ObligationRow]] = relationship(
        back_populates="measure",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ObligationRow.position",
    )


class ObligationRow(Versioned, Base):
    """An obligation (Code pénal 132-45) attached to a measure."""

    __tablename__ = "obligation"

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[ObligationType] = mapped_column(EnumText(ObligationType, 40), nullable=False)
    details: Mapped[str] = mapped_column(_text("obligation_details"), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    measure: Mapped[MeasureRow] = relationship(back_populates="obligations", lazy="raise")


class AccountRow(Versioned, Base):
    """A user account: who may sign in, with which roles.

    ``roles`` holds the role values separated by commas (see
    :class:`spip_desktop.domain.security.Role`); the password is an Argon2id
    hash, never the password itself.
    """

    __tablename__ = "account"

    login: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[str] = mapped_column(String(100), nullable=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SettingRow(Base):
    """One service-wide setting (see :mod:`spip_desktop.domain.service_settings`)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class AuditEntryRow(Base):
    """One entry of the append-only, hash-chained audit trail.

    The database refuses updates and deletes on this table (triggers); only
    the retention prune, recorded in the chain itself, lifts that for its own
    transaction. ``person_id`` has no foreign key: entries outlive a purge.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    actor_login: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    object_type: Mapped[str] = mapped_column(String(30), nullable=False)
    object_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        {"sqlite_autoincrement": True},
    )


class AuditAnchorRow(Base):
    """Where the chain starts after a prune: the hash the first kept entry links to."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_kept_id: Mapped[int] = mapped_column(Integer, nullable=False)
    anchor_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    pruned: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = ({"sqlite_autoincrement": True},)


def _stage_text(name: str) -> String:
    return String(STAGE_MAX_LENGTHS[name])


class StageTypeRow(Versioned, Base):
    """A catalogue entry: an official stage, the PPR, or a (local) collective action."""

    __tablename__ = "stage_type"

    name: Mapped[str] = mapped_column(_stage_text("type_name"), nullable=False, unique=True)
    kind: Mapped[ActionKind] = mapped_column(EnumText(ActionKind, 20), nullable=False)
    default_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    default_price_cents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    usual_organiser: Mapped[str] = mapped_column(
        _stage_text("usual_organiser"), nullable=False, default=""
    )
    official: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1000)


class StageRow(Versioned, Base):
    """One *session de stage* (or programme, or action): its sessions are its dated days.

    A partner organiser is ``organiser_partner_id`` (``organiser_name`` keeps its name
    as printed, for the stages planned before partners were records: migration 0004
    turned those names into partners); ``venue_partner_id`` is the partner lending
    the premises, when one does.
    ``first_day`` and ``last_day`` project the sessions for the list (rewritten with them).
    """

    __tablename__ = "stage"

    type_id: Mapped[int] = mapped_column(ForeignKey("stage_type.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(_stage_text("title"), nullable=False, default="")
    organiser_kind: Mapped[OrganiserKind] = mapped_column(
        EnumText(OrganiserKind, 20), nullable=False
    )
    organiser_name: Mapped[str] = mapped_column(
        _stage_text("organiser_name"), nullable=False, default=""
    )
    organiser_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    venue: Mapped[str] = mapped_column(_stage_text("venue"), nullable=False, default="")
    venue_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    price_cents: Mapped[int | None] = mapped_column(Integer)
    required_minutes: Mapped[int | None] = mapped_column(Integer)
    facilitators: Mapped[str] = mapped_column(
        _stage_text("facilitators"), nullable=False, default=""
    )
    notes: Mapped[str] = mapped_column(_stage_text("stage_notes"), nullable=False, default="")
    capacity_override_reason: Mapped[str] = mapped_column(
        _stage_text("reason"), nullable=False, default=""
    )
    first_day: Mapped[date | None] = mapped_column(Date, index=True)
    last_day: Mapped[date | None] = mapped_column(Date, index=True)

    stage_type: Mapped[StageTypeRow] = relationship(lazy="raise")
    sessions: Mapped[list[StageSessionRow]] = relationship(
        back_populates="stage",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="(StageSessionRow.day, StageSessionRow.start_time)",
    )


class StageSessionRow(Versioned, Base):
    """A dated session of a stage."""

    __tablename__ = "stage_session"

    stage_id: Mapped[int] = mapped_column(
        ForeignKey("stage.id", ondelete="CASCADE"), nullable=False, index=True
    )
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)
    label: Mapped[str] = mapped_column(_stage_text("session_label"), nullable=False, default="")

    stage: Mapped[StageRow] = relationship(back_populates="sessions", lazy="raise")


class EnrolmentRow(Versioned, Base):
    """A person enrolled in a stage, within a legal frame (*cadre*)."""

    __tablename__ = "enrolment"

    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), nullable=False)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    cadre: Mapped[Cadre] = mapped_column(EnumText(Cadre, 30), nullable=False)
    decision_reference: Mapped[str] = mapped_column(
        _stage_text("decision_reference"), nullable=False, default=""
    )
    final_date: Mapped[date | None] = mapped_column(Date)
    enrolled_on: Mapped[date] = mapped_column(Date, nullable=False)
    enrolled_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    capacity_override_reason: Mapped[str] = mapped_column(
        _stage_text("reason"), nullable=False, default=""
    )
    end_kind: Mapped[EndKind | None] = mapped_column(EnumText(EndKind, 20))
    end_day: Mapped[date | None] = mapped_column(Date, index=True)
    end_reason: Mapped[str] = mapped_column(_stage_text("reason"), nullable=False, default="")

    __table_args__ = (UniqueConstraint("stage_id", "person_id"),)


class AttendanceRow(Base):
    """One attendance outcome. Never updated: a correction is a new row that supersedes it.

    At most one record per cell supersedes nobody (the first one), and each record is
    superseded at most once: the current record of a cell is unique, and two officers
    correcting the same cell at once cannot both win.
    """

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), nullable=False
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("stage_session.id"), nullable=False)
    code: Mapped[AttendanceCode] = mapped_column(EnumText(AttendanceCode, 20), nullable=False)
    reason: Mapped[str] = mapped_column(_stage_text("reason"), nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    recorded_by_login: Mapped[str] = mapped_column(String(100), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendance.id", ondelete="CASCADE"), unique=True
    )

    __table_args__ = (
        Index("ix_attendance_cell", "enrolment_id", "session_id"),
        Index("ix_attendance_session", "session_id"),
        Index(
            "uq_attendance_first_of_cell",
            "enrolment_id",
            "session_id",
            unique=True,
            sqlite_where=supersedes_id.is_(None),
            postgresql_where=supersedes_id.is_(None),
        ),
        {"sqlite_autoincrement": True},
    )


class AttestationRow(Base):
    """The register of attestations issued: one row per original, never changed.

    ``document`` is the attestation's content as printed (JSON of
    :class:`~spip_desktop.domain.documents.AttestationDocument`): a reprint is the
    same document, marked *DUPLICATA*.
    """

    __tablename__ = "attestation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    validated: Mapped[bool] = mapped_column(Boolean, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    issued_by_login: Mapped[str] = mapped_column(String(100), nullable=False)
    issued_by: Mapped[str] = mapped_column(String(200), nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (UniqueConstraint("year", "sequence"), {"sqlite_autoincrement": True})


class AttestationCopyRow(Base):
    """A duplicata printed from the register."""

    __tablename__ = "attestation_copy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attestation_id: Mapped[int] = mapped_column(
        ForeignKey("attestation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    printed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    printed_by_login: Mapped[str] = mapped_column(String(100), nullable=False)
    printed_by: Mapped[str] = mapped_column(String(200), nullable=False)


# -- partners and conventions ([4/6]) ---------------------------------------------------


class PartnerRow(Versioned, Base):
    """A partner of the service. Archived (``active`` false), never deleted while used.

    ``themes`` holds :class:`~spip_desktop.domain.partners.Theme` values separated by
    commas; ``sort_key`` is the folded name the directory sorts and searches on.
    """

    __tablename__ = "partner"

    name: Mapped[str] = mapped_column(String(150), nullable=False, unique=True)
    kind: Mapped[PartnerKind] = mapped_column(EnumText(PartnerKind, 20), nullable=False)
    themes: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(250), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort_key: Mapped[str] = mapped_column(String(600), nullable=False, index=True)


class PartnerAntenneRow(Base):
    """An antenne a partner serves."""

    __tablename__ = "partner_antenne"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True
    )
    antenne_id: Mapped[int] = mapped_column(ForeignKey("antenne.id"), primary_key=True, index=True)


class PartnerContactRow(Base):
    """A person to call at a partner."""

    __tablename__ = "partner_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    role: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ConventionRow(Versioned, Base):
    """A convention signed (or being prepared) with a partner."""

    __tablename__ = "convention"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), nullable=False, index=True)
    level: Mapped[ConventionLevel] = mapped_column(EnumText(ConventionLevel, 20), nullable=False)
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    themes: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    milieu: Mapped[Milieu] = mapped_column(EnumText(Milieu, 20), nullable=False)
    signed_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    funding_cents: Mapped[int | None] = mapped_column(Integer)
    funding_source: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    status: Mapped[ConventionStatus] = mapped_column(EnumText(ConventionStatus, 20), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


# -- access to rights ([4/6]) -------------------------------------------------------------


class RightsStepRow(Versioned, Base):
    """A rights step (*démarche*) of a person.

    ``status``, ``status_at`` and ``closed`` project the latest row of its history
    (:class:`RightsStepUpdateRow`), rewritten in the same transaction, so that the
    lists and the to-do list filter through indexes. ``documents`` holds the
    documents received, one per line.
    """

    __tablename__ = "rights_step"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[StepKind] = mapped_column(EnumText(StepKind, 30), nullable=False)
    other_label: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    handled_by: Mapped[Actor] = mapped_column(EnumText(Actor, 10), nullable=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    partner_contact: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    documents: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outcome_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[StepStatus] = mapped_column(EnumText(StepStatus, 20), nullable=False)
    status_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (
        # Follow-ups due (to-do list, overdue filter) and rights expiring.
        Index("ix_rights_step_open_follow_up", "closed", "follow_up_on", "person_id"),
        Index("ix_rights_step_closed_expiry", "closed", "expires_on"),
        Index("ix_rights_step_status", "status", "follow_up_on"),
        # A person's steps; covering what a caseload or an antenne filters on.
        Index("ix_rights_step_person", "person_id", "closed", "follow_up_on"),
        # The domain filter (a domain is a set of kinds) and the opening-date sort.
        Index("ix_rights_step_kind", "kind", "closed", "follow_up_on"),
        # the summary reads open steps and their last change from this index alone
        Index(
            "ix_rights_step_opened", "closed", "opened_on", "status_at", "follow_up_on", "person_id"
        ),
        Index("ix_rights_step_opened_on", "opened_on", "kind", "person_id"),
        Index("ix_rights_step_status_at", "status_at", "opened_on", "follow_up_on", "person_id"),
        # A partner's or an agent's steps, in follow-up order (a partner such as the CPAM
        # carries tens of thousands).
        Index("ix_rights_step_partner", "partner_id", "closed", "follow_up_on"),
        Index("ix_rights_step_agent", "agent_id", "closed", "follow_up_on"),
    )


class RightsStepUpdateRow(Base):
    """One row of a step's history. The database refuses to change it (trigger)."""

    __tablename__ = "rights_step_update"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("rights_step.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    status: Mapped[StepStatus] = mapped_column(EnumText(StepStatus, 20), nullable=False)
    previous: Mapped[StepStatus | None] = mapped_column(EnumText(StepStatus, 20))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author_login: Mapped[str] = mapped_column(String(100), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    actor: Mapped[Actor] = mapped_column(EnumText(Actor, 10), nullable=False)

    __table_args__ = (
        # A step's history in order; the statuses reached in a period (monthly summary).
        # a step's status at a given time: its latest row by then (time, then id), read
        # from the index alone in that order
        Index("ix_rights_step_update_step_at", "step_id", "at", "id", "status"),
        # the rows that closed steps in a month, without reading the table
        Index("ix_rights_step_update_status_at", "status", "at", "previous", "step_id"),
        {"sqlite_autoincrement": True},
    )


# -- journal ([4/6]) -------------------------------------------------------------------------


class JournalEntryRow(Versioned, Base):
    """A note or an appointment (*entretien*, *convocation*, *visite à domicile*) of a file."""

    __tablename__ = "journal_entry"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[EntryKind] = mapped_column(EnumText(EntryKind, 20), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    at: Mapped[time | None] = mapped_column(Time)
    subject: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    outcome: Mapped[Outcome | None] = mapped_column(EnumText(Outcome, 20))
    author: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (
        Index("ix_journal_entry_person_day", "person_id", "day"),
        # Appointments of a day (to-do list), for everyone or for one agent.
        Index("ix_journal_entry_day_kind", "day", "kind", "outcome", "person_id"),
        Index("ix_journal_entry_agent_day", "agent_id", "day"),
    )


# -- the register of monthly summaries ([5/6]) ---------------------------------------------


class SummaryExportRow(Base):
    """One monthly summary sent (exported): the register, never changed (trigger).

    ``figures`` is the JSON of the figures as exported, ``previous_figures`` those of the
    month before as they were then; ``document`` holds everything else needed to produce
    the file again. ``sha256`` and ``size_bytes`` identify the file written, and
    ``content`` keeps it (zlib): a newer ReportLab or openpyxl may lay out the same document
    differently, the register still gives the file sent. Rows may be deleted (retention),
    not updated.
    """

    __tablename__ = "summary_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    scope_key: Mapped[str] = mapped_column(String(40), nullable=False)
    scope_label: Mapped[str] = mapped_column(String(200), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    generated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    author_login: Mapped[str] = mapped_column(String(100), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    figures: Mapped[str] = mapped_column(Text, nullable=False)
    previous_figures: Mapped[str] = mapped_column(Text, nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)

    __table_args__ = (
        Index("ix_summary_export_month_scope", "month", "scope_key"),
        {"sqlite_autoincrement": True},
    )


# Measures ending soon (to-do list), whichever of the two end dates applies.
Index("ix_measure_probation_end", MeasureRow.probation_end)
# The monthly summary reads every measure's dates, person by person, from this index alone.
Index(
    "ix_measure_follow",
    MeasureRow.person_id,
    MeasureRow.measure_type,
    MeasureRow.cancelled_on,
    MeasureRow.referral_date,
    MeasureRow.probation_start,
    MeasureRow.final_date,
    MeasureRow.decision_date,
    MeasureRow.sentence_end,
    MeasureRow.probation_end,
)
Index("ix_measure_sentence_end", MeasureRow.sentence_end)
# Measures that ask for a stage, for the to-do list's deadlines: a *peine de stage* by the
# date its conviction became final, or an obligation to do one.
Index("ix_measure_type_final", MeasureRow.measure_type, MeasureRow.final_date)
Index("ix_obligation_kind_measure", ObligationRow.kind, ObligationRow.measure_id)
