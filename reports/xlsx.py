"""A period report as an .xlsx workbook (openpyxl): one sheet per part, Chinese headers."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reports.labels import SATISFACTION

SHEETS = ("总览", "渠道", "类别", "地区", "领域", "涉企", "办理时限", "退回与延期", "满意度", "热点", "预警", "典型案例")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2, *(len(str(r[index - 1])) for r in rows if index - 1 < len(r))])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    sheet.freeze_panes = "A2"


def _counts(rows: list[dict]) -> list[list[Any]]:
    return [[r["name"], r["count"], r["enterprise_related"]] for r in rows]


def workbook(report: dict[str, Any]) -> bytes:
    """The workbook's bytes."""
    book = Workbook()
    book.remove(book.active)
    s, calls = report["summary"], report["summary"]["calls"]
    _sheet(book, "总览", ["项目", "数值"], [
        ["报表", f"{report['label']}{report['kind_name']}"], ["诉求总量（件）", s["tickets"]],
        ["涉企诉求（件）", s["enterprise_related"]], ["涉企占比", _pct(s["enterprise_rate"])],
        ["直接答复办结（件）", s["direct_answered"]], ["直接答复率", _pct(s["direct_answer_rate"])],
        ["不予受理（件）", s["out_of_scope"]], ["转办（件）", s["dispatched"]],
        ["呼入（次）", calls["offered"]], ["接通（次）", calls["answered"]], ["放弃（次）", calls["abandoned"]],
        ["接通率", _pct(calls["answer_rate"])], ["15秒服务水平", _pct(calls["service_level_15s"])],
        ["满意率", _pct(report["satisfaction"]["rate"])]])
    headers = ["{}", "诉求量（件）", "其中涉企（件）"]
    for title, key, first in (("渠道", "by_channel", "渠道"), ("类别", "by_category", "类别"),
                              ("地区", "by_region", "市州"), ("领域", "by_domain", "领域")):
        _sheet(book, title, [first, *headers[1:]], _counts(report[key]))
    _sheet(book, "涉企", ["类别", "涉企诉求（件）"],
           [[r["name"], r["count"]] for r in report["enterprise"]["by_category"]])
    d = report["time_limits"]["dispatch"]
    _sheet(book, "办理时限", ["承办单位", "诉求量", "签收", "按时签收", "按时签收率", "办结", "按时办结", "按时办结率"],
           [["热线转办（全部）", "", d["done"], d["on_time"], _pct(d["rate"]), "", "", ""]]
           + [[u["name"], u["tickets"], u["signed"], u["sign_on_time"], _pct(u["sign_rate"]), u["completed"],
               u["handle_on_time"], _pct(u["handle_rate"])] for u in report["time_limits"]["units"]])
    r = report["returns_extensions"]
    _sheet(book, "退回与延期", ["承办单位", "退回（次）", "延期申请（次）", "延期批准（次）"],
           [["合计", r["returns"], r["extensions_requested"], r["extensions_approved"]]]
           + [[u["name"], u["returns"], u["extensions_requested"], u["extensions_approved"]] for u in r["units"]])
    sat = report["satisfaction"]
    _sheet(book, "满意度", ["回访结果", "数量"],
           [[name, sat[key]] for key, name in SATISFACTION.items()]
           + [["参评合计", sat["evaluated"]], ["满意率", _pct(sat["rate"])], ["甄别剔除（不计入）", sat["screened_out"]]])
    _sheet(book, "热点", ["热点", "关键词", "诉求量", "上期", "变化", "主要区县"],
           [[t["label"], "、".join(t["keywords"]), t["count"], t["trend"]["previous"], t["trend"]["change"],
             "、".join(f"{g['name']}{g['count']}" for g in t["regions"][:5])] for t in report["hot_topics"]])
    _sheet(book, "预警", ["类型", "主题", "地区", "件数", "预警时间", "解除时间", "处置情况", "说明"],
           [[a["kind_name"], a["label"], a["region_name"] or a["region_code"] or "", a["count"], a["raised_at"],
             a["cleared_at"] or "未解除", a["acknowledgement"] or "", a["notice"]] for a in report["alerts"]])
    _sheet(book, "典型案例", ["热点", "工单编号", "受理时间", "地区", "内容摘要"],
           [[c["topic"], c["number"], c["created_at"], c["region_code"], c["summary"]] for c in report["typical_cases"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
