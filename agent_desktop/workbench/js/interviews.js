// Formal interviews (约谈, R-24): the list of one's scope (a unit sees its own) and, for the hotline's
// supervisors, the form that records one: date, unit, attendees, findings, follow-up.

import { api } from "./api.js";
import { unitName } from "./context.js";
import { field, openForm } from "./dialog.js";
import { esc, truncate } from "./format.js";
import { canRemind } from "./reminders.js";
import { unitPicker } from "./unitpicker.js";

const $ = (id) => document.getElementById(id);

function beijingToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export async function show() {
  const items = await api.get("/api/v1/supervision/interviews", { limit: 100 });
  $("sv-interview-new").hidden = !canRemind();
  $("sv-interviews").querySelector("tbody").innerHTML = items.map((i) => `<tr data-interview="${i.id}">
      <td>${esc(i.held_on)}</td><td>${esc(i.unit_name || unitName(i.unit_id))}</td>
      <td>${esc(i.attendees.join("、"))}</td>
      <td title="${esc(i.findings)}">${esc(truncate(i.findings, 80))}</td>
      <td title="${esc(i.follow_up)}">${esc(truncate(i.follow_up, 80))}${i.follow_up_due ? `<br><small class="muted">限 ${esc(i.follow_up_due)} 前</small>` : ""}</td>
      <td>${i.ticket_ids.map((id) => `<a href="#ticket/${id}">#${id}</a>`).join(" ") || "—"}</td></tr>`).join("")
    || '<tr><td colspan="6" class="muted">暂无约谈记录</td></tr>';
  return items;
}

// Ticket numbers typed in the form → ids (each must be a ticket one may see).
async function ticketIds(text) {
  const numbers = String(text || "").split(/[,，\s]+/).filter(Boolean);
  const ids = [];
  for (const number of numbers) {
    const page = await api.get("/api/v1/tickets", { number, limit: 1 });
    if (!page.items.length) throw new Error(`工单 ${number} 不存在或不在您的权限范围内`);
    ids.push(page.items[0].id);
  }
  return ids;
}

export function record(unitId = null) {
  let picker = null;
  return openForm({
    name: "interview",
    title: "记录约谈",
    submitLabel: "保存约谈记录",
    html: `<p class="muted">承办单位超期未办理、多次不满意或推诿已确定的承办事项的，由热线管理机构督促、约谈（第十八条）。</p>
      <label>被约谈单位</label><div id="iv-unit"></div>
      <div class="grid2">
        ${field("约谈日期", `<input name="held_on" type="date" required max="${beijingToday()}" value="${beijingToday()}">`)}
        ${field("整改期限（可选）", '<input name="follow_up_due" type="date">')}
      </div>
      ${field("参加人员（每行一人，写明单位和职务）", '<textarea name="attendees" rows="3" required></textarea>')}
      ${field("约谈发现的问题", '<textarea name="findings" rows="3" maxlength="4000" required></textarea>')}
      ${field("整改要求与跟进", '<textarea name="follow_up" rows="3" maxlength="4000" required></textarea>')}
      ${field("相关工单编号（可选，逗号分隔）", '<input name="tickets" placeholder="例如：5101-20261201-000001">')}`,
    mount: () => {
      picker = unitPicker($("iv-unit"), { name: "unit_id", placeholder: "搜索被约谈单位（名称或编码）" });
      if (unitId) picker.set(unitId);
      else picker.focus();
    },
    submit: async (data) => {
      if (!picker.value()) throw new Error("请选择被约谈单位");
      const attendees = String(data.get("attendees") || "").split(/\n+/).map((s) => s.trim()).filter(Boolean);
      const body = { unit_id: picker.value(), held_on: data.get("held_on"), attendees,
        findings: data.get("findings"), follow_up: data.get("follow_up"), ticket_ids: await ticketIds(data.get("tickets")) };
      if (data.get("follow_up_due")) body.follow_up_due = data.get("follow_up_due");
      return api.post("/api/v1/supervision/interviews", body);
    },
  });
}
