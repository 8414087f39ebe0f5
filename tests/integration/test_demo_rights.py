"""The demonstration base's rights steps, journal and partners, and the alerts they make."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.journal import EntryKind
from spip_desktop.domain.rights import TRANSITIONS, StepKind, StepStatus
from spip_desktop.domain.security import Role
from spip_desktop.domain.todo import TodoKind, TodoScope
from tests.conftest import TODAY, sign_in_as

SEED = 2026


@pytest.fixture
def demo(services: Services) -> Services:
    services.maintenance.generate_demo(400, SEED)
    return services


def demo_cpip_id(services: Services) -> int:
    """The agent of the ``cpip.demo`` account."""
    with services.factory.reader() as uow:
        agent_id = uow.session.scalar(
            select(m.AccountRow.agent_id).where(m.AccountRow.login == "cpip.demo")
        )
    assert agent_id is not None
    return int(agent_id)


def test_the_demo_cpip_sees_every_kind_of_alert_on_the_demo_day(demo: Services) -> None:
    """What an officer opens the demo on: each line of *À traiter* has something."""
    cpip = demo_cpip_id(demo)
    sign_in_as(demo, Role.CPIP, agent_id=cpip)

    todo = demo.todo.todo(TodoScope.mine(cpip))

    missing = [kind.label for kind in TodoKind if todo.count(kind) == 0]
    assert not missing, f"alerts absent from the demo: {missing}"
    assert todo.today == TODAY


def test_rights_steps_follow_the_transition_table_and_keep_their_history(demo: Services) -> None:
    with demo.factory.reader() as uow:
        session = uow.session
        steps = session.scalar(select(func.count()).select_from(m.RightsStepRow)) or 0
        people = session.scalar(select(func.count()).select_from(m.PersonRow)) or 0
        updates = session.execute(
            select(
                m.RightsStepUpdateRow.step_id,
                m.RightsStepUpdateRow.previous,
                m.RightsStepUpdateRow.status,
                m.RightsStepUpdateRow.at,
            ).order_by(m.RightsStepUpdateRow.step_id, m.RightsStepUpdateRow.id)
        ).all()
        current = dict(session.execute(select(m.RightsStepRow.id, m.RightsStepRow.status)).all())
        kinds = Counter(session.scalars(select(m.RightsStepRow.kind)))
        opened = dict(session.execute(select(m.RightsStepRow.id, m.RightsStepRow.opened_on)).all())
        journal = Counter(session.scalars(select(m.JournalEntryRow.kind)))
    assert steps >= 2 * people  # several per person
    last: dict[int, StepStatus] = {}
    last_at: dict[int, datetime] = {}
    for step_id, previous, status, at in updates:
        if step_id not in last:
            assert previous is None and status is StepStatus.TO_START
        else:
            assert previous is last[step_id]
            assert status in TRANSITIONS[previous], f"step {step_id}: {previous} → {status}"
            # written in time order, as the app writes them (the summary reads the history
            # by time: a step's status at the end of a day is its latest row by then)
            assert at > last_at[step_id], f"step {step_id}: {at} after {last_at[step_id]}"
        assert at.date() <= TODAY
        last[step_id] = status
        last_at[step_id] = at
    assert last == current  # the step row projects its latest update
    assert kinds[StepKind.FRANCE_TRAVAIL] > 0 and kinds[StepKind.POLE_EMPLOI] > 0
    with demo.factory.reader() as uow:
        pole_emploi = uow.session.scalars(
            select(m.RightsStepRow.opened_on).where(m.RightsStepRow.kind == StepKind.POLE_EMPLOI)
        ).all()
    assert all(day.year < 2024 for day in pole_emploi)  # France Travail since 1 January 2024
    assert max(opened.values()) <= TODAY
    assert journal[EntryKind.NOTE] > 0 and journal[EntryKind.INTERVIEW] > 0


def test_the_history_of_a_step_cannot_be_rewritten(demo: Services) -> None:
    with demo.factory() as uow, pytest.raises(Exception, match="append-only"):
        uow.session.execute(update(m.RightsStepUpdateRow).values(note="réécrit"))
        uow.commit()
    with demo.factory.reader() as uow:
        rewritten = uow.session.scalar(
            select(func.count())
            .select_from(m.RightsStepUpdateRow)
            .where(m.RightsStepUpdateRow.note == "réécrit")
        )
    assert rewritten == 0
