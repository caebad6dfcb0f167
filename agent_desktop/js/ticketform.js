// The acceptance form: a ticket, a direct answer or an out-of-scope disposition
// linked to the current call. Every keystroke is kept as a draft in localStorage, so
// nothing typed is lost on a reconnect, a reload or a crash; duplicate candidates are
// looked up while the agent types.
import { api, ApiError } from "./api.js";
import { uploadAll } from "./attachfiles.js";
import { beijingIso, beijingLocalNow, CATEGORY, esc, TICKET_STATUS } from "./format.js";
import { KnowledgePanel } from "./knowledge.js";
import { RegionPicker } from "./regions.js";

const DRAFT_PREFIX = "hotline.desktop.draft.";
const DUPLICATE_DELAY_MS = 600;
const SUBMIT_LABEL = { ticket: "提交工单", answer: "记录直接答复", disposition: "记录处置" };
// server field path → form control name (for errors shown in place)
const FIELD_CONTROL = {
  "caller.name": "caller_name", "caller.phone": "caller_phone", "caller.confidential": "confidential",
  content: "content", category: "category", address: "address", region_code: "region_city",
  occurred_at: "occurred_at", special: "special", "disposition.note": "disposition_note",
  "disposition.kind": "disposition_kind", "direct_answer.answer": "direct_answer",
};

export class TicketForm {
  constructor(form, { user, onSubmitted, onDuplicates }) {
    this.form = form;
    this.user = user;
    this.onSubmitted = onSubmitted;
    this.onDuplicates = onDuplicates || (() => {});
    this.mode = "ticket";
    this.call = { callId: null, recording: null, phone: null };
    this.regions = new RegionPicker(form, () => this.changed());
    this.knowledge = new KnowledgePanel(form.querySelector("#knowledge"),
                                        { regionCode: () => this.regions.code, answerField: this.el("direct_answer") });
    this.dupTimer = null;
    this.dupAbort = null;
    form.addEventListener("input", () => this.changed());
    form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    form.querySelectorAll(".tabs [data-mode]").forEach((b) => b.addEventListener("click", () => this.setMode(b.dataset.mode)));
    form.querySelector("#btn-clear").addEventListener("click", () => this.clear());
    form.querySelector("#btn-now").addEventListener("click", () => { this.el("occurred_at").value = beijingLocalNow(); this.changed(); });
  }

  get draftKey() {
    return DRAFT_PREFIX + this.user;
  }

  async init() {
    await this.regions.load();
    await this.restoreDraft();
  }

  el(name) {
    return this.form.elements[name];
  }

  setMode(mode) {
    this.mode = mode;
    this.form.querySelectorAll(".tabs [data-mode]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.mode === mode)));
    this.form.querySelector(".mode-answer").hidden = mode !== "answer";
    if (mode === "answer") this.knowledge.suggest(this.el("content").value);
    this.form.querySelector(".mode-disposition").hidden = mode !== "disposition";
    this.form.querySelector("#btn-submit").textContent = SUBMIT_LABEL[mode];
    this.saveDraft();
  }

  // A call was offered/answered: link it, and prefill the phone unless the agent typed one.
  // A new call replaces a phone that was only prefilled from the previous call, never a typed one.
  setCall({ callId, phone, recording, enterprise }) {
    const field = this.el("caller_phone");
    const untouched = !field.value || field.value === this.call.phone;
    if (callId && String(callId) !== String(this.call.callId)) {
      this.call = { callId, recording: recording || null, phone: null };
    } else if (recording) {
      this.call.recording = recording;
    }
    if (phone && untouched) {
      field.value = phone;
      this.call.phone = phone;
    }
    if (enterprise) this.el("enterprise_related").checked = true; // the caller chose 涉企 in the IVR
    this.showLink();
    this.saveDraft();
  }

  showLink() {
    this.form.querySelector("#form-call-id").textContent = this.call.callId || "—";
    this.form.querySelector("#form-recording").textContent = this.call.recording ? "（录音已关联）" : "";
  }

  changed() {
    this.clearErrors();
    this.saveDraft();
    clearTimeout(this.dupTimer);
    this.dupTimer = setTimeout(() => this.lookForDuplicates(), DUPLICATE_DELAY_MS);
  }

  values() {
    const f = this.form.elements;
    return {
      caller_name: f.caller_name.value, caller_phone: f.caller_phone.value, confidential: f.confidential.checked,
      category: f.category.value, occurred_at: f.occurred_at.value, enterprise_related: f.enterprise_related.checked,
      special: f.special.value, address: f.address.value, content: f.content.value,
      direct_answer: f.direct_answer.value, disposition_kind: f.disposition_kind.value, disposition_note: f.disposition_note.value,
    };
  }

  saveDraft() {
    const draft = { mode: this.mode, values: this.values(), region: this.regions.value, call: this.call, savedAt: Date.now() };
    localStorage.setItem(this.draftKey, JSON.stringify(draft));
    this.form.querySelector("#draft-state").textContent = "草稿已自动保存";
  }

  async restoreDraft() {
    let draft;
    try { draft = JSON.parse(localStorage.getItem(this.draftKey) || "null"); } catch { draft = null; }
    if (!draft) return false;
    for (const [name, value] of Object.entries(draft.values || {})) {
      const control = this.el(name);
      if (!control) continue;
      if (control.type === "checkbox") control.checked = Boolean(value);
      else control.value = value;
    }
    await this.regions.restore(draft.region);
    this.call = { callId: null, recording: null, phone: null, ...(draft.call || {}) };
    this.showLink();
    this.setMode(draft.mode || "ticket");
    this.form.querySelector("#draft-state").textContent = "已恢复未提交的草稿";
    return true;
  }

  // Signing out on purpose ends the work: the caller's name, number and request must not stay in
  // the browser for the next person at this workstation. A lost session keeps its draft.
  discardDraft() {
    localStorage.removeItem(this.draftKey);
  }

  clear() {
    this.form.reset();
    this.regions.load();
    this.call = { callId: null, recording: null, phone: null };
    this.showLink();
    this.clearErrors();
    this.showDuplicates([]);
    this.setMode("ticket");
    localStorage.removeItem(this.draftKey);
    this.form.querySelector("#draft-state").textContent = "";
  }

  body() {
    const v = this.values();
    const body = {
      channel: "phone", caller: { name: v.caller_name.trim() || null, phone: v.caller_phone.trim(), confidential: v.confidential },
      content: v.content, category: v.category, enterprise_related: v.enterprise_related, special: v.special,
      address: v.address.trim() || null, region_code: this.regions.code, occurred_at: beijingIso(v.occurred_at),
      call_id: this.call.callId || null,
    };
    if (this.mode === "answer") body.direct_answer = { answer: v.direct_answer };
    if (this.mode === "disposition") body.disposition = { kind: v.disposition_kind, note: v.disposition_note };
    return body;
  }

  // Checks the server would also make, so the agent sees them before a round trip.
  localErrors() {
    const v = this.values();
    const errors = {};
    if (!/^\+?[0-9][0-9-]{4,30}$/.test(v.caller_phone.trim())) errors["caller.phone"] = "请填写正确的联系电话";
    if (!v.content.trim()) errors.content = "请填写诉求内容";
    if (!this.regions.code) errors.region_code = "请选择事发地点所在市（州）/区（县）";
    // R-05 elements; an emergency transfer is never held up by them
    const emergency = this.mode === "disposition" && v.disposition_kind === "emergency_transfer";
    if (!emergency && !v.address.trim()) errors.address = "请填写详细地址";
    if (!emergency && !v.occurred_at) errors.occurred_at = "请填写事发时间";
    if (this.mode === "answer" && !v.direct_answer.trim()) errors["direct_answer.answer"] = "请填写答复内容";
    if (this.mode === "disposition" && !v.disposition_note.trim()) errors["disposition.note"] = "请填写处置说明";
    return errors;
  }

  clearErrors() {
    this.form.querySelectorAll(".invalid").forEach((c) => c.classList.remove("invalid"));
    this.form.querySelector("#form-error").hidden = true;
  }

  showErrors(fields, message) {
    const lines = [];
    for (const [path, text] of Object.entries(fields)) {
      const control = this.el(FIELD_CONTROL[path] || path);
      if (control && control.classList) control.classList.add("invalid");
      lines.push(text);
    }
    const box = this.form.querySelector("#form-error");
    box.textContent = [message, ...lines].filter(Boolean).join("\n");
    box.hidden = false;
  }

  async submit() {
    this.clearErrors();
    this.form.querySelector("#form-ok").hidden = true;
    const local = this.localErrors();
    if (Object.keys(local).length) return this.showErrors(local, "请补全以下内容：");
    const button = this.form.querySelector("#btn-submit");
    button.disabled = true;
    try {
      const ticket = await api.post("/api/v1/tickets", this.body());
      const files = await uploadAll(ticket.id, this.form.querySelector("#tf-files").files);
      await this.mergeChosen(ticket);
      this.done(ticket, files);
    } catch (err) {
      // the draft stays: the agent fixes the field or retries after a reconnect
      this.showErrors(err instanceof ApiError ? err.fields : {}, `提交失败：${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  async mergeChosen(ticket) {
    const chosen = [...this.form.querySelectorAll("#duplicate-list input[type=checkbox]:checked")].map((c) => c.value);
    for (const targetId of chosen.slice(0, 1)) {
      await api.post(`/api/v1/tickets/${targetId}/merge`, { duplicate_ids: [ticket.id], note: "来电受理时并单" });
    }
  }

  done(ticket, files = { stored: 0, failed: [] }) {
    const ok = this.form.querySelector("#form-ok");
    const attached = files.stored ? `，附件 ${files.stored} 个` : "";
    const refused = files.failed.length ? `；未上传：${files.failed.join("；")}` : "";
    ok.textContent = `已提交：工单号 ${ticket.number}（${ticket.status_label || TICKET_STATUS[ticket.status] || ticket.status}）${attached}${refused}`;
    ok.hidden = false;
    ok.dataset.ticketId = ticket.id;
    const mode = this.mode;
    const call = this.call;
    this.clear();
    // the call goes on: a second request of the same caller stays linked to it
    this.setCall({ callId: call.callId, recording: call.recording, phone: call.phone });
    ok.hidden = false;
    this.onSubmitted(ticket, mode);
  }

  async lookForDuplicates() {
    const v = this.values();
    // candidates are looked up in the matter's area: needs the region and a few words
    if (v.content.trim().length < 6 || !this.regions.code) return this.showDuplicates([]);
    if (this.dupAbort) this.dupAbort.abort();
    this.dupAbort = new AbortController();
    const params = new URLSearchParams({ content: v.content.slice(0, 4000), region_code: this.regions.code });
    if (v.address.trim()) params.set("address", v.address.trim().slice(0, 300));
    try {
      const found = await api.get(`/api/v1/tickets/duplicates?${params}`, { signal: this.dupAbort.signal });
      this.showDuplicates(Array.isArray(found) ? found : (found && found.items) || []);
    } catch (err) {
      if (err.name !== "AbortError") this.showDuplicates([]);
    }
  }

  showDuplicates(candidates) {
    const box = this.form.querySelector("#duplicates");
    box.hidden = candidates.length === 0;
    this.form.querySelector("#duplicate-list").innerHTML = candidates.slice(0, 5).map((c) => {
      const t = c.ticket || c;
      const score = c.score != null ? `相似度 ${Math.round(c.score * 100)}%` : "";
      return `<li data-ticket-id="${esc(t.id)}"><label class="check"><input type="checkbox" value="${esc(t.id)}"> 提交后并入</label>
        <b>${esc(t.number)}</b> ${esc(CATEGORY[t.category] || "")} <span class="st">${esc(t.status_label || TICKET_STATUS[t.status] || t.status || "")}</span>
        ${esc(score)}<br>${esc((t.content || "").slice(0, 80))}</li>`;
    }).join("");
    this.onDuplicates(candidates);
  }
}
