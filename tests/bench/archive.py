"""A deterministic synthetic digest archive for benchmarks (Chinese text from a vocabulary)."""

from __future__ import annotations

import datetime as dt
import random
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


def item_text(rng: random.Random) -> str:
    date = f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    words = [rng.choice(VOCAB) for _ in range(rng.randint(25, 60))]
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
