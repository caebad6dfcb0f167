// Screen pop (弹屏): who is calling, through which IVR branch, their earlier requests and calls,
// their tickets still in progress (R-07: tell the progress instead of a duplicate) and whether
// the number is warned or suspended. Data: GET /api/v1/desktop/screen-pop/{call_id}.
import { api } from "./api.js";
import { CATEGORY, esc, localTime, TICKET_STATUS } from "./format.js";

const BLOCK_LABEL = { none: "正常", warned: "已警告（无故/骚扰来电）", suspended: "已暂停受理" };

export class ScreenPop {
  constructor(root) {
    this.root = root;
    this.callId = null;
    this.data = null;
    this.root.addEventListener("click", (e) => {
      const button = e.target.closest("[data-tell]");
      if (button) this.tellProgress(button);
    });
  }

  // a repeat caller with nothing new is told the progress; the call records it.
  async tellProgress(button) {
    button.disabled = true;
    try {
      const told = await api.post(`/api/v1/desktop/screen-pop/${encodeURIComponent(this.callId)}/progress-told`,
        { ticket_id: Number(button.dataset.tell) });
      button.textContent = `已记录（${told.status_label}）`;
      button.closest("li").dataset.told = "true";
    } catch (err) {
      button.disabled = false;
      button.textContent = `记录失败：${err.message}`;
    }
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  clear() {
    this.callId = null;
    this.data = null;
    this.root.dataset.loaded = "false";
    this.$("#pop-empty").hidden = false;
    this.$("#pop-body").hidden = true;
  }

  // Shown at once from what the offer carries, then completed from the server.
  preview({ callId, number }) {
    this.callId = callId || null;
    this.$("#pop-empty").hidden = true;
    this.$("#pop-body").hidden = false;
    this.$("#pop-number").textContent = number || "—";
    for (const id of ["#pop-ivr", "#pop-call-count", "#pop-block"]) this.$(id).textContent = "…";
    for (const id of ["#pop-open", "#pop-history", "#pop-calls"]) this.$(id).innerHTML = '<li class="muted">加载中…</li>';
  }

  async load(callId) {
    this.callId = callId;
    const data = await api.get(`/api/v1/desktop/screen-pop/${encodeURIComponent(callId)}`);
    if (this.callId !== callId) return null; // a newer call replaced this one
    this.render(data);
    return data;
  }

  render(data) {
    this.data = data;
    this.$("#pop-empty").hidden = true;
    this.$("#pop-body").hidden = false;
    const caller = data.caller || {};
    this.$("#pop-number").textContent = (caller.number || "未知号码") + (caller.masked ? "（无权查看完整号码）" : "");
    this.$("#pop-ivr").textContent = (data.ivr_path || []).join(" → ") || "—";
    this.$("#pop-call-count").textContent = `近30天 ${data.calls_30d ?? 0} 次`;
    this.renderBlock(data.block || { status: "none" });
    this.$("#pop-open").innerHTML = this.ticketItems(data.open_tickets, true) || '<li class="muted">无在办工单</li>';
    this.$("#pop-history").innerHTML = this.ticketItems(data.history, false) || '<li class="muted">无历史诉求</li>';
    this.$("#pop-calls").innerHTML = (data.calls || []).map((c) => this.callItem(c)).join("") || '<li class="muted">首次来电</li>';
    this.root.dataset.loaded = "true";
  }

  renderBlock(block) {
    const el = this.$("#pop-block");
    el.textContent = BLOCK_LABEL[block.status] || block.status;
    el.dataset.status = block.status;
    const warn = this.$("#pop-warning");
    warn.hidden = block.status === "none";
    const until = block.until ? `，至 ${localTime(block.until)}` : "";
    warn.textContent = block.status === "none" ? "" : `${BLOCK_LABEL[block.status] || block.status}${block.reason ? "：" + block.reason : ""}${until}`;
  }

  ticketItems(tickets, withProgress) {
    return (tickets || []).map((t) => {
      const progress = withProgress && t.progress
        ? `<span class="progress">进度（${esc(localTime(t.progress.at))}）：${esc(t.progress.text)}</span>` : "";
      const due = withProgress && t.handle_due_at ? `<span class="progress">办理时限：${esc(localTime(t.handle_due_at))}</span>` : "";
      const tell = withProgress && this.callId
        ? `<button type="button" class="tell" data-tell="${esc(t.id)}" title="重复来电且无新情况：告知进度，不重复建单">已告知进度</button>` : "";
      const overdue = t.overdue ? ' <span class="overdue">已超期</span>' : "";
      return `<li data-ticket-id="${esc(t.id)}"><span class="no">${esc(t.number)}</span>
        <span class="st">${esc(t.status_label || TICKET_STATUS[t.status] || t.status)}</span>${overdue}
        ${esc(CATEGORY[t.category] || t.category || "")} · ${esc(localTime(t.created_at))}
        ${t.unit_name ? "· 承办：" + esc(t.unit_name) : ""} ${tell}<br>${esc((t.content || "").slice(0, 90))}${progress}${due}</li>`;
    }).join("");
  }

  callItem(c) {
    const talk = c.duration_seconds != null ? `通话 ${Math.round(c.duration_seconds)} 秒` : "";
    const ticket = c.ticket_number ? `· 工单 ${esc(c.ticket_number)}` : "";
    return `<li>${esc(localTime(c.started_at))} ${esc(c.outcome_label || c.status || "")} ${esc(talk)} ${c.agent ? "· " + esc(c.agent) : ""} ${ticket}</li>`;
  }
}
