// Escaping, Beijing times, working time left, and the Chinese names of everything a ticket shows.

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const TIME = { timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };

export function localTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", TIME);
}

export function shortTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", { ...TIME, year: undefined });
}

const pad = (n) => String(n).padStart(2, "0");

// Working seconds left → "剩 2个工作日 3小时" / "剩 1:05:09" (under a working day, ticking) / "超时 2小时10分".
export function workingLeft(seconds, daySeconds = 7 * 3600) {
  if (seconds === null || seconds === undefined) return "—";
  const overdue = seconds < 0;
  const s = Math.abs(Math.trunc(seconds));
  const days = Math.floor(s / daySeconds);
  const rest = s - days * daySeconds;
  const h = Math.floor(rest / 3600), m = Math.floor((rest % 3600) / 60), sec = rest % 60;
  if (overdue) return days ? `超时 ${days}个工作日${h ? ` ${h}小时` : ""}` : `超时 ${h ? `${h}小时` : ""}${m}分`;
  if (days) return `剩 ${days}个工作日${h ? ` ${h}小时` : ""}`;
  return `剩 ${h}:${pad(m)}:${pad(sec)}`;
}

export function truncate(text, n = 60) {
  const s = String(text ?? "");
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export const CATEGORY = { consultation: "咨询", help: "求助", complaint: "投诉", report: "举报", suggestion: "意见建议", unclassified: "待分类" };

export const TICKET_STATUS = {
  pending_intake: "待受理", pending_dispatch: "待转办", out_of_scope: "不予受理", direct_answered: "直接答复", dispatched: "已转办待签收",
  returned: "已退回", in_progress: "办理中", extension_requested: "延期审核中", completed: "已办结待回访",
  no_evaluation: "回访未评价", closed: "已办结", remark_closed: "备注办结", auto_closed: "自动办结",
  terminated: "终结办理", disputed: "申诉甄别中", merged: "已并单", archived: "已归档",
};

export const CHANNEL = {
  phone: "电话", web: "网站", mailbox: "信箱", app: "移动端", national_platform: "国家政务服务平台",
  gov_website: "中国政府网留言", chuanyu: "川渝热线联动",
};

export const SPECIAL = { none: "", special: "特殊事项", special_urgent: "特殊紧急事项" };

export const ACTION = {
  create: "受理", accept: "受理（网上诉求）", dispatch: "转办", sign: "签收", return: "退回", request_extension: "申请延期",
  approve_extension: "同意延期", reject_extension: "不同意延期", progress: "办理进展", complete: "办结",
  callback: "回访", auto_close: "自动办结", terminate: "终结办理", dispute: "满意度申诉", screen: "甄别",
  archive: "归档", merge: "并单", overdue: "超期催办", merged_into: "并入其他工单", redo: "重办", remind: "督办催办",
};

export const SIDE = { hotline: "热线", unit: "承办单位", system: "系统" };

export const DEADLINE = {
  dispatch_due_at: "转办", sign_due_at: "签收", return_due_at: "退回窗口", handle_due_at: "办结",
  first_response_due_at: "首次响应", progress_due_at: "进展报告", auto_close_due_at: "未评价自动办结",
};

export const CALLBACK_RESULT = {
  satisfied: "满意", dissatisfied_reasonable: "不满意（诉求合理）", dissatisfied_unreasonable: "不满意（诉求不合理）",
  no_evaluation: "未评价",
};

export const SATISFACTION = { ...CALLBACK_RESULT };

export const FINDING = {
  overdue_dispatch: "转办超期", overdue_sign: "签收超期", overdue_handle: "办结超期",
  overdue_first_response: "首次响应超期", overdue_progress: "进展报告超期", late_return: "超期退回",
  return: "退回", return_refused: "拒不接收（已协调定责）", dissatisfied: "不满意", reminder: "督办催办",
};

export const OVERDUE_KIND = {
  dispatch_due_at: "转办超期", sign_due_at: "签收超期", handle_due_at: "办结超期",
  first_response_due_at: "首次响应超期", progress_due_at: "进展报告超期",
};

export const ROLE = {
  admin: "管理员", supervisor: "值班长", agent: "话务员", expert: "专家座席", unit_staff: "承办单位经办人",
  unit_leader: "承办单位负责人", auditor: "审计员",
};

// Which deadlines still bind a ticket in a status (as the scheduler checks them).
export function bindingDeadlines(ticket) {
  const status = ticket.status;
  let names = [];
  if (status === "pending_dispatch" || status === "returned") names = ["dispatch_due_at"];
  else if (status === "dispatched") names = ["sign_due_at", "return_due_at", "handle_due_at", "first_response_due_at", "progress_due_at"];
  else if (status === "in_progress" || status === "extension_requested") names = ["handle_due_at", "first_response_due_at", "progress_due_at"];
  else if (status === "no_evaluation") names = ["auto_close_due_at"];
  return names.filter((n) => ticket.deadlines && ticket.deadlines[n]);
}

// The one limit a list shows for a ticket: the nearest one that still binds it.
export function listDeadline(ticket) {
  const names = bindingDeadlines(ticket).filter((n) => n !== "return_due_at");
  let best = null;
  for (const name of names) {
    const at = ticket.deadlines[name];
    if (!best || new Date(at) < new Date(best.at)) best = { name, at };
  }
  return best;
}
