// The agent desktop: sign-in, then softphone + live events + screen pop + acceptance form.
// The server is the source of truth: after every (re)connect of /ws/desktop the whole state is
// reloaded over REST; events only make the page quicker between reloads.
import { AgentStatePanel } from "./agentstate.js";
import { api, ApiError, login, setToken, token } from "./api.js";
import { CallbackTasks } from "./callbacks.js";
import { CallControls } from "./callcontrols.js";
import { clock } from "./format.js";
import { LiveSocket } from "./live.js";
import { Ringer, unlockAudio } from "./ringer.js";
import { ScreenPop } from "./screenpop.js";
import { checkMicrophone, mediaErrorMessage, Softphone } from "./softphone.js";
import { acd, calls, desktop } from "./telephony.js";
import { TicketForm } from "./ticketform.js";

const $ = (sel) => document.querySelector(sel);
const CALL_STATUS = { idle: "空闲", ringing: "来电振铃中…", connecting: "正在接通…", talking: "通话中", held: "已保持", ended: "通话结束" };

class Desktop {
  constructor() {
    this.me = null;
    this.phone = null;
    this.live = null;
    this.ringer = new Ringer();
    this.call = null; // {callId, number, state, talkingSince}
    this.counts = { answered: 0, tickets: 0, answers: 0 };
    this.audio = document.createElement("audio");
    this.audio.autoplay = true;
    document.body.appendChild(this.audio);
    this.timer = setInterval(() => this.renderCallTimer(), 1000);
  }

  // ------------------------------------------------------------------ sign-in
  async boot() {
    $("#login-form").addEventListener("submit", (e) => { e.preventDefault(); this.signIn(); });
    $("#btn-logout").addEventListener("click", () => this.signOut());
    window.addEventListener("desktop:unauthorized", () => this.sessionLost());
    window.addEventListener("desktop:banner", (e) => this.banner(e.detail));
    if (token()) {
      try { return await this.start(); } catch { setToken(null); }
    }
    this.showView("login");
  }

  async signIn() {
    unlockAudio(); // the click is the user gesture browsers want before playing a ring
    const error = $("#login-error");
    error.hidden = true;
    $("#login-submit").disabled = true;
    try {
      await login($("#login-username").value.trim(), $("#login-password").value);
      await this.start();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : `登录失败：${err.message}`;
      error.hidden = false;
    } finally {
      $("#login-submit").disabled = false;
    }
  }

  async signOut() {
    if (this.form) this.form.discardDraft();
    this.stop();
    await acd.setState("logged_out").catch(() => {});
    setToken(null);
    location.reload();
  }

  sessionLost() {
    if (!this.me) return;
    this.stop();
    setToken(null);
    this.showView("login");
    const error = $("#login-error");
    error.textContent = "登录已过期，请重新登录（未提交的受理内容已保存为草稿）。";
    error.hidden = false;
  }

  showView(view) {
    document.body.dataset.view = view;
    $("#login-view").hidden = view !== "login";
    $("#desk-view").hidden = view !== "desk";
  }

  // ------------------------------------------------------------------ start / stop
  async start() {
    this.me = await api.get("/api/v1/auth/me");
    $("#agent-name").textContent = this.me.display_name;
    $("#agent-ext").textContent = this.me.extension || "—";
    this.showView("desk");
    this.statePanel = new AgentStatePanel($("#agent-state"), { setState: (s, r) => acd.setState(s, r) });
    this.pop = new ScreenPop($("#screen-pop"));
    this.controls = new CallControls($("#controls"), { confirm: (text) => this.confirm(text) });
    this.form = new TicketForm($("#ticket-form"), { user: this.me.username, onSubmitted: (t, mode) => this.submitted(t, mode) });
    this.wireCallButtons();
    this.callbacks = new CallbackTasks($("#callback-tasks"), { banner: (text) => this.banner(text) });
    this.callbacks.start();
    await this.form.init();
    desktop.experts().then((list) => this.controls.setExperts(list)).catch(() => {});
    this.startLive();
    await this.startPhone();
  }

  stop() {
    if (this.callbacks) this.callbacks.stop();
    if (this.live) this.live.stop();
    if (this.phone) this.phone.stop();
    this.ringer.stop();
    this.live = null;
    this.phone = null;
  }

  startLive() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.live = new LiveSocket({
      url: `${scheme}://${location.host}/ws/desktop`, getToken: token,
      onEvent: (e) => this.onEvent(e), onStatus: (state, text) => this.pill("#live-status", state, text),
      onConnected: () => this.reload(), onAuthFailed: () => this.sessionLost(),
    });
    this.live.start();
  }

  async startPhone() {
    let config;
    try {
      config = await desktop.softphone();
    } catch (err) {
      this.pill("#sip-status", "error", "软电话：不可用");
      return this.banner(err.message);
    }
    checkMicrophone().catch((err) => this.mediaError(mediaErrorMessage(err)));
    this.phone = new Softphone(config, this.audio);
    this.phone.addEventListener("registration", (e) => this.onRegistration(e.detail));
    this.phone.addEventListener("incoming", (e) => this.onIncoming(e.detail));
    this.phone.addEventListener("call", (e) => this.onCallState(e.detail));
    this.phone.addEventListener("media-error", (e) => this.mediaError(e.detail.message));
    this.phone.start();
  }

  // ------------------------------------------------------------------ state reload
  // Everything the page shows, from REST: agent state, the current call, today's counts.
  async reload() {
    const [agent, today] = await Promise.allSettled([acd.me(), desktop.today()]);
    if (agent.status === "fulfilled") {
      this.statePanel.show(agent.value);
      const callId = agent.value.call_id;
      if (callId && (!this.call || !this.call.callId)) this.linkCall(callId, null);
    }
    if (today.status === "fulfilled") this.showCounts(today.value);
  }

  showCounts(today) {
    this.counts = { answered: today.answered ?? 0, tickets: today.tickets ?? 0, answers: today.direct_answers ?? 0 };
    $("#count-answered").textContent = this.counts.answered;
    $("#count-tickets").textContent = this.counts.tickets;
    $("#count-answers").textContent = this.counts.answers;
  }

  // ------------------------------------------------------------------ live events
  // Telephony events (calls/events.py, acd/events.py); only ours matter.
  onEvent({ type, data }) {
    const mine = data && data.agent_id === this.me.id;
    if (type === "agent.state" && mine) this.agentChanged(data);
    else if (type === "call.offered" && mine) {
      if (this.phone) this.phone.marks.offerEvent = performance.now();
      this.linkCall(data.call_id, data.caller_number);
    }
    else if (type === "recording.ready" && String(data.call_id) === String(this.form.call.callId)) {
      this.form.setCall({ callId: data.call_id, recording: data.recording_id });
    } else if (type === "call.ended" && mine) {
      this.reload();
    } else if ((type === "call.held" || type === "call.unheld") && this.call && String(data.call_id) === String(this.call.callId)) {
      this.call.state = type === "call.held" ? "held" : "talking";
      this.renderCall();
    }
    this.controls.onEvent(type, data);
  }

  // The event carries the state; the REST view adds since and the wrap-up deadline.
  agentChanged(data) {
    this.statePanel.show({ ...this.statePanel.current, ...data, since: Date.now() / 1000 });
    acd.me().then((agent) => this.statePanel.show(agent)).catch(() => {});
  }

  // A call id became known (bus offer, SIP header or ACD record): screen pop and form link.
  linkCall(callId, number) {
    if (!callId) return;
    if (!this.call) this.call = { callId: null, number, state: "ringing" };
    if (String(this.call.callId) === String(callId)) return;
    this.call.callId = callId;
    this.call.number = this.call.number || number;
    this.pop.preview({ callId, number: this.call.number });
    this.pop.load(callId).then((pop) => {
      if (!pop) return;
      const phone = pop.caller && pop.caller.usable ? pop.caller.number : null;
      this.form.setCall({ callId, phone, recording: pop.recording_id, enterprise: pop.enterprise });
    }).catch((err) => this.banner(`来电信息加载失败：${err.message}`));
    this.form.setCall({ callId, phone: number && !/\*/.test(number) ? number : null });
    this.controls.setCall(callId, this.call.state === "talking");
  }

  // ------------------------------------------------------------------ softphone
  onRegistration({ state, cause }) {
    const text = { connecting: "软电话：连接中", registered: "软电话：已注册", unregistered: "软电话：未注册", failed: `软电话：注册失败（${cause}）` }[state];
    this.pill("#sip-status", state === "registered" ? "on" : state === "failed" ? "error" : "wait", text);
    document.body.dataset.sip = state;
  }

  onIncoming({ callId, number }) {
    // the bus offer may have come first and linked the call already
    const known = this.call && this.call.callId;
    this.call = { callId: known || null, number, state: "ringing" };
    this.ringer.start();
    $("#media-error").hidden = true;
    if (callId) this.linkCall(callId, number);
    else if (!known) {
      this.pop.preview({ callId: null, number });
      acd.me().then((a) => a.call_id && this.linkCall(a.call_id, number)).catch(() => {});
    }
  }

  onCallState({ state }) {
    if (state !== "ringing") this.ringer.stop();
    if (!this.call) this.call = { callId: null, number: "", state };
    this.call.state = state;
    if (state === "talking" && !this.call.talkingSince) {
      this.call.talkingSince = Date.now();
      desktop.experts().then((list) => this.controls.setExperts(list)).catch(() => {}); // fresh seat states
      this.counts.answered += 1;
      $("#count-answered").textContent = this.counts.answered;
    }
    if (state === "ended" || state === "failed") return this.callFinished();
    this.renderCall();
  }

  callFinished() {
    const callId = this.call && this.call.callId;
    this.call = null;
    this.renderCall("ended");
    this.controls.setCall(null, false);
    acd.me().then((a) => this.statePanel.show(a)).catch(() => {});
    return callId;
  }

  renderCall(override) {
    const state = override || (this.call ? this.call.state : "idle");
    $("#call-panel").dataset.call = state;
    $("#call-status").textContent = CALL_STATUS[state] || state;
    $("#call-number").textContent = (this.call && this.call.number) || (state === "ended" ? $("#call-number").textContent : "—");
    const up = state === "talking" || state === "held";
    $("#btn-answer").disabled = state !== "ringing";
    $("#btn-hangup").disabled = !["ringing", "connecting", "talking", "held"].includes(state);
    for (const id of ["#btn-hold", "#btn-mute", "#btn-keypad"]) $(id).disabled = !up;
    $("#btn-hold").setAttribute("aria-pressed", String(state === "held"));
    $("#btn-hold").textContent = state === "held" ? "取回" : "保持";
    $("#btn-mute").setAttribute("aria-pressed", String(Boolean(this.phone && this.phone.muted && up)));
    if (!up) $("#keypad").hidden = true;
    this.controls.setCall(this.call && this.call.callId, up);
  }

  renderCallTimer() {
    const since = this.call && this.call.talkingSince;
    $("#call-timer").textContent = since ? clock((Date.now() - since) / 1000) : "00:00";
  }

  wireCallButtons() {
    $("#btn-answer").addEventListener("click", () => { this.ringer.stop(); this.phone.answer(); });
    $("#btn-hangup").addEventListener("click", () => this.phone.hangup());
    $("#btn-hold").addEventListener("click", () => this.toggleHold());
    $("#btn-mute").addEventListener("click", () => { this.phone.mute(!this.phone.muted); this.renderCall(); });
    $("#btn-keypad").addEventListener("click", () => { $("#keypad").hidden = !$("#keypad").hidden; });
    document.querySelectorAll("[data-dtmf]").forEach((b) => b.addEventListener("click", () => {
      this.phone.sendDTMF(b.dataset.dtmf);
      $("#dtmf-sent").textContent += b.dataset.dtmf;
    }));
  }

  // Hold through the platform (the caller hears music, the call record shows it); a plain SIP
  // re-INVITE where the platform has no hold for this call.
  async toggleHold() {
    const on = this.call.state !== "held";
    if (this.call.callId) {
      try {
        await calls.hold(this.call.callId, on);
        this.call.state = on ? "held" : "talking";
        return this.renderCall();
      } catch (err) {
        if (!(err instanceof ApiError) || ![404, 405].includes(err.status)) return this.banner(`保持失败：${err.message}`);
      }
    }
    this.phone.hold(on);
  }

  // ------------------------------------------------------------------ form results
  submitted(ticket, mode) {
    if (mode === "answer") this.counts.answers += 1;
    else if (mode === "ticket") this.counts.tickets += 1;
    $("#count-tickets").textContent = this.counts.tickets;
    $("#count-answers").textContent = this.counts.answers;
    if (this.pop.callId) this.pop.load(this.pop.callId).catch(() => {});
  }

  // ------------------------------------------------------------------ little UI helpers
  pill(selector, state, text) {
    const el = $(selector);
    el.dataset.state = state;
    el.textContent = text;
  }

  banner(text) {
    const el = $("#banner");
    el.textContent = text;
    el.hidden = !text;
  }

  mediaError(message) {
    const el = $("#media-error");
    el.textContent = message;
    el.hidden = false;
  }

  confirm(text) {
    const dialog = $("#confirm-dialog");
    $("#confirm-text").textContent = text;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
    });
  }
}

const app = new Desktop();
window.desktop = app; // for operators' debugging and the end-to-end tests
app.boot();
