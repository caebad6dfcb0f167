// Supervision (督办): tickets overdue now grouped by their lead unit (with a reminder sent by hand),
// the findings and reminders (催办) with whether the unit read them, the units with repeated
// findings (and their last formal interview), and the formal interviews (约谈).

import { api } from "./api.js";
import { can, unitName, unitSide } from "./context.js";
import { FINDING, OVERDUE_KIND, TICKET_STATUS, esc, localTime, truncate } from "./format.js";
import * as interviews from "./interviews.js";
import * as reminders from "./reminders.js";

const $ = (id) => document.getElementById(id);
let wired = false;
let records = [];
let overdue = new Map();

function banner(text, kind = "ok") {
  $("banner").textContent = text;
  $("banner").dataset.kind = kind;
  $("banner").hidden = !text;
}

function wire() {
  if (wired) return;
  wired = true;
  $("sv-overdue").addEventListener("click", async (event) => {
    const b = event.target.closest("button[data-remind]");
    if (!b) return;
    const ticket = overdue.get(Number(b.dataset.remind));
    const sent = await reminders.send(ticket);
    if (sent) { banner(`已向 ${unitName(ticket.lead_unit_id)} 催办工单 ${ticket.number}`); await show(); }
  });
  // a unit opens a reminder: it is read (who, when), then its ticket is shown
  $("sv-records").addEventListener("click", async (event) => {
    const a = event.target.closest("a[data-open]");
    if (!a) return;
    event.preventDefault();
    const record = records.find((r) => r.id === Number(a.dataset.open));
    if (record) await reminders.markRead(record).catch(() => null);
    location.hash = `#ticket/${a.dataset.ticket}`;
  });
  $("sv-units").addEventListener("click", async (event) => {
    const b = event.target.closest("button[data-interview]");
    if (!b) return;
    if (await interviews.record(Number(b.dataset.interview))) { banner("约谈记录已保存"); await show(); }
  });
  $("sv-interview-new").addEventListener("click", async () => {
    if (await interviews.record()) { banner("约谈记录已保存"); await show(); }
  });
}

function overdueHtml(groups) {
  const remind = reminders.canRemind();
  return groups.length ? groups.map((g) => `<div class="sv-unit" data-unit="${g.unit_id ?? ""}">
      <h3>${esc(g.unit_id ? g.unit_name || unitName(g.unit_id) : "待转办（热线未按时转办）")} <span class="badge" data-count="${g.tickets.length}">${g.tickets.length}</span></h3>
      <table class="small"><thead><tr><th>工单编号</th><th>状态</th><th>超期事项</th><th>转办期限</th><th>签收期限</th><th>办结期限</th>${remind ? "<th></th>" : ""}</tr></thead><tbody>
      ${g.tickets.map((t) => `<tr tabindex="0" data-id="${t.id}" class="overdue"><td><a href="#ticket/${t.id}">${esc(t.number)}</a></td>
        <td>${esc(TICKET_STATUS[t.status] || t.status)}</td>
        <td>${esc((t.overdue_kinds || []).map((k) => OVERDUE_KIND[k] || k).join("、"))}</td>
        <td>${esc(localTime(t.dispatch_due_at))}</td><td>${esc(localTime(t.sign_due_at))}</td><td>${esc(localTime(t.handle_due_at))}</td>
        ${remind ? `<td>${g.unit_id && reminders.mayRemind({ ...t, lead_unit_id: g.unit_id })
          ? `<button type="button" class="small" data-remind="${t.id}">催办</button>` : ""}</td>` : ""}</tr>`).join("")}
      </tbody></table></div>`).join("") : '<p class="muted">当前没有超期工单</p>';
}

function recordsHtml() {
  const unit = unitSide();
  return records.map((r) => `<tr data-record="${r.id}" class="${r.is_reminder && !r.read ? "unread" : ""}">
      <td>${esc(localTime(r.created_at))}</td>
      <td><a href="#ticket/${r.ticket_id}" data-open="${r.id}" data-ticket="${r.ticket_id}">${esc(r.ticket_number || `#${r.ticket_id}`)}</a></td>
      <td>${esc(r.unit_id ? unitName(r.unit_id) : "热线")}</td><td>${esc(FINDING[r.kind] || r.kind)}</td>
      <td title="${esc(r.reminder || "")}">${esc(truncate(r.reminder || "—", 60))}</td>
      <td>${reminders.readCell(r)}${unit && r.is_reminder && !r.read ? ' <small class="muted">点击工单号查看</small>' : ""}</td></tr>`).join("")
    || '<tr><td colspan="6" class="muted">暂无记录</td></tr>';
}

function unitsHtml(units) {
  const remind = reminders.canRemind();
  return units.map((u) => `<tr data-unit="${u.unit_id}">
      <td>${esc(u.unit_name || unitName(u.unit_id))}${u.escalate ? ' <span class="tag over" title="约谈后仍多次出现问题（第十九条）">约谈后仍未见实效，建议报本级政府督办</span>' : ""}</td>
      <td>${u.counts.overdue || 0}</td><td>${u.counts.return || 0}</td>
      <td>${u.counts.return_refused || 0}</td><td>${u.counts.dissatisfied || 0}</td>
      <td>${u.last_interview_on ? `${esc(u.last_interview_on)}<br><small class="muted">此后 ${u.after_interview} 次</small>` : '<span class="muted">未约谈</span>'}</td>
      <td>${remind ? `<button type="button" class="small" data-interview="${u.unit_id}">约谈</button>` : ""}</td></tr>`).join("")
    || '<tr><td colspan="7" class="muted">没有达到重点督办次数的单位</td></tr>';
}

export async function show() {
  wire();
  const [groups, found, units] = await Promise.all([
    api.get("/api/v1/supervision/overdue", { limit: 500 }),
    api.get("/api/v1/supervision/records", { limit: 100 }),
    can("stats:read") ? api.get("/api/v1/supervision/units") : Promise.resolve(null),
    interviews.show(),
  ]);
  records = found;
  overdue = new Map(groups.flatMap((g) => g.tickets.map((t) => [t.id, { ...t, lead_unit_id: g.unit_id }])));
  const count = groups.reduce((n, g) => n + g.tickets.length, 0);
  $("sv-overdue-count").textContent = String(count);
  $("sv-overdue-count").dataset.count = String(count);
  $("sv-overdue").innerHTML = overdueHtml(groups);
  $("sv-records").querySelector("tbody").innerHTML = recordsHtml();
  const unread = records.filter((r) => r.is_reminder && !r.read).length;
  $("sv-unread").textContent = String(unread);
  $("sv-unread").dataset.count = String(unread);
  $("sv-units-box").hidden = units === null;
  if (units) $("sv-units").querySelector("tbody").innerHTML = unitsHtml(units);
  document.body.dataset.supervisionLoaded = String(Date.now());
}
