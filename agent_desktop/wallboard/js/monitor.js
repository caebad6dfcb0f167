// The supervisor's monitor on the wallboard: a softphone on the supervisor's own seat (the
// desktop's Softphone, /desktop/js/softphone.js) and, next to each talking agent, buttons to
// listen (监听), whisper (密语) or barge in (强插). POST /api/v1/calls/{id}/monitor makes the
// platform ring the seat; the page answers that ring itself (the supervisor just asked for it);
// the mode buttons PATCH, 结束监听 DELETEs. Everything shown is set with textContent.

import * as api from "./api.js";
import { Softphone, mediaErrorMessage } from "/desktop/js/softphone.js";

export const MODE_LABELS = { listen: "监听", whisper: "密语", barge: "强插" };
const $ = (id) => document.getElementById(id);
const m = { phone: null, config: null, monitor: null, rerender: () => {} };
// m.monitor: {callId, agent, mode, phase: "ringing" | "active"}

function setError(text) {
  $("monitor-error").textContent = text || "";
  $("monitor-error").hidden = !text;
}

function setPhoneStatus(kind, text) {
  const pill = $("sp-status");
  pill.dataset.state = kind;
  pill.textContent = text;
  document.body.dataset.sip = kind === "on" ? "registered" : kind;
}

function show() {
  const panel = $("monitor-panel");
  const current = m.monitor;
  panel.dataset.monitor = current ? current.phase : "idle";
  panel.dataset.mode = current ? current.mode : "";
  $("monitor-actions").hidden = !current;
  $("monitor-status").textContent = !current ? "未在监听"
    : current.phase === "ringing" ? `正在呼叫本机分机 ${m.config.extension} …（${current.agent}）`
      : `${MODE_LABELS[current.mode]}中：${current.agent}（通话 ${current.callId}）`;
  document.querySelectorAll("#monitor-actions [data-mode]").forEach((b) => {
    b.setAttribute("aria-pressed", String(!!current && b.dataset.mode === current.mode));
  });
  m.rerender();
}

async function act(promise) {
  setError("");
  try {
    return await promise;
  } catch (error) {
    setError(`操作失败：${error.message}`);
    return null;
  }
}

async function begin(agent, mode) {
  if (m.monitor) return setError("请先结束当前监听");
  const label = `${agent.extension || ""} ${agent.name}`.trim();
  m.monitor = { callId: agent.call_id, agent: label, mode, phase: "ringing" };
  show();
  if (!await act(api.monitor.start(agent.call_id, mode, m.config.extension))) {
    m.monitor = null;
    show();
  }
}

async function switchMode(mode) {
  const current = m.monitor;
  if (!current || current.mode === mode) return;
  if (await act(api.monitor.change(current.callId, mode))) {
    current.mode = mode;
    show();
  }
}

async function end() {
  const current = m.monitor;
  if (!current) return;
  await act(api.monitor.stop(current.callId));
  m.monitor = null; // the platform hangs up the seat's phone
  show();
}

// the cell of buttons in a talking agent's row (render.js calls it for every row)
export function agentActions(agent) {
  const td = document.createElement("td");
  td.className = "monitor-cell";
  if (agent.state !== "on_call" || !agent.call_id || !m.config) return td;
  const mine = m.monitor && m.monitor.callId === agent.call_id;
  if (mine) td.dataset.monitored = m.monitor.mode;
  for (const mode of Object.keys(MODE_LABELS)) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "mini";
    button.dataset.monitor = mode;
    button.textContent = MODE_LABELS[mode];
    button.disabled = m.phone === null || (!!m.monitor && !mine);
    button.setAttribute("aria-pressed", String(!!mine && m.monitor.mode === mode));
    button.addEventListener("click", () => (mine ? switchMode(mode) : begin(agent, mode)));
    td.append(button);
  }
  return td;
}

function onCall({ detail }) {
  const current = m.monitor;
  if (detail.state === "talking" && current) {
    current.phase = "active";
    show();
  } else if ((detail.state === "ended" || detail.state === "failed") && current) {
    m.monitor = null; // the call ended, the seat hung up, or DELETE
    show();
  }
}

function onIncoming({ detail }) {
  const current = m.monitor;
  // only the ring the supervisor asked for is answered by itself ("monitor <call id>")
  if (current && current.phase === "ringing" && (detail.name || "") === `monitor ${current.callId}`) {
    m.phone.answer();
  } else {
    m.phone.hangup();
  }
}

export async function startMonitor({ rerender }) {
  m.rerender = rerender;
  $("monitor-actions").querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", () => switchMode(b.dataset.mode)));
  $("monitor-stop").addEventListener("click", end);
  try {
    m.config = await api.softphone();
  } catch (error) {
    setPhoneStatus("error", "无班长分机");
    setError(error.status === 409 ? "此账号没有班长分机，不能监听" : `软电话配置加载失败：${error.message}`);
    return;
  }
  if (typeof JsSIP === "undefined") {
    setPhoneStatus("error", "软电话不可用");
    return;
  }
  m.phone = new Softphone(m.config, $("monitor-audio"));
  m.phone.addEventListener("registration", ({ detail }) => {
    const labels = { connecting: ["wait", "连接中"], registered: ["on", `分机 ${m.config.extension} 已注册`],
      unregistered: ["off", "未注册"], failed: ["error", "注册失败"] };
    const [kind, text] = labels[detail.state] || ["off", detail.state];
    setPhoneStatus(kind, text);
    m.rerender();
  });
  m.phone.addEventListener("incoming", onIncoming);
  m.phone.addEventListener("call", onCall);
  m.phone.addEventListener("media-error", ({ detail }) => setError(detail.message || mediaErrorMessage("")));
  m.phone.start();
  window.wallboardMonitor = m; // for the browser test: the softphone's RTP counters
}

export function stopMonitor() {
  if (m.phone) m.phone.stop();
  m.phone = null;
  m.monitor = null;
  m.config = null;
}
