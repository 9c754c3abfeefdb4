"""The catalogue's entries for how alerts come: their cadence, their digest, their query
language (part of ``i18n``'s one catalogue; pure)."""

from __future__ import annotations

ALERTS: dict[str, dict[str, str]] = {
    "alert_filters": {
        "zh": "提醒只认关键词：日期、#话题和 series: 不能用在提醒里。",
        "en": "An alert takes words only: dates, #topics and series: do not work in alerts.",
    },
    "alert_bad_cadence": {
        "zh": "提醒频率无效：{value}（应为 cadence:now、cadence:daily 或 cadence:weekly）",
        "en": "Not an alert cadence: {value} (use cadence:now, cadence:daily or cadence:weekly)",
    },
    "alert_cadence_now": {"zh": "即时", "en": "as it comes"},
    "alert_cadence_daily": {"zh": "每日汇总", "en": "daily digest"},
    "alert_cadence_weekly": {"zh": "每周汇总", "en": "weekly digest"},
    "alert_cadence_button": {"zh": "⏱ {n}. {cadence}", "en": "⏱ {n}. {cadence}"},
    "alert_cadence_saved": {
        "zh": "提醒「{label}」改为：{cadence}",
        "en": "Alert {label} now comes: {cadence}",
    },
    "alert_added_daily": {
        "zh": "🔔 已添加提醒：{label}\n每日汇总：每天推送时间送来当天的匹配条目。"
        "/alerts 管理提醒。",
        "en": "🔔 Alert added: {label}\nDaily digest: the day's matches come at your push time. "
        "Manage alerts with /alerts.",
    },
    "alert_added_weekly": {
        "zh": "🔔 已添加提醒：{label}\n每周汇总：每周回顾日的推送时间送来一周的匹配条目。"
        "/alerts 管理提醒。",
        "en": "🔔 Alert added: {label}\nWeekly digest: the week's matches come on your roundup "
        "day at your push time. Manage alerts with /alerts.",
    },
    "alert_digest_daily": {
        "zh": "🔔 提醒汇总 · {date}：{n} 条",
        "en": "🔔 Alerts of {date}: {n}",
    },
    "alert_digest_weekly": {
        "zh": "🔔 一周提醒汇总 · {start}–{end}：{n} 条",
        "en": "🔔 Alerts of the week {start}–{end}: {n}",
    },
    "alert_digest_terms": {"zh": "— {terms}", "en": "— {terms}"},
    "alert_digest_more": {"zh": "……另有 {n} 条", "en": "… and {n} more"},
}
