// The quality-inspection page (质检): a supervisor picks a sampled call, listens to its recording
// with the transcript beside it and scores it on the form's items (fatal items zero the score);
// open appeals are decided here. An agent sees their own scores and may appeal each once.

import { ApiError, api, login, setToken, token } from "./api.js";
import { esc, localTime } from "./format.js";
import { clock, flagChips, segmentsHtml } from "./transcript.js";

const $ = (id) => document.getElementById(id);
const REASON = { random: "随机抽取", complaint: "投诉工单", dissatisfied: "回访不满意", keyword: "关键词命中", manual: "指定抽检" };
const me = { perms: new Set() };
let current = null;  // the open sample's detail
let audioUrl = null;

const can = (p) => me.perms.has(p);

async function start(user) {
  me.user = user;
  me.perms = new Set(user.permissions || []);
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  document.body.dataset.view = "app";
  $("me").textContent = `${user.display_name}（${user.username}）`;
  if (can("quality:read")) {
    $("inspect-view").hidden = false;
    $("q-draw").hidden = !can("quality:score");
    await Promise.all([loadSamples(), loadAppeals()]);
  }
  if (can("quality:self") && !can("quality:read")) {
    $("self-view").hidden = false;
    await loadOwn();
  }
}

// ---- the sample list -----------------------------------------------------------------------
async function loadSamples() {
  const q = $("q-search").value.trim();
  const samples = await api.get("/api/v1/quality/samples", { status: $("q-status").value, week: $("q-week").value.trim(), q });
  $("q-samples").innerHTML = samples.length ? samples.map((s) => `<tr data-id="${s.id}">
      <td>${esc(localTime(s.call_started_at))}</td><td>${esc(s.agent_name)}</td><td>${esc(REASON[s.reason] || s.reason)}</td>
      <td>${flagChips(s.flags)}${s.snippet ? `<div class="muted">${esc(s.snippet)}</div>` : ""}</td>
      <td>${s.status === "scored" ? `${s.total} 分` : "待评分"}</td></tr>`).join("")
    : '<tr><td colspan="5" class="muted">没有符合条件的样本</td></tr>';
  document.body.dataset.samples = `${q}:${samples.length}`;  // what was asked, how many came
}

async function loadAppeals() {
  if (!can("quality:score")) return;
  const appeals = await api.get("/api/v1/quality/appeals");
  $("q-appeals").innerHTML = appeals.length ? appeals.map((a) => `<li data-score="${a.id}">
      通话 ${a.call_id} · ${a.total} 分 · 申诉理由：${esc(a.appeal_reason)}
      <button type="button" data-decide="reject">维持原评分</button>
      <button type="button" data-decide="uphold">申诉成立</button></li>`).join("")
    : '<li class="muted">暂无</li>';
}

// ---- one sample: recording, transcript, form -------------------------------------------------
async function open(sampleId) {
  current = await api.get(`/api/v1/quality/samples/${sampleId}`);
  const { sample, form, score } = current;
  for (const tr of $("q-samples").querySelectorAll("tr")) tr.setAttribute("aria-selected", String(tr.dataset.id === String(sampleId)));
  $("q-detail").hidden = false;
  $("q-title").textContent = `通话 ${sample.call_id} · ${sample.agent_name}`;
  $("q-meta").textContent = `${localTime(sample.call_started_at)} · ${REASON[sample.reason] || sample.reason} · 周次 ${sample.week}`
    + (current.ticket_number ? ` · 工单 ${current.ticket_number}` : "");
  $("q-flags").innerHTML = flagChips(sample.flags);
  $("q-transcript").innerHTML = segmentsHtml(current.transcripts);
  releaseAudio();
  $("q-play").disabled = !current.recording_id;
  $("q-play").textContent = current.recording_id ? `▶ 加载并播放录音（${clock(current.recording_seconds)}）` : "无录音";
  $("q-form-title").textContent = `${form.name}（第 ${form.version} 版）`;
  $("q-items").innerHTML = form.items.map((item) => item.fatal
    ? `<tr class="fatal"><td>致命项：${esc(item.label)}</td><td><label><input type="checkbox" name="${esc(item.key)}"> 出现（整通得 0 分）</label></td></tr>`
    : `<tr><td>${esc(item.label)}</td><td><input type="number" name="${esc(item.key)}" min="0" max="${item.points}" step="1" value="${item.points}"> / ${item.points}</td></tr>`).join("");
  const scored = Boolean(score);
  for (const input of $("q-score-form").querySelectorAll("input, textarea, button")) input.disabled = scored;
  if (score) {
    for (const [key, value] of Object.entries(score.answers)) {
      const input = $("q-score-form").elements[key];
      if (input && input.type === "checkbox") input.checked = Boolean(value); else if (input) input.value = value;
    }
    $("q-comment").value = score.comment;
  } else {
    $("q-comment").value = "";
  }
  $("q-submit").hidden = scored || !can("quality:score");
  $("q-error").hidden = true;
  $("q-result").innerHTML = score ? resultHtml(score) : "";
  updateTotal();
  document.body.dataset.sample = String(sampleId);
}

function answers() {
  const out = {};
  for (const item of current.form.items) {
    const input = $("q-score-form").elements[item.key];
    out[item.key] = item.fatal ? input.checked : Number(input.value);
  }
  return out;
}

function updateTotal() {
  if (!current) return;
  const a = answers();
  const items = current.form.items;
  const possible = items.filter((i) => !i.fatal).reduce((n, i) => n + i.points, 0);
  const fatal = items.some((i) => i.fatal && a[i.key]);
  const given = items.filter((i) => !i.fatal).reduce((n, i) => n + (Number(a[i.key]) || 0), 0);
  $("q-total").textContent = fatal ? "0（致命项）" : String(Math.round((1000 * given) / possible) / 10);
}

function resultHtml(score) {
  const appeal = score.appeal_status ? ` · 申诉：${{ open: "待复核", upheld: "成立", rejected: "不成立" }[score.appeal_status]}` : "";
  return `<p class="q-scored">已评分：<strong>${score.total}</strong> 分${score.fatal ? "（致命项）" : ""} · ${esc(score.scored_by)} · ${esc(localTime(score.scored_at))}${appeal}</p>`;
}

async function submitScore(event) {
  event.preventDefault();
  $("q-error").hidden = true;
  try {
    const score = await api.post(`/api/v1/quality/samples/${current.sample.id}/score`,
      { form_id: current.form.id, answers: answers(), comment: $("q-comment").value });
    await loadSamples();
    await open(current.sample.id);
    document.body.dataset.scored = String(score.total);
  } catch (err) {
    $("q-error").textContent = err instanceof ApiError ? err.message : String(err);
    $("q-error").hidden = false;
  }
}

function releaseAudio() {
  if (audioUrl) URL.revokeObjectURL(audioUrl);
  audioUrl = null;
  $("q-audio").hidden = true;
  $("q-audio").removeAttribute("src");
}

async function play() {
  if (!current || !current.recording_id) return;
  const response = await fetch(`/api/v1/recordings/${current.recording_id}/audio`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) { $("q-play").textContent = `无法播放录音（${response.status}）`; return; }
  releaseAudio();
  audioUrl = URL.createObjectURL(await response.blob());
  $("q-audio").src = audioUrl;
  $("q-audio").hidden = false;
  $("q-audio").play().catch(() => {});
  document.body.dataset.recordingLoaded = String(current.recording_id);
}

// ---- an agent's own scores -------------------------------------------------------------------
async function loadOwn() {
  const scores = await api.get("/api/v1/quality/my-scores");
  $("q-own").innerHTML = scores.length ? scores.map((s) => `<tr data-score="${s.id}">
      <td>${esc(localTime(s.scored_at))}</td><td>通话 ${s.call_id}</td><td>${s.total}${s.fatal ? "（致命项）" : ""}</td><td>${esc(s.comment)}</td>
      <td>${s.appealed_at ? esc({ open: "已申诉，待复核", upheld: "申诉成立", rejected: "申诉不成立" }[s.appeal_status] || "")
        : `<input class="q-reason" maxlength="2000" placeholder="申诉理由"> <button type="button" data-appeal="${s.id}">申诉</button>`}</td></tr>`).join("")
    : '<tr><td colspan="5" class="muted">暂无评分</td></tr>';
}

// ---- wiring ----------------------------------------------------------------------------------
$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await start(await login($("login-username").value, $("login-password").value));
  } catch (err) {
    $("login-error").textContent = err.message || "登录失败";
    $("login-error").hidden = false;
  }
});
$("logout").addEventListener("click", () => { setToken(null); location.reload(); });
$("q-filters").addEventListener("submit", (event) => { event.preventDefault(); loadSamples().catch(() => {}); });
$("q-draw").addEventListener("click", async () => {
  const result = await api.post("/api/v1/quality/samples/draw", {});
  $("q-draw-result").textContent = `${result.week}：新抽取 ${result.drawn} 通`;
  await loadSamples();
});
$("q-samples").addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-id]");
  if (row) open(Number(row.dataset.id)).catch(() => {});
});
$("q-score-form").addEventListener("input", updateTotal);
$("q-score-form").addEventListener("submit", submitScore);
$("q-play").addEventListener("click", () => play().catch(() => {}));
$("q-transcript").addEventListener("click", (event) => {
  const b = event.target.closest("button[data-seek]");
  if (!b) return;
  const audio = $("q-audio");
  if (audio.src) { audio.currentTime = Number(b.dataset.seek); audio.play().catch(() => {}); }
});
$("q-appeals").addEventListener("click", async (event) => {
  const b = event.target.closest("button[data-decide]");
  if (!b) return;
  const id = b.closest("li").dataset.score;
  const note = b.dataset.decide === "uphold" ? "复核后申诉成立" : "复核后维持原评分";
  await api.post(`/api/v1/quality/scores/${id}/appeal/decision`, { upheld: b.dataset.decide === "uphold", note });
  await loadAppeals();
});
$("q-own").addEventListener("click", async (event) => {
  const b = event.target.closest("button[data-appeal]");
  if (!b) return;
  const reason = b.parentElement.querySelector(".q-reason").value.trim();
  if (reason.length < 2) { b.parentElement.querySelector(".q-reason").focus(); return; }
  await api.post(`/api/v1/quality/scores/${b.dataset.appeal}/appeal`, { reason });
  await loadOwn();
});

if (token()) api.get("/api/v1/auth/me").then(start).catch(() => setToken(null));
