"""The catalogue's entries for /settings (part of ``i18n``'s one catalogue; pure)."""

from __future__ import annotations

SETTINGS: dict[str, dict[str, str]] = {
    "settings_header": {"zh": "当前设置：", "en": "Settings:"},
    # one line per setting of bot.chat.settings.SETTINGS: its label (setting_<name>)
    "setting_line": {"zh": "{label}：{value}", "en": "{label}: {value}"},
    "setting_time": {"zh": "推送时间", "en": "Push time"},
    "setting_tz": {"zh": "时区", "en": "Time zone"},
    "setting_cadence": {"zh": "推送频率", "en": "Cadence"},
    "setting_day": {"zh": "每周回顾日", "en": "Weekly roundup day"},
    "setting_lang": {"zh": "语言", "en": "Language"},
    "setting_format": {"zh": "格式", "en": "Format"},
    "setting_previews": {"zh": "链接预览", "en": "Link previews"},
    "setting_quiet": {"zh": "免打扰时段", "en": "Quiet hours"},
    "setting_silent": {"zh": "静音推送", "en": "Silent delivery"},
    "settings_hint": {
        "zh": "用按钮修改，或发送 /settings 名称 值，例如 /settings time 07:30、"
        "/settings tz Europe/Berlin",
        "en": "Change with the buttons or send /settings NAME VALUE, e.g. /settings time 07:30, "
        "/settings tz Europe/Berlin",
    },
    "settings_usage": {
        "zh": "用法：/settings 名称 值，名称为 {choices}",
        "en": "Usage: /settings NAME VALUE, where NAME is {choices}",
    },
    "help_settings": {
        "zh": "设置（/settings 名称 值）：",
        "en": "Settings (/settings NAME VALUE):",
    },
    "help_setting": {"zh": "  {name} {expected} — {label}", "en": "  {name} {expected} — {label}"},
    "setting_bad": {
        "zh": "{key} 的值无效：{value}（应为 {expected}）。设置未改变。",
        "en": "Invalid {key}: {value} (expected {expected}). Nothing changed.",
    },
    "cadence_daily": {"zh": "每日（每期一条）", "en": "daily (every edition)"},
    "cadence_weekly": {
        "zh": "每周回顾（{day} {time}）",
        "en": "weekly roundup ({day} {time})",
    },
    "cadence_name_daily": {"zh": "改为每日推送", "en": "Switch to daily"},
    "cadence_name_weekly": {"zh": "改为每周回顾", "en": "Switch to a weekly roundup"},
    "day_mon": {"zh": "周一", "en": "Mon"},
    "day_tue": {"zh": "周二", "en": "Tue"},
    "day_wed": {"zh": "周三", "en": "Wed"},
    "day_thu": {"zh": "周四", "en": "Thu"},
    "day_fri": {"zh": "周五", "en": "Fri"},
    "day_sat": {"zh": "周六", "en": "Sat"},
    "day_sun": {"zh": "周日", "en": "Sun"},
    "format_full": {"zh": "完整", "en": "full items"},
    "format_compact": {"zh": "仅标题", "en": "headlines"},
    "on": {"zh": "开", "en": "on"},
    "off": {"zh": "关", "en": "off"},
    "language_name": {"zh": "中文", "en": "English"},
    # what a change did, in a sentence (the answer to /settings KEY VALUE and to a button)
    "saved_time": {
        "zh": "✅ 推送时间已改为每天 {time}（{tz}时间）。",
        "en": "✅ The edition now comes at {time} every day ({tz} time).",
    },
    "saved_time_weekly": {
        "zh": "✅ 每周回顾改在{day} {time}（{tz}时间）推送。",
        "en": "✅ The weekly roundup now comes on {day} at {time} ({tz} time).",
    },
    "saved_tz": {
        "zh": "✅ 时区已改为{tz}：每天 {time} 推送。",
        "en": "✅ Time zone set to {tz}: the edition comes at {time}.",
    },
    "saved_lang": {"zh": "✅ 以后用中文和你交流。", "en": "✅ I will speak English from now on."},
    "saved_format_full": {
        "zh": "✅ 以后推送完整条目（标题和摘要）。",
        "en": "✅ Editions now come in full (titles and summaries).",
    },
    "saved_format_compact": {
        "zh": "✅ 以后只推送标题，每条一行。",
        "en": "✅ Editions now come as headlines, one line each.",
    },
    "saved_previews_on": {
        "zh": "✅ 链接预览已开启：消息下方显示第一个链接的预览。",
        "en": "✅ Link previews on: a message shows its first link's preview.",
    },
    "saved_previews_off": {"zh": "✅ 链接预览已关闭。", "en": "✅ Link previews off."},
    "saved_cadence_daily": {
        "zh": "✅ 已改为每日推送：每天 {time} 送来新一期。",
        "en": "✅ Daily it is: each new edition comes at {time}.",
    },
    "saved_cadence_weekly": {
        "zh": "✅ 已改为每周回顾：每{day} {time} 送来一周要闻。",
        "en": "✅ Weekly it is: the week's roundup comes on {day} at {time}.",
    },
    "saved_quiet_on": {
        "zh": "✅ 免打扰时段 {value}（{tz}时间）：其间不推送，时段结束后送达。",
        "en": "✅ Quiet hours {value} ({tz} time): what would come then comes when they end.",
    },
    "saved_quiet_off": {"zh": "✅ 免打扰时段已取消。", "en": "✅ Quiet hours off."},
    "saved_silent_on": {
        "zh": "✅ 静音推送已开启：推送和提醒不再响铃。",
        "en": "✅ Silent delivery on: pushes and alerts arrive without a sound.",
    },
    "saved_silent_off": {"zh": "✅ 静音推送已关闭。", "en": "✅ Silent delivery off."},
    "button_silent": {"zh": "🔕 静音推送：{state}", "en": "🔕 Silent delivery: {state}"},
    "button_previews": {"zh": "🔗 链接预览：{state}", "en": "🔗 Link previews: {state}"},
    "button_format": {"zh": "📰 格式：{format}", "en": "📰 Format: {format}"},
    # time zones by the names readers know them by
    "zone_Asia/Shanghai": {"zh": "上海", "en": "Shanghai"},
    "zone_Asia/Hong_Kong": {"zh": "香港", "en": "Hong Kong"},
    "zone_Asia/Taipei": {"zh": "台北", "en": "Taipei"},
    "zone_Asia/Singapore": {"zh": "新加坡", "en": "Singapore"},
    "zone_Asia/Tokyo": {"zh": "东京", "en": "Tokyo"},
    "zone_Europe/London": {"zh": "伦敦", "en": "London"},
    "zone_Europe/Berlin": {"zh": "柏林", "en": "Berlin"},
    "zone_America/New_York": {"zh": "纽约", "en": "New York"},
    "zone_America/Los_Angeles": {"zh": "洛杉矶", "en": "Los Angeles"},
    "zone_UTC": {"zh": "UTC", "en": "UTC"},
}


def zone_key(zone: str) -> str:
    """The catalogue key of a time zone's name (``zone_Asia/Shanghai``)."""
    return f"zone_{zone}"
