"""Edit conflicts: a form's draft rebased on the version saved meanwhile (three-way merge).

When a save is refused because someone saved the record first, the form keeps the user's
changes on top of that version instead of sending its whole content back (which would
silently undo the other person's changes): see :func:`rebase`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .dates import format_date
from .errors import EditConflict

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    D = TypeVar("D", bound=DataclassInstance)
else:
    D = TypeVar("D")


def rebase(
    base: D,
    mine: D,
    theirs: D,
    same: Callable[[str, Any, Any], bool] | None = None,
) -> tuple[D, list[str], list[str]]:
    """Put the user's changes on top of the version saved meanwhile.

    ``base`` is the version the form was opened with, ``mine`` what the form holds,
    ``theirs`` the version saved now. A field the user left as it was takes the saved
    value; a field the user changed keeps the user's value. Returns the merged draft,
    the fields changed by the other person only (now shown) and those changed on both
    sides to different values (the user's kept: to check). ``same`` compares two values
    of a field (default ``==``).
    """
    equal = same or (lambda _name, a, b: a == b)
    values: dict[str, Any] = {}
    kept: list[str] = []
    both: list[str] = []
    for field in fields(base):
        name = field.name
        old, ours, new = getattr(base, name), getattr(mine, name), getattr(theirs, name)
        if equal(name, ours, old):
            values[name] = new
            if not equal(name, new, old):
                kept.append(name)
        else:
            values[name] = ours
            if not equal(name, new, old) and not equal(name, new, ours):
                both.append(name)
    return replace(mine, **values), kept, both


def rebase_message(
    changed_by: str,
    changed_at: datetime | None,
    kept: Sequence[str],
    both: Sequence[str],
) -> str:
    """What the form says once rebased: who changed what meanwhile, what to check."""
    by = f"par {changed_by}" if changed_by else "par une autre personne"
    at = (
        f" le {format_date(changed_at.date())} à {changed_at:%H:%M}"
        if changed_at is not None
        else ""
    )
    names = [*kept, *(f"{label} (à vérifier)" for label in both)]
    if names:
        head = f"Modifié entre-temps {by}{at} : {', '.join(names)}."
    else:
        head = f"Enregistré entre-temps {by}{at}, sans changer les champs de ce formulaire."
    text = f"{head} Vos modifications sont conservées ; vérifiez puis enregistrez."
    if both:
        text += " « À vérifier » : vous l'aviez modifié aussi, c'est votre saisie qui est gardée."
    return text


class RebasedConflict(EditConflict):
    """A save refused because the record was saved meanwhile, the form since rebased
    on that version: ``saved`` is the draft saved now (the form's new baseline),
    ``kept`` and ``both`` the labels of the fields changed by the other person only, and
    of those changed on both sides (the user's value kept)."""

    def __init__(
        self,
        conflict: EditConflict,
        saved: object,
        kept: Sequence[str],
        both: Sequence[str],
        extra: Sequence[str] = (),
    ) -> None:
        super().__init__(conflict.current, conflict.changed_by, conflict.changed_at)
        self.saved = saved
        self.kept = (*kept, *extra)
        self.both = tuple(both)
        self.message = rebase_message(self.changed_by, self.changed_at, self.kept, self.both)
        self.args = (self.message,)

    @classmethod
    def of(
        cls,
        conflict: EditConflict,
        base: D,
        mine: D,
        theirs: D,
        labels: Mapping[str, str],
        same: Callable[[str, Any, Any], bool] | None = None,
        extra: Sequence[str] = (),
    ) -> tuple[D, RebasedConflict]:
        """The merged draft and the refusal to show with it (see :func:`rebase`)."""
        merged, kept, both = rebase(base, mine, theirs, same)
        order = list(labels)

        def named(names: list[str]) -> list[str]:  # in the form's order
            ranked = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
            return [labels.get(name, name) for name in ranked]

        refusal = cls(conflict, theirs, named(kept), named(both), extra)
        return merged, refusal
