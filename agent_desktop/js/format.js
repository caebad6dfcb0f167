// Small helpers: escaping, durations, Chinese labels of statuses and categories.

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function localTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

// A datetime-local value is wall-clock time in Sichuan (Asia/Shanghai, UTC+8, no DST).
export function beijingIso(localValue) {
  if (!localValue) return null;
  const withSeconds = localValue.length === 16 ? `${localValue}:00` : localValue;
  return `${withSeconds}+08:00`;
}

// Now as a datetime-local value in Beijing time ("2026-11-27T10:05").
export function beijingLocalNow() {
  const shifted = new Date(Date.now() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16);
}

export const CATEGORY = { consultation: "咨询", help: "求助", complaint: "投诉", report: "举报", suggestion: "意见建议", unclassified: "待分类" };

export const TICKET_STATUS = {
  pending_intake: "待受理", pending_dispatch: "待转办", out_of_scope: "不予受理", direct_answered: "直接答复", dispatched: "已转办",
  returned: "已退回", in_progress: "办理中", extension_requested: "延期审核中", completed: "已办结待回访",
  no_evaluation: "回访未评价", closed: "已办结", remark_closed: "备注办结", auto_closed: "自动办结",
  terminated: "终结办理", disputed: "申诉甄别中", merged: "已并单", archived: "已归档",
};

export const AGENT_STATE = {
  ready: "示闲", not_ready: "示忙", wrap_up: "话后处理", ringing: "振铃", on_call: "通话中",
  logged_out: "未签入", unknown: "—",
};

export const SERVICE = { 110: "110 报警", 119: "119 火警", 120: "120 急救", 122: "122 交通事故" };
