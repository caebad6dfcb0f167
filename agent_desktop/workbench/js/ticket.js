// The ticket page: facts, callers (shown or hidden exactly as the API answers), units, every
// deadline with the working time left, linked calls (with their recording for those who may hear
// it), duplicates and their merge (merge.js), reminders and whether the unit read them
// (reminders.js), attachments (attachments.js), every step on a timeline, and the steps the signed-in person may take now.

import { api } from "./api.js";
import * as attachments from "./attachments.js";
import { can, ctx, ownUnits, unitName, unitSide } from "./context.js";
import {
  ACTION, CALLBACK_RESULT, CATEGORY, CHANNEL, DEADLINE, OVERDUE_KIND, SIDE, SPECIAL, TICKET_STATUS, bindingDeadlines, esc,
  localTime, truncate,
} from "./format.js";
import * as merge from "./merge.js";
import * as recording from "./recording.js";
import * as reminders from "./reminders.js";
import * as surveys from "./surveys.js";
import { STEP_LABEL, STEP_PERMISSION, isPrimary, runStep } from "./steps.js";
import * as timeleft from "./timeleft.js";
import * as transcript from "./transcript.js";

const $ = (id) => document.getElementById(id);
let shown = null;

export function currentTicket() {
  return shown;
}

export async function show(id) {
  const [ticket, history] = await Promise.all([api.get(`/api/v1/tickets/${id}`), api.get(`/api/v1/tickets/${id}/history`)]);
  shown = ticket;
  wire();
  recording.release();
  render(ticket, history);
  document.body.dataset.ticket = `${ticket.id}:${ticket.status}:${ticket.row_version}`;
  await Promise.all([
    timeleft.track(bindingDeadlines(ticket).map((n) => ticket.deadlines[n])),
    linkedCall(ticket).catch(() => {}), merge.showCandidates(ticket).catch(() => {}),
    reminders.showOnTicket(ticket).catch(() => { $("t-reminders-box").hidden = true; }),
    attachments.showOnTicket(ticket).catch((err) => {
      $("t-attachments").innerHTML = `<li class="error">${esc(err.message)}</li>`;
    }),
    surveys.showOnTicket(ticket).catch(() => { $("t-surveys-box").hidden = true; }),
  ]);
}

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $("t-calls").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-play]");
    if (b) recording.play($("t-calls"), Number(b.dataset.play)).catch(() => {});
  });
  $("t-remind").addEventListener("click", async () => {
    if (shown && await reminders.send(shown)) await show(shown.id);  // the timeline gains the reminder
  });
}

function render(t, history) {
  $("t-number").textContent = t.number;
  $("t-status").textContent = TICKET_STATUS[t.status] || t.status;
  $("t-status").dataset.status = t.status;
  const flags = [];
  if (t.overdue) flags.push(`<span class="tag over">超期：${esc((t.overdue_kinds || []).map((k) => OVERDUE_KIND[k] || k).join("、"))}</span>`);
  if (t.special && t.special !== "none") flags.push(`<span class="tag special">${esc(SPECIAL[t.special])}</span>`);
  if (t.redo_count) flags.push(`<span class="tag">重办 ${t.redo_count} 次</span>`);
  if (t.satisfaction) flags.push(`<span class="tag">${esc(CALLBACK_RESULT[t.satisfaction] || t.satisfaction)}</span>`);
  if (t.calendar_provisional) flags.push('<span class="tag" title="该年度节假日安排尚未公布，期限按法定节假日推算">期限暂定</span>');
  $("t-flags").innerHTML = flags.join(" ");

  const facts = [
    ["类别", CATEGORY[t.category] || t.category], ["渠道", CHANNEL[t.channel] || t.channel],
    ["受理时间", localTime(t.received_at)], ["事发时间", localTime(t.occurred_at)],
    ["事发地点", t.address || "—"], ["行政区划", t.region_code],
    ["职责领域", ctx.domains[t.domain] || t.domain || "—"], ["涉企", t.enterprise_related ? "是" : "否"],
  ];
  if (t.complained_unit_id) facts.push(["被投诉单位", unitName(t.complained_unit_id)]);
  if (t.extension_requested_days) facts.push(["申请延期", `${t.extension_requested_days} 个工作日`]);
  if (t.extended_days) facts.push(["已延期", `${t.extended_days} 个工作日`]);
  $("t-facts").innerHTML = facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
  $("t-content").textContent = t.content;

  $("t-callers").querySelector("tbody").innerHTML = (t.callers || []).map((c) => c.hidden
    ? `<tr class="hidden-caller"><td colspan="2"><span class="tag secret">保密</span> 诉求人身份对承办单位保密</td><td>${esc(CALLBACK_RESULT[c.callback_result] || "—")}</td></tr>`
    : `<tr><td>${esc(c.name || "—")}${c.confidential ? ' <span class="tag secret">要求保密</span>' : ""}</td><td>${esc(c.phone || "—")}</td>
        <td>${esc(CALLBACK_RESULT[c.callback_result] || "—")}</td></tr>`).join("") || '<tr><td colspan="3" class="muted">—</td></tr>';

  const units = (t.assignments || []).filter((a) => a.active);
  $("t-units").innerHTML = units.length ? units.map((a) => `<li><span class="tag ${a.role === "lead" ? "lead" : ""}">${a.role === "lead" ? "主办" : "协办"}</span>
      ${esc(a.unit_name || unitName(a.unit_id))} <small class="muted">${esc(localTime(a.assigned_at))} 转办</small></li>`).join("")
    : '<li class="muted">尚未转办</li>';
  $("t-reply-box").hidden = !t.reply;
  $("t-reply").textContent = t.reply || "";

  const binding = new Set(bindingDeadlines(t));
  $("t-deadlines").querySelector("tbody").innerHTML = Object.entries(t.deadlines || {}).map(([name, at]) => `
    <tr class="${binding.has(name) ? "binding" : "past"}"><td>${esc(DEADLINE[name] || name)}</td><td>${esc(localTime(at))}</td>
      <td>${binding.has(name) ? `<span class="countdown" data-due="${esc(at)}">…</span>` : '<span class="muted">本环节已过</span>'}</td></tr>`).join("");

  $("t-timeline").innerHTML = history.map((e) => {
    const detail = eventDetail(e);
    return `<li data-side="${esc(e.side)}" data-action="${esc(e.action)}">
      <div class="when">${esc(localTime(e.at))}</div>
      <div class="what"><b>${esc(ACTION[e.action] || e.action)}</b>
        <span class="side">${esc(SIDE[e.side] || e.side)}</span>
        ${e.actor_username ? `<span class="muted">${esc(e.actor_username)}</span>` : ""}
        ${e.unit_id ? `<span class="muted">${esc(unitName(e.unit_id))}</span>` : ""}
        ${e.from_status !== e.to_status && e.to_status ? `<span class="muted">→ ${esc(TICKET_STATUS[e.to_status] || e.to_status)}</span>` : ""}
        ${e.note ? `<div class="note">${esc(e.note)}</div>` : ""}${detail}</div></li>`;
  }).join("");

  // a co-handling unit (协办) reports progress on its part; every other unit step is the lead unit's
  const coUnit = unitSide() && t.lead_unit_id && !ownUnits().has(t.lead_unit_id);
  const steps = (t.allowed_actions || []).filter((s) => STEP_LABEL[s] && can(STEP_PERMISSION[s])
    && (!coUnit || s === "progress"));
  $("t-actions").innerHTML = steps.map((s, i) => `<button type="button" data-step="${esc(s)}" class="${isPrimary(s) ? "primary" : ""}"
      title="Alt+${i + 1}">${esc(STEP_LABEL[s])}</button>`).join("") || '<span class="muted">当前无可办理的操作</span>';
}

const DETAIL_LABEL = {
  reason: "理由", legal_basis: "依据", suggested_unit_id: "建议单位", reply: "答复", result: "回访结果", days: "天数",
  lead_unit_id: "主办单位", co_unit_ids: "协办单位", upheld: "申诉成立", opinion: "意见",
};

function eventDetail(e) {
  const d = e.detail || {};
  const parts = [];
  for (const [key, label] of Object.entries(DETAIL_LABEL)) {
    if (d[key] === undefined || d[key] === null || key === "note") continue;
    let value = d[key];
    if (key.endsWith("unit_id")) value = unitName(value);
    else if (key === "co_unit_ids") { if (!value.length) continue; value = value.map(unitName).join("、"); }
    else if (key === "result") value = CALLBACK_RESULT[value] || value;
    else if (typeof value === "boolean") value = value ? "是" : "否";
    parts.push(`${label}：${truncate(value, 200)}`);
  }
  return parts.length ? `<div class="detail">${esc(parts.join("；"))}</div>` : "";
}

async function linkedCall(t) {
  const box = $("t-calls-box");
  box.hidden = unitSide();  // calls hold the caller's number: the hotline's side only
  if (box.hidden) return;
  if (!t.call_id) { $("t-calls").innerHTML = '<span class="muted">无（非电话渠道或未关联来电）</span>'; return; }
  if (!can("call:read") || !/^\d+$/.test(String(t.call_id))) { $("t-calls").textContent = `来电记录 ${t.call_id}`; return; }
  const call = await api.get(`/api/v1/calls/${t.call_id}`);
  const talk = call.answered_at && call.ended_at ? Math.round((new Date(call.ended_at) - new Date(call.answered_at)) / 1000) : null;
  $("t-calls").innerHTML = `<p>来电 ${esc(localTime(call.started_at))}${call.extension ? ` · 分机 ${esc(call.extension)}` : ""}
    ${talk !== null ? ` · 通话 ${Math.floor(talk / 60)}分${talk % 60}秒` : ""}${call.recording ? " · 有录音" : ""}</p>
    ${recording.control(call)}`;
  if (call.recording && can("recording:read")) await transcript.showOnCall($("t-calls"), call.id).catch(() => {});
}

// Run a step from the action bar; the page reloads the ticket afterwards (the timeline grows).
// A step may take the ticket out of one's sight (a unit's return): then {gone: true}.
export async function step(name) {
  if (!shown) return null;
  const updated = await runStep(shown, name);
  if (!updated) return null;
  try {
    await show(updated.id);
  } catch (err) {
    if (err.status === 404) return { ...updated, gone: true };
    throw err;
  }
  return updated;
}
