// The queues (dispatch, unit inbox, callback) and the search: one table, filtered, ordered and paged
// on the server (GET /api/v1/tickets), so ten thousand open tickets cost one page of rows.

import { api } from "./api.js";
import { can, ctx, ownUnits, unitName, unitSide } from "./context.js";
import { CATEGORY, DEADLINE, OVERDUE_KIND, TICKET_STATUS, esc, listDeadline, localTime, truncate } from "./format.js";
import * as timeleft from "./timeleft.js";
import { unitPicker } from "./unitpicker.js";

const PAGE = 50;
const $ = (id) => document.getElementById(id);

const UNIT_OPEN = ["dispatched", "in_progress", "extension_requested"];
const UNIT_DONE = ["completed", "no_evaluation", "closed", "remark_closed", "auto_closed", "terminated", "disputed", "archived"];

// What each workspace lists. `when` decides whether the signed-in person gets it at all.
export const WORKSPACES = {
  dispatch: {
    title: "派单", when: () => can("ticket:dispatch") && !unitSide(),
    tabs: [
      { key: "pending", label: "待派单（含退回）", params: { status: ["pending_dispatch", "returned"], order: "dispatch_due" } },
      { key: "extension", label: "延期审核", params: { status: ["extension_requested"], order: "nearest_due" } },
      { key: "disputed", label: "申诉甄别", params: { status: ["disputed"], order: "newest" } },
    ],
  },
  inbox: {
    title: "承办", when: () => can("ticket:handle"),
    tabs: [
      { key: "open", label: "待办（按最近期限）", params: { status: UNIT_OPEN, order: "nearest_due" } },
      { key: "done", label: "已办结", params: { status: UNIT_DONE, order: "newest" } },
    ],
  },
  callback: {
    title: "回访", when: () => can("ticket:dispatch") && !unitSide(),
    tabs: [
      { key: "waiting", label: "待回访（最早办结在前）", params: { status: ["completed"], order: "completed_oldest" } },
      { key: "no_evaluation", label: "未评价", params: { status: ["no_evaluation"], order: "completed_oldest" } },
    ],
  },
  search: {
    title: "查询", when: () => can("ticket:read"), search: true,
    tabs: [{ key: "all", label: "全部工单", params: { order: "newest" } }],
  },
};

const view = { workspace: null, tab: null, offset: 0, filters: {}, rows: [] };
let unitFilter = null;  // the search's unit picker (a unit's people pick among their own units)

export function current() {
  return view;
}

export function setupFilters(onSubmit) {
  const status = $("f-status");
  for (const [value, label] of Object.entries(TICKET_STATUS)) status.add(new Option(label, value));
  unitFilter = unitPicker($("f-unit"), { name: "unit_id", placeholder: "搜索承办单位（名称或编码）",
    exclude: (id) => unitSide() && !ownUnits().has(id) });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    view.filters = readFilters();
    view.offset = 0;
    onSubmit();
  });
  $("f-reset").addEventListener("click", () => {
    $("filters").reset();
    unitFilter.clear();
    view.filters = {};
    view.offset = 0;
    onSubmit();
  });
  $("page-prev").addEventListener("click", () => { view.offset = Math.max(0, view.offset - PAGE); onSubmit(); });
  $("page-next").addEventListener("click", () => { view.offset += PAGE; onSubmit(); });
}

// A date picked in Beijing time → the instant its day starts (+08:00); `plus` days later for an end.
function dayStart(value, plus = 0) {
  if (!value) return "";
  const day = new Date(`${value}T00:00:00+08:00`);
  day.setUTCDate(day.getUTCDate() + plus);
  return new Date(day.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19) + "+08:00";
}

function readFilters() {
  return {
    q: $("f-q").value.trim(), number: $("f-number").value.trim(), category: $("f-category").value,
    status: $("f-status").value, phone: $("f-phone").value.trim(), overdue: $("f-overdue").checked ? "true" : "",
    region: $("f-region").value.trim(), unit_id: unitFilter.value() ?? "", created_from: dayStart($("f-from").value), created_to: dayStart($("f-to").value, 1),
  };
}

export function open(workspace, tabKey) {
  const ws = WORKSPACES[workspace];
  const tab = ws.tabs.find((t) => t.key === tabKey) || ws.tabs[0];
  if (view.workspace !== workspace || view.tab !== tab.key) {
    view.offset = 0;
  }
  view.workspace = workspace;
  view.tab = tab.key;
  $("list-title").textContent = ws.title;
  $("f-status-label").hidden = !ws.search;
  $("f-phone-label").hidden = !ws.search || unitSide() || !can("personal:read");
  for (const el of document.querySelectorAll(".search-only")) el.hidden = !ws.search;
  $("subtabs").innerHTML = ws.tabs.map((t) => `<button type="button" role="tab" data-tab="${esc(t.key)}"
    aria-selected="${t.key === tab.key}">${esc(t.label)}</button>`).join("");
  return tab;
}

export async function load() {
  const ws = WORKSPACES[view.workspace];
  const tab = ws.tabs.find((t) => t.key === view.tab);
  const filters = { ...view.filters };
  if (!ws.search) for (const key of ["status", "phone", "region", "unit_id", "created_from", "created_to"]) delete filters[key];
  const params = { ...tab.params, ...filters, limit: PAGE, offset: view.offset };
  if (ws.search && filters.status) params.status = filters.status;
  const page = await api.get("/api/v1/tickets", params);
  view.rows = page.items;
  render(page);
  await timeleft.track(page.items.map((t) => (listDeadline(t) || {}).at));
}

function callerCell(ticket) {
  const callers = ticket.callers || [];
  if (!callers.length) return "—";
  return callers.map((c) => (c.hidden ? '<span class="tag secret" title="诉求人身份对本单位保密">保密</span>'
    : esc([c.name, c.phone].filter(Boolean).join(" ") || "—"))).join("<br>");
}

function unitCell(ticket) {
  if (!ticket.lead_unit_id) return `<span class="muted">${ticket.status === "returned" ? "待重新转办" : "未转办"}</span>`;
  return esc(unitName(ticket.lead_unit_id));
}

function row(ticket, index) {
  const due = listDeadline(ticket);
  const overdue = ticket.overdue ? `<span class="tag over" title="${esc((ticket.overdue_kinds || []).map((k) => OVERDUE_KIND[k] || k).join("、"))}">超期</span>` : "";
  const special = ticket.special && ticket.special !== "none" ? '<span class="tag special">特殊</span>' : "";

  return `<tr tabindex="0" data-id="${ticket.id}" data-index="${index}" class="${ticket.overdue ? "overdue" : ""}">
    <td class="num"><a href="#ticket/${ticket.id}">${esc(ticket.number)}</a></td>
    <td>${ticket.status === "returned" ? '<span class="tag returned">已退回</span>'
      : esc(TICKET_STATUS[ticket.status] || ticket.status)} ${overdue}${special}</td>
    <td>${esc(CATEGORY[ticket.category] || ticket.category)}</td>
    <td class="text" title="${esc(ticket.content)}">${esc(truncate(ticket.content, 48))}</td>
    <td>${callerCell(ticket)}</td>
    <td>${unitCell(ticket)}</td>
    <td class="due">${due ? `${esc(DEADLINE[due.name] || due.name)} ${esc(localTime(due.at))}` : "—"}</td>
    <td class="left">${due ? `<span class="countdown" data-due="${esc(due.at)}">…</span>` : "—"}</td>
  </tr>`;
}

function render(page) {
  $("ticket-table").querySelector("tbody").innerHTML = page.items.map(row).join("");
  $("list-empty").hidden = page.items.length > 0;
  $("list-total").textContent = `共 ${page.total} 件`;
  const from = page.total ? page.offset + 1 : 0;
  const to = page.offset + page.items.length;
  $("page-info").textContent = `第 ${from}–${to} 件 / 共 ${page.total} 件`;
  $("page-prev").disabled = page.offset === 0;
  $("page-next").disabled = to >= page.total;
  document.body.dataset.listLoaded = `${view.workspace}/${view.tab}/${Date.now()}`;
  timeleft.render();
}

export function unitLabel() {
  return ctx.me && ctx.me.org_unit_id ? unitName(ctx.me.org_unit_id) : "";
}
