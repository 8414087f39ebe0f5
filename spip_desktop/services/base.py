"""What every service needs: a way to open units of work, and today's date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from ..db.unit_of_work import UnitOfWork


class UnitOfWorkSource(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def reader(self) -> UnitOfWork: ...


Clock = Callable[[], date]


class Service:
    def __init__(self, uow: UnitOfWorkSource, today: Clock = date.today) -> None:
        self._uow = uow
        self._today = today
