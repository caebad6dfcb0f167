// Agent state in the top bar: ready / not ready with a reason / wrap-up countdown, the time in
// the current state, and the post-wrap-up choice (ready, or not ready). The ACD owns the state
// (PUT /api/v1/acd/agents/me/state); this panel shows what the server says.
import { AGENT_STATE, clock } from "./format.js";

export class AgentStatePanel {
  constructor(root, { setState }) {
    this.root = root;
    this.setState = setState;
    this.current = { state: "unknown", since: Date.now() / 1000 };
    this.wrapDone = false;
    this.$("#btn-ready").addEventListener("click", () => this.request("ready"));
    this.$("#btn-not-ready").addEventListener("click", () => this.request("not_ready", this.reasonLabel()));
    this.$("#btn-wrapup-done").addEventListener("click", () => this.endWrapUp());
    this.tick = setInterval(() => this.render(), 1000);
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  reasonLabel() {
    const select = this.$("#not-ready-reason");
    return select.options[select.selectedIndex].text;
  }

  async request(state, reason = "") {
    try {
      this.show(await this.setState(state, reason));
    } catch (err) {
      window.dispatchEvent(new CustomEvent("desktop:banner", { detail: `状态切换失败：${err.message}` }));
    }
  }

  // The server's view (acd AgentOut): {state, reason, since (epoch s), wrap_up_until (epoch s|null), pending_state}
  show(agent) {
    if (!agent) return;
    const previous = this.current.state;
    this.current = { ...agent, since: agent.since || Date.now() / 1000 };
    if (agent.state === "wrap_up" && previous !== "wrap_up") this.wrapDone = false;
    this.render();
  }

  // After the wrap-up time: ready by default (the ACD does that itself), not ready if chosen.
  endWrapUp() {
    if (this.wrapDone) return;
    this.wrapDone = true;
    const notReady = this.$("#wrapup-then-not-ready").checked;
    this.request(notReady ? "not_ready" : "ready", notReady ? this.reasonLabel() : "");
  }

  render() {
    const now = Date.now() / 1000;
    const { state, reason, pending_state: pending } = this.current;
    this.root.dataset.state = state;
    const label = AGENT_STATE[state] || state;
    this.$("#state-name").textContent = reason && state === "not_ready" ? `${label}（${reason}）` : label + (pending ? "（挂机后示忙）" : "");
    this.$("#state-timer").textContent = clock(now - (this.current.since || now));
    this.$("#btn-ready").disabled = state === "ready" || state === "on_call" || state === "ringing";
    const wrap = this.$("#wrapup");
    wrap.hidden = state !== "wrap_up";
    if (state === "wrap_up" && this.current.wrap_up_until) {  // (an event alone has no deadline yet)
      const left = Math.max(0, Math.ceil(this.current.wrap_up_until - now));
      this.$("#wrapup-left").textContent = String(left);
      if (left <= 0) this.endWrapUp();
    }
  }
}
