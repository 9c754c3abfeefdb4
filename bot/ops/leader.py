"""One leader among the instances of a bot that share a PostgreSQL database.

Only the leader polls getUpdates, runs the tick and the sender, so the pace and Telegram's caps
hold across instances. ``Leader`` keeps the bot's lease (``store.lease``) with a heartbeat
every third of its length: a follower keeps asking for it and starts leading when it wins
(``lead``, with the lease's fence for the sender's writes); a leader that finds the lease in
other hands steps down (``follow``). A leader that cannot renew (the database does not answer)
stops by its own clock, before the lease could expire and another instance could take over:
``leading()`` is false once ``ttl - margin`` seconds have passed since the last renewal that
worked began, the sender asks it before every message, and the heartbeat steps down then.
The heartbeat has a connection and a thread of its own: it never waits behind the bot's
writes (a long ingest), and a connection broken by the network is opened again.
On SQLite there is one instance and no lease (``bot.ops.lockfile``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.store.faults import DatabaseError, describe
from bot.store.lease import Fence, Lease, LeaseStore

from .health import Role, RuntimeState

log = logging.getLogger(__name__)
T = TypeVar("T")

MARGIN = 0.2  # of the lease's length: a leader stops this long before its lease would expire
RELEASE_WAIT = 2.0  # s a stopping leader waits to hand its lease over (then it just expires)


def holder_name() -> str:
    """Who this instance is in the lease: ``host:pid:random`` (a restarted process, or one
    that got a recycled pid, is someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Leader:
    """The heartbeat of one instance: ``start``, ``leading()``, ``stop``.

    ``lead(fence)`` starts the leader's work, ``follow()`` stops it; both are awaited by the
    heartbeat, one after the other, never at once. ``wall``: the clock the lease's expiry is
    written in (shared by the instances: keep their clocks in sync).
    """

    def __init__(
        self,
        connect: Callable[[], LeaseStore],
        *,
        where: str,
        key: str,
        ttl: float,
        runtime: RuntimeState,
        lead: Callable[[Fence], Awaitable[None]],
        follow: Callable[[], Awaitable[None]],
        wall: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.connect = connect  # a connection of the heartbeat's own (run in its thread)
        self.where = where  # the database, as a message names it
        self._leases: LeaseStore | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="digestbot-lease")
        self.key = key
        self.ttl = ttl
        self.interval = ttl / 3
        self.runtime = runtime
        self.holder = holder_name()
        self._lead = lead
        self._follow = follow
        self.wall = wall
        self.leader = False
        self._deadline = 0.0  # time.monotonic() after which a leader must not send
        self._task: asyncio.Task[None] | None = None
        self._failing = ""  # the reason renewals fail, said once
        self._beat = asyncio.Event()
        self._settled = Role.FOLLOWER  # the role whose work has started (or stopped)
        self._changed = asyncio.Condition()

    def leading(self) -> bool:
        """True while this instance holds the lease by its own clock."""
        return self.leader and time.monotonic() < self._deadline

    def remaining(self) -> float:
        """Seconds until this instance's own deadline (what it sent may finish till then)."""
        return max(self._deadline - time.monotonic(), 0.0)

    async def until(self, role: Role) -> None:
        """Return once this instance has become ``role`` (a leader's work started, or a
        former leader's stopped), for tests."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._settled is role)

    async def start(self) -> None:
        """Ask for the lease once (leading at once when it is free), then keep asking."""
        self.runtime.role = Role.FOLLOWER
        await self.beat()
        self._task = asyncio.create_task(self._run(), name="digestbot-lease")

    async def stop(self, *, release: bool = True) -> None:
        """Stop the heartbeat and the leader's work; ``release``: hand the lease over now
        (else it expires, as when the process dies)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.leader:
            await self._step_down("stopping")
        if release:
            await self._release()
        self._thread.submit(self._close)
        self._thread.shutdown(wait=False)  # a connection hung on a dead network stays behind

    async def _release(self) -> None:
        """Hand the lease over now, if the database answers soon (else it just expires)."""
        with contextlib.suppress(TimeoutError, *DatabaseError):
            async with asyncio.timeout(RELEASE_WAIT):
                await self._ask(lambda leases: leases.release(self.key, self.holder))

    async def _ask(self, fn: Callable[[LeaseStore], T]) -> T:
        """``fn`` on the heartbeat's connection, in its thread (opened again after a fault)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._on, fn)

    def _on(self, fn: Callable[[LeaseStore], T]) -> T:
        if self._leases is None:
            self._leases = self.connect()
        try:
            return fn(self._leases)
        except DatabaseError:
            self._close()
            raise

    def _close(self) -> None:
        leases, self._leases = self._leases, None
        if leases is not None:
            with contextlib.suppress(*DatabaseError):
                leases.db.close()

    def poke(self) -> None:
        """Ask for the lease now rather than at the next beat (tests)."""
        self._beat.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._wait()):
                    await self._beat.wait()
            self._beat.clear()
            try:
                await self.beat()
            except Exception:  # the heartbeat must outlive any one beat
                log.exception("lease: the heartbeat failed")

    def _wait(self) -> float:
        """Until the next beat: a third of the lease, or the leader's deadline if sooner."""
        if not self.leader:
            return self.interval
        return max(min(self.interval, self._deadline - time.monotonic()), 0.0)

    async def beat(self) -> None:
        """Take or renew the lease once; lead or follow by the answer."""
        if self.leader and not self.leading():
            await self._step_down("the lease was not renewed in time")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.interval):
                now = self.wall()
                lease = await self._ask(
                    lambda leases: leases.acquire(self.key, self.holder, now=now, ttl=self.ttl)
                )
        except (TimeoutError, *DatabaseError) as exc:
            self._failed(exc)
            return
        if self._failing:
            log.info("the lease answers again")
            self._failing = ""
        self._seen(lease)
        if lease.leader:
            self._deadline = started + self.ttl * (1 - MARGIN)
            if not self.leader:
                await self._step_up(lease)
        elif self.leader:
            await self._step_down(f"another instance leads now (generation {lease.generation})")

    async def _step_up(self, lease: Lease) -> None:
        self.leader = True
        self.runtime.role = Role.LEADER
        log.info("leading: lease generation %d, held by %s", lease.generation, self.holder)
        try:
            await self._lead(lease.fence)
        except Exception:
            log.exception("could not start leading; giving the lease up")
            await self._step_down("starting failed")
            await self._release()
            return
        await self._settle(Role.LEADER)

    async def _step_down(self, why: str) -> None:
        self.leader = False
        self.runtime.role = Role.FOLLOWER
        log.warning("following: %s", why)
        await self._follow()
        await self._settle(Role.FOLLOWER)

    async def _settle(self, role: Role) -> None:
        async with self._changed:
            self._settled = role
            self._changed.notify_all()

    def _seen(self, lease: Lease) -> None:
        """The lease as it is now: a new generation is a change of hands."""
        if self.runtime.lease_generation and lease.generation != self.runtime.lease_generation:
            self.runtime.lease_changes += 1
        self.runtime.lease_generation = lease.generation

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, TimeoutError):
            reason = "the database did not answer in time"
        else:
            reason = describe(self.where, exc)
        if reason != self._failing:
            log.error("lease: %s", reason)
            self._failing = reason
