"""The monthly activity summary (*synthèse mensuelle*): figures, drill-down, exports, register.

What the direction sends up every month; its numbers must be exact, explainable and
reproducible:

- :meth:`SummaryService.month_summary` computes every indicator of
  :mod:`spip_desktop.domain.summary` for a month and a scope, with aggregate SQL
  (:mod:`spip_desktop.db.summary`), in two read transactions side by side (the rights
  steps on their own connection): an entry saved in the instant between them may show in
  one part and not yet in the other, as it would a second later;
- :meth:`SummaryService.drill` lists the items behind one figure, with the same
  conditions as its count, within what the user's role may see;
- :meth:`SummaryService.export` writes the PDF, XLSX or CSV file (complete, or not
  at all) and records it in the register of sent summaries: the figures themselves,
  everything the file was made of, and its SHA-256;
- :meth:`SummaryService.check` compares a sent summary with what today's data gives,
  and :meth:`SummaryService.reproduce` writes the sent file again, byte for byte.

Only the direction's role has :attr:`Permission.SUMMARY`; every export and
reproduction goes into the audit trail.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..db.summary import MeasureTypeCounts, PersonCounts, RightsCounts, StageCounts
from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent
from ..domain.dates import plural
from ..domain.documents import Letterhead
from ..domain.enums import AgentRole, MeasureType, Regime
from ..domain.errors import NotFound, SpipError
from ..domain.followup_terms import Outcome, StepStatus
from ..domain.rights import catalogue_item
from ..domain.security import Permission
from ..domain.stage_terms import AttendanceCode, EnrolmentStatus
from ..domain.summary import (
    ATTESTATION_LABELS,
    CLOSED_LABELS,
    ENROLMENT_END_LABELS,
    NO_OUTCOME,
    NO_REFERENT,
    DrillKind,
    DrillList,
    ExportCancelled,
    ExportFormat,
    Figure,
    Indicator,
    Month,
    Period,
    ScopeKind,
    SentCheck,
    SentSummary,
    Summary,
    SummaryDocument,
    SummaryScope,
    attendance_rate,
    breakdown_key,
    check_month,
    decode_figures,
    differences,
    domain_label,
    encode_values,
    expiry_window,
    median_days,
    public_domain,
    public_domains,
)
from ..domain.text import fold
from .base import Clock, Service, UnitOfWorkSource, UserSession
from .documents import letterhead_of, local_now
from .files import check_writable as check_folder
from .files import discard, file_error, sync_folder, write_part

I = Indicator  # noqa: E741 - reads as the table of indicators it builds
log = logging.getLogger(__name__)

#: Progress callback of an export: the percentage done; ``False`` stops it.
Progress = Callable[[int], bool]

#: The enrolment statuses counted as ends, and their lines' keys.
ENDS = {
    EnrolmentStatus.VALIDE: "valide",
    EnrolmentStatus.ABANDON: "abandon",
    EnrolmentStatus.EXCLU: "exclu",
}


class SummaryService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] = local_now,
    ) -> None:
        super().__init__(uow, today, session)
        self._now = now

    def today(self) -> date:
        return self._today()

    # -- scopes -------------------------------------------------------------------------------
    def scope_choices(self) -> tuple[SummaryScope, ...]:
        """The whole service, then each antenne, then each CPIP (active ones, by name)."""
        self._require(Permission.SUMMARY)
        with self._uow.reader() as uow:
            antennes = sorted(
                (a for a in uow.reference.antennes() if a.active and a.id is not None),
                key=lambda a: fold(a.name),
            )
            agents = [
                a
                for a in uow.reference.agents()
                if a.active and a.role is AgentRole.CPIP and a.id is not None
            ]
        return (
            SummaryScope.service(),
            *(SummaryScope.antenne(a.id, a.name) for a in antennes if a.id is not None),
            *(SummaryScope.referent(a.id, a.display_name) for a in agents if a.id is not None),
        )

    def _resolve(self, uow: UnitOfWork, scope: SummaryScope) -> SummaryScope:
        """``scope`` with its label, or a French refusal when it names nothing."""
        if scope.kind is ScopeKind.SERVICE:
            return scope
        assert scope.target_id is not None
        if scope.kind is ScopeKind.ANTENNE:
            antenne = uow.reference.antenne(scope.target_id)
            if antenne is None:
                raise NotFound(f"Aucune antenne ne porte le numéro {scope.target_id}.")
            return scope.labelled(antenne.name)
        agent = uow.reference.agent(scope.target_id)
        if agent is None:
            raise NotFound(f"Aucun agent ne porte le numéro {scope.target_id}.")
        return scope.labelled(agent.display_name)

    def scope_of_antenne_code(self, code: str) -> SummaryScope:
        """The antenne whose code (or name) is ``code``, for the command line."""
        self._require(Permission.SUMMARY)
        wanted = fold(code.strip())
        if not wanted:
            raise SpipError("Donnez le code de l'antenne (par exemple BDX).")
        with self._uow.reader() as uow:
            for antenne in uow.reference.antennes():
                if antenne.id is not None and wanted in (fold(antenne.code), fold(antenne.name)):
                    return SummaryScope.antenne(antenne.id, antenne.name)
        raise NotFound(f"Aucune antenne n'a le code « {code.strip()} ».")

    # -- figures ------------------------------------------------------------------------------
    def summary(self, month: Month, scope: SummaryScope) -> tuple[Summary, Summary]:
        """The month's figures and the previous month's, for the page (computed side by
        side on two connections: the drivers release the interpreter while they work)."""
        self._require(Permission.SUMMARY)
        check_month(month, self._today())
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="summary") as pool:
            before = pool.submit(self.month_summary, month.previous, scope)
            current = self.month_summary(month, scope)
            return current, before.result()

    def month_summary(
        self, month: Month, scope: SummaryScope, *, as_of: date | None = None
    ) -> Summary:
        """Every indicator of ``month`` for ``scope``.

        The statements run in three read transactions side by side: the rights steps (whose
        state at the end of the month is read from their history), the people by measure
        type, and everything else, each on its own connection. The drivers release the
        interpreter while the database works; at 250,000 people the three parts take 0.3
        to 0.45 s each (bench/README.md, [6/6]).
        """
        self._require(Permission.SUMMARY)
        today = self._today()
        check_month(month, today)
        # a month sent before its end is compared up to the day it was sent
        period = Period.of(month, today if as_of is None else min(as_of, today))
        now = self._now()
        with self._uow.reader() as uow:
            scope = self._resolve(uow, scope)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="summary") as pool:
            beside = pool.submit(self._rights, period, scope)
            by_type = pool.submit(self._types, period, scope)
            with self._uow.reader() as uow:
                repo = uow.summary
                persons = repo.person_counts(period, scope)
                stages = repo.stage_counts(period, scope, now)
                appointments = repo.appointment_counts(period, scope)
                conventions = repo.convention_counts(period, expiry_window(month), scope)
                referents = {r for (_, r), n in persons.by_group_last.items() if n and r}
                agents = repo.agent_names(referents)
                stage_types = repo.stage_type_names(stages.sessions)
            rights = beside.result()
            types = by_type.result()
        figures = [
            *_person_figures(persons, types, agents),
            *_stage_figures(stages, stage_types),
            *_rights_figures(rights),
            *_appointment_figures(appointments),
            Figure(I.CONVENTIONS_ACTIVE, "", "", conventions[0]),
            Figure(I.CONVENTIONS_EXPIRING, "", "", conventions[1]),
        ]
        return Summary(month, scope, today, tuple(figures))

    def _rights(self, period: Period, scope: SummaryScope) -> RightsCounts:
        with self._uow.reader() as uow:
            return uow.summary.rights_counts(period, scope)

    def _types(self, period: Period, scope: SummaryScope) -> MeasureTypeCounts:
        with self._uow.reader() as uow:
            return uow.summary.measure_type_counts(period, scope)

    # -- drill-down ---------------------------------------------------------------------------
    def drill(
        self, month: Month, scope: SummaryScope, indicator: Indicator, key: str = ""
    ) -> DrillList:
        """The items behind one figure (the first :data:`DRILL_LIMIT`), each with where a
        double-click takes the user; the list needs the permission of what it shows."""
        self._require(Permission.SUMMARY)
        kind = indicator.drill
        if kind is None:
            raise SpipError(
                f"« {indicator.label} » est calculé à partir d'autres chiffres : "
                "ouvrez les émargements ou les démarches qu'il résume."
            )
        self._require(_DRILL_PERMISSIONS[kind])
        today = self._today()
        check_month(month, today)
        period = Period.of(month, today)
        with self._uow.reader() as uow:
            scope = self._resolve(uow, scope)
            return uow.summary.members(period, scope, indicator, key, self._now())

    # -- exports and the register -----------------------------------------------------------
    def export(
        self,
        month: Month,
        scope: SummaryScope,
        fmt: ExportFormat,
        out: Path,
        progress: Progress | None = None,
    ) -> SentSummary:
        """Write the summary to ``out`` and record it in the register.

        The file is written beside ``out`` first and takes its name once complete; the
        register entry and its audit record are committed after. A failure or a stop
        (``progress`` returned ``False``: :class:`ExportCancelled`) leaves no file and
        no entry.
        """
        user = self._require(Permission.SUMMARY)
        check_writable(out)
        step = _stepper(progress)
        step(5)
        current, previous = self.summary(month, scope)
        step(45)
        with self._uow.reader() as uow:
            head = letterhead_of(uow.settings.load())
        doc = SummaryDocument(current, previous, self._now(), user.display_name, head)
        data = render(doc, fmt)
        step(85)
        return self._deliver(doc, fmt, data, out, step, reproduced_from=None)

    def register(self) -> tuple[SentSummary, ...]:
        """The sent summaries, newest first."""
        self._require(Permission.SUMMARY)
        with self._uow.reader() as uow:
            return tuple(_sent(row) for row in uow.summary.register())

    def check(self, sent_id: int) -> SentCheck:
        """A sent summary beside what today's data gives for its month and scope."""
        self._require(Permission.SUMMARY)
        with self._uow.reader() as uow:
            sent = _sent(self._entry(uow, sent_id))
        # the same days as when it was sent: a month sent before its end is compared up to
        # that day, or every day since would read as a late entry
        today = self.month_summary(sent.month, sent.scope, as_of=sent.computed_on)
        return SentCheck(sent, today, differences(sent.figures, today))

    def reproduce(self, sent_id: int, out: Path, progress: Progress | None = None) -> SentSummary:
        """Write a sent file again, byte for byte, from what the register recorded.

        The file is laid out again from the recorded figures and document; should a newer
        ReportLab or openpyxl lay it out differently, the copy the register kept is written
        instead. Either way its SHA-256 is the one recorded, or nothing is written.
        """
        self._require(Permission.SUMMARY)
        check_writable(out)
        step = _stepper(progress)
        with self._uow.reader() as uow:
            row = self._entry(uow, sent_id)
            sent = _sent(row)
            doc = document_of(row)
            kept = row.content
        data = render(doc, sent.format)
        step(80)
        if hashlib.sha256(data).hexdigest() != sent.sha256:
            log.info("summary %s laid out differently today: the register's copy is used", sent_id)
            data = zlib.decompress(kept)
            if hashlib.sha256(data).hexdigest() != sent.sha256:
                raise SpipError(
                    "Le fichier ne peut pas être reproduit à l'identique : la copie gardée au "
                    "registre ne correspond plus à son empreinte (base altérée ?). Les chiffres "
                    "envoyés restent consultables dans le registre."
                )
        return self._deliver(doc, sent.format, data, out, step, reproduced_from=sent)

    def _entry(self, uow: UnitOfWork, sent_id: int) -> Any:
        row = uow.summary.register_entry(sent_id)
        if row is None:
            raise NotFound("Cette synthèse n'est plus dans le registre.")
        return row

    def _deliver(
        self,
        doc: SummaryDocument,
        fmt: ExportFormat,
        data: bytes,
        out: Path,
        step: Callable[[int], None],
        reproduced_from: SentSummary | None,
    ) -> SentSummary:
        try:
            part = write_part(out, data)
        except OSError as error:
            raise file_error(out, error) from error
        kept: Path | None = None  # a file that was at ``out``: set aside until the commit
        placed = False
        try:
            step(90)
            digest = hashlib.sha256(data).hexdigest()
            summary = doc.summary
            with self._uow() as uow:
                if reproduced_from is None:
                    sent_id = uow.summary.record(
                        month=summary.month.iso,
                        scope_key=summary.scope.key,
                        scope_label=summary.scope.label,
                        format=fmt.value,
                        file_name=out.name,
                        sha256=digest,
                        size_bytes=len(data),
                        generated_at=doc.generated_at,
                        author_login=self.user.login,
                        author=doc.generated_by,
                        figures=encode_values(summary),
                        previous_figures=encode_values(doc.previous),
                        document=_document_json(doc),
                        content=zlib.compress(data, 9),
                    )
                    what = "Export"
                else:
                    sent_id = reproduced_from.id
                    what = "Reproduction"
                self._audit(
                    uow,
                    AuditEvent(
                        AuditAction.EXPORT,
                        "summary_export",
                        sent_id,
                        None,
                        f"{what} de la synthèse mensuelle {summary.month.of_label} "
                        f"({summary.scope.description}, {fmt.label}, "
                        f"{plural(len(summary.figures), 'ligne')})",
                    ),
                )
                # The file takes its name, then the entry is committed: a commit that
                # fails takes the file away again and puts back the one it replaced.
                try:
                    if out.exists():
                        kept = out.with_name(f".{out.name}.{secrets.token_hex(4)}.remplace")
                        os.replace(out, kept)
                    os.replace(part, out)
                    placed = True
                except OSError as error:
                    raise file_error(out, error) from error
                uow.commit()
        except BaseException:
            if placed:
                discard(out)
            if kept is not None:
                with contextlib.suppress(OSError):
                    os.replace(kept, out)
            discard(part)
            raise
        if kept is not None:
            discard(kept)
        sync_folder(out)
        step(100)  # done: the file and its entry are there, whatever the answer
        with self._uow.reader() as uow:
            return _sent(self._entry(uow, sent_id))


_DRILL_PERMISSIONS: dict[DrillKind, Permission] = {
    DrillKind.PERSONS: Permission.PERSON_VIEW,
    DrillKind.MEASURES: Permission.PERSON_DETAILS,
    DrillKind.SESSIONS: Permission.ATTENDANCE,
    DrillKind.ATTENDANCE: Permission.ATTENDANCE,
    DrillKind.ENROLMENTS: Permission.ENROL,
    DrillKind.ATTESTATIONS: Permission.PRINT,
    DrillKind.STEPS: Permission.RIGHTS,
    DrillKind.APPOINTMENTS: Permission.JOURNAL,
    DrillKind.CONVENTIONS: Permission.PARTNERS,
}


_FORMATS = {f.value: f for f in ExportFormat}


def check_writable(out: Path) -> None:
    """``out`` names a file (not a folder, nor a name the system refuses) in a folder that
    takes files; otherwise a French sentence says why, before any work."""
    try:
        is_folder = out.is_dir()
    except OSError as error:  # a name the system refuses (too long...)
        raise file_error(out, error) from error
    if is_folder:
        raise SpipError(f"« {out} » est un dossier : donnez un nom de fichier.")
    check_folder(out)


def _stepper(progress: Progress | None) -> Callable[[int], None]:
    """Report ``percent``; a ``False`` answer stops the work, until it is done (100)."""

    def step(percent: int) -> None:
        if progress is not None and progress(percent) is False and percent < 100:
            raise ExportCancelled()

    return step


def render(doc: SummaryDocument, fmt: ExportFormat) -> bytes:
    """The file of ``doc`` in ``fmt`` (deterministic: the same document, the same bytes)."""
    from ..reports.monthly import summary_csv, summary_pdf, summary_xlsx

    if fmt is ExportFormat.PDF:
        return summary_pdf(doc)
    if fmt is ExportFormat.XLSX:
        return summary_xlsx(doc)
    return summary_csv(doc)


# -- the register's records -----------------------------------------------------------------


def _document_json(doc: SummaryDocument) -> str:
    head = doc.head
    return json.dumps(
        {
            "computed_on": doc.summary.computed_on.isoformat(),
            "previous_computed_on": doc.previous.computed_on.isoformat(),
            "generated_at": doc.generated_at.isoformat(),
            "generated_by": doc.generated_by,
            "head": {
                "service_name": head.service_name,
                "address_lines": list(head.address_lines),
                "city": head.city,
                "service_code": head.service_code,
                "logo_png": base64.b64encode(head.logo_png).decode("ascii")
                if head.logo_png
                else None,
            },
        },
        ensure_ascii=False,
    )


def _scope_of(key: str, label: str) -> SummaryScope:
    kind, _, target = key.partition(":")
    if kind == ScopeKind.SERVICE.value:
        return SummaryScope.service()
    if kind == ScopeKind.ANTENNE.value:
        return SummaryScope.antenne(int(target), label)
    return SummaryScope.referent(int(target), label)


def _sent(row: Any) -> SentSummary:
    computed_on = date.fromisoformat(json.loads(row.document)["computed_on"])
    return SentSummary(
        id=row.id,
        month=Month.parse(row.month),
        scope=_scope_of(row.scope_key, row.scope_label),
        format=_FORMATS[row.format],
        file_name=row.file_name,
        sha256=row.sha256,
        size=row.size_bytes,
        generated_at=row.generated_at,
        author=row.author,
        figures=decode_figures(row.figures),
        computed_on=computed_on,
    )


def document_of(row: Any) -> SummaryDocument:
    """The document a register entry recorded, as it was exported."""
    info = json.loads(row.document)
    month = Month.parse(row.month)
    scope = _scope_of(row.scope_key, row.scope_label)
    head = info["head"]
    logo = head.get("logo_png")
    return SummaryDocument(
        summary=Summary(
            month, scope, date.fromisoformat(info["computed_on"]), decode_figures(row.figures)
        ),
        previous=Summary(
            month.previous,
            scope,
            date.fromisoformat(info["previous_computed_on"]),
            decode_figures(row.previous_figures),
        ),
        generated_at=datetime.fromisoformat(info["generated_at"]),
        generated_by=info["generated_by"],
        head=Letterhead(
            service_name=head["service_name"],
            address_lines=tuple(head["address_lines"]),
            city=head["city"],
            service_code=head["service_code"],
            logo_png=base64.b64decode(logo) if logo else None,
        ),
    )


# -- assembling the figures -----------------------------------------------------------------


def _lines(indicator: Indicator, kind: str, values: list[tuple[Any, str, int]]) -> list[Figure]:
    """The total line, then one line per (key value, label, count)."""
    total = sum(v for _, _, v in values)
    return [
        Figure(indicator, "", "", total),
        *(Figure(indicator, breakdown_key(kind, k), label, v) for k, label, v in values),
    ]


def _person_figures(
    c: PersonCounts, types: MeasureTypeCounts, agents: dict[int, tuple[str, str]]
) -> list[Figure]:
    figures: list[Figure] = []
    for indicator, groups, by_type in (
        (I.ACTIVE_FIRST, c.by_group_first, types.first),
        (I.ACTIVE_LAST, c.by_group_last, types.last),
    ):
        figures.append(Figure(indicator, "", "", sum(groups.values())))
        for regime in Regime:
            count = sum(v for (r, _), v in groups.items() if r is regime)
            figures.append(
                Figure(indicator, breakdown_key("regime", regime.value), regime.label, count)
            )
        for kind in MeasureType:
            figures.append(
                Figure(
                    indicator, breakdown_key("type", kind.value), kind.label, by_type.get(kind, 0)
                )
            )
    for indicator, flows in ((I.MEASURES_STARTED, types.started), (I.MEASURES_ENDED, types.ended)):
        figures += _lines(
            indicator, "type", [(k.value, k.label, flows.get(k, 0)) for k in MeasureType]
        )
    caseload: dict[int | None, int] = {}
    for (_, referent), count in c.by_group_last.items():
        if count:
            caseload[referent] = caseload.get(referent, 0) + count

    def agent_name(agent_id: int | None) -> str:
        agent = agents.get(agent_id) if agent_id is not None else None
        return agent[0] if agent is not None else NO_REFERENT

    def agent_order(agent_id: int | None) -> tuple[int, str]:
        agent = agents.get(agent_id) if agent_id is not None else None
        return (1, "") if agent is None else (0, agent[1])

    for agent_id in sorted(caseload, key=agent_order):
        figures.append(
            Figure(
                I.CASELOAD,
                breakdown_key("agent", "" if agent_id is None else agent_id),
                agent_name(agent_id),
                caseload[agent_id],
            )
        )
    figures.append(Figure(I.SAS_ELIGIBLE, "", "", c.sas_eligible))
    figures.append(Figure(I.SAS_PLACED, "", "", c.sas_placed))
    return figures


def _stage_figures(c: StageCounts, stage_types: dict[int, str]) -> list[Figure]:
    sessions = sorted(
        ((type_id, stage_types.get(type_id, str(type_id)), n) for type_id, n in c.sessions.items()),
        key=lambda t: fold(t[1]),
    )
    attended = c.attendance.get(AttendanceCode.PRESENT, 0) + c.attendance.get(
        AttendanceCode.LATE, 0
    )
    records = sum(c.attendance.values())
    return [
        *_lines(I.SESSIONS, "stage_type", sessions),
        *_lines(
            I.ATTENDANCE,
            "code",
            [(code.value, code.label, c.attendance.get(code, 0)) for code in AttendanceCode],
        ),
        Figure(I.ATTENDANCE_RATE, "", "", attendance_rate(attended, records)),
        Figure(I.PARTICIPANTS, "", "", c.participants),
        *_lines(
            I.ENROLMENT_ENDS,
            "end",
            [
                (key, ENROLMENT_END_LABELS[key], c.ends.get(status, 0))
                for status, key in ENDS.items()
            ],
        ),
        *_lines(
            I.ATTESTATIONS,
            "kind",
            [
                ("original", ATTESTATION_LABELS["original"], c.originals),
                ("duplicata", ATTESTATION_LABELS["duplicata"], c.duplicates),
            ],
        ),
    ]


def _rights_figures(c: RightsCounts) -> list[Figure]:
    by_domain: dict[Any, int] = {}
    for kind, count in c.opened.items():
        domain = public_domain(catalogue_item(kind).domain)
        by_domain[domain] = by_domain.get(domain, 0) + count
    closed = [
        Figure(I.STEPS_CLOSED, "", "", c.closed_total),
        *(
            Figure(
                I.STEPS_CLOSED,
                breakdown_key("status", s.value),
                CLOSED_LABELS[s],
                c.closed.get(s, 0),
            )
            for s in (StepStatus.OBTAINED, StepStatus.REFUSED, StepStatus.ABANDONED)
        ),
    ]
    return [
        *_lines(
            I.STEPS_OPENED,
            "domain",
            [(d.value, domain_label(d), by_domain.get(d, 0)) for d in public_domains()],
        ),
        *closed,
        Figure(I.STEPS_OPEN, "", "", c.open_last),
        Figure(I.STEPS_OVERDUE, "", "", c.overdue_last),
        Figure(I.OBTAINED_DAYS, "", "", median_days(c.obtained_days)),
    ]


def _appointment_figures(counts: dict[Outcome | None, int]) -> list[Figure]:
    return _lines(
        I.APPOINTMENTS,
        "outcome",
        [
            *((o.value, o.label, counts.get(o, 0)) for o in Outcome),
            ("", NO_OUTCOME, counts.get(None, 0)),
        ],
    )
