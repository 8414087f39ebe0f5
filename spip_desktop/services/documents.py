"""What every printed document takes from the service's settings."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime

from ..domain.documents import Letterhead
from ..domain.service_settings import ServiceSettings

log = logging.getLogger(__name__)


def logo_bytes(settings: ServiceSettings) -> bytes | None:
    """The stored logo's image bytes, or ``None`` (none set, or not decodable)."""
    if not settings.logo_png:
        return None
    try:
        return base64.b64decode(settings.logo_png, validate=True)
    except (binascii.Error, ValueError):
        log.warning("the stored logo is not valid base64: printing without it")
        return None


def letterhead_of(settings: ServiceSettings) -> Letterhead:
    """The service's letterhead from its settings (address: one line per line typed)."""
    lines = tuple(line.strip() for line in settings.address.splitlines() if line.strip())
    return Letterhead(
        service_name=settings.service_name,
        address_lines=lines,
        city=settings.city.strip(),
        service_code=settings.service_code.strip(),
        logo_png=logo_bytes(settings),
    )


def local_now() -> datetime:
    """The wall-clock time of this computer (naive), as session times are typed."""
    return datetime.now(UTC).astimezone().replace(tzinfo=None)
