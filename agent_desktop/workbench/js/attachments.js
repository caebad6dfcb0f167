// The ticket's attachments (附件): photos and PDFs with who added them and when, a download for each
// (the API needs the bearer token, so the file is fetched as a blob and saved from an object URL;
// every download is audited), and an upload control for those the API lets add one now.
// A unit never gets the hotline-only ones (a hidden caller's files, R-25): the API leaves them out.

import { ApiError, api, token } from "./api.js";
import { can, unitSide } from "./context.js";
import { SIDE, esc, localTime } from "./format.js";

const $ = (id) => document.getElementById(id);
const UNIT_STATUSES = new Set(["dispatched", "in_progress", "extension_requested"]);
const CLOSED = new Set(["archived", "merged"]);
let shown = null;
let wired = false;

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// The same rule as the API (workorders/attachments.py), so the control shows only when it would work.
function mayUpload(t) {
  if (unitSide()) return can("ticket:handle") && UNIT_STATUSES.has(t.status);
  return (can("ticket:create") || can("ticket:dispatch")) && !CLOSED.has(t.status);
}

async function failure(response) {
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  const text = data && typeof data.detail === "string" ? data.detail.replace(/\s*\([^()]*\)\s*$/, "") : `HTTP ${response.status}`;
  return new ApiError(response.status, data && data.code, text);
}

function render(list) {
  $("t-attachments").innerHTML = list.length ? list.map((a) => `<li data-attachment="${a.id}">
      <button type="button" class="link" data-download="${a.id}" title="下载（记入审计）">${esc(a.filename)}</button>
      <small class="muted">${esc(size(a.size))} · ${esc(SIDE[a.side] || a.side)}${a.unit_name ? ` ${esc(a.unit_name)}` : ""}
        · ${esc(a.uploaded_by)} · ${esc(localTime(a.uploaded_at))}</small>
      ${a.hotline_only ? '<span class="tag secret" title="保密诉求人相关，承办单位不可见">仅热线可见</span>' : ""}</li>`).join("")
    : '<li class="muted">暂无附件</li>';
  document.body.dataset.attachments = `${shown ? shown.id : ""}:${list.length}`;
}

async function download(id) {
  const response = await fetch(`/api/v1/tickets/${shown.id}/attachments/${id}`, {
    headers: { Authorization: `Bearer ${token()}` },
  });
  if (!response.ok) throw await failure(response);
  const name = shown.attachments.find((a) => a.id === id)?.filename || `attachment-${id}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function upload() {
  const file = $("t-attach-file").files[0];
  if (!file) throw new Error("请选择要上传的文件");
  const body = new FormData();
  body.append("file", file);
  $("t-attach-send").disabled = true;
  try {
    const response = await fetch(`/api/v1/tickets/${shown.id}/attachments`, {
      method: "POST", headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" }, body,
    });
    if (!response.ok) throw await failure(response);
    $("t-attach-file").value = "";
    await showOnTicket(shown.ticket);
  } finally {
    $("t-attach-send").disabled = false;
  }
}

function showError(err) {
  $("t-attach-error").textContent = err.message;
  $("t-attach-error").hidden = false;
}

function wire() {
  if (wired) return;
  wired = true;
  $("t-attachments").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-download]");
    if (b) { $("t-attach-error").hidden = true; download(Number(b.dataset.download)).catch(showError); }
  });
  $("t-attach-send").addEventListener("click", () => { $("t-attach-error").hidden = true; upload().catch(showError); });
}

export async function showOnTicket(ticket) {
  wire();
  $("t-attach-error").hidden = true;
  $("t-attach-form").hidden = !mayUpload(ticket);
  const list = await api.get(`/api/v1/tickets/${ticket.id}/attachments`);
  shown = { id: ticket.id, ticket, attachments: list };
  render(list);
}
