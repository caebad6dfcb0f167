// The notification bell: the person's kept notifications (/api/v1/notifications) and their live
// arrival on /ws/desktop. The unread figure comes from REST on sign-in and after every (re)connect
// (events missed while offline are never replayed by the socket, but they were kept); a ticket.*
// event on the socket asks for the figure again (debounced), since only the server knows which
// events became this person's notifications. Opening the panel lists them newest first; a click
// opens the ticket and marks it read; "全部已读" marks everything read at once.

import { LiveSocket } from "/desktop/js/live.js";
import { api, token } from "./api.js";
import { esc, shortTime } from "./format.js";

const $ = (id) => document.getElementById(id);
const PAGE = 20;
const REFRESH_DELAY_MS = 300;  // a burst of events (a scheduler pass) asks once

let live = null;
let refreshTimer = null;
let running = false;
let nextBefore = null;
let unreadOnly = false;

function setCount(unread, capped) {
  const badge = $("bell-count");
  const text = capped || unread > 99 ? "99+" : String(unread);
  badge.textContent = text;
  badge.hidden = unread === 0;
  $("bell").dataset.count = String(unread);
  $("bell").setAttribute("aria-label", unread ? `通知（${text} 条未读）` : "通知");
}

export async function refreshCount() {
  if (!running) return;
  try {
    const { unread, capped } = await api.get("/api/v1/notifications/unread-count");
    setCount(unread, capped);
  } catch (err) {
    if (err.status !== 401) console.warn("notifications: unread count failed", err);
  }
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refreshCount();
    if (!$("bell-panel").hidden) loadPanel(false);
  }, REFRESH_DELAY_MS);
}

function itemHtml(n) {
  return `<li><button type="button" class="bell-item${n.read ? "" : " unread"}" data-id="${n.id}" data-ticket="${n.ticket_id}">`
    + `<span class="bell-text">${esc(n.text)}</span><time class="muted">${esc(shortTime(n.created_at))}</time></button></li>`;
}

function panelFrame() {
  return `<div class="bell-head"><strong>通知</strong>`
    + `<label class="bell-filter"><input id="bell-unread" type="checkbox"${unreadOnly ? " checked" : ""}>只看未读</label>`
    + `<button id="bell-read-all" type="button" class="link">全部已读</button></div>`
    + `<ul id="bell-list" class="bell-list"></ul><p id="bell-empty" class="muted" hidden>暂无通知</p>`
    + `<button id="bell-more" type="button" class="link" hidden>加载更多</button>`;
}

async function loadPanel(more) {
  const params = { limit: PAGE, unread: unreadOnly || undefined, before: more ? nextBefore : undefined };
  let page;
  try {
    page = await api.get("/api/v1/notifications", params);
  } catch (err) {
    $("bell-list").innerHTML = `<li class="error">通知加载失败：${esc(err.message)}</li>`;
    return;
  }
  const list = $("bell-list");
  list.innerHTML = (more ? list.innerHTML : "") + page.items.map(itemHtml).join("");
  nextBefore = page.next_before;
  $("bell-more").hidden = nextBefore === null;
  $("bell-empty").hidden = list.children.length > 0;
  document.body.dataset.bellLoaded = String(Date.now());  // tests wait for a fresh list
}

function openPanel() {
  $("bell-panel").innerHTML = panelFrame();
  $("bell-panel").hidden = false;
  $("bell").setAttribute("aria-expanded", "true");
  loadPanel(false);
}

export function closePanel() {
  $("bell-panel").hidden = true;
  $("bell").setAttribute("aria-expanded", "false");
}

async function onPanelClick(event) {
  const item = event.target.closest("button.bell-item");
  if (item) {
    closePanel();
    try {
      await api.post(`/api/v1/notifications/${item.dataset.id}/read`);
    } catch (err) {
      console.warn("notifications: mark read failed", err);
    }
    refreshCount();
    const target = `#ticket/${item.dataset.ticket}`;
    if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));  // reload it
    else location.hash = target;
    return;
  }
  if (event.target.id === "bell-read-all") {
    const { unread, capped } = await api.post("/api/v1/notifications/read-all");
    setCount(unread, capped);
    loadPanel(false);
  } else if (event.target.id === "bell-more") {
    loadPanel(true);
  }
}

function onPanelChange(event) {
  if (event.target.id !== "bell-unread") return;
  unreadOnly = event.target.checked;
  loadPanel(false);
}

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $("bell").addEventListener("click", (event) => {
    event.stopPropagation();
    if ($("bell-panel").hidden) openPanel(); else closePanel();
  });
  $("bell-panel").addEventListener("click", onPanelClick);
  $("bell-panel").addEventListener("change", onPanelChange);
  document.addEventListener("click", (event) => {
    if (!$("bell-panel").hidden && !event.target.closest("#bell-panel, #bell")) closePanel();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("bell-panel").hidden) {
      event.stopPropagation();
      closePanel();
      $("bell").focus();
    }
  }, true);
}

// Signed in: the figure now, then live (the socket of the agent desktop, same protocol).
export function start() {
  wire();
  stop();
  running = true;
  closePanel();
  setCount(0, false);
  refreshCount();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  live = new LiveSocket({
    url: `${scheme}://${location.host}/ws/desktop`, getToken: token, label: "通知",
    onEvent: (event) => {
      if (!String(event.type || "").startsWith("ticket.")) return;
      scheduleRefresh();
      // for any part of the page that wants to follow tickets live (one socket per page)
      window.dispatchEvent(new CustomEvent("workbench:ticket-event", { detail: event }));
    },
    onStatus: (state, text) => { $("bell").dataset.live = state; $("bell").title = text; },
    onConnected: () => { document.body.dataset.bellLive = "on"; refreshCount(); },
    onAuthFailed: () => window.dispatchEvent(new CustomEvent("workbench:unauthorized")),
  });
  live.start();
}

export function stop() {
  running = false;
  clearTimeout(refreshTimer);
  if (live) live.stop();
  live = null;
  delete document.body.dataset.bellLive;
  if ($("bell-panel")) closePanel();
}
