"""Fixtures: the same behavioural suite runs against both queue drivers (``memory`` and ``redis``).

Redis is the real server on 127.0.0.1:6379 (``SECUREOPS_TEST_REDIS_URL`` overrides); each test gets a
namespace of its own and deletes its keys afterwards. A missing Redis fails the Redis half; it never skips.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import redis

from secureops.core.config import Settings
from secureops.core.queue.base import QueueBackend
from secureops.core.queue.memory import MemoryQueue
from secureops.core.queue.redis_driver import RedisQueue
from secureops.core.tiers import Tier

REDIS_URL = os.environ.get("SECUREOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_TIERS = {
    "basic": Tier(max_concurrent_scans=2),
    "pro": Tier(max_concurrent_scans=3),
    "enterprise": Tier(max_concurrent_scans=5),
}

QueueRun = Callable[..., Any]


def small_tier_settings() -> Settings:
    """Settings with small tiers so that limits are reached quickly."""
    return Settings(redis_url=REDIS_URL, tiers=TEST_TIERS)


def drop_namespace(namespace: str, url: str = REDIS_URL) -> None:
    """Delete every key of a GroupMQ namespace."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"groupmq:{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def new_namespace() -> str:
    """A namespace no other test uses."""
    return f"t{uuid.uuid4().hex[:12]}"


def build_queue(driver: str, namespace: str, **options: Any) -> QueueBackend:
    """A queue of ``driver`` (call inside the event loop that will use it)."""
    cls = MemoryQueue if driver == "memory" else RedisQueue
    return cls(small_tier_settings(), namespace=namespace, **options)


@pytest.fixture(params=["memory", "redis"])
def driver(request: pytest.FixtureRequest) -> str:
    """The driver under test."""
    return str(request.param)


@pytest.fixture
def qrun(driver: str) -> Iterator[QueueRun]:
    """``qrun(body, **options)`` runs ``await body(queue)`` in a fresh event loop with a fresh queue."""
    namespaces: list[str] = []

    def run(body: Callable[[QueueBackend], Awaitable[Any]], **options: Any) -> Any:
        namespace = options.pop("namespace", None) or new_namespace()
        namespaces.append(namespace)

        async def main() -> Any:
            queue = build_queue(driver, namespace, **options)
            try:
                return await body(queue)
            finally:
                await queue.close()

        return asyncio.run(main())

    yield run
    if driver == "redis":
        for namespace in namespaces:
            drop_namespace(namespace)


@pytest.fixture
def redis_ns() -> Iterator[str]:
    """A fresh Redis namespace, deleted afterwards."""
    namespace = new_namespace()
    yield namespace
    drop_namespace(namespace)
