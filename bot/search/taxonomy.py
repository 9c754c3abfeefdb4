"""Topics readers follow: what one is, and the carbon-news taxonomy the bot ships (pure).

``DEFAULT_TOPICS`` is used when the configuration defines no ``[[topics]]``;
config.example.toml carries the same table (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]


DEFAULT_TOPICS: tuple[Topic, ...] = (
    Topic(
        "carbon-market",
        "碳市场",
        "Carbon market",
        ("碳市场", "配额", "CCER", "碳排放权", "CBAM", "碳价"),
    ),
    Topic(
        "green-power",
        "绿电绿证",
        "Green power",
        ("绿证", "绿电", "可再生能源", "风电", "光伏", "绿色用电"),
    ),
    Topic("storage", "储能", "Energy storage", ("储能", "电池", "抽水蓄能", "虚拟电厂", "微电网")),
    Topic("transport", "交通", "Transport", ("新能源汽车", "充电", "氢能", "机动车")),
    Topic(
        "industry", "工业减碳", "Industry", ("钢铁", "煤炭", "水泥", "焦化", "绿色制造", "用电量")
    ),
    Topic(
        "finance",
        "绿色金融",
        "Green finance",
        ("绿色债券", "绿色贷款", "碳减排挂钩", "ESG", "绿色金融"),
    ),
    Topic("policy", "政策", "Policy", ("通知", "方案", "办法", "意见", "规划", "报告")),
)
