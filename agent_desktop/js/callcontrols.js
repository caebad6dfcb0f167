// Call controls: transfer to an expert seat chosen by department (blind or
// attended), three-way call, and one-click emergency hand-off to 110/119/120/122 after a
// confirmation. Each shows its live state: first the REST answer, then the call.* events the
// telephony worker publishes to this agent (calls/events.py CallAction).
import { esc, SERVICE } from "./format.js";
import { calls } from "./telephony.js";

const REASON = { "no answer": "无人接听", "hung up": "对方已挂断" };
const SEAT_STATE = { ready: "空闲", not_ready: "示忙", ringing: "振铃中", on_call: "通话中", wrap_up: "话后处理", logged_out: "未签入" };

export class CallControls {
  constructor(root, { confirm }) {
    this.root = root;
    this.confirm = confirm;
    this.callId = null;
    this.experts = [];
    this.dept = this.$("#expert-dept");
    this.seat = this.$("#expert-seat");
    this.dept.addEventListener("change", () => this.fillSeats());
    this.$("#btn-transfer-blind").addEventListener("click", () => this.transfer("blind"));
    this.$("#btn-transfer-attended").addEventListener("click", () => this.transfer("attended"));
    this.$("#btn-three-way").addEventListener("click", () => this.threeWay());
    this.$("#btn-transfer-complete").addEventListener("click", () => this.complete());
    this.$("#btn-transfer-cancel").addEventListener("click", () => this.cancel());
    this.$("#btn-leave").addEventListener("click", () => this.leave());
    this.root.querySelectorAll("[data-service]").forEach((b) => b.addEventListener("click", () => this.emergency(b.dataset.service)));
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  setExperts(experts) {
    const chosen = this.seat.value;
    const dept = this.dept.value;
    this.experts = experts;
    const depts = [...new Map(experts.map((e) => [e.unit_id, e.unit_name])).entries()];
    this.dept.innerHTML = '<option value="">全部部门</option>' +
      depts.map(([id, name]) => `<option value="${esc(id)}">${esc(name)}</option>`).join("");
    this.dept.value = dept;
    this.fillSeats();
    if (chosen) this.seat.value = chosen;
  }

  fillSeats() {
    const chosen = this.experts.filter((e) => !this.dept.value || String(e.unit_id) === this.dept.value);
    this.seat.innerHTML = chosen.map((e) =>
      `<option value="${esc(e.extension)}" data-state="${esc(e.state)}">${esc(e.display_name)}（${esc(e.extension)}）· ${esc(SEAT_STATE[e.state] || e.state)}</option>`).join("");
  }

  seatLabel(extension) {
    const e = this.experts.find((x) => x.extension === extension);
    return e ? `${e.display_name}（${extension}）` : extension;
  }

  // Enabled only while a call is up (call id known, agent talking).
  setCall(callId, talking) {
    const changed = String(callId || "") !== String(this.callId || "");
    this.callId = talking ? callId : null;
    const on = Boolean(this.callId);
    for (const id of ["#btn-transfer-blind", "#btn-transfer-attended", "#btn-three-way"]) this.$(id).disabled = !on;
    this.root.querySelectorAll("[data-service]").forEach((b) => { b.disabled = !on; });
    if (!callId && changed) {
      this.$("#consult-row").hidden = true;
      this.$("#btn-leave").hidden = true;
    }
  }

  setLive(selector, text, state) {
    const el = this.$(selector);
    el.textContent = text;
    el.dataset.state = state || "";
  }

  async run(selector, pending, fn) {
    this.setLive(selector, pending, "busy");
    try {
      return await fn();
    } catch (err) {
      this.setLive(selector, `失败：${err.message}`, "error");
      return null;
    }
  }

  async transfer(mode) {
    const extension = this.seat.value;
    if (!extension || !this.callId) return;
    const label = this.seatLabel(extension);
    await this.run("#control-state", `${mode === "blind" ? "直接转接" : "咨询转接"}：正在呼叫 ${label}…`,
      () => calls.transfer(this.callId, mode, extension));
  }

  // The REST answer is the news here: the new seat, not this agent, gets the call's events next.
  async complete() {
    const done = await this.run("#control-state", "正在完成转接…", () => calls.completeTransfer(this.callId));
    if (!done) return;
    this.$("#consult-row").hidden = true;
    this.setLive("#control-state", `已转接给 ${this.seatLabel((done.data || {}).extension || "")}`, "ok");
  }

  async cancel() {
    if (await this.run("#control-state", "正在取回通话…", () => calls.cancelTransfer(this.callId))) {
      this.$("#consult-row").hidden = true;
      this.setLive("#control-state", "已取回通话", "ok");
    }
  }

  async leave() {
    if (await this.run("#emergency-state", "正在退出通话…", () => calls.leave(this.callId))) {
      this.$("#btn-leave").hidden = true;
      this.setLive("#emergency-state", "您已退出，来电人继续与接警方通话", "ok");
    }
  }

  async threeWay() {
    const extension = this.seat.value;
    if (!extension || !this.callId) return;
    await this.run("#control-state", `三方通话：正在呼叫 ${this.seatLabel(extension)}…`, () => calls.addParty(this.callId, extension));
  }

  async emergency(service) {
    if (!this.callId) return;
    const ok = await this.confirm(`确认立即将来电转接 ${SERVICE[service]}？\n${service} 接通后三方通话，您可随后退出。`);
    if (!ok) return;
    this.root.dataset.emergency = service;
    await this.run("#emergency-state", `正在呼叫 ${SERVICE[service]}…`, () => calls.emergency(this.callId, service));
  }

  // call.* events about this call's legs (CallAction: action, target, detail).
  onEvent(type, data) {
    if (!type.startsWith("call.") || !data || data.action === undefined) return;
    if (this.callId && String(data.call_id) !== String(this.callId)) return;
    const d = data.detail || {};
    const who = this.seatLabel(data.target || "");
    const show = {
      transfer_started: () => d.phase === "consulting"
        ? this.consulting(who) : this.setLive("#control-state", `转接中：正在呼叫 ${who}`, "busy"),
      transferred: () => this.setLive("#control-state", `已转接给 ${who}`, "ok"),
      transfer_cancelled: () => this.cancelled(who, d.reason),
      party_dialled: () => this.setLive("#control-state", `三方通话：正在呼叫 ${who}`, "busy"),
      party_added: () => this.setLive("#control-state", `三方通话中：${who}`, "ok"),
      party_left: () => this.partyLeft(data.target, d.kind, "已退出通话"),
      party_failed: () => this.partyLeft(data.target, d.kind, "未接通"),
      emergency: () => this.emergencyState(data.target, d.phase),
    }[data.action];
    if (show) show();
  }

  consulting(who) {
    this.setLive("#control-state", `咨询中：与 ${who} 通话，来电人听等待音乐`, "busy");
    this.$("#consult-row").hidden = false;
  }

  cancelled(who, reason) {
    this.$("#consult-row").hidden = true;
    this.setLive("#control-state", `转接未完成（${who}${REASON[reason] ? "：" + REASON[reason] : ""}），已回到来电人`, "error");
  }

  partyLeft(target, kind, what) {
    if (kind === "emer") this.setLive("#emergency-state", `${SERVICE[target] || target} ${what}`, "error");
    else this.setLive("#control-state", `${this.seatLabel(target)} ${what}`, what === "未接通" ? "error" : "");
    if (kind === "emer") this.$("#btn-leave").hidden = true;
  }

  emergencyState(service, phase) {
    const connected = phase === "connected";
    this.root.dataset.emergency = service;
    this.root.dataset.emergencyPhase = phase || "";
    this.setLive("#emergency-state", connected ? `${SERVICE[service]} 已接通（三方通话）` : `正在呼叫 ${SERVICE[service]}…`, connected ? "ok" : "busy");
    this.$("#btn-leave").hidden = !connected;
  }
}
