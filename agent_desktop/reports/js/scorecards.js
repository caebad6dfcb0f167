// The scorecards page: per level (city centres, sub-centres, handling units) the month's score, rank,
// change against the month before, each rate, and the scores drawn as SVG bars.
import { $, bars, esc, pct, query, request, signIn } from "./common.js";

function levelHtml(level, names, index) {
  const metrics = Object.keys(names);
  const rows = level.rows.map((r) => `<tr><td>${r.rank ?? "—"}</td><td>${esc(r.name)}</td><td class="score">${r.score ?? "—"}</td>
    <td class="${r.change > 0 ? "down" : r.change < 0 ? "up" : ""}">${r.change === null ? "—" : (r.change > 0 ? "+" : "") + r.change}</td>
    ${metrics.map((m) => `<td>${pct(r.metrics[m])}</td>`).join("")}</tr>`).join("");
  return `<section class="card level" data-level="${esc(level.level)}"><h3>${esc(level.name)}</h3>
    <svg id="chart-${index}" class="bars" role="img" aria-label="${esc(level.name)}得分"></svg>
    <table><thead><tr><th>排名</th><th>名称</th><th>得分</th><th>环比</th>${metrics.map((m) => `<th>${esc(names[m])}</th>`).join("")}</tr></thead>
    <tbody>${rows || `<tr><td colspan="${metrics.length + 4}">暂无数据</td></tr>`}</tbody></table></section>`;
}

async function load() {
  $("error").hidden = true;
  try {
    const data = await request("GET", `/api/v1/analytics/scorecards${query({ period: $("month").value })}`);
    $("weights").textContent = `${data.period} · 权重版本 ${data.weights_version || "默认"}`;
    $("levels").innerHTML = data.levels.map((level, i) => levelHtml(level, data.metric_names, i)).join("");
    data.levels.forEach((level, i) => bars($(`chart-${i}`),
      level.rows.filter((r) => r.score !== null).map((r) => ({ label: r.name, value: r.score })), { max: 100, format: (v) => v.toFixed(1) }));
    document.body.dataset.loaded = $("month").value;
  } catch (error) {
    $("error").textContent = `加载失败：${error.message}`;
    $("error").hidden = false;
  }
}

const last = new Date();
last.setDate(0);
$("month").value = new URLSearchParams(location.search).get("period") || last.toISOString().slice(0, 7);
$("pick").addEventListener("submit", (event) => { event.preventDefault(); load(); });
signIn(load);
