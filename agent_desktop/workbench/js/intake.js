// The intake queue (受理): requests written in through the portal, the mailbox, the app and the
// upstream platforms that lack elements or a category wait here (GET /api/v1/intake). The agent
// completes them and accepts: to be dispatched (the dispatch limit starts now), out of scope,
// answered directly, or merged into the ticket they duplicate (POST /api/v1/intake/{id}/accept).

import { api } from "./api.js";
import { can, unitSide } from "./context.js";
import { openForm, field } from "./dialog.js";
import { CATEGORY, CHANNEL, esc, localTime, truncate } from "./format.js";

const $ = (id) => document.getElementById(id);
const ELEMENT = { "caller.phone": "联系电话", content: "诉求内容", category: "类别", occurred_at: "事发时间",
  address: "事发地址", region_code: "行政区划" };
const DISPOSITION = { legal_channel: "告知法定途径", secret_privacy: "涉密/隐私，已解释", unlawful_dissuaded: "违法诉求，已劝导",
  emergency_transfer: "紧急事项已转 110/119/120/122" };
let rows = new Map();

export const WORKSPACE = { title: "受理", when: () => can("ticket:create") && !unitSide() };

export async function show() {
  const channel = $("in-channel").value;
  const out = await api.get("/api/v1/intake", { channel: channel || undefined, limit: 200 });
  rows = new Map(out.items.map((item) => [item.ticket_id, item]));
  $("intake-total").textContent = `共 ${out.total} 条`;
  $("intake-empty").hidden = out.items.length > 0;
  $("intake-table").querySelector("tbody").innerHTML = out.items.map((i) => `<tr data-intake="${i.ticket_id}">
      <td><a href="#ticket/${i.ticket_id}">${esc(i.number)}</a></td>
      <td>${esc(CHANNEL[i.channel] || i.channel)}${i.source ? `<br><small class="muted">${esc(i.source)}</small>` : ""}</td>
      <td>${esc(localTime(i.received_at))}</td>
      <td>${esc(i.caller_name || "")}${i.caller_phone ? `<br>${esc(i.caller_phone)}` : ""}${i.email ? `<br><small>${esc(i.email)}</small>` : ""}${i.confidential ? ' <span class="badge">保密</span>' : ""}</td>
      <td class="content-cell">${i.subject ? `<b>${esc(truncate(i.subject, 40))}</b><br>` : ""}${esc(truncate(i.content, 80))}</td>
      <td>${esc(i.missing.map((m) => ELEMENT[m] || m).join("、") || "—")}</td>
      <td>${i.attachments || ""}</td>
      <td><button type="button" class="small primary" data-accept="${i.ticket_id}">受理</button></td>
    </tr>`).join("");
  document.body.dataset.intake = String(out.items.length);
}

function beijingLocal(iso) {
  if (!iso) return "";
  const shifted = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16);
}

function options(map, selected) {
  return Object.entries(map).map(([v, label]) => `<option value="${esc(v)}"${v === selected ? " selected" : ""}>${esc(label)}</option>`).join("");
}

function form(item) {
  const categories = { ...CATEGORY };
  delete categories.unclassified;
  return `<p class="muted">${esc(item.number)} · ${esc(CHANNEL[item.channel] || item.channel)}${item.subject ? ` · ${esc(item.subject)}` : ""}</p>`
    + field("诉求人姓名", `<input name="name" maxlength="64" value="${esc(item.caller_name || "")}">`)
    + field("联系电话", `<input name="phone" maxlength="32" value="${esc(item.caller_phone || "")}">`)
    + field("类别", `<select name="category"><option value="">请选择</option>${options(categories, item.category)}</select>`)
    + field("行政区划代码", `<input name="region_code" maxlength="12" pattern="[0-9]{6,12}" value="${esc(item.region_code)}">`)
    + field("事发地址", `<input name="address" maxlength="300" value="${esc(item.address || "")}">`)
    + field("事发时间", `<input name="occurred_at" type="datetime-local" value="${esc(beijingLocal(item.occurred_at))}">`)
    + field("诉求内容", `<textarea name="content" rows="4" maxlength="4000">${esc(item.content)}</textarea>`)
    + field("受理结果", `<select name="outcome">${options({ dispatch: "受理，待转办", out_of_scope: "不予受理", direct_answer: "直接答复办结", merge: "重复诉求，并单" }, "dispatch")}</select>`)
    + field("不予受理处置", `<select name="disposition_kind"><option value="">—</option>${options(DISPOSITION, "")}</select>`)
    + field("处置说明 / 直接答复内容", `<textarea name="answer" rows="2" maxlength="4000"></textarea>`)
    + field("并入工单编号", `<input name="merge_into_number" maxlength="32" placeholder="重复诉求时填写">`);
}

function body(data, item) {
  const value = (k) => (data.get(k) || "").toString().trim();
  const outcome = value("outcome");
  const out = { outcome, expected_version: item.row_version, content: value("content") || undefined,
    address: value("address") || undefined, region_code: value("region_code") || undefined,
    category: value("category") || undefined };
  if (value("occurred_at")) out.occurred_at = `${value("occurred_at")}:00+08:00`;
  if (value("phone")) out.caller = { name: value("name") || null, phone: value("phone"), confidential: item.confidential };
  if (outcome === "out_of_scope") out.disposition = { kind: value("disposition_kind"), note: value("answer") };
  if (outcome === "direct_answer") out.direct_answer = { answer: value("answer") };
  if (outcome === "merge") out.merge_into_number = value("merge_into_number");
  return out;
}

async function accept(id) {
  const item = rows.get(id);
  if (!item) return;
  const done = await openForm({ name: "accept", title: `受理诉求 ${item.number}`, html: form(item), submitLabel: "受理",
    submit: (data) => api.post(`/api/v1/intake/${id}/accept`, body(data, item)) });
  if (done) {
    window.dispatchEvent(new CustomEvent("workbench:navigate", { detail: {
      hash: "#intake", notice: `诉求 ${done.number} 已受理（${done.status === "merged" ? "已并单" : "完成"}）` } }));
  }
}

export function setup() {
  $("in-channel").addEventListener("change", () => show().catch(() => {}));
  $("intake-table").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-accept]");
    if (b) accept(Number(b.dataset.accept));
  });
}
