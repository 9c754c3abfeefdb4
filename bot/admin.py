"""The operator's commands (user ids in ``[telegram] admins``): /stats, /push, /reload.

For anyone else they do not exist: the same answer as an unknown command, and they are not
in that person's command menu (the menus with them are set per admin chat).
"""

from __future__ import annotations

import datetime as dt
import html
import logging

from telegram import Update

from . import plan
from .chatctx import chat_of, reply, say
from .services import BotContext

log = logging.getLogger(__name__)


def is_admin_user(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data.services.config.telegram.admins


async def cmd_stats(update: Update, context: BotContext) -> None:
    chat = chat_of(update, context)
    store = context.bot_data.services.store
    stats = store.stats()
    lines = [say("stats_header", chat.language)]
    for kind, (active, inactive) in sorted(stats.chats.items()):
        lines.append(
            say("stats_chats", chat.language, kind=kind, active=active, inactive=inactive)
        )
    for reason, count in sorted(stats.inactive_reasons.items()):
        lines.append(say("stats_inactive", chat.language, reason=reason or "-", count=count))
    topics = ", ".join(f"{k} {n}" for k, n in sorted(stats.scopes.items())) or "-"
    lines.append(say("stats_subscriptions", chat.language, topics=topics))
    lines.append(say("stats_alerts", chat.language, alerts=stats.alerts, chats=stats.alert_chats))
    editions, items = store.counts()
    latest = store.latest_edition()
    when = latest.date.isoformat() if latest else "-"
    lines.append(say("stats_editions", chat.language, editions=editions, items=items, latest=when))
    if latest is not None:
        summary = store.deliveries_summary(latest.date.isoformat())["deliveries"]
        figures = "; ".join(
            f"{kind}: " + ", ".join(f"{n} {s}" for s, n in sorted(by.items()))
            for kind, by in sorted(summary.items())
        )
        lines.append(say("stats_push", chat.language, date=when, figures=figures or "-"))
    await reply(update, context, "\n".join(lines))


async def cmd_push(update: Update, context: BotContext) -> None:
    """Plan the latest edition for every subscribed chat that has not had it, now."""
    chat = chat_of(update, context)
    services = context.bot_data.services
    latest = services.store.latest_edition()
    if latest is None:
        await reply(update, context, say("no_editions", chat.language))
        return
    report = plan.push_everyone(services.store, latest, dry_run=False, now=services.now())
    if context.bot_data.pusher is not None:
        context.bot_data.pusher.wake()
    log.info(
        "admin %s pushed %s: %d new deliveries", update.effective_user, latest.date, report.planned
    )
    text = say(
        "push_planned",
        chat.language,
        date=latest.date.isoformat(),
        planned=report.planned,
        chats=report.chats,
        variants=report.variants,
    )
    await reply(update, context, text)


async def cmd_reload(update: Update, context: BotContext) -> None:
    """Scan the sources now (what the tick does), and say what changed."""
    chat = chat_of(update, context)
    services = context.bot_data.services
    started = dt.datetime.now(dt.UTC)
    report = await plan.tick(services)
    if context.bot_data.pusher is not None:
        context.bot_data.pusher.wake()
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
