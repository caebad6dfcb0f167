// Call controls: transfer to an expert seat chosen by department (blind or
// attended), three-way call, and one-click emergency hand-off to 110/119/120/122 after a
// confirmation. Each action shows its live state (from the REST answer, then bus events).
import { esc, SERVICE } from "./format.js";
import { calls } from "./telephony.js";

const TRANSFER_STATE = {
  dialing: "正在呼叫", ringing: "对方振铃", consulting: "咨询中（来电人保持）", answered: "已接通",
  completed: "已转出", transferred: "已转出", conference: "三方通话中", failed: "失败", cancelled: "已取回",
  busy: "对方忙", no_answer: "无人接听", ended: "已结束",
};

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
    this.$("#btn-transfer-complete").addEventListener("click", () => this.act(() => calls.completeTransfer(this.callId), "#control-state"));
    this.$("#btn-transfer-cancel").addEventListener("click", () => this.act(() => calls.cancelTransfer(this.callId), "#control-state"));
    this.root.querySelectorAll("[data-service]").forEach((b) => b.addEventListener("click", () => this.emergency(b.dataset.service)));
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  setExperts(experts) {
    this.experts = experts;
    const depts = [...new Map(experts.map((e) => [e.unit_id, e.unit_name])).entries()];
    this.dept.innerHTML = '<option value="">全部部门</option>' +
      depts.map(([id, name]) => `<option value="${esc(id)}">${esc(name)}</option>`).join("");
    this.fillSeats();
  }

  fillSeats() {
    const chosen = this.experts.filter((e) => !this.dept.value || String(e.unit_id) === this.dept.value);
    this.seat.innerHTML = chosen.map((e) =>
      `<option value="${esc(e.extension)}">${esc(e.display_name)}（${esc(e.extension)}）${e.state ? " · " + esc(e.state) : ""}</option>`).join("");
  }

  // Enabled only while a call is up (callId known and talking).
  setCall(callId, talking) {
    this.callId = talking ? callId : null;
    const on = Boolean(this.callId);
    for (const id of ["#btn-transfer-blind", "#btn-transfer-attended", "#btn-three-way"]) this.$(id).disabled = !on;
    this.root.querySelectorAll("[data-service]").forEach((b) => { b.disabled = !on; });
    if (!callId) {
      this.$("#consult-row").hidden = true;
      this.setLive("#control-state", "", "");
    }
  }

  setLive(selector, text, state) {
    const el = this.$(selector);
    el.textContent = text;
    el.dataset.state = state || "";
  }

  async act(fn, selector) {
    this.setLive(selector, "处理中…", "busy");
    try {
      const result = await fn();
      this.showResult(selector, result);
      return result;
    } catch (err) {
      this.setLive(selector, `失败：${err.message}`, "error");
      return null;
    }
  }

  showResult(selector, result) {
    const state = (result && (result.state || result.status)) || "dialing";
    const label = TRANSFER_STATE[state] || state;
    const target = (result && (result.target || result.service)) || "";
    const failed = ["failed", "busy", "no_answer"].includes(state);
    this.setLive(selector, `${target ? target + "：" : ""}${label}`, failed ? "error" : state === "completed" || state === "answered" ? "ok" : "busy");
    this.$("#consult-row").hidden = !(selector === "#control-state" && state === "consulting");
  }

  async transfer(mode) {
    const target = this.seat.value;
    if (!target || !this.callId) return;
    await this.act(() => calls.transfer(this.callId, { mode, target }), "#control-state");
    if (mode === "attended") this.$("#consult-row").hidden = false;
  }

  async threeWay() {
    const target = this.seat.value;
    if (!target || !this.callId) return;
    await this.act(() => calls.threeWay(this.callId, { target }), "#control-state");
  }

  async emergency(service) {
    if (!this.callId) return;
    const ok = await this.confirm(`确认将来电立即转接至 ${SERVICE[service]}？\n转接后本通话由 ${service} 接警。`);
    if (!ok) return;
    await this.act(() => calls.emergency(this.callId, service), "#emergency-state");
  }

  // Bus events about this call's transfer / three-way / emergency legs.
  onEvent(type, data) {
    if (!this.callId || String(data.call_id) !== String(this.callId)) return;
    if (type.startsWith("call.emergency")) this.showResult("#emergency-state", { ...data, service: data.service });
    else if (type.startsWith("call.transfer") || type.startsWith("call.conference") || type.startsWith("call.three_way")) {
      this.showResult("#control-state", data);
    }
  }
}
