// The citizen portal: submit a request (solving the proof-of-work challenge first), track it by
// number and phone, evaluate the reply, search the public knowledge base. Everything a citizen or
// the server wrote is put on the page as text (textContent), never as HTML.
import { solve } from "./sha256.js";

const $ = (id) => document.getElementById(id);
const CATEGORY = { consultation: "咨询", help: "求助", complaint: "投诉", report: "举报", suggestion: "意见建议", unclassified: "待分类" };
const FIELD = { name: "姓名", phone: "联系电话", category: "诉求类别", region_code: "所在区县", address: "事发地址",
  occurred_at: "事发时间", content: "诉求内容", confidential: "保密", attachments: "附件" };

async function call(method, path, { json, form, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (json !== undefined) { init.body = JSON.stringify(json); init.headers["Content-Type"] = "application/json"; }
  if (form) init.body = form;
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(message(response.status, body));
    error.status = response.status;
    throw error;
  }
  return body;
}

function message(status, body) {
  if (status === 422 && Array.isArray(body.errors)) {
    const fields = body.errors.map((e) => FIELD[e.loc[e.loc.length - 1]] || e.loc.join(".")).filter(Boolean);
    return `请检查：${[...new Set(fields)].join("、")}`;
  }
  if (status === 422 && body.info && body.info.field) return `请检查：${FIELD[body.info.field] || body.info.field}`;
  if (status === 413) return "附件过大（合计不超过 10MB）";
  if (status === 415) return "附件只能是 JPEG、PNG 图片或 PDF 文件";
  if (status === 429) return "提交过于频繁，请稍后再试";
  if (status === 404) return "未找到该诉求，请核对编号和联系电话";
  return (body.detail || "").split(" (")[0] || `请求失败（${status}）`;
}

function show(view) {
  document.body.dataset.view = view;
  for (const name of ["submit", "track", "knowledge"]) $(`${name}-view`).hidden = name !== view;
  for (const a of document.querySelectorAll(".tabs a")) a.setAttribute("aria-current", String(a.dataset.tab === view));
}

function route() {
  const [head, arg] = location.hash.replace(/^#/, "").split("/");
  const view = ["track", "knowledge"].includes(head) ? head : "submit";
  show(view);
  if (view === "track" && arg) $("q-number").value = decodeURIComponent(arg);
}

// ------------------------------------------------------------------ submit
async function loadRegions() {
  const regions = await call("GET", "/api/v1/public/regions");
  const cities = regions.filter((r) => r.level === "city");
  for (const c of cities) $("s-city").add(new Option(c.name, c.code));
  $("s-city").addEventListener("change", () => {
    const county = $("s-county");
    county.length = 0;
    county.add(new Option("请选择", ""));
    for (const r of regions.filter((x) => x.parent_code === $("s-city").value && x.level === "county")) {
      county.add(new Option(r.name, r.code));
    }
  });
}

function localToIso(value) {
  if (!value) return "";
  const when = new Date(value);  // the browser's local time (Beijing for a citizen in Sichuan)
  return Number.isNaN(when.getTime()) ? value : when.toISOString();
}

async function onSubmit(event) {
  event.preventDefault();
  $("s-error").hidden = true;
  const form = new FormData($("submit-form"));
  form.set("occurred_at", localToIso($("s-occurred").value));
  form.set("confidential", $("s-confidential").checked ? "true" : "false");
  form.delete("attachments");
  for (const file of $("s-files").files) form.append("attachments", file, file.name);
  $("s-submit").disabled = true;
  $("s-busy").hidden = false;
  try {
    const headers = {};
    const challenge = await call("GET", "/api/v1/public/challenge");
    if (challenge.enabled) {
      headers["X-Portal-Challenge"] = challenge.challenge;
      headers["X-Portal-Solution"] = await solve(challenge.challenge, challenge.bits);
    }
    const out = await call("POST", "/api/v1/public/requests", { form, headers });
    $("s-number").textContent = out.number;
    $("s-echo").textContent = $("s-content").value;
    $("s-track-link").href = `#track/${encodeURIComponent(out.number)}`;
    $("q-phone").value = $("s-phone").value;
    $("submit-form").hidden = true;
    $("s-done").hidden = false;
    document.body.dataset.submitted = out.number;
  } catch (err) {
    $("s-error").textContent = err.message;
    $("s-error").hidden = false;
  } finally {
    $("s-submit").disabled = false;
    $("s-busy").hidden = true;
  }
}

// ------------------------------------------------------------------ track and evaluate
function localTime(iso) {
  return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
}

function render(out) {
  $("q-result").hidden = false;
  $("q-shown-number").textContent = out.number;
  $("q-status").textContent = out.status_label;
  $("q-content").textContent = out.content;
  $("q-steps").replaceChildren(...out.steps.map((s) => {
    const li = document.createElement("li");
    li.dataset.step = s.step;
    li.textContent = s.label;
    const at = document.createElement("time");
    at.textContent = localTime(s.at);
    li.append(at);
    return li;
  }));
  $("q-reply-box").hidden = !out.reply;
  $("q-reply").textContent = out.reply || "";
  $("q-evaluate").hidden = !out.can_evaluate;
  const evaluated = out.evaluation && out.evaluation !== "no_evaluation";
  $("q-evaluated").hidden = !evaluated || out.can_evaluate;
  $("q-evaluated").textContent = evaluated ? `您的评价：${out.evaluation === "satisfied" ? "满意" : "不满意"}，感谢您的反馈` : "";
  document.body.dataset.tracked = `${out.number}:${out.status}`;
}

async function onTrack(event) {
  event?.preventDefault();
  $("q-error").hidden = true;
  const number = $("q-number").value.trim();
  const phone = $("q-phone").value.trim();
  if (!number || !phone) {
    $("q-error").textContent = "请填写诉求编号和联系电话";
    $("q-error").hidden = false;
    return;
  }
  try {
    render(await call("GET", `/api/v1/public/requests/${encodeURIComponent(number)}?phone=${encodeURIComponent(phone)}`));
  } catch (err) {
    $("q-result").hidden = true;
    $("q-error").textContent = err.message;
    $("q-error").hidden = false;
  }
}

async function evaluate(result) {
  $("q-error").hidden = true;
  try {
    const number = $("q-shown-number").textContent;
    render(await call("POST", `/api/v1/public/requests/${encodeURIComponent(number)}/evaluation`, {
      json: { phone: $("q-phone").value.trim(), result, comment: $("q-comment").value.trim() || null } }));
  } catch (err) {
    $("q-error").textContent = err.message;
    $("q-error").hidden = false;
  }
}

// ------------------------------------------------------------------ knowledge
async function onSearch(event) {
  event.preventDefault();
  const q = $("k-q").value.trim();
  $("k-error").hidden = true;
  if (!q) return;
  try {
    const hits = await call("GET", `/api/v1/knowledge/public/search?q=${encodeURIComponent(q)}&limit=20`);
    $("k-results").replaceChildren(...(hits.length ? hits.map((h) => {
      const li = document.createElement("li");
      const title = document.createElement("h3");
      title.textContent = h.title;
      const snippet = document.createElement("p");
      snippet.textContent = h.snippet;
      const source = document.createElement("p");
      source.className = "muted";
      source.textContent = `${CATEGORY[h.category] || h.category || ""} · ${h.owner_unit_name}`;
      li.append(title, snippet, source);
      return li;
    }) : [Object.assign(document.createElement("li"), { textContent: "没有找到相关内容，您可以留言咨询" })]));
    document.body.dataset.searched = String(hits.length);
  } catch (err) {
    $("k-error").textContent = err.message;
    $("k-error").hidden = false;
  }
}

function boot() {
  $("submit-form").addEventListener("submit", onSubmit);
  $("track-form").addEventListener("submit", onTrack);
  $("q-satisfied").addEventListener("click", () => evaluate("satisfied"));
  $("q-dissatisfied").addEventListener("click", () => evaluate("dissatisfied"));
  $("k-form").addEventListener("submit", onSearch);
  window.addEventListener("hashchange", route);
  route();
  loadRegions().then(() => { document.body.dataset.ready = "1"; })
    .catch(() => { $("s-error").textContent = "行政区划加载失败，请刷新页面"; $("s-error").hidden = false; });
}

boot();
