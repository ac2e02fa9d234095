"""A serving process freezes its startup objects and makes full collections rare; tests don't."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from agent_activity import gc_policy
from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.gc_policy import FULL_COLLECTION_EVERY


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def test_serving_freezes_what_startup_built(settings: Settings, restored_gc: None) -> None:
    assert gc.get_freeze_count() == 0
    plain = create_app(settings)
    async with plain.router.lifespan_context(plain):
        assert gc.get_freeze_count() == 0  # an app built by a test changes nothing
    served = create_app(settings, serving=True)
    async with served.router.lifespan_context(served):
        assert gc.get_freeze_count() > 10_000
        if gc_policy.THRESHOLD_HONOURED:
            assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY


def test_the_threshold_is_left_alone_where_the_collector_ignores_it(
    restored_gc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc_policy, "THRESHOLD_HONOURED", False)
    before = gc.get_threshold()
    gc_policy.freeze_startup_objects()
    assert gc.get_freeze_count() > 0 and gc.get_threshold() == before
