// Reminders (催办): whether the unit read each one (who, when), the unit's reading of them (a reminder
// counts as read once someone of the unit opens it: on its ticket's page or from the supervision
// list), and a supervisor's reminder sent by hand to the lead unit of a ticket in handling.

import { api } from "./api.js";
import { can, unitName, unitSide } from "./context.js";
import { field, openForm } from "./dialog.js";
import { FINDING, esc, localTime, truncate } from "./format.js";

const $ = (id) => document.getElementById(id);
const HANDLING = ["dispatched", "in_progress", "extension_requested"];

// Supervisors and admins of the hotline send reminders by hand (the API's rule: ticket:dispatch and stats:read).
export function canRemind() {
  return !unitSide() && can("ticket:dispatch") && can("stats:read");
}

export function mayRemind(ticket) {
  return canRemind() && HANDLING.includes(ticket.status) && Boolean(ticket.lead_unit_id);
}

export function readCell(record) {
  if (!record.is_reminder) return '<span class="muted">—</span>';
  if (!record.read) return '<span class="tag unread">未读</span>';
  return `<span class="tag read" title="${esc(unitName(record.read.unit_id))}">已读</span>
    <small>${esc(record.read.by_name || record.read.by)} ${esc(localTime(record.read.at))}</small>`;
}

// The unit opened the reminder: mark it read (its own reminders only; the hotline's views change nothing).
export async function markRead(record) {
  if (!unitSide() || !record.is_reminder || record.read) return record;
  return api.post(`/api/v1/supervision/records/${record.id}/read`, {});
}

export async function send(ticket) {
  const unit = unitName(ticket.lead_unit_id);
  return openForm({
    name: "reminder",
    title: `催办 · ${ticket.number}`,
    submitLabel: "发送催办",
    html: `<p>向主办单位 <b>${esc(unit)}</b> 发送催办，单位人员将收到通知，打开后显示为已读。</p>
      ${field("催办内容", `<textarea name="text" rows="4" maxlength="500" required>请抓紧办理工单 ${esc(ticket.number)}，按期答复诉求人。</textarea>`)}`,
    submit: (data) => api.post("/api/v1/supervision/reminders", { ticket_id: ticket.id, text: String(data.get("text") || "") }),
  });
}

// The ticket page's 催办 card: the ticket's reminders with their reading; a unit opening the page reads them.
export async function showOnTicket(ticket) {
  const box = $("t-reminders-box");
  const records = (await api.get("/api/v1/supervision/records", { ticket_id: ticket.id, limit: 50 }))
    .filter((r) => r.is_reminder);
  const shown = await Promise.all(records.map((r) => markRead(r).catch(() => r)));
  $("t-remind").hidden = !mayRemind(ticket);
  box.hidden = !shown.length && $("t-remind").hidden;
  $("t-reminders").innerHTML = shown.length ? shown.map((r) => `<li data-record="${r.id}" data-read="${r.read ? "1" : "0"}">
      <div><b>${esc(FINDING[r.kind] || r.kind)}</b> <small class="muted">${esc(localTime(r.created_at))} → ${esc(unitName(r.unit_id))}</small></div>
      <div class="note">${esc(truncate(r.reminder, 300))}</div><div>${readCell(r)}</div></li>`).join("")
    : '<li class="muted">暂无催办</li>';
  document.body.dataset.reminders = `${ticket.id}:${shown.length}:${shown.filter((r) => r.read).length}`;
}
