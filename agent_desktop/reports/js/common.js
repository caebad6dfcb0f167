// Shared by the reports pages: the REST client (/desktop/js/rest.js), sign-in, escaping, the SVG bar chart.
import { ApiError, query, restClient } from "/desktop/js/rest.js";

export { ApiError, query };
const client = restClient("hotline.reports.token", "reports:unauthorized");
export const { token, request } = client;
export const $ = (id) => document.getElementById(id);

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(2)}%`);

// Shows the login form until signed in, then calls start(me).
export function signIn(start) {
  const show = (view) => {
    document.body.dataset.view = view;
    $("login-view").hidden = view !== "login";
    $("main-view").hidden = view !== "main";
  };
  const go = async () => {
    const me = await request("GET", "/api/v1/auth/me");
    $("who").textContent = me.display_name || me.username;
    show("main");
    await start(me);
  };
  window.addEventListener("reports:unauthorized", () => show("login"));
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").hidden = true;
    try {
      await client.login($("login-username").value, $("login-password").value);
      await go();
    } catch (error) {
      $("login-error").textContent = error.message || "登录失败";
      $("login-error").hidden = false;
    }
  });
  if (token()) go().catch(() => show("login"));
}

// Horizontal bars drawn as SVG elements (no library, no CDN): rows [{label, value, extra}].
export function bars(svg, rows, { max, format = String, color = "#1769aa" } = {}) {
  const NS = "http://www.w3.org/2000/svg";
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const shown = rows.slice(0, 8);
  const height = Math.max(40, shown.length * 30 + 10);
  svg.setAttribute("viewBox", `0 0 600 ${height}`);
  svg.style.height = `${Math.round(height * 0.75)}px`;
  const top = max ?? Math.max(1, ...shown.map((r) => r.value));
  shown.forEach((row, i) => {
    const y = 6 + i * 30;
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", 150); label.setAttribute("y", y + 17); label.setAttribute("text-anchor", "end");
    label.textContent = row.label;  // textContent: never markup
    const bar = document.createElementNS(NS, "rect");
    bar.setAttribute("x", 158); bar.setAttribute("y", y); bar.setAttribute("height", 22);
    bar.setAttribute("width", Math.max(1, (380 * row.value) / top)); bar.setAttribute("fill", row.color || color);
    bar.dataset.value = row.value;
    const value = document.createElementNS(NS, "text");
    value.setAttribute("x", 162 + (380 * row.value) / top); value.setAttribute("y", y + 17);
    value.textContent = format(row.value) + (row.extra ? ` ${row.extra}` : "");
    svg.append(label, bar, value);
  });
  if (!shown.length) {
    const none = document.createElementNS(NS, "text");
    none.setAttribute("x", 10); none.setAttribute("y", 24); none.textContent = "暂无数据";
    svg.append(none);
  }
}
