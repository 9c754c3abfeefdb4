"""The catalogue's entries for readers' feedback: what a voter is told, what /stats shows
(part of ``i18n``'s one catalogue; pure)."""

from __future__ import annotations

FEEDBACK: dict[str, dict[str, str]] = {
    "feedback_noted": {
        "zh": "{emoji} 已记下，谢谢！（只有发布者能看到统计；再按一次撤回）",
        "en": "{emoji} noted, thank you! (only the publisher sees the counts; press again to "
        "withdraw)",
    },
    "feedback_changed": {
        "zh": "已改为 {emoji}，谢谢！",
        "en": "Changed to {emoji}, thank you!",
    },
    "feedback_withdrawn": {"zh": "已撤回你的 {emoji}。", "en": "Your {emoji} is withdrawn."},
    "stats_feedback": {
        "zh": "读者反馈（最近 {n} 期）：",
        "en": "Readers' feedback (latest {n} editions):",
    },
    "stats_feedback_none": {"zh": "读者反馈：暂无", "en": "Readers' feedback: none yet"},
    "stats_feedback_edition": {"zh": "· {edition}：{figures}", "en": "· {edition}: {figures}"},
    "feedback_reactions": {"zh": "回应 {reactions}", "en": "reactions {reactions}"},
    "stats_feedback_topics": {"zh": "按话题：", "en": "By topic:"},
    "stats_feedback_topic": {"zh": "· {topic}：{figures}", "en": "· {topic}: {figures}"},
}
