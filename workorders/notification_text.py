"""The zh-CN text of a ticket notification, from its event type and data (pure: no database).

The text is made when it is read, for the person reading: the unit a ticket was dispatched to
reads "已派发给你单位", the district government above it reads the unit's name. Times are
Beijing time (the deadlines as they were when the event happened, kept in the data).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from core.timeutil import business_time

CATEGORY = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "意见建议"}
CALLBACK_RESULT = {"satisfied": "满意", "dissatisfied_reasonable": "不满意（诉求合理）",
                   "dissatisfied_unreasonable": "不满意（诉求不合理）", "no_evaluation": "未评价"}
# the deadline an overdue finding or a reminder (催办) is about
OVERDUE_STEP = {"overdue_dispatch": "转办", "overdue_sign": "签收", "overdue_handle": "办结",
                "overdue_first_response": "首次响应", "overdue_progress": "进展报告"}


def _when(value: Any) -> str | None:
    """An ISO time of the data as 12月02日 17:30 (Beijing), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return business_time(moment).strftime("%m月%d日 %H:%M")


def _unit(data: dict[str, Any], id_key: str, name_key: str, reader_unit_id: int | None) -> str:
    """你单位 for the reader's own unit, else the unit's name."""
    if reader_unit_id is not None and data.get(id_key) == reader_unit_id:
        return "你单位"
    return data.get(name_key) or "承办单位"


CHANNEL = {"web": "市民网站", "mailbox": "信箱", "app": "移动端", "national_platform": "国家政务服务平台",
           "gov_website": "中国政府网留言", "chuanyu": "川渝联动"}


def _by(data: dict[str, Any], reader_unit_id: int | None) -> str:
    return _unit(data, "unit_id", "unit_name", reader_unit_id)


def notification_text(type_: str, data: dict[str, Any], *, reader_unit_id: int | None = None) -> str:
    """What the notification says to a person of reader_unit_id (None: the hotline side)."""
    number = data.get("number") or "—"
    ticket = f"工单 {number}"
    if type_ == "ticket.created" and data.get("status") == "pending_intake":
        return f"新诉求 {number} 待受理（{CHANNEL.get(str(data.get('channel')), '网上渠道')}）"
    if type_ == "ticket.created":
        due = _when(data.get("dispatch_due_at"))
        category = CATEGORY.get(str(data.get("category")), "")
        return f"新{category}工单 {number} 待转办" + (f"，请于{due}前转办" if due else "")
    if type_ == "ticket.dispatched":
        due = _when(data.get("sign_due_at"))
        if reader_unit_id is not None and reader_unit_id in (data.get("co_unit_ids") or []):
            lead = data.get("lead_unit_name") or "主办单位"
            return f"{ticket} 已派发给你单位协办（主办：{lead}），请配合办理"
        where = _unit(data, "lead_unit_id", "lead_unit_name", reader_unit_id)
        return f"{ticket} 已派发给{where}" + (f"，请于{due}前签收" if due else "，请及时签收")
    if type_ == "ticket.returned":
        due = _when(data.get("dispatch_due_at"))
        late = "（超期退回）" if data.get("late") else ""
        return f"{ticket} 被{_by(data, reader_unit_id)}退回{late}" + (f"，请于{due}前重新派单" if due else "，请重新派单")
    if type_ == "ticket.extension_requested":
        major = "（重大疑难）" if data.get("major") else ""
        return f"{_by(data, reader_unit_id)}申请{ticket} 延期{data.get('days')}个工作日{major}，请审批"
    if type_ == "ticket.extension_decided":
        due = _when(data.get("handle_due_at"))
        if data.get("approved"):
            return f"{ticket} 的延期申请已同意（延期{data.get('days')}个工作日）" + (f"，办结期限{due}" if due else "")
        return f"{ticket} 的延期申请未获同意" + (f"，请于{due}前办结" if due else "，请按原期限办结")
    if type_ == "ticket.completed":
        return f"{ticket} 已由{_by(data, reader_unit_id)}办结，待回访"
    if type_ == "ticket.callback_recorded":
        result = CALLBACK_RESULT.get(str(data.get("result")), str(data.get("result")))
        return f"{ticket} 回访结果：{result}"
    if type_ == "ticket.overdue":
        step = OVERDUE_STEP.get(str(data.get("kind")), "办理")
        due = _when(data.get("due_at"))
        unit = f"（{data.get('unit_name')}）" if data.get("unit_name") else ""
        return f"{ticket}{unit} {step}超期" + (f"，期限{due}" if due else "")
    if type_ == "ticket.reminder":
        step = OVERDUE_STEP.get(str(data.get("kind")), "办理")
        due = _when(data.get("due_at"))
        return f"催办：{ticket} 已超过{step}期限" + (f"（{due}）" if due else "") + "，请尽快办理"
    return f"{ticket} 有新动态"
