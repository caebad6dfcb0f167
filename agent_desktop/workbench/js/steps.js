// One workflow step in a dialog: the form the step needs, POST /api/v1/tickets/{id}/actions/{step}
// with the ticket's row_version (a change by someone else meanwhile is refused, not overwritten).

import { api } from "./api.js";
import { ctx, unitName } from "./context.js";
import { CALLBACK_RESULT, esc, localTime } from "./format.js";
import { unitPicker } from "./unitpicker.js";

const $ = (id) => document.getElementById(id);

// The steps each permission allows (the side is the API's business: it lists allowed_actions).
export const STEP_PERMISSION = {
  dispatch: "ticket:dispatch", approve_extension: "ticket:dispatch", reject_extension: "ticket:dispatch",
  callback: "ticket:dispatch", screen: "ticket:dispatch", archive: "ticket:dispatch",
  sign: "ticket:handle", return: "ticket:handle", progress: "ticket:handle", complete: "ticket:handle",
  request_extension: "ticket:approve", terminate: "ticket:approve", dispute: "ticket:approve",
};

export const STEP_LABEL = {
  dispatch: "转办（派单）", sign: "签收", return: "退回", request_extension: "申请延期", approve_extension: "同意延期",
  reject_extension: "不同意延期", progress: "报告进展", complete: "办结并答复", callback: "登记回访结果",
  terminate: "终结办理", dispute: "满意度申诉", screen: "甄别", archive: "归档",
};

const PRIMARY = new Set(["dispatch", "sign", "complete", "callback", "approve_extension"]);

export function isPrimary(step) {
  return PRIMARY.has(step);
}

// The API's reasons end with a bracketed English gloss for developers: the screen shows the Chinese.
const plainReason = (text) => String(text || "").replace(/\s*\([^()]*\)\s*$/, "");

const field = (label, html, hint = "") => `<label>${esc(label)}${html}${hint ? `<small class="muted">${esc(hint)}</small>` : ""}</label>`;
const note = () => field("备注（可选）", '<textarea name="note" rows="2" maxlength="1000"></textarea>');

// Each step: the form's HTML, what to do once it is in the page, and how to read the body back.
const FORMS = {
  dispatch: {
    html: (t) => `
      <div class="suggest"><h3>派单建议 <small id="sg-domain" class="muted"></small></h3><ul id="sg-list" class="plain"><li class="muted">加载中…</li></ul></div>
      <div class="suggest" id="pc-box"><h3>协调先例 <small class="muted">（本地区经协调确定的权责，类似事项按此派单）</small></h3><ul id="pc-list" class="plain"><li class="muted">加载中…</li></ul></div>
      <div class="grid2">
        ${field("职责领域", `<select name="domain" id="dp-domain"><option value="">（按内容判断）</option>${Object.entries(ctx.domains)
          .map(([k, v]) => `<option value="${esc(k)}" ${t.domain === k ? "selected" : ""}>${esc(v)}</option>`).join("")}</select>`)}
        <div></div>
      </div>
      <label>主办单位</label><div id="dp-lead"></div>
      <label>协办单位（可多选）</label><div id="dp-co"></div>
      <label class="check"><input type="checkbox" name="coordinated" id="dp-coordinated">经协调确定权责（记为派单先例，类似事项按此派单）</label>
      <div id="dp-matter-box" hidden>${field("协调事项", '<input name="matter" maxlength="200" placeholder="例如：小区电梯维修责任">')}</div>
      ${note()}`,
    async mount(t, form) {
      const lead = unitPicker($("dp-lead"), { name: "lead_unit_id", placeholder: "搜索主办单位（名称或编码）" });
      const co = unitPicker($("dp-co"), { name: "co_unit_ids", multiple: true, placeholder: "搜索协办单位",
        exclude: (id) => id === lead.value() });
      form.pickers = { lead, co };
      $("dp-coordinated").addEventListener("change", (e) => { $("dp-matter-box").hidden = !e.target.checked; });
      const load = async () => {
        const domain = $("dp-domain").value;
        const data = await api.get(`/api/v1/tickets/${t.id}/dispatch-suggestions`, domain ? { domain } : {});
        $("sg-domain").textContent = data.domain ? `（${ctx.domains[data.domain] || data.domain}）` : "";
        $("sg-list").innerHTML = data.suggestions.length ? data.suggestions.map((s) => `<li>
            <button type="button" class="sg" data-unit="${s.unit_id}" data-role="lead">主办</button>
            <button type="button" class="sg" data-unit="${s.unit_id}" data-role="co">协办</button>
            <b>${esc(s.unit_name)}</b> <span class="tag">${s.role === "lead" ? "建议主办" : "建议协办"}</span>
            <small class="muted">${esc(plainReason(s.reason))}</small></li>`).join("")
          : '<li class="muted">暂无建议，请从组织机构中选择</li>';
      };
      $("dp-domain").addEventListener("change", () => load().catch(() => {}));
      $("sg-list").addEventListener("click", (e) => {
        const b = e.target.closest("button.sg");
        if (!b) return;
        (b.dataset.role === "lead" ? lead : co).set(Number(b.dataset.unit));
      });
      // R-08: the area's coordinated precedents (the API filters on the ticket's region), those of
      // the chosen domain first; 采用 fills both pickers with the precedent's units.
      let precedents = [];
      const showPrecedents = () => {
        const domain = $("dp-domain").value || t.domain || "";
        const ordered = [...precedents].sort((a, b) => Number((b.domain || "") === domain) - Number((a.domain || "") === domain));
        $("pc-list").innerHTML = ordered.length ? ordered.map((p) => `<li data-precedent="${p.id}">
            <button type="button" class="pc-use" data-precedent="${p.id}">采用</button>
            <b>${esc(p.matter)}</b> ${p.domain ? `<span class="tag">${esc(ctx.domains[p.domain] || p.domain)}</span>` : ""}
            <span>主办：${esc(unitName(p.lead_unit_id))}</span>
            ${p.co_unit_ids.length ? `<span>协办：${p.co_unit_ids.map((id) => esc(unitName(id))).join("、")}</span>` : ""}
            <small class="muted">${esc(p.decided_by || "")} ${esc(localTime(p.decided_at))}</small></li>`).join("")
          : '<li class="muted">本地区暂无协调先例</li>';
      };
      $("dp-domain").addEventListener("change", showPrecedents);
      $("pc-list").addEventListener("click", (e) => {
        const b = e.target.closest("button.pc-use");
        const p = b && precedents.find((x) => x.id === Number(b.dataset.precedent));
        if (!p) return;
        if (p.domain && ctx.domains[p.domain]) $("dp-domain").value = p.domain;
        lead.set(p.lead_unit_id);
        co.clear();
        p.co_unit_ids.filter((id) => id !== p.lead_unit_id).forEach((id) => co.set(id));
      });
      const loadPrecedents = async () => {
        precedents = await api.get("/api/v1/dispatch-precedents", t.region_code ? { region: t.region_code } : {});
        showPrecedents();
      };
      await Promise.all([
        load().catch((err) => { $("sg-list").innerHTML = `<li class="error">${esc(err.message)}</li>`; }),
        loadPrecedents().catch((err) => { $("pc-list").innerHTML = `<li class="error">${esc(err.message)}</li>`; }),
      ]);
      lead.focus();
    },
    body: (data, form) => {
      const body = { lead_unit_id: form.pickers.lead.value(), co_unit_ids: form.pickers.co.value(),
        coordinated: data.has("coordinated") };
      if (data.get("domain")) body.domain = data.get("domain");
      if (body.coordinated) body.matter = data.get("matter");
      if (!body.lead_unit_id) throw new Error("请选择主办单位");
      return body;
    },
  },
  sign: { html: () => `<p>签收后开始办理，办结期限自转办时起算。</p>${note()}`, body: () => ({}) },
  return: {
    html: () => `<p class="muted">不属于本单位职责的，应在退回窗口内说明理由和依据退回热线。</p>
      ${field("退回理由", '<textarea name="reason" rows="3" maxlength="500" required></textarea>')}
      ${field("法律法规或职责依据", '<input name="legal_basis" maxlength="500" required placeholder="例如：《××条例》第×条；“三定”方案">')}
      <label>建议承办单位</label><div id="rt-unit"></div>${note()}`,
    mount: (t, form) => { form.pickers = { unit: unitPicker($("rt-unit"), { name: "suggested_unit_id", placeholder: "搜索建议承办单位" }) }; },
    body: (data, form) => {
      const suggested = form.pickers.unit.value();
      if (!suggested) throw new Error("请选择建议承办单位");
      return { reason: data.get("reason"), legal_basis: data.get("legal_basis"), suggested_unit_id: suggested };
    },
  },
  request_extension: {
    html: () => `${field("延长工作日数", '<input name="days" type="number" min="1" max="250" value="5" required>')}
      ${field("延期理由", '<textarea name="reason" rows="3" maxlength="500" required></textarea>')}
      <label class="check"><input type="checkbox" name="major">重大复杂事项</label>
      <label class="check"><input type="checkbox" name="caller_informed">已告知诉求人延期及理由</label>${note()}`,
    body: (data) => ({ days: Number(data.get("days")), reason: data.get("reason"), major: data.has("major"),
      caller_informed: data.has("caller_informed") }),
  },
  approve_extension: { html: (t) => `<p>同意延长 <b>${esc(t.extension_requested_days ?? "—")}</b> 个工作日，办结期限相应顺延。</p>${note()}`, body: () => ({}) },
  reject_extension: { html: () => `<p>不同意延期，按原期限办理。</p>${note()}`, body: () => ({}) },
  progress: {
    html: (t) => `${field("类型", `<select name="kind"><option value="progress">办理进展</option>${t.special !== "none"
      ? '<option value="first_response">首次响应</option>' : ""}</select>`)}
      ${field("进展情况", '<textarea name="note" rows="4" maxlength="4000" required></textarea>')}`,
    body: (data) => ({ kind: data.get("kind"), note: data.get("note") }),
  },
  complete: {
    html: () => `${field("办理结果（将答复诉求人）", '<textarea name="reply" rows="6" maxlength="4000" required></textarea>')}${note()}`,
    body: (data) => ({ reply: data.get("reply") }),
  },
  callback: {
    html: (t) => {
      const waiting = (t.callers || []).filter((c) => !c.callback_result);
      const callers = waiting.length > 1 ? field("诉求人", `<select name="caller_id"><option value="">全部未回访的诉求人</option>${waiting
        .map((c) => `<option value="${c.id}">${esc(c.name || "诉求人")} ${esc(c.phone || "")}</option>`).join("")}</select>`) : "";
      return `<p class="muted">向诉求人核实办理情况并记录评价。</p>${callers}
        <fieldset class="choices"><legend>回访结果（按诉求人的评价选择）</legend>${Object.entries(CALLBACK_RESULT).map(([k, v]) =>
          `<label class="check"><input type="radio" name="result" value="${k}">${esc(v)}</label>`).join("")}</fieldset>${note()}`;
    },
    body: (data) => {
      if (!data.get("result")) throw new Error("请选择回访结果");
      const body = { result: data.get("result") };
      if (data.get("caller_id")) body.caller_id = Number(data.get("caller_id"));
      return body;
    },
  },
  terminate: {
    html: () => `${field("书面意见", '<textarea name="opinion" rows="4" maxlength="4000" required></textarea>')}
      ${field("此前已办结的同一诉求工单号（ID，逗号分隔）", '<input name="previous" required placeholder="例如：12, 15">')}${note()}`,
    body: (data) => ({ opinion: data.get("opinion"), previous_ticket_ids: String(data.get("previous") || "")
      .split(/[,，\s]+/).filter(Boolean).map(Number) }),
  },
  dispute: { html: () => `${field("申诉理由", '<textarea name="reason" rows="3" maxlength="500" required></textarea>')}${note()}`,
    body: (data) => ({ reason: data.get("reason") }) },
  screen: {
    html: () => `<fieldset class="choices"><legend>甄别结论</legend>
      <label class="check"><input type="radio" name="upheld" value="true" checked>申诉成立（不计入满意率）</label>
      <label class="check"><input type="radio" name="upheld" value="false">申诉不成立</label></fieldset>${note()}`,
    body: (data) => ({ upheld: data.get("upheld") === "true" }),
  },
  archive: { html: () => `<p>归档后工单不再变动。</p>${note()}`, body: () => ({}) },
};

function showError(err) {
  const fields = err.fields && Object.keys(err.fields).length
    ? Object.entries(err.fields).map(([k, v]) => `${k}：${v}`).join("\n") : "";
  $("action-error").textContent = fields ? `${err.message}\n${fields}` : err.message;
  $("action-error").hidden = false;
}

// Open the step's dialog; resolves with the updated ticket, or null when cancelled.
export function runStep(ticket, step) {
  const spec = FORMS[step];
  const dialog = $("action-dialog");
  const form = $("action-form");
  form.pickers = null;
  $("action-title").textContent = `${STEP_LABEL[step] || step} · ${ticket.number}`;
  $("action-fields").innerHTML = spec.html(ticket);
  $("action-error").hidden = true;
  $("action-submit").textContent = STEP_LABEL[step] || "确定";
  $("action-submit").disabled = false;
  dialog.dataset.step = step;
  dialog.showModal();
  if (spec.mount) Promise.resolve(spec.mount(ticket, form)).catch(showError);
  else form.querySelector("textarea, input, select")?.focus();

  return new Promise((resolve) => {
    const close = (result) => {
      form.removeEventListener("submit", onSubmit);
      $("action-cancel").removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      form.removeEventListener("keydown", onKey);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    const onCancel = (event) => { event.preventDefault(); close(null); };
    const onKey = (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      $("action-error").hidden = true;
      const data = new FormData(form);
      let body;
      try {
        body = spec.body(data, form);
      } catch (err) {
        return showError(err);
      }
      const text = data.get("note");
      if (text && step !== "progress") body.note = text;
      body.expected_version = ticket.row_version;
      $("action-submit").disabled = true;
      try {
        const updated = await api.post(`/api/v1/tickets/${ticket.id}/actions/${step}`, body);
        close(updated);
      } catch (err) {
        showError(err);
        $("action-submit").disabled = false;
      }
    };
    form.addEventListener("submit", onSubmit);
    form.addEventListener("keydown", onKey);
    $("action-cancel").addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
  });
}

