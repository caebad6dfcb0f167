"""Chinese names of the keys the reports group by (channel, category, satisfaction …)."""
from __future__ import annotations

from organisation.units_data import DOMAIN_NAMES

CHANNELS = {"phone": "电话", "web": "网站", "mailbox": "信箱", "app": "移动端", "national_platform": "国家政务服务平台",
            "gov_website": "中国政府网", "chuanyu": "川渝联动"}
CATEGORIES = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "意见建议"}
SATISFACTION = {"satisfied": "满意", "dissatisfied_reasonable": "不满意（诉求合理）",
                "dissatisfied_unreasonable": "不满意（诉求不合理）", "no_evaluation": "未评价"}


def name(kind: str, key: str | None) -> str:
    if key is None:
        return "未填写"
    table = {"channel": CHANNELS, "category": CATEGORIES, "domain": DOMAIN_NAMES}.get(kind, {})
    return table.get(key, key)
