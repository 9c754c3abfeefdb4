"""The sandbox's state and plumbing: users, chats, messages, the update queue, change events.

``SandboxCore`` holds what the world is and how changes are announced (SSE subscribers, the
per-change event that ``wait_for`` waits on); ``world.Sandbox`` adds the world-building and
user actions on top.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .commands import scope_key
from .counters import Counters, RequestRecord
from .faults import FaultConfig, Faults
from .files import FileStore
from .flood import Clock, FloodConfig, FloodControl
from .model import JSON, Chat, Message, User
from .updates import UpdateQueue
from .webhook import Webhook

T = TypeVar("T")
DEFAULT_TOKEN = "123456:TEST-token"  # noqa: S105 - the emulator's own, not a secret
FIRST_USER_ID = 200_000_001


class CommandTable(dict[tuple[str, str], list[JSON]]):
    """setMyCommands state keyed by (scope key, language_code).

    The scope key is the scope type ("default", "all_private_chats", …) with its ids for chat
    scopes ("chat:-1001", "chat_member:-1001:42"); a scope's JSON text works as a key too.
    """

    def __missing__(self, key: tuple[str, str]) -> list[JSON]:
        scope, language = key
        normal = scope_key(scope)
        if normal is not None and normal != scope and (normal, language) in self:
            return self[(normal, language)]
        raise KeyError(key)


class SandboxCore:
    """State, observation and change notification; see ``world.Sandbox`` for the full API."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "digest_test_bot",
        *,
        strict: bool = False,
        clock: Clock = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        seed: int | None = None,
        bot_name: str = "DigestBot",
    ) -> None:
        self.token = token
        self.bot = User(int(token.split(":")[0]), bot_name, username=bot_username, is_bot=True)
        self.clock = clock
        self.wall_clock = wall_clock
        self.privacy_mode = True  # in groups, a non-admin bot sees commands, replies, mentions
        self.callback_timeout = 15.0  # seconds a callback query can be answered
        self._flood = FloodControl(FloodConfig(strict=strict), clock)
        self._faults = Faults(FaultConfig(seed=seed))
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.webhook = Webhook(self)
        self.counters = Counters()
        self.requests: list[RequestRecord] = []
        self.callback_answers: list[JSON] = []
        self.inline_answers: list[JSON] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.commands = CommandTable()
        self._messages: dict[int, list[Message]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._chat_numbers = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self.callback_queries: dict[str, tuple[float, JSON]] = {}  # id → (created, query)
        # inline mode (see inline.py): queries not answered yet, id → (created, InlineQuery)
        self.inline_queries: dict[str, tuple[float, JSON]] = {}
        self.inline_answers_by_id: dict[str, JSON] = {}  # accepted answers (inline_answers)
        self.inline_messages: dict[str, Message] = {}  # inline_message_id → the chosen result
        self.inline_mode = True  # BotFather's /setinline: getMe's supports_inline_queries
        self.inline_feedback = True  # /setinlinefeedback: chosen_inline_result updates
        self._subscribers: set[asyncio.Queue[JSON | None]] = set()
        self._change = asyncio.Event()
        self.version = 0
        self.waiters = 0  # wait_for / wait_messages calls in progress

    # -- configuration ---------------------------------------------------------------------

    @property
    def flood(self) -> FloodConfig:
        return self._flood.config

    @flood.setter
    def flood(self, config: FloodConfig) -> None:
        self._flood.config = config

    @property
    def flood_control(self) -> FloodControl:
        return self._flood

    @property
    def faults(self) -> FaultConfig:
        return self._faults.config

    @faults.setter
    def faults(self, config: FaultConfig) -> None:
        self._faults.config = config
        self._faults.reseed()
        self._faults.wake()  # a partition that this config ends ends now

    @property
    def fault_injector(self) -> Faults:
        return self._faults

    # -- plumbing --------------------------------------------------------------------------

    def changed(self) -> None:
        """Wake everything waiting for a world change (``wait_for``, ``wait_messages``)."""
        self.version += 1
        self._change.set()
        self._change = asyncio.Event()

    def emit(self, event: JSON) -> None:
        """Send an event to the SSE subscribers and announce the change."""
        for queue in self._subscribers:
            queue.put_nowait(event)
        self.changed()

    def subscribe(self) -> asyncio.Queue[JSON | None]:
        """A queue of events for one SSE client (None: the server is closing)."""
        queue: asyncio.Queue[JSON | None] = asyncio.Queue()
        self._subscribers.add(queue)
        self.changed()
        return queue

    @property
    def subscribers(self) -> int:
        """How many event streams are open."""
        return len(self._subscribers)

    def unsubscribe(self, queue: asyncio.Queue[JSON | None]) -> None:
        self._subscribers.discard(queue)
        self.changed()

    def enqueue(self, kind: str, payload: JSON) -> None:
        """Give the bot an update (if its allowed_updates takes that kind)."""
        self.updates.push(kind, payload)
        self.changed()

    def now(self) -> int:
        """The Unix time for message dates."""
        return int(self.wall_clock())

    def next_query_id(self) -> str:
        return str(next(self._query_ids))

    def new_message(self, chat: Chat, **fields: Any) -> Message:
        """A message with the chat's next id, stored in the chat."""
        ids = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = Message(message_id=next(ids), chat=chat, date=self.now(), **fields)
        self._messages.setdefault(chat.id, []).append(message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> Message | None:
        """A message of the chat that was not deleted."""
        for message in self._messages.get(chat_id, ()):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def chat_of(self, chat: Chat | int) -> Chat:
        chat_id = chat if isinstance(chat, int) else chat.id
        if chat_id not in self.chats:
            raise KeyError(f"no chat {chat_id} in the sandbox")
        return self.chats[chat_id]

    def user_of(self, user: User | int) -> User:
        user_id = user if isinstance(user, int) else user.id
        if user_id == self.bot.id:
            return self.bot
        if user_id not in self.users:
            raise KeyError(f"no user {user_id} in the sandbox")
        return self.users[user_id]

    def message_json(self, message: Message) -> JSON:
        """The control API's SandboxMessage: the Bot API Message, ``outgoing``, ``photo_url``
        and the ``inline_message_id`` of a chosen inline result with buttons."""
        result = message.to_json() | {"outgoing": message.outgoing}
        if message.inline_message_id:
            result["inline_message_id"] = message.inline_message_id
        if message.photo:
            result["photo_url"] = f"/_sandbox/files/{message.photo[-1]['file_id']}"
        return result

    def emit_message(self, kind: str, message: Message) -> None:
        self.emit(
            {"type": kind, "chat_id": message.chat.id, "message": self.message_json(message)}
        )

    # -- observation -----------------------------------------------------------------------

    def messages(
        self, chat: Chat | int, *, thread_id: int | None = None, outgoing: bool | None = True
    ) -> list[Message]:
        """The chat's messages in order, deleted ones excluded.

        ``outgoing=True`` (the default): the bot's; ``False``: the users'; ``None``: all.
        ``thread_id`` keeps one forum topic's (or reply thread's) messages.
        """
        chat_id = chat if isinstance(chat, int) else chat.id
        return [
            m
            for m in self._messages.get(chat_id, ())
            if not m.deleted
            and (outgoing is None or m.outgoing == outgoing)
            and (thread_id is None or m.thread_id == thread_id)
        ]

    async def wait_for(
        self,
        predicate: Callable[[Any], T | None],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - the contract's API
    ) -> T:
        """Wait until ``predicate(sandbox)`` is truthy, re-checked on every world change."""
        self.waiters += 1
        self.changed()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._change
                    result = predicate(self)
                    if result:
                        return result
                    await event.wait()
        finally:
            self.waiters -= 1

    async def wait_messages(
        self,
        chat: Chat | int,
        count: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - the contract's API
        thread_id: int | None = None,
    ) -> list[Message]:
        """The bot's messages in ``chat`` once it has sent at least ``count`` there."""

        def enough(sb: SandboxCore) -> list[Message] | None:
            found = sb.messages(chat, thread_id=thread_id)
            return found if len(found) >= count else None

        if count <= 0:
            return self.messages(chat, thread_id=thread_id)
        try:
            return await self.wait_for(enough, timeout=timeout)
        except TimeoutError:
            seen = [m.text if m.text is not None else m.caption for m in self.messages(chat)]
            chat_id = chat if isinstance(chat, int) else chat.id
            raise TimeoutError(
                f"the bot sent {len(seen)} of {count} messages to chat {chat_id} in "
                f"{timeout} s: {seen!r}"
            ) from None

    def inline_answer(self, inline_query_id: str) -> JSON:
        """The bot's accepted answer to an inline query (KeyError while it has none)."""
        if inline_query_id not in self.inline_answers_by_id:
            raise KeyError(f"no answer to inline query {inline_query_id}")
        return self.inline_answers_by_id[inline_query_id]

    async def wait_inline_answer(
        self,
        inline_query_id: str,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - like wait_for
    ) -> JSON:
        """The bot's answer to an inline query, once it has answered."""
        try:
            return await self.wait_for(
                lambda sb: sb.inline_answers_by_id.get(inline_query_id), timeout=timeout
            )
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not answer inline query {inline_query_id} in {timeout} s"
            ) from None

    def state_json(self) -> JSON:
        """The control API's ``/_sandbox/state``."""
        return {
            "bot": self.bot.to_json(),
            "users": [user.to_json() for user in self.users.values()],
            "chats": [chat.state_json() for chat in self.chats.values()],
            "commands": [
                {"scope": scope, "language_code": language, "commands": commands}
                for (scope, language), commands in self.commands.items()
            ],
        }

    # -- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the world (users, chats, messages, updates, counters); keep the bot."""
        self.users.clear()
        self.chats.clear()
        self._messages.clear()
        self._message_ids.clear()
        self.files.clear()
        self.updates.reset()
        self.counters.reset()
        self._flood.reset()
        self.requests.clear()
        self.callback_answers.clear()
        self.inline_answers.clear()
        self.chat_actions.clear()
        self.commands.clear()
        self.callback_queries.clear()
        self.inline_queries.clear()
        self.inline_answers_by_id.clear()
        self.inline_messages.clear()
        self.emit({"type": "reset"})

    def open(self) -> None:
        """The server (re)starts: waits block again and a set webhook delivers again."""
        self.updates.closed = False
        self.webhook.resume()

    async def close(self) -> None:
        """End long polls, SSE streams, webhook delivery and the requests a partition holds
        (the server is stopping)."""
        self.updates.close()
        self._faults.wake()
        for queue in self._subscribers:
            queue.put_nowait(None)
        await self.webhook.stop()
        self.changed()
