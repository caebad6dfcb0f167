// 并单 from the ticket page: the duplicate candidates of a ticket awaiting dispatch, and for those who
// may merge (the hotline with ticket:dispatch, as POST /tickets/{id}/merge requires) the merge itself,
// after a confirmation that says which ticket goes on and which ends as 已并单. Callers of the merged
// ticket join the other one; whether a unit may see each of them stays the API's decision (R-25).

import { api } from "./api.js";
import { can, unitSide } from "./context.js";
import { field, openForm } from "./dialog.js";
import { TICKET_STATUS, esc, truncate } from "./format.js";

const $ = (id) => document.getElementById(id);
// statuses a ticket can be merged from, and merged into (the API's state machine: 并单)
const MERGEABLE = ["pending_dispatch", "dispatched", "returned", "in_progress", "extension_requested"];
let shown = null;
let hits = [];
let wired = false;

export function canMerge() {
  return !unitSide() && can("ticket:dispatch");
}

function navigate(hash, notice) {
  window.dispatchEvent(new CustomEvent("workbench:navigate", { detail: { hash, notice } }));
}

function wire() {
  if (wired) return;
  wired = true;
  $("t-dups").addEventListener("click", async (event) => {
    const b = event.target.closest("button[data-merge]");
    if (!b || !shown) return;
    const other = hits.find((h) => h.id === Number(b.dataset.merge));
    if (other) await confirmMerge(shown, other);
  });
}

export async function showCandidates(t) {
  wire();
  shown = t;
  const box = $("t-dups-box");
  box.hidden = unitSide() || !can("ticket:create") || !["pending_dispatch", "returned"].includes(t.status);
  if (box.hidden) return;
  hits = (await api.get("/api/v1/tickets/duplicates", { content: t.content, region_code: t.region_code,
    address: t.address || undefined })).filter((h) => h.id !== t.id).slice(0, 5);
  const merging = canMerge();
  $("t-dups").innerHTML = hits.length ? hits.map((h) => `<li data-dup="${h.id}"><a href="#ticket/${h.id}">${esc(h.number)}</a>
      <span class="tag">${esc(h.status_label)}</span> ${esc(truncate(h.content, 40))} <small class="muted">相似度 ${Math.round(h.score * 100)}%</small>
      ${merging ? (MERGEABLE.includes(h.status) ? `<button type="button" class="small" data-merge="${h.id}">并单…</button>`
        : '<small class="muted">（已办结待回访，不能并单）</small>') : ""}</li>`).join("")
    : '<li class="muted">未发现相似的在办工单</li>';
  document.body.dataset.duplicates = `${t.id}:${hits.length}`;
}

async function confirmMerge(t, other) {
  const merged = await openForm({
    name: "merge",
    title: `并单 · ${t.number}`,
    submitLabel: "确认并单",
    danger: true,
    html: `<p>两张工单反映同一诉求时并为一单：被并入的工单状态变为“已并单”，其诉求人并入主工单，由主工单统一办理，办结后逐一回访。<b>并单后不能撤销。</b></p>
      <fieldset class="choices"><legend>并单方式</legend>
        <label class="check"><input type="radio" name="direction" value="into" checked>
          本工单 ${esc(t.number)} 并入 ${esc(other.number)}（${esc(TICKET_STATUS[other.status] || other.status)}，由其继续办理）</label><br>
        <label class="check"><input type="radio" name="direction" value="from">
          ${esc(other.number)} 并入本工单 ${esc(t.number)}（由本工单统一转办）</label>
      </fieldset>
      <p class="muted">要求保密的诉求人和举报人，并单后对承办单位仍然保密。</p>
      ${field("并单说明（可选）", '<textarea name="note" rows="2" maxlength="1000"></textarea>')}`,
    submit: async (data) => {
      const into = data.get("direction") !== "from";
      const [primary, duplicate] = into ? [other, t] : [t, other];
      const body = { duplicate_ids: [duplicate.id] };
      if (data.get("note")) body.note = data.get("note");
      const result = await api.post(`/api/v1/tickets/${primary.id}/merge`, body);
      return { primary, duplicate, result };
    },
  });
  if (!merged) return;
  navigate(`#ticket/${merged.primary.id}`, `工单 ${merged.duplicate.number} 已并入 ${merged.primary.number}`);
}
