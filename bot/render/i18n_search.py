"""The catalogue's entries for /search, plain-text search and /help's word on searching
(part of ``i18n``'s one catalogue; pure)."""

from __future__ import annotations

SEARCH: dict[str, dict[str, str]] = {
    "search_usage": {
        "zh": "用法：/search 关键词，例如 /search 储能、/search 绿证 -煤炭、"
        '/search "碳市场" 2024-01、/search #储能 since:2024-01-01',
        "en": "Usage: /search WORDS, e.g. /search 储能, /search 绿证 -煤炭, "
        '/search "carbon market" 2024-01, /search #storage since:2024-01-01',
    },
    "query_empty": {"zh": "请输入要搜索的内容。", "en": "Type something to search for."},
    "query_too_long": {
        "zh": "搜索内容太长了（最多 200 个字符）。",
        "en": "That query is too long (200 characters at most).",
    },
    "query_no_terms": {
        "zh": "这个搜索里没有可以查找的文字。",
        "en": "There is nothing searchable in that query.",
    },
    "query_bad_date": {
        "zh": "日期写法不对，例如 2024-01 或 2024-01-08。",
        "en": "That date is not valid; write 2024-01 or 2024-01-08.",
    },
    "query_bad_range": {
        "zh": "日期范围不对，例如 2024-01-01..2024-03-31。",
        "en": "That date range is not valid; write 2024-01-01..2024-03-31.",
    },
    "query_unknown_topic": {
        "zh": "没有这个话题。/topics 查看全部话题。",
        "en": "There is no such topic. /topics lists them.",
    },
    "query_unknown_series": {
        "zh": "没有这个系列。发送 /subscribe 查看全部系列。",
        "en": "There is no such series. /subscribe lists them.",
    },
    "search_header": {"zh": "🔍 {query}：共 {total} 条", "en": "🔍 {query}: {total} found"},
    "search_none": {"zh": "🔍 没有找到：{query}", "en": "🔍 Nothing found for {query}"},
    "item_n": {"zh": "第 {n} 条", "en": "item {n}"},
    # hits that retell the story of a hit above them on the page, folded under it
    "search_folded": {"zh": "↳ 另有 {count} 条相似：{where}", "en": "↳ +{count} similar: {where}"},
    "search_folded_hint": {
        "zh": "相似报道已合并；搜索时加上 dup:all 显示全部。",
        "en": "Similar stories are folded; add dup:all to the search to see every hit.",
    },
    "button_prev_page": {"zh": "◀ 上一页", "en": "◀ Newer"},
    "button_next_page": {"zh": "下一页 ▶", "en": "Older ▶"},
    "button_open_edition": {"zh": "📰 {date}", "en": "📰 {date}"},
    "cmd_search": {
        "zh": "搜索全部往期，例如 /search 储能",
        "en": "Search the archive: /search WORDS",
    },
    # a search that found nothing: what to try next
    "search_miss_hint": {
        "zh": "试试更少的词、换一种写法（简称、英文名），或用搜索语法：/help 有说明。",
        "en": "Try fewer words or another spelling (a short name, the Chinese name), "
        "or the search syntax: /help explains it.",
    },
    # /help's word on searching (the syntax of bot.search.query)
    "help_search": {
        "zh": "搜索：在私聊中直接发文字，或 /search 词语。\n"
        '  "碳市场" 精确短语 · -煤炭 排除 · #储能 话题 · series:名称 只搜一个系列\n'
        "  2024-01、2024-01-08、2024-01-01..2024-03-31、since:2024-01-01、until:2024-03 日期\n"
        "  同一报道的相似结果合并显示；dup:all 显示全部",
        "en": "Search: send text in a private chat, or /search WORDS.\n"
        '  "carbon market" exact phrase · -coal exclude · #storage topic · '
        "series:NAME one series\n"
        "  2024-01, 2024-01-08, 2024-01-01..2024-03-31, since:2024-01-01, until:2024-03 dates\n"
        "  hits retelling one story are folded under the first; dup:all shows them all",
    },
    "help_inline": {
        "zh": "在任何聊天的输入框里写 @{bot} 关键词，选一条就能分享出去（内联模式）。",
        "en": "In any chat, type @{bot} WORDS in the message box and pick an item to share it "
        "(inline mode).",
    },
}
