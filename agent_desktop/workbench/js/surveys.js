// The ticket page's callback desk part: the automated survey's tries and answers per caller
// (GET /api/v1/callbacks/surveys?ticket_id=), and a call button per caller (click-to-call:
// POST /api/v1/calls/outbound rings one's own seat, then the caller showing 12345).
import { api } from "./api.js";
import { can, unitSide } from "./context.js";
import { esc, localTime } from "./format.js";

const $ = (id) => document.getElementById(id);
const ANSWER = { 1: "满意", 2: "基本满意", 3: "不满意" };
const RESOLVED = { 1: "已解决", 2: "部分解决", 3: "未解决" };
const STATUS = {
  scheduled: "待呼叫", calling: "呼叫中", sms_sent: "短信已发", done: "已完成", unreached: "未接通，转人工回访",
  skipped: "未抽中", cancelled: "已取消",
};
const OUTCOME = {
  satisfied: "满意", dissatisfied_reasonable: "不满意（重办）", dissatisfied_unreasonable: "不满意（备注办结）",
  no_evaluation: "未评价",
};
const METHOD = { phone_ivr: "电话语音", sms: "短信" };

export async function showOnTicket(ticket) {
  const box = $("t-surveys-box");
  if (!box) return;
  box.hidden = unitSide() || !can("ticket:dispatch");
  if (box.hidden) return;
  const surveys = await api.get(`/api/v1/callbacks/surveys?ticket_id=${ticket.id}`);
  $("t-surveys").querySelector("tbody").innerHTML = surveys.map((s) => `<tr data-survey="${s.id}">
      <td>${esc(s.phone || "—")}</td><td>${esc(STATUS[s.status] || s.status)}${s.method ? ` · ${esc(METHOD[s.method] || s.method)}` : ""}</td>
      <td>${s.attempts}${s.last_attempt_at ? ` <small class="muted">${esc(localTime(s.last_attempt_at))}</small>` : ""}</td>
      <td>${esc(answers(s.answers))}</td><td>${esc(OUTCOME[(s.outcome || "").replace("superseded:", "")] || "—")}</td></tr>`).join("")
    || '<tr><td colspan="5" class="muted">暂无自动回访</td></tr>';
  const buttons = $("t-call-buttons");
  buttons.replaceChildren();
  if (!can("call:control")) return;
  for (const caller of (ticket.callers || []).filter((c) => !c.hidden && c.phone)) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `拨打 ${caller.name || ""} ${caller.phone}`;
    button.addEventListener("click", () => call(ticket, caller.phone, button));
    buttons.append(button);
  }
}

function answers(a) {
  if (!a || !Object.values(a).some(Boolean)) return "—";
  return `时效${ANSWER[a.speed] || "未答"} / ${RESOLVED[a.resolution] || "未答"} / 满意度${ANSWER[a.overall] || "未答"}`;
}

async function call(ticket, number, button) {
  button.disabled = true;
  const state = $("t-call-state");
  state.textContent = "正在呼叫：请先接听本机分机，随后接通诉求人…";
  try {
    const out = await api.post("/api/v1/calls/outbound", { number, ticket_id: ticket.id });
    state.textContent = `已发起外呼（通话 ${out.call_id}），通话录音后可在此工单查看。`;
  } catch (err) {
    state.textContent = `外呼失败：${err.message}`;
  } finally {
    button.disabled = false;
  }
}
