"""A deterministic synthetic digest archive for benchmarks (Chinese text from a vocabulary).

Items mix the carbon-news VOCAB (the words readers search for) with a general vocabulary of
a few thousand two- and three-character words, both Zipf-distributed, as real news text is:
a domain word appears in a few percent of items, not in every other one.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from itertools import accumulate
from pathlib import Path

VOCAB = [
    "碳市场",
    "配额",
    "碳排放权",
    "全国",
    "交易",
    "价格",
    "绿证",
    "绿电",
    "可再生能源",
    "风电",
    "光伏",
    "储能",
    "电池",
    "抽水蓄能",
    "虚拟电厂",
    "新能源汽车",
    "充电",
    "氢能",
    "钢铁",
    "煤炭",
    "水泥",
    "焦化",
    "绿色制造",
    "绿色债券",
    "绿色贷款",
    "碳减排",
    "通知",
    "方案",
    "办法",
    "意见",
    "规划",
    "发布",
    "印发",
    "推进",
    "加快",
    "试点",
    "项目",
    "企业",
    "园区",
    "省",
    "市",
    "政府",
    "部门",
    "同比增长",
    "亿元",
    "万千瓦",
    "千瓦时",
    "装机",
    "容量",
    "并网",
    "发电",
    "用电量",
    "排放",
    "核算",
    "核查",
    "标准",
    "体系",
    "CCER",
    "CBAM",
    "ESG",
    "5G基站",
    "GWh",
    "MW",
    "数据中心",
    "微电网",
    "零碳",
    "低碳",
    "双碳",
    "碳达峰",
    "碳中和",
]
PLACES = [
    "北京",
    "上海",
    "广东",
    "浙江",
    "江苏",
    "四川",
    "内蒙古",
    "黑龙江",
    "宁波",
    "成都",
    "东莞",
    "鄂尔多斯",
]


COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
    "体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线"
    "内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并"
    "提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见"
    "计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七"
    "海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场"
)
_WORD_COUNT = 3000


def _words() -> tuple[list[str], list[float]]:
    rng = random.Random(1)
    words = sorted({"".join(rng.sample(COMMON, rng.choice((2, 2, 2, 3)))) for _ in range(4000)})
    rng.shuffle(words)
    words = words[:_WORD_COUNT]
    return words, [1 / (rank + 1) for rank in range(len(words))]


GENERAL, _GENERAL_WEIGHTS = _words()
_DOMAIN_WEIGHTS = [1 / (rank + 1) ** 0.5 for rank in range(len(VOCAB))]
# cumulative weights, summed once: ``rng.choices(words, weights)`` sums all 3 000 on every call
# (most of an edition's time); this draw is the one ``choices`` makes, so the text is the same
_GENERAL_CUM = list(accumulate(_GENERAL_WEIGHTS))
_DOMAIN_CUM = list(accumulate(_DOMAIN_WEIGHTS))


def _pick(rng: random.Random, words: list[str], cum: list[float]) -> str:
    """``rng.choices(words, cum_weights=cum)[0]``, without its per-call checks."""
    return words[bisect(cum, rng.random() * cum[-1], 0, len(words) - 1)]


def _word(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return _pick(rng, VOCAB, _DOMAIN_CUM)
    return _pick(rng, GENERAL, _GENERAL_CUM)


def item_text(rng: random.Random) -> str:
    date = f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    words = [_word(rng) for _ in range(rng.randint(25, 60))]
    clauses = ["".join(words[i : i + 6]) for i in range(0, len(words), 6)]
    return f"{date}，{rng.choice(PLACES)}" + "，".join(clauses) + "。"


def edition_text(day: dt.date, rng: random.Random, *, items: int = 10) -> str:
    lines = [
        "---",
        f'{{"dg-publish":true,"permalink":"/每日碳新闻/{day.year}年{day.month}月{day.day}日/"}}',
        "---",
        "",
        "==新闻==",
    ]
    for n in range(1, items + 1):
        lines.append(f"{n}.{item_text(rng)}")
        for k in range(rng.choice((1, 1, 1, 2, 3))):
            url = f"https://mp.weixin.qq.com/s/{day:%Y%m%d}{n:02d}{k}{rng.randrange(10**6):06d}"
            lines.append(f"[[{url}]({url})]()")
    return "\n".join(lines) + "\n"


def write_archive(folder: Path, *, days: int, start: dt.date = dt.date(2015, 1, 1)) -> int:
    """Write ``days`` consecutive editions into folder; returns the number of items."""
    rng = random.Random(20240108)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(days):
        day = start + dt.timedelta(days=i)
        n = rng.randint(8, 12)
        total += n
        (folder / f"{day.isoformat()}.md").write_text(edition_text(day, rng, items=n), "utf-8")
    return total
