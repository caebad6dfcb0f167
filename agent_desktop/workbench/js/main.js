// The workbench: sign in, then the workspaces the person's role allows — 派单 (dispatch), 承办 (a
// unit's inbox), 回访 (callback), 督办 (supervision), 查询 (search) — and the ticket page.
// Routes live in the address's hash (#dispatch/pending, #ticket/42), so Back and reload work.

import * as api from "./api.js";
import * as bell from "./bell.js";
import { can, ctx, load as loadContext, unitName, unitSide } from "./context.js";
import { ROLE } from "./format.js";
import * as intake from "./intake.js";
import * as lists from "./lists.js";
import * as supervision from "./supervision.js";
import * as ticketPage from "./ticket.js";
import { STEP_LABEL } from "./steps.js";
import * as timeleft from "./timeleft.js";

const $ = (id) => document.getElementById(id);
const SUPERVISION = { title: "督办", when: () => ctx.perms.has("ticket:read") };
let workspaces = [];
let lastList = "";

function show(view) {
  document.body.dataset.view = view;
  $("login-view").hidden = view !== "login";
  $("app-view").hidden = view === "login";
  $("list-view").hidden = view !== "list";
  $("ticket-view").hidden = view !== "ticket";
  $("supervision-view").hidden = view !== "supervision";
  $("intake-view").hidden = view !== "intake";
}

let notice = "";  // a message for the next screen (shown once, after the route changes)

function banner(text, kind = "error") {
  $("banner").textContent = text || "";
  $("banner").dataset.kind = kind;
  $("banner").hidden = !text;
}

function buildTabs() {
  const all = { ...lists.WORKSPACES, supervision: SUPERVISION, intake: intake.WORKSPACE };
  // a unit's people start at their inbox; the hotline at dispatch
  const order = unitSide() ? ["inbox", "supervision", "search"] : ["dispatch", "callback", "supervision", "search", "inbox", "intake"];
  workspaces = order.filter((key) => all[key] && all[key].when());
  $("tabs").innerHTML = workspaces.map((key, i) => `<a href="#${key}" data-ws="${key}" title="Alt+${i + 1}">${all[key].title}</a>`).join("")
    + (can("quality:read") || can("quality:self") ? '<a href="quality.html">质检</a>' : "");  // its own page
}

async function route() {
  const [head, arg] = (location.hash.replace(/^#/, "") || "").split("/");
  banner(notice, "ok");
  notice = "";
  try {
    if (head === "ticket" && /^\d+$/.test(arg || "")) {
      show("ticket");
      markTab(null);
      await ticketPage.show(Number(arg));
      $("t-actions").querySelector("button")?.focus();
      return;
    }
    const key = workspaces.includes(head) ? head : workspaces[0];
    if (!key) return banner("当前账号没有可用的工作区");
    markTab(key);
    if (key === "intake") {
      show("intake");
      lastList = "#intake";
      await intake.show();
      return;
    }
    if (key === "supervision") {
      show("supervision");
      lastList = "#supervision";
      await supervision.show();
      return;
    }
    show("list");
    const tab = lists.open(key, arg);
    lastList = `#${key}/${tab.key}`;
    await lists.load();
  } catch (err) {
    if (err.status === 401) return;
    banner(err.status === 404 ? "工单不存在或不在您的权限范围内" : `加载失败：${err.message}`);
  }
}

function markTab(key) {
  for (const a of $("tabs").querySelectorAll("a")) a.setAttribute("aria-current", String(a.dataset.ws === key));
}

function start(me) {
  const where = me.org_unit_id ? unitName(me.org_unit_id) : "";
  const role = ROLE[me.role] || me.role;
  const what = [me.display_name === role ? "" : role, where].filter(Boolean).join(" · ");
  $("who").textContent = what ? `${me.display_name}（${what}）` : me.display_name;
  buildTabs();
  bell.start();  // the notification bell: unread figure now, live from /ws/desktop (bell.js)
  show("list");
  if (!location.hash) location.hash = `#${workspaces[0] || "search"}`;
  else route();
}

function signOut(message) {
  api.setToken(null);
  bell.stop();
  show("login");
  $("login-error").textContent = message || "";
  $("login-error").hidden = !message;
}

async function onLogin(event) {
  event.preventDefault();
  $("login-error").hidden = true;
  $("login-submit").disabled = true;
  try {
    const me = await api.login($("login-username").value.trim(), $("login-password").value);
    await loadContext(me);
    start(me);
  } catch (e) {
    api.setToken(null);
    $("login-error").textContent = e.status === 401 ? "用户名或密码错误" : e.message;
    $("login-error").hidden = false;
  } finally {
    $("login-submit").disabled = false;
  }
}

// Keys: Alt+digit a workspace (or, on a ticket, a step); ↑↓ rows; Enter opens; / search; Esc back.
function onKey(event) {
  if (document.body.dataset.view === "login" || $("action-dialog").open || $("form-dialog").open) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (event.altKey && /^[1-9]$/.test(event.key)) {
    event.preventDefault();
    const n = Number(event.key) - 1;
    if (document.body.dataset.view === "ticket") $("t-actions").querySelectorAll("button")[n]?.click();
    else if (workspaces[n]) location.hash = `#${workspaces[n]}`;
    return;
  }
  if (event.key === "Escape" && document.body.dataset.view === "ticket") {
    event.preventDefault();
    location.hash = lastList || `#${workspaces[0]}`;
    return;
  }
  if (typing) return;
  if (event.key === "/" && document.body.dataset.view === "list") {
    event.preventDefault();
    $("f-q").focus();
    return;
  }
  const row = document.activeElement?.closest?.("tr[data-id]");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const rows = [...document.querySelectorAll("main section:not([hidden]) tr[data-id]")];
    if (!rows.length) return;
    event.preventDefault();
    const at = rows.indexOf(row);
    const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (event.key === "ArrowDown" ? 1 : -1)));
    rows[next].focus();
  } else if (event.key === "Enter" && row) {
    event.preventDefault();
    location.hash = `#ticket/${row.dataset.id}`;
  }
}

async function boot() {
  $("login-form").addEventListener("submit", onLogin);
  $("btn-logout").addEventListener("click", () => signOut(""));
  $("ticket-back").addEventListener("click", () => { location.hash = lastList || `#${workspaces[0]}`; });
  $("subtabs").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-tab]");
    if (b) location.hash = `#${lists.current().workspace}/${b.dataset.tab}`;
  });
  $("t-actions").addEventListener("click", async (event) => {
    const b = event.target.closest("button[data-step]");
    if (!b) return;
    try {
      const updated = await ticketPage.step(b.dataset.step);
      if (updated && updated.gone) {
        notice = `工单 ${updated.number} 已${STEP_LABEL[b.dataset.step] || "办理"}，不再由本单位办理`;
        location.hash = lastList || `#${workspaces[0]}`;
      } else if (updated) {
        banner(`工单 ${updated.number}：${STEP_LABEL[b.dataset.step] || "操作"}成功`, "ok");
      }
    } catch (err) {
      banner(`操作失败：${err.message}`);
    }
  });
  $("ticket-table").addEventListener("dblclick", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row) location.hash = `#ticket/${row.dataset.id}`;
  });
  intake.setup();
  lists.setupFilters(() => lists.load().catch((err) => banner(`加载失败：${err.message}`)));
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  // a page module moves on after its own action (a merge): a word for the next screen, then the route
  window.addEventListener("workbench:navigate", (event) => {
    notice = event.detail.notice || "";
    if (location.hash === event.detail.hash) route();
    else location.hash = event.detail.hash;
  });
  window.addEventListener("workbench:unauthorized", () => signOut("登录已失效，请重新登录"));
  // a ticket changed somewhere (bell.js relays /ws/desktop's ticket.* events): the list on screen
  // is read again, once for a burst of events, so a dispatched ticket appears in the unit's inbox
  let refresh = null;
  window.addEventListener("workbench:ticket-event", () => {
    const view = document.body.dataset.view;
    if (view !== "list" && view !== "intake") return;
    clearTimeout(refresh);
    refresh = setTimeout(() => (view === "intake" ? intake.show() : lists.load()).catch(() => {}), 500);
  });
  timeleft.start();
  if (!api.token()) return show("login");
  try {
    const me = await api.request("GET", "/api/v1/auth/me");
    await loadContext(me);
    start(me);
  } catch {
    signOut("");
  }
}

boot();
