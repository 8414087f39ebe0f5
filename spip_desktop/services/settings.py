"""The service's settings: identity of the service (letterhead), access and retention rules."""

from __future__ import annotations

from dataclasses import asdict

from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.errors import InvalidInput, PermissionDenied
from ..domain.security import Permission
from ..domain.service_settings import ServiceSettings, validate_settings
from .base import Service

#: Which permission guards each setting.
SECURITY_FIELDS = frozenset({"lock_minutes", "retention_years", "audit_retention_years"})


class SettingsService(Service):
    def load(self) -> ServiceSettings:
        """The settings (read at start too, before anyone signs in: nothing personal here)."""
        with self._uow.reader() as uow:
            return uow.settings.load()

    def save(self, settings: ServiceSettings) -> ServiceSettings:
        user = self.user
        result = validate_settings(settings)
        if not result.ok:
            raise InvalidInput(result)
        with self._uow() as uow:
            before = uow.settings.load()
            changes = diff(asdict(before), asdict(settings))
            for change in changes:
                needed = (
                    Permission.SECURITY_SETTINGS
                    if change.field in SECURITY_FIELDS
                    else Permission.SERVICE_SETTINGS
                )
                if not user.may(needed, any_person=True):
                    raise PermissionDenied("Votre rôle ne vous permet pas de changer ce réglage.")
            if not changes:
                return before
            uow.settings.save(settings)
            self._audit(
                uow, AuditEvent(AuditAction.UPDATE, "settings", None, None, "Paramètres", changes)
            )
            uow.commit()
        return settings
