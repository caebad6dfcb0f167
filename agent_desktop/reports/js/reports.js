// The period reports page: pick a kind and a day, show the report's figures and charts, download the xlsx.
import { $, bars, esc, pct, query, request, signIn, token } from "./common.js";

function params() {
  const kind = $("kind").value;
  const day = $("date").value;
  return { kind, q: kind === "monthly" ? { month: day.slice(0, 7) } : { date: day } };
}

function kpi(label, value, sub = "") {
  return `<div class="kpi"><span>${esc(label)}</span><b>${esc(value)}</b><span>${esc(sub)}</span></div>`;
}

function render(r) {
  $("title").textContent = `${r.label}${r.kind_name}`;
  const s = r.summary;
  $("kpis").innerHTML = [
    kpi("诉求总量", s.tickets, "件"), kpi("涉企诉求", s.enterprise_related, pct(s.enterprise_rate)),
    kpi("直接答复率", pct(s.direct_answer_rate), `${s.direct_answered} 件`),
    kpi("接通率", pct(s.calls.answer_rate), `呼入 ${s.calls.offered} / 接通 ${s.calls.answered}`),
    kpi("15秒服务水平", pct(s.calls.service_level_15s)), kpi("按时转办率", pct(r.time_limits.dispatch.rate)),
    kpi("满意率", pct(r.satisfaction.rate), `甄别剔除 ${r.satisfaction.screened_out}`),
    kpi("退回 / 延期", `${r.returns_extensions.returns} / ${r.returns_extensions.extensions_approved}`),
  ].join("");
  const counts = (rows) => rows.map((x) => ({ label: x.name, value: x.count, extra: x.enterprise_related ? `(涉企 ${x.enterprise_related})` : "" }));
  bars($("chart-channel"), counts(r.by_channel));
  bars($("chart-category"), counts(r.by_category));
  bars($("chart-region"), counts(r.by_region));
  const sat = r.satisfaction;
  bars($("chart-satisfaction"), [
    { label: "满意", value: sat.satisfied, color: "#2f855a" },
    { label: "不满意（合理）", value: sat.dissatisfied_reasonable, color: "#c53030" },
    { label: "不满意（不合理）", value: sat.dissatisfied_unreasonable, color: "#dd6b20" },
    { label: "未评价", value: sat.no_evaluation, color: "#718096" }]);
  $("topics").tBodies[0].innerHTML = r.hot_topics.map((t) => `<tr><td>${esc(t.label)}</td><td>${esc(t.keywords.join("、"))}</td>
    <td>${t.count}</td><td class="${t.trend.change > 0 ? "up" : "down"}">${t.trend.change > 0 ? "+" : ""}${t.trend.change}</td>
    <td>${esc(t.regions.slice(0, 3).map((g) => `${g.name} ${g.count}`).join("、"))}</td></tr>`).join("") || `<tr><td colspan="5">暂无</td></tr>`;
  $("alerts").tBodies[0].innerHTML = r.alerts.map((a) => `<tr><td>${esc(a.kind_name)}</td><td>${esc(a.label)}</td>
    <td>${esc(a.region_name || a.region_code || "")}</td><td>${a.count}</td><td>${esc(new Date(a.raised_at).toLocaleString("zh-CN"))}</td>
    <td>${a.cleared_at ? "已解除" : "未解除"}${a.acknowledgement ? "（已处置）" : ""}</td></tr>`).join("") || `<tr><td colspan="6">暂无</td></tr>`;
  $("units").tBodies[0].innerHTML = r.time_limits.units.map((u) => `<tr><td>${esc(u.name)}</td><td>${u.tickets}</td>
    <td>${pct(u.sign_rate)}</td><td>${pct(u.handle_rate)}</td></tr>`).join("") || `<tr><td colspan="4">暂无</td></tr>`;
  $("cases").innerHTML = r.typical_cases.map((c) => `<li><b>${esc(c.topic)}</b> ${esc(c.number)}：${esc(c.summary)}</li>`).join("") || "<li>暂无</li>";
  $("report").hidden = false;
}

async function load() {
  const { kind, q } = params();
  $("error").hidden = true;
  $("status").textContent = "加载中…";
  try {
    render(await request("GET", `/api/v1/reports/${kind}${query(q)}`));
    $("status").textContent = "";
    document.body.dataset.loaded = `${kind}:${$("date").value}`;
  } catch (error) {
    $("status").textContent = "";
    $("error").textContent = `加载失败：${error.message}`;
    $("error").hidden = false;
  }
}

async function download() {
  const { kind, q } = params();
  const response = await fetch(`/api/v1/reports/${kind}${query({ ...q, format: "xlsx" })}`,
    { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) { $("error").textContent = "下载失败"; $("error").hidden = false; return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = `${kind}-${$("date").value}.xlsx`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

const start = new URLSearchParams(location.search);
$("date").value = start.get("date") || new Date(Date.now() - 86400000).toISOString().slice(0, 10);
if (start.get("kind")) $("kind").value = start.get("kind");
$("pick").addEventListener("submit", (event) => { event.preventDefault(); load(); });
$("download").addEventListener("click", download);
signIn(load);
