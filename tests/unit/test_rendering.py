"""The child process that lays out attestation batches: its failure paths."""

from __future__ import annotations

from datetime import datetime

import pytest

from spip_desktop.domain.documents import Letterhead, PrintStamp
from spip_desktop.domain.errors import SpipError
from spip_desktop.services.rendering import INTERRUPTED, BatchRenderer

HEAD = Letterhead("SPIP de la Gironde")
STAMP = PrintStamp(datetime(2026, 3, 12, 9, 0), "Anne MARTIN")


def test_a_child_that_dies_gives_a_french_sentence_and_is_reaped() -> None:
    renderer = BatchRenderer()
    renderer._child.kill()  # as the system would, out of memory
    renderer._child.join()
    with pytest.raises(SpipError) as caught:
        renderer.render([], HEAD, STAMP, combined=True, on_part=lambda pdf: None)
    assert caught.value.message == INTERRUPTED
    renderer.close()
    assert not renderer._child.is_alive()


def test_a_renderer_closed_unused_stops_its_child() -> None:
    with BatchRenderer() as renderer:
        pass
    assert not renderer._child.is_alive()
    assert renderer._child.exitcode == 0
