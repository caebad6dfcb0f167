// Rendering of the wallboard state into the page (textContent only: names come from the server).

import { drawChart } from "./chart.js";
import { KIND_LABELS, STATE_LABELS, clock, duration, percent, secondsSince, status } from "./format.js";

const $ = (id) => document.getElementById(id);
let agentActions = null; // a cell of actions per agent row (the supervisor's monitor buttons, monitor.js)

export function setAgentActions(render) {
  agentActions = render;
}

function setKpi(id, text, state) {
  const box = $(id);
  box.querySelector(".value").textContent = text;
  if (state !== undefined) box.dataset.status = state;
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

export function renderFigures(figures) {
  const { centre, target } = figures;
  const today = centre.today, hour = centre["1h"];
  document.querySelectorAll(".target-value").forEach((n) => { n.textContent = percent(target); });
  setKpi("kpi-rate-today", percent(today.answer_rate), status(today.answer_rate, target));
  setKpi("kpi-rate-1h", percent(hour.answer_rate), status(hour.answer_rate, target));
  $("kpi-rate-15m").textContent = `近15分钟 ${percent(centre["15m"].answer_rate)}`;
  setKpi("kpi-sl-today", percent(today.service_level_15s));
  // the centre counts every waiting caller once, whatever queue they are in
  setKpi("kpi-waiting", String(centre.waiting));
  $("kpi-longest").querySelector(".value").dataset.since = centre.oldest_waiting_at || "";
  setKpi("kpi-offered", String(today.offered));
  setKpi("kpi-answered", String(today.answered));
  setKpi("kpi-abandoned", String(today.abandoned));
  setKpi("kpi-asa", today.average_speed_of_answer === null ? "—" : `${today.average_speed_of_answer.toFixed(1)} 秒`);
  setKpi("kpi-aht", duration(today.average_handle_time));
  renderSegments(figures.segments, target);
  drawChart($("chart"), figures.series, target);
  $("updated-at").textContent = clock(new Date(figures.generated_at));
  tick();
}

function renderSegments(segments, target) {
  const rows = segments.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.segment = s.id;
    if (s.alarm_id) tr.className = "alarm";
    const name = cell(s.name);
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = KIND_LABELS[s.kind] || s.kind;
    name.append(kind);
    const longest = cell("—", "since");
    longest.dataset.since = s.oldest_waiting_at || "";
    const verdict = document.createElement("span");
    const rate = s["1h"].answer_rate ?? s.today.answer_rate;
    verdict.className = `tag ${s.alarm_id ? "bad" : status(rate, target)}`;
    verdict.textContent = s.alarm_id ? "告警" : (rate === null ? "—" : (rate >= target ? "达标" : "未达标"));
    const state = cell("");
    state.append(verdict);
    tr.append(name, cell(String(s.waiting)), longest,
      cell(percent(s.today.answer_rate), status(s.today.answer_rate, target)),
      cell(percent(s["1h"].answer_rate), status(s["1h"].answer_rate, target)),
      cell(percent(s.today.service_level_15s)), cell(String(s.today.offered)), cell(String(s.today.answered)),
      cell(String(s.today.abandoned)), state);
    return tr;
  });
  $("segments").tBodies[0].replaceChildren(...rows);
}

export function renderAgents(agents) {
  const counts = {};
  const rows = agents.map((a) => {
    counts[a.state] = (counts[a.state] || 0) + 1;
    const tr = document.createElement("tr");
    tr.dataset.agent = String(a.user_id);
    const label = document.createElement("span");
    label.className = "state";
    label.dataset.state = a.state;
    label.textContent = STATE_LABELS[a.state] || a.state;
    const state = cell("");
    state.append(label);
    const since = cell("—", "since");
    since.dataset.since = a.since || "";
    tr.append(cell(a.extension || "—"), cell(a.name), state, since, cell(a.state === "not_ready" ? a.reason || "—" : ""),
      cell(String(a.answered_today)));
    if (agentActions) tr.append(agentActions(a));
    return tr;
  });
  $("agents").tBodies[0].replaceChildren(...rows);
  $("agent-counts").textContent = Object.entries(STATE_LABELS)
    .filter(([state]) => counts[state]).map(([state, label]) => `${label} ${counts[state]}`).join(" · ")
    || "无在线座席";
  tick();
}

export function renderAlarms(alarms) {
  const list = $("alarms");
  const badge = $("alarm-count");
  badge.textContent = String(alarms.length);
  badge.dataset.count = String(alarms.length);
  if (!alarms.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "暂无告警";
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...alarms.map((a) => {
    const li = document.createElement("li");
    li.dataset.alarm = String(a.id);
    const time = document.createElement("time");
    time.dateTime = a.raised_at;
    time.textContent = clock(new Date(a.raised_at));
    li.append(time, document.createTextNode(a.notice));
    return li;
  }));
}

// 漏接回拨: open and overdue missed-call tasks, today's callback rate and share done in time
export function renderCallbacks(figures) {
  if (!figures) return;
  const tile = $("kpi-callbacks");
  tile.querySelector(".value").textContent = `${figures.open}`;
  tile.dataset.overdue = String(figures.overdue);
  const pct = (v) => `${(100 * v).toFixed(1)}%`;
  tile.querySelector(".sub").textContent =
    `超时 ${figures.overdue} · 回拨率 ${pct(figures.callback_rate)} · 及时率 ${pct(figures.in_time_share)}`;
}

// once a second: the clock, and every "time since" cell (longest wait, time in state)
export function tick() {
  const now = Date.now();
  $("clock").textContent = clock(new Date(now));
  document.querySelectorAll("[data-since]").forEach((node) => {
    node.textContent = node.dataset.since ? duration(secondsSince(node.dataset.since, now)) : "—";
  });
}
