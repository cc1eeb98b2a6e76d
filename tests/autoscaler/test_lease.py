"""The leader lease on real Redis: one holder, compare-and-renew, compare-and-release, expiry."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from secureops.autoscaler.lock import LeaderLease, lease_key


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _clients() -> tuple[aioredis.Redis, aioredis.Redis]:
    return aioredis.Redis.from_url("redis://127.0.0.1:6379/0"), aioredis.Redis.from_url("redis://127.0.0.1:6379/0")


def test_only_one_of_two_contenders_leads_and_release_hands_over() -> None:
    async def go() -> None:
        prefix = f"lease{uuid.uuid4().hex[:8]}"
        a_client, b_client = await _clients()
        a, b = LeaderLease(a_client, prefix, ttl_s=5), LeaderLease(b_client, prefix, ttl_s=5)
        try:
            results = await asyncio.gather(a.acquire(), b.acquire())
            assert sorted(results) == [False, True]
            leader, standby = (a, b) if results[0] else (b, a)
            assert await leader.acquire() and not await standby.acquire()  # renewals keep it
            assert await leader.holder() == leader.token
            assert await leader.release()
            assert await standby.acquire()
        finally:
            await a_client.delete(lease_key(prefix))
            await a_client.aclose()
            await b_client.aclose()

    run(go())


def test_an_expired_leader_can_neither_renew_nor_release_the_new_leases() -> None:
    async def go() -> None:
        prefix = f"lease{uuid.uuid4().hex[:8]}"
        a_client, b_client = await _clients()
        a, b = LeaderLease(a_client, prefix, ttl_s=0.2), LeaderLease(b_client, prefix, ttl_s=5)
        try:
            assert await a.acquire()
            await asyncio.sleep(0.35)  # a stalled past its lease
            assert await b.acquire()
            assert not await a.renew() and not a.held
            assert not await a.release()
            assert await b.holder() == b.token
            assert not await a.acquire()
        finally:
            await a_client.delete(lease_key(prefix))
            await a_client.aclose()
            await b_client.aclose()

    run(go())
