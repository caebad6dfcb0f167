// Hot-topic alerts (预警: surges, repeat callers, collective complaints) on the wallboard, additive to
// main.js: once the board is shown it loads the open alerts and follows `analytics.alert` events on a
// socket of its own (/ws/wallboard), in a card it adds to the board.
import * as api from "./api.js";
import { WallboardSocket } from "./socket.js";

const $ = (id) => document.getElementById(id);
let alerts = [];
let socket = null;

function card() {
  let section = $("analytics-alerts");
  if (section) return section;
  section = document.createElement("section");
  section.id = "analytics-alerts";
  section.className = "card alarms";
  section.setAttribute("aria-label", "热点预警");
  const title = document.createElement("h2");
  title.textContent = "热点预警 ";
  const badge = document.createElement("span");
  badge.id = "analytics-alert-count";
  badge.className = "badge";
  title.append(badge);
  const list = document.createElement("ul");
  list.id = "analytics-alert-list";
  section.append(title, list);
  document.querySelector("main.grid").append(section);
  return section;
}

function render() {
  card();
  const list = $("analytics-alert-list");
  list.replaceChildren();
  $("analytics-alert-count").textContent = String(alerts.length);
  if (!alerts.length) {
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = "暂无预警";
    list.append(none);
  }
  for (const alert of alerts) {
    const item = document.createElement("li");
    item.dataset.alertId = alert.id;
    item.dataset.kind = alert.kind;
    const head = document.createElement("b");
    head.textContent = `【${alert.kind_name}】${alert.label} · ${alert.region_name || alert.region_code || ""} · ${alert.count}件`;
    const text = document.createElement("div");
    text.textContent = alert.notice + (alert.acknowledgement ? `（已处置：${alert.acknowledgement}）` : "");
    item.append(head, text);
    list.append(item);
  }
  document.body.dataset.analyticsAlerts = String(alerts.length);
}

async function reload() {
  try {
    const response = await fetch("/api/v1/analytics/alerts?open=true", { headers: { Authorization: `Bearer ${api.token()}` } });
    if (response.ok) alerts = (await response.json()).alerts;
  } catch { /* the next (re)connect reloads */ }
  render();
}

function onEvent(event) {
  if (event.type !== "analytics.alert") return;
  const { change, alert } = event.data;
  alerts = alerts.filter((a) => a.id !== alert.id);
  if (change !== "cleared") alerts = [alert, ...alerts];
  render();
}

function follow() {
  const onBoard = document.body.dataset.view === "board";
  if (onBoard && !socket) {
    socket = new WallboardSocket({ getToken: api.token, onEvent, onStatus: () => {}, onConnected: reload, onAuthFailed: () => {} });
    socket.start();
  } else if (!onBoard && socket) {
    socket.stop();
    socket = null;
  }
}

new MutationObserver(follow).observe(document.body, { attributes: true, attributeFilter: ["data-view"] });
follow();
