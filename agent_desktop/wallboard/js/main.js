// The wallboard page: sign in (supervisor or admin), load the full state over REST, then apply the
// events pushed on /ws/wallboard: stats.updated (figures), stats.agents (agent states),
// alarm.raised / alarm.cleared. Any (re)connect reloads the full state.

import * as api from "./api.js";
import { agentActions, startMonitor, stopMonitor } from "./monitor.js";
import { renderAgents, renderAlarms, renderCallbacks, renderFigures, setAgentActions, tick } from "./render.js";
import { WallboardSocket } from "./socket.js";

const ALLOWED_ROLES = new Set(["supervisor", "admin"]);
const $ = (id) => document.getElementById(id);
const state = { figures: null, agents: [], alarms: [] };
let socket = null;

function show(view) {
  document.body.dataset.view = view;
  $("login-view").hidden = view !== "login";
  $("board-view").hidden = view !== "board";
}

function banner(text) {
  $("banner").textContent = text || "";
  $("banner").hidden = !text;
}

function setStatus(kind, text) {
  const pill = $("live-status");
  pill.dataset.state = kind;
  pill.textContent = text;
}

async function reload() {
  try {
    const snapshot = await api.wallboard();
    state.figures = snapshot;
    state.agents = snapshot.agents;
    state.alarms = snapshot.alarms;
    renderFigures(snapshot);
    renderAgents(state.agents);
    renderAlarms(state.alarms);
    api.callbackFigures().then(renderCallbacks).catch(() => renderCallbacks(snapshot.callbacks));
    banner("");
    document.body.dataset.loaded = "1";
  } catch (error) {
    if (error.status === 401) return signOut("登录已失效，请重新登录");
    banner(`数据加载失败：${error.message}`);
  }
}

function onEvent(event) {
  if (event.type === "stats.updated") {
    state.figures = { ...state.figures, ...event.data };
    renderFigures(state.figures);
  } else if (event.type === "stats.agents") {
    state.agents = event.data.agents;
    renderAgents(state.agents);
  } else if (event.type === "alarm.raised") {
    state.alarms = [...state.alarms.filter((a) => a.id !== event.data.id), event.data];
    renderAlarms(state.alarms);
  } else if (event.type === "alarm.cleared") {
    state.alarms = state.alarms.filter((a) => a.id !== event.data.id);
    renderAlarms(state.alarms);
  }
}

function startBoard(me) {
  const role = me.role === "admin" ? "管理员" : "值班长";
  $("who").textContent = me.display_name === role ? me.display_name : `${me.display_name}（${role}）`;
  show("board");
  socket = new WallboardSocket({
    getToken: api.token, onEvent, onStatus: setStatus, onConnected: reload,
    onAuthFailed: () => signOut("登录已失效，请重新登录"),
  });
  socket.start();
  setAgentActions(agentActions); // listen / whisper / barge next to each talking agent (monitor.js)
  startMonitor({ rerender: () => renderAgents(state.agents) });
}

function signOut(message) {
  if (socket) socket.stop();
  socket = null;
  stopMonitor();
  api.setToken(null);
  show("login");
  const error = $("login-error");
  error.textContent = message || "";
  error.hidden = !message;
}

async function onLogin(event) {
  event.preventDefault();
  const error = $("login-error");
  error.hidden = true;
  $("login-submit").disabled = true;
  try {
    const me = await api.login($("login-username").value.trim(), $("login-password").value);
    if (!ALLOWED_ROLES.has(me.role)) {
      api.setToken(null);
      throw new Error("仅限值班长或管理员使用监控大屏");
    }
    startBoard(me);
  } catch (e) {
    error.textContent = e.status === 401 ? "用户名或密码错误" : e.message;
    error.hidden = false;
  } finally {
    $("login-submit").disabled = false;
  }
}

async function boot() {
  $("login-form").addEventListener("submit", onLogin);
  $("btn-logout").addEventListener("click", () => signOut(""));
  setInterval(tick, 1000);
  if (!api.token()) return show("login");
  try {
    const me = await api.me();
    if (ALLOWED_ROLES.has(me.role)) return startBoard(me);
  } catch { /* token expired: sign in again */ }
  signOut("");
}

boot();

// the missed-call tasks change by the scheduler's passes and the agents' call backs: read every 30 s
setInterval(() => {
  if (document.body.dataset.loaded === "1") api.callbackFigures().then(renderCallbacks).catch(() => {});
}, 30000);
