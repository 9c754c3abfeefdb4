"""The bot's zh/en strings: one catalogue, looked up with ``t(key, lang, **values)``.

Pure: standard library only. Every entry has both languages; values are ``str.format``
templates of plain text (markup and escaping belong to the renderer). An unknown language
falls back to Chinese (most readers write Chinese); an unknown key is a programming error and
raises ``KeyError``.
"""

from __future__ import annotations

from .i18n_admin import ADMIN
from .i18n_alerts import ALERTS
from .i18n_feedback import FEEDBACK
from .i18n_search import SEARCH
from .i18n_settings import SETTINGS, zone_key

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CATALOGUE: dict[str, dict[str, str]] = {
    # rendering of editions
    "date": {"zh": "{year}年{month}月{day}日", "en": "{day} {month_abbr} {year}"},
    "section": {"zh": "【{name}】", "en": "{name}"},
    # opens each further message part of an item too long for one message
    "continued": {"zh": "{n}.（续）", "en": "{n}. (cont.) "},
    "no_items": {"zh": "本期暂无条目。", "en": "No items in this edition."},
    "left_out": {
        "zh": "另有 {n} 条不在你关注的话题中。",
        "en": "{n} more items outside your topics.",
    },
    # the conversation
    "welcome": {
        "zh": "你好，{name}！我是{bot}：每天把新一期的资讯摘要送到这里。\n"
        "订阅后每天 {time}（{tz}）推送；随时发送 /today 查看最新一期，/help 查看全部命令。",
        "en": "Hello, {name}! I am {bot}: I bring each day's news digest to this chat.\n"
        "Subscribe to get it every day at {time} ({tz}); send /today for the latest edition "
        "any time, /help for every command.",
    },
    "welcome_back": {"zh": "欢迎回来！推送已恢复。", "en": "Welcome back! Deliveries resume."},
    "group_greeting": {
        "zh": "大家好！我是{bot}，每天推送资讯摘要。群管理员发送 /subscribe 即可在本群订阅，"
        "任何人都可以发送 /today 查看最新一期。",
        "en": "Hello everyone! I am {bot} and I post a daily news digest. A group admin can "
        "send /subscribe to get it here; anyone can send /today for the latest edition.",
    },
    "button_subscribe": {"zh": "📬 订阅每日推送", "en": "📬 Subscribe"},
    "button_undo": {"zh": "↩️ 撤销", "en": "↩️ Undo"},
    "subscribed": {
        "zh": "✅ 已订阅：每天 {time}（{tz}）推送新一期。",
        "en": "✅ Subscribed: the new edition arrives every day at {time} ({tz}).",
    },
    "subscribed_topic": {
        "zh": "✅ 已订阅：每天 {time}（{tz}）推送，只含本话题内容。",
        "en": "✅ Subscribed: every day at {time} ({tz}), in this topic.",
    },
    "already_subscribed": {"zh": "已经订阅过了。", "en": "Already subscribed."},
    "unsubscribed": {
        "zh": "已退订，不再每日推送。随时可以 /subscribe 重新订阅。",
        "en": "Unsubscribed: no more daily deliveries. /subscribe any time to come back.",
    },
    "not_subscribed": {"zh": "本聊天尚未订阅。", "en": "This chat is not subscribed."},
    "admins_only": {
        "zh": "抱歉，只有本群管理员可以修改订阅和设置。",
        "en": "Sorry, only this group's admins can change its subscription and settings.",
    },
    "slow_down": {
        "zh": "请慢一点 🙏 稍等几秒再发送命令。",
        "en": "Easy there 🙏 wait a few seconds before the next command.",
    },
    "unknown_command": {
        "zh": "不认识这个命令。发送 /help 查看全部命令。",
        "en": "I don't know that command. Send /help for the list.",
    },
    "text_hint": {
        "zh": "发一个词就是搜索；发送 /today 查看最新一期，/help 查看全部命令。",
        "en": "Send a word to search; /today for the latest edition, /help for every command.",
    },
    # editions
    "no_editions": {"zh": "还没有任何一期。", "en": "There is no edition yet."},
    "not_today": {
        "zh": "今天还没有新一期，以下是最新的一期（{date}）。",
        "en": "No edition today yet; here is the latest one ({date}).",
    },
    "day_usage": {
        "zh": "用法：/day 日期或期号，例如 /day 2024-01-08、/day 1月8日、/day 昨天、/day 42",
        "en": "Usage: /day DATE or ISSUE, e.g. /day 2024-01-08, /day 1/8, /day yesterday, /day 42",
    },
    "bad_date": {
        "zh": "看不懂这个日期：{value}。",
        "en": "I can't read that date: {value}. ",
    },
    "no_edition_on": {
        "zh": "{date} 没有一期。最近的几期：",
        "en": "There is no edition on {date}. The nearest ones:",
    },
    "no_issue": {
        "zh": "没有第 {issue} 期。最近的几期：",
        "en": "There is no issue {issue}. The nearest ones:",
    },
    "button_older": {"zh": "◀ 前一期", "en": "◀ Older"},
    "button_newer": {"zh": "后一期 ▶", "en": "Newer ▶"},
    # topics
    "topics_intro": {
        "zh": "选择要关注的话题（一个都不选 = 接收全部内容）：",
        "en": "Choose the topics to follow (none = every item):",
    },
    "topics_none": {"zh": "没有配置任何话题。", "en": "No topics are configured."},
    "button_all_topics": {"zh": "接收全部内容", "en": "Every item"},
    "topics_saved": {"zh": "已保存。", "en": "Saved."},
    "topic_unknown": {"zh": "没有这个话题：{key}", "en": "There is no topic {key}"},
    "topic_followed": {
        "zh": "✅ 已订阅话题「{name}」。/topics 可以修改。",
        "en": "✅ Following the topic {name}. Change it with /topics.",
    },
    # alerts
    "alert_usage": {
        "zh": "用法：/alert 关键词 [-排除词]，例如 /alert 储能 -煤炭、/alert 储能 OR 氢能、"
        '/alert "绿色 债券"（每个词 2–40 个字符，一个汉字也可以）；'
        "加 cadence:daily 或 cadence:weekly 改为每日或每周汇总",
        "en": "Usage: /alert TERMS [-EXCLUDED], e.g. /alert storage -coal, /alert storage OR "
        'hydrogen, /alert "green bonds" (2–40 characters a term, or one Chinese character); '
        "add cadence:daily or cadence:weekly for a daily or weekly digest",
    },
    "alert_term_length": {
        "zh": "关键词需要 2–40 个字符（或一个汉字）：{term}",
        "en": "A term needs 2–40 characters (or one Chinese character): {term}",
    },
    "alert_too_many_terms": {
        "zh": "一个提醒最多 {n} 个词。",
        "en": "An alert takes at most {n} terms.",
    },
    "alert_limit": {
        "zh": "每个聊天最多 {n} 个提醒。先用 /alerts 删掉一些。",
        "en": "A chat can have at most {n} alerts. Remove some with /alerts first.",
    },
    "alert_duplicate": {
        "zh": "已经有这个提醒了：{label}",
        "en": "You already have that alert: {label}",
    },
    "alert_added": {
        "zh": "🔔 已添加提醒：{label}\n新一期中出现时会标出或单独提醒。/alerts 管理提醒。",
        "en": "🔔 Alert added: {label}\nMatching items are marked in the digest or sent to you. "
        "Manage alerts with /alerts.",
    },
    "alert_message": {"zh": "🔔 提醒：{terms}", "en": "🔔 Alert: {terms}"},
    "alerts_none": {
        "zh": "还没有提醒。用 /alert 关键词 添加。",
        "en": "No alerts yet. Add one with /alert TERMS.",
    },
    "alerts_header": {"zh": "你的提醒（点 ✖ 删除）：", "en": "Your alerts (✖ removes one):"},
    "alert_share": {"zh": "分享", "en": "share"},
    "alert_feed": {"zh": "📡 订阅源", "en": "📡 Feed"},  # the alert's Atom feed (ops/feeds.py)
    "alert_deleted": {"zh": "已删除提醒：{label}", "en": "Alert removed: {label}"},
    "alert_shared_missing": {
        "zh": "这个分享链接已失效：提醒已删除或不再分享。",
        "en": "That share link no longer works: the alert was removed or is no longer shared.",
    },
    "alert_share_button": {"zh": "🔗 分享 {n}", "en": "🔗 Share {n}"},
    "alert_unshare_button": {"zh": "🔗✖ 停止分享 {n}", "en": "🔗✖ Stop sharing {n}"},
    "alert_shared": {
        "zh": "已生成分享链接：拿到链接的人可以复制这个提醒的关键词。",
        "en": "Share link made: whoever has it can copy this alert's terms.",
    },
    "alert_unshared": {
        "zh": "已停止分享：旧链接不再有效。",
        "en": "No longer shared: the old link stops working.",
    },
    "alert_share_note": {
        "zh": "分享链接只复制关键词，不会透露你的其他提醒。",
        "en": "A share link copies only that alert's terms, never your other alerts.",
    },
    # trend charts
    "cmd_trend": {
        "zh": "关键词提及趋势图，例如 /trend 储能 绿证",
        "en": "Chart how often words are mentioned: /trend WORDS",
    },
    "trend_usage": {
        "zh": "用法：/trend 词语（最多 {max} 个），例如 /trend 储能 绿证、/trend #储能 #绿电绿证、"
        '/trend "碳市场" CCER',
        "en": "Usage: /trend WORDS (up to {max}), e.g. /trend 储能 绿证, "
        '/trend #storage #green-power, /trend "carbon market" CCER',
    },
    "trend_too_many": {"zh": "一次最多比较 {max} 个词。", "en": "{max} words at most."},
    "trend_not_a_term": {
        "zh": "「{term}」不是可以比较的词：/trend 只比较词语和 #话题，日期和排除词请用 /search。",
        "en": "“{term}” is not a word to chart: /trend compares words and #topics; "
        "dates and exclusions are for /search.",
    },
    "trend_per_week": {"zh": "每周提及条数", "en": "Mentions per week"},
    "trend_per_month": {"zh": "每月提及条数", "en": "Mentions per month"},
    "trend_caption": {"zh": "📈 {unit}：{first} – {last}", "en": "📈 {unit}: {first} – {last}"},
    "trend_line": {"zh": "{n}. {term}：{total} 条", "en": "{n}. {term}: {total} found"},
    # channels
    "channel_usage": {
        "zh": "在私聊中发送 /subscribe @频道名 订阅你管理的频道（需先把我设为频道管理员）。",
        "en": "In a private chat send /subscribe @channel to subscribe a channel you manage "
        "(make me an admin there first).",
    },
    "channel_not_found": {
        "zh": "找不到频道 {name}。请先把我添加为频道管理员。",
        "en": "I can't find the channel {name}. Add me as an admin there first.",
    },
    "channel_bot_not_admin": {
        "zh": "我还不是 {name} 的管理员（需要发布消息的权限）。",
        "en": "I am not an admin of {name} yet (I need the right to post messages).",
    },
    "channel_user_not_admin": {
        "zh": "只有 {name} 的管理员可以为它订阅。",
        "en": "Only admins of {name} can subscribe it.",
    },
    "channel_subscribed": {
        "zh": "✅ 频道 {name} 已订阅：每天 {time}（{tz}）推送。/channels 查看你管理的频道。",
        "en": "✅ Channel {name} subscribed: every day at {time} ({tz}). See /channels.",
    },
    "channel_unsubscribed": {"zh": "频道 {name} 已退订。", "en": "Channel {name} unsubscribed."},
    "channels_none": {
        "zh": "你还没有通过我订阅任何频道。",
        "en": "You have not subscribed any channel through me.",
    },
    "channels_header": {"zh": "你管理的频道：", "en": "Channels you manage:"},
    "channel_line": {
        "zh": "{name}：{state}，{time}（{tz}），{format}",
        "en": "{name}: {state}, {time} ({tz}), {format}",
    },
    "state_subscribed": {"zh": "已订阅", "en": "subscribed"},
    "state_unsubscribed": {"zh": "未订阅", "en": "not subscribed"},
    "state_inactive": {"zh": "已停用（{reason}）", "en": "inactive ({reason})"},
    "button_unsubscribe_channel": {"zh": "退订 {name}", "en": "Unsubscribe {name}"},
    "private_only": {
        "zh": "这个命令只能在与我的私聊中使用。",
        "en": "This command works in a private chat with me.",
    },
    # the operator's commands
    "stats_header": {"zh": "📊 统计", "en": "📊 Stats"},
    "stats_chats": {
        "zh": "{kind}：{active} 个活跃，{inactive} 个停用",
        "en": "{kind}: {active} active, {inactive} inactive",
    },
    "stats_inactive": {
        "zh": "  停用原因 {reason}：{count}",
        "en": "  inactive, {reason}: {count}",
    },
    "stats_subscriptions": {"zh": "订阅：{topics}", "en": "Subscriptions: {topics}"},
    "stats_alerts": {
        "zh": "提醒：{alerts} 个（{chats} 个聊天）",
        "en": "Alerts: {alerts} in {chats} chats",
    },
    "stats_editions": {
        "zh": "往期：{editions} 期，{items} 条，最新 {latest}",
        "en": "Editions: {editions}, {items} items, latest {latest}",
    },
    "edition_updated": {
        "zh": "✏️ 本期（{date}）已更新，以上消息已改为最新内容。",
        "en": "✏️ This edition ({date}) was updated: the messages above now say what it says.",
    },
    "stats_scheduled": {
        "zh": "待发布：{count} 期（{days}），到期当天推送",
        "en": "Scheduled: {count} ({days}), published on their day",
    },
    "stats_push": {"zh": "最近推送 {date}：{figures}", "en": "Last push {date}: {figures}"},
    "push_planned": {
        "zh": "已安排推送 {date}：新增 {planned} 条投递（共 {chats} 个聊天，{variants} 种版本）。",
        "en": "Push of {date} planned: {planned} new deliveries "
        "({chats} chats, {variants} variants).",
    },
    "reload_done": {
        "zh": "已重新扫描 {files} 个文件：新增 {new}，更新 {changed}，"
        "删除 {removed}（{seconds} 秒）。",
        "en": "Rescanned {files} files: {new} new, {changed} changed, {removed} removed "
        "({seconds} s).",
    },
    "cmd_stats": {"zh": "运行统计（管理员）", "en": "Statistics (admins)"},
    "cmd_push": {"zh": "立即推送最新一期（管理员）", "en": "Push the latest edition now (admins)"},
    "cmd_reload": {"zh": "重新扫描来源（管理员）", "en": "Rescan the sources (admins)"},
    "roundup_day": {"zh": "{month}月{day}日", "en": "{month}/{day}"},
    "roundup_heading": {
        "zh": "每周回顾 · {year}年{start_month}月{start_day}日–{end_month}月{end_day}日",
        "en": "Weekly roundup · {start_month}/{start_day}–{end_month}/{end_day}/{year}",
    },
    "roundup_also": {"zh": "（另见：{names}）", "en": " (also in: {names})"},
    "roundup_also_sep": {"zh": "、", "en": ", "},
    "cmd_broadcast": {
        "zh": "向所有订阅者发送公告（管理员）",
        "en": "Announce to subscribers (admins)",
    },
    "broadcast_usage": {
        "zh": "用法：/broadcast 公告内容（可带格式）。先显示预览，确认后才发送。",
        "en": "Usage: /broadcast TEXT (formatting kept). You see a preview first; "
        "nothing is sent until you confirm.",
    },
    "broadcast_send": {"zh": "📣 发送给 {chats} 个聊天", "en": "📣 Send to {chats} chats"},
    "broadcast_cancel": {"zh": "✖️ 取消", "en": "✖️ Cancel"},
    "broadcast_planned": {
        "zh": "📣 公告已排入发送队列：{planned} 个聊天。",
        "en": "📣 Announcement queued for {planned} chats.",
    },
    "broadcast_cancelled": {"zh": "已取消，没有发送。", "en": "Cancelled: nothing was sent."},
    # several series per bot
    "series_choose": {
        "zh": "本机器人有多个系列。点选要订阅的系列（✓ 表示本聊天会收到）：",
        "en": "This bot has several series. Tap the ones this chat should get (✓: it gets it):",
    },
    "series_every": {"zh": "全部系列", "en": "Every series"},
    "series_chosen": {
        "zh": "✅ 已订阅：{names}。每天 {time}（{tz}）推送。",
        "en": "✅ Subscribed to {names}: every day at {time} ({tz}).",
    },
    "series_all_chosen": {
        "zh": "✅ 已订阅全部系列（{names}）。每天 {time}（{tz}）推送。",
        "en": "✅ Subscribed to every series ({names}): every day at {time} ({tz}).",
    },
    "no_such_series": {
        "zh": "没有叫“{name}”的系列。现有：{names}",
        "en": "There is no series called “{name}”. There are: {names}",
    },
    # approval of new editions (push.approve)
    "approve_note": {
        "zh": "🕓 新一期等待你的批准：按“发送”之前，不会推送给任何读者。",
        "en": "🕓 A new edition waits for your approval: no reader gets it until you press Send.",
    },
    "approve_send": {"zh": "✅ 发送给 {chats} 个聊天", "en": "✅ Send to {chats} chats"},
    "approve_hold": {"zh": "⏸ 暂缓", "en": "⏸ Hold"},
    "approve_sent": {
        "zh": "✅ 已批准：{planned} 条投递已排入队列，其余聊天在各自的推送时间收到。",
        "en": "✅ Approved: {planned} deliveries queued; other chats get it at their push time.",
    },
    "approve_held": {
        "zh": "⏸ 已暂缓：不会推送。改主意时按“发送”。",
        "en": "⏸ Held back: it is not pushed. Press Send when it may go.",
    },
    "approve_decided": {"zh": "这一期已经{status}。", "en": "This edition was already {status}."},
    "approval_approved": {"zh": "批准发送", "en": "approved"},
    "approval_held": {"zh": "暂缓", "en": "held back"},
    "approval_pending": {"zh": "等待批准", "en": "waiting"},
    "broadcast_handled": {
        "zh": "这条公告已经处理过了。",
        "en": "This announcement was already sent or cancelled.",
    },
    # command menu (one line each)
    "help_header": {"zh": "可用命令：", "en": "Commands:"},
    "cmd_start": {"zh": "开始使用，订阅每日推送", "en": "Start, subscribe to the daily digest"},
    "cmd_help": {"zh": "全部命令", "en": "All commands"},
    "cmd_today": {"zh": "最新一期", "en": "The latest edition"},
    "cmd_day": {"zh": "某一天的一期，例如 /day 2024-01-08", "en": "One day's edition: /day DATE"},
    "cmd_subscribe": {"zh": "订阅每日推送", "en": "Get the daily edition here"},
    "cmd_unsubscribe": {"zh": "退订每日推送", "en": "Stop the daily edition"},
    "cmd_topics": {"zh": "选择关注的话题", "en": "Choose topics to follow"},
    "cmd_alert": {"zh": "添加关键词提醒", "en": "Add a keyword alert"},
    "cmd_alerts": {"zh": "管理关键词提醒", "en": "Manage keyword alerts"},
    "cmd_settings": {
        "zh": "推送时间、时区、语言、格式",
        "en": "Time, time zone, language, format",
    },
    "cmd_channels": {"zh": "你管理的频道", "en": "Channels you manage"},
    "error": {
        "zh": "抱歉，出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again later.",
    },
    "expired": {"zh": "这个按钮已失效。", "en": "This button has expired."},
}


CATALOGUE |= SETTINGS | SEARCH | ADMIN | FEEDBACK | ALERTS


def zone_name(zone: str, lang: str) -> str:
    """A time zone as readers name it (上海, Berlin); a zone the catalogue lacks, as written."""
    key = zone_key(zone)
    return t(key, lang) if key in CATALOGUE else zone


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (zh when ``lang`` is unknown), formatted with ``kwargs``."""
    entry = CATALOGUE[key]
    template = entry.get(lang, entry[DEFAULT_LANGUAGE])
    return template.format(**kwargs)
