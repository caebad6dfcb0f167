// Supervision (督办): tickets overdue now grouped by their lead unit, the findings and reminders
// (催办) the scheduler and the workflow recorded, and the units with repeated findings.

import { api } from "./api.js";
import { can, unitName } from "./context.js";
import { FINDING, OVERDUE_KIND, TICKET_STATUS, esc, localTime, truncate } from "./format.js";

const $ = (id) => document.getElementById(id);

export async function show() {
  const [groups, records, units] = await Promise.all([
    api.get("/api/v1/supervision/overdue", { limit: 500 }),
    api.get("/api/v1/supervision/records", { limit: 100 }),
    can("stats:read") ? api.get("/api/v1/supervision/units") : Promise.resolve(null),
  ]);
  const count = groups.reduce((n, g) => n + g.tickets.length, 0);
  $("sv-overdue-count").textContent = String(count);
  $("sv-overdue-count").dataset.count = String(count);
  $("sv-overdue").innerHTML = groups.length ? groups.map((g) => `<div class="sv-unit" data-unit="${g.unit_id ?? ""}">
      <h3>${esc(g.unit_id ? g.unit_name || unitName(g.unit_id) : "待转办（热线未按时转办）")} <span class="badge" data-count="${g.tickets.length}">${g.tickets.length}</span></h3>
      <table class="small"><thead><tr><th>工单编号</th><th>状态</th><th>超期事项</th><th>转办期限</th><th>签收期限</th><th>办结期限</th></tr></thead><tbody>
      ${g.tickets.map((t) => `<tr tabindex="0" data-id="${t.id}" class="overdue"><td><a href="#ticket/${t.id}">${esc(t.number)}</a></td>
        <td>${esc(TICKET_STATUS[t.status] || t.status)}</td>
        <td>${esc((t.overdue_kinds || []).map((k) => OVERDUE_KIND[k] || k).join("、"))}</td>
        <td>${esc(localTime(t.dispatch_due_at))}</td><td>${esc(localTime(t.sign_due_at))}</td><td>${esc(localTime(t.handle_due_at))}</td></tr>`).join("")}
      </tbody></table></div>`).join("") : '<p class="muted">当前没有超期工单</p>';

  $("sv-records").querySelector("tbody").innerHTML = records.map((r) => `<tr>
      <td>${esc(localTime(r.created_at))}</td><td><a href="#ticket/${r.ticket_id}">#${r.ticket_id}</a></td>
      <td>${esc(r.unit_id ? unitName(r.unit_id) : "热线")}</td><td>${esc(FINDING[r.kind] || r.kind)}</td>
      <td title="${esc(r.reminder || "")}">${esc(truncate(r.reminder || "—", 60))}</td></tr>`).join("")
    || '<tr><td colspan="5" class="muted">暂无记录</td></tr>';

  $("sv-units-box").hidden = units === null;
  if (units) {
    $("sv-units").querySelector("tbody").innerHTML = units.map((u) => `<tr>
        <td>${esc(u.unit_name || unitName(u.unit_id))}</td><td>${u.counts.overdue || 0}</td><td>${u.counts.return || 0}</td>
        <td>${u.counts.return_refused || 0}</td><td>${u.counts.dissatisfied || 0}</td></tr>`).join("")
      || '<tr><td colspan="5" class="muted">没有达到重点督办次数的单位</td></tr>';
  }
  document.body.dataset.supervisionLoaded = String(Date.now());
}
