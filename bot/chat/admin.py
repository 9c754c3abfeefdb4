"""The operator's commands (user ids in ``[telegram] admins``): /stats, /push, /reload,
/broadcast; and /whoami, for anyone: the user id that ``admins`` wants.

For anyone else they do not exist: the same answer as an unknown command, and they are not
in that person's command menu (the menus with them are set per admin chat).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import cycle
from bot.delivery import liked, plan
from bot.digest.models import Edition
from bot.render.buttons import BadCallback, Press, encode
from bot.search.taxonomy import Topic
from bot.services import BotContext
from bot.store.broadcasts import Broadcast
from bot.store.database import Store
from bot.store.readers import Chat

from .context import asker_language, chat_of, reply, say

log = logging.getLogger(__name__)


def is_admin_user(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data.services.config.telegram.admins


async def cmd_whoami(update: Update, context: BotContext) -> None:
    """The asker's user id and this chat's id; whether they are an admin, else how to be one."""
    chat = await chat_of(update, context, create=False)
    user, lang = update.effective_user, asker_language(update, chat)
    if user is None:  # a channel post: no person asked
        return
    lines = [say("whoami", lang, user=user.id, chat=chat.id)]
    admin = is_admin_user(update, context)
    lines.append(say("whoami_admin" if admin else "whoami_howto", lang, user=user.id))
    await reply(update, context, "\n".join(lines))


async def cmd_stats(update: Update, context: BotContext) -> None:
    chat = await chat_of(update, context)
    topics = context.bot_data.services.config.topics
    lines = await context.bot_data.services.db.read(
        lambda store: stats_lines(store, chat.language, topics=topics)
    )
    await reply(update, context, "\n".join(lines))


def stats_lines(
    store: Store, lang: str, *, topics: Sequence[Topic] = (), limit: int = liked.STATS_EDITIONS
) -> list[str]:
    """/stats: chats, subscriptions, alerts, editions, what waits, the last push, and what
    readers said of the ``limit`` latest editions they gave feedback on (their votes and
    reactions, per edition and per topic)."""
    stats = store.chats.stats()
    lines = [say("stats_header", lang)]
    for kind, (active, inactive) in sorted(stats.chats.items()):
        lines.append(say("stats_chats", lang, kind=kind, active=active, inactive=inactive))
    for reason, count in sorted(stats.inactive_reasons.items()):
        lines.append(say("stats_inactive", lang, reason=reason or "-", count=count))
    scopes = ", ".join(f"{k} {n}" for k, n in sorted(stats.scopes.items())) or "-"
    lines.append(say("stats_subscriptions", lang, topics=scopes))
    lines.append(say("stats_alerts", lang, alerts=stats.alerts, chats=stats.alert_chats))
    counts = store.editions.counts()
    latest = store.editions.latest_edition()
    when = latest.date.isoformat() if latest else "-"
    lines.append(
        say("stats_editions", lang, editions=counts.editions, items=counts.items, latest=when)
    )
    held = store.scheduled.held()
    if held:
        days = ", ".join(h.date.isoformat() for h in held[:5]) + ("…" if len(held) > 5 else "")
        lines.append(say("stats_scheduled", lang, count=len(held), days=days))
    if latest is not None:
        summary = store.outbox.deliveries_summary(latest.key)["deliveries"]
        figures = "; ".join(
            f"{kind}: " + ", ".join(f"{n} {s}" for s, n in sorted(by.items()))
            for kind, by in sorted(summary.items())
        )
        lines.append(say("stats_push", lang, date=when, figures=figures or "-"))
    said = liked.report(store, topics, lang=lang, limit=limit)
    lines += [html.escape(line, quote=False) for line in liked.report_lines(said, lang)]
    return lines


async def cmd_push(update: Update, context: BotContext) -> None:
    """Plan the latest edition (of each series) for every subscribed chat that has not had it,
    now."""
    chat = await chat_of(update, context)
    services = context.bot_data.services
    now = services.now()
    pushed = await services.db.write(lambda store: _push_latest(store, now))
    if not pushed:
        await reply(update, context, say("no_editions", chat.language))
        return
    lines = []
    for pushed_one in pushed:
        name, edition, report = pushed_one.series, pushed_one.edition, pushed_one.report
        log.info("admin %s pushed %s: %d new deliveries", update.effective_user,
                 edition.key.ref, report.planned)  # fmt: skip
        when = edition.date.isoformat()
        lines.append(
            say(
                "push_planned",
                chat.language,
                date=f"{name} {when}" if len(pushed) > 1 else when,
                planned=report.planned,
                chats=report.chats,
                variants=report.variants,
            )
        )
    context.bot_data.planned()
    await reply(update, context, "\n".join(lines))


@dataclass(frozen=True, slots=True)
class _Pushed:
    series: str  # the series' display name
    edition: Edition
    report: plan.PushReport


def _push_latest(store: Store, now: dt.datetime) -> list[_Pushed]:
    """The latest edition of each series, planned for every subscribed chat now."""
    latest = [
        (s.label(), e)
        for s in store.series.all_series()
        if (e := store.editions.latest_edition(s.id)) is not None
    ]
    return [_Pushed(name, e, plan.push_everyone(store, e, dry_run=False, now=now))
            for name, e in latest]  # fmt: skip


async def cmd_reload(update: Update, context: BotContext) -> None:
    """Scan the sources now (what the tick does), and say what changed."""
    chat = await chat_of(update, context)
    services = context.bot_data.services
    started = dt.datetime.now(dt.UTC)
    report = await cycle.tick(services)
    context.bot_data.planned()
    scan = report.scan
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    text = say(
        "reload_done",
        chat.language,
        files=scan.files,
        new=len(scan.new),
        changed=len(scan.changed),
        removed=len(scan.removed),
        seconds=f"{seconds:.1f}",
    )
    errors = [html.escape(str(e), quote=False) for e in scan.errors[:10]]
    await reply(update, context, "\n".join([text, *errors]))


COMMAND_HEAD = re.compile(r"^/\w+(?:@\w+)?\s*")
GO_NO = ("go", "no")


async def cmd_broadcast(update: Update, context: BotContext) -> None:
    """/broadcast TEXT: the announcement as subscribers will see it, with send / cancel."""
    chat = await chat_of(update, context)
    message, user = update.effective_message, update.effective_user
    services = context.bot_data.services
    body = COMMAND_HEAD.sub("", message.text_html if message and message.text else "", count=1)
    if not body.strip() or user is None:
        await reply(update, context, say("broadcast_usage", chat.language))
        return
    sender, now = user.id, services.now()
    draft, chats = await services.db.write(
        lambda store: (
            store.broadcasts.draft_broadcast(body, sender_id=sender, now=now),
            store.broadcasts.audience(),
        )
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say("broadcast_send", chat.language, chats=chats),
                    callback_data=encode("bc", draft.id, "go"),
                ),
                InlineKeyboardButton(
                    say("broadcast_cancel", chat.language),
                    callback_data=encode("bc", draft.id, "no"),
                ),
            ]
        ]
    )
    await reply(update, context, body, markup=markup)


async def on_broadcast_button(
    update: Update, context: BotContext, press: Press, chat: Chat
) -> None:
    """Send or cancel a draft, once; for anyone but an admin the button does not exist."""
    query = update.callback_query
    if query is None or not is_admin_user(update, context) or press.args[1] not in GO_NO:
        raise BadCallback("not an operator's broadcast button")
    services = context.bot_data.services
    now, number, go = services.now(), press.int_arg(0), press.args[1] == "go"
    decided = await services.db.write(lambda store: _decide(store, number, go=go, now=now))
    if decided is None:
        raise BadCallback("no such broadcast")
    draft, done, planned = decided
    if go:
        if done:
            context.bot_data.planned()
            log.info("admin %s broadcast #%d to %d chats", draft.sender_id, draft.id, planned)
        text = say("broadcast_planned", chat.language, planned=planned)
    else:
        text = say("broadcast_cancelled", chat.language)
    with contextlib.suppress(BadRequest):  # a stale query: the confirmation still comes
        await query.answer(text if done else say("broadcast_handled", chat.language))
    if done:
        await query.edit_message_reply_markup(None)
        await reply(update, context, text)


def _decide(
    store: Store, number: int, *, go: bool, now: dt.datetime
) -> tuple[Broadcast, bool, int] | None:
    """Send (plan) or cancel a draft: (the draft, whether this press decided it, rows planned);
    None when there is no such draft."""
    draft = store.broadcasts.broadcast(number)
    if draft is None:
        return None
    if not go:
        return draft, store.broadcasts.cancel_broadcast(draft.id, now=now), 0
    planned = store.broadcasts.plan_broadcast(draft.id, now=now)
    claimed = store.broadcasts.broadcast(draft.id)
    done = draft.status == "draft" and claimed is not None and claimed.status == "planned"
    return draft, done, planned
