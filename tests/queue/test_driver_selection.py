"""The queue drivers are chosen by ``settings.queue_backend`` through the ``secureops.queue`` entry points."""

from __future__ import annotations

import asyncio

import pytest

from secureops.core.config import Settings
from secureops.core.drivers import available_drivers, load_driver
from secureops.core.errors import ConfigError
from secureops.core.queue.memory import MemoryQueue
from secureops.core.queue.redis_driver import RedisQueue
from tests.queue.conftest import REDIS_URL


def test_both_drivers_are_installed_and_selected_by_settings(redis_ns: str) -> None:
    assert {"memory", "redis"} <= set(available_drivers("queue"))
    assert isinstance(load_driver("queue", Settings()), MemoryQueue)

    async def main() -> None:
        queue = load_driver("queue", Settings(queue_backend="redis", redis_url=REDIS_URL), namespace=redis_ns)
        assert isinstance(queue, RedisQueue) and queue.key == f"groupmq:{redis_ns}"
        assert (await queue.add(1, group_id="g")).added
        await queue.close()

    asyncio.run(main())


def test_a_bad_namespace_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="namespace"):
        load_driver("queue", Settings(queue_backend="redis"), namespace="a:b")
