// A call's transcript (hotline side only: the API answers only those who may hear the call):
// segment by segment, who spoke and when; keyword flags (辱骂/威胁/投诉) marked. Shared by the
// ticket page and the quality-inspection page.

import { api } from "./api.js";
import { esc } from "./format.js";

export const PARTY = { caller: "来电人", agent: "话务员", mixed: "通话" };
export const FLAG = { abuse: "辱骂", threat: "威胁", complaint: "投诉" };

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function flagChips(flags) {
  return (flags || []).map((f) => `<span class="q-flag" data-category="${esc(f.category)}">${esc(FLAG[f.category] || f.category)}：${esc(f.keyword)}
    <small>${esc(clock(f.start))}</small></span>`).join("");
}

function marked(text, flags) {
  let html = esc(text);
  for (const f of flags || []) {
    const word = esc(f.keyword);
    html = html.split(word).join(`<mark>${word}</mark>`);
  }
  return html;
}

// <li>s of the transcripts' segments; a transcript not (yet) made says so.
export function segmentsHtml(transcripts) {
  if (!transcripts || !transcripts.length) return '<li class="muted">暂无转写（录音转写完成后显示）</li>';
  return transcripts.map((t) => {
    if (t.status !== "done") return `<li class="muted">${t.status === "failed" ? "转写失败" : "转写中…"}</li>`;
    if (!t.segments.length) return '<li class="muted">未识别到语音</li>';
    return t.segments.map((s) => `<li data-party="${esc(s.party)}" data-start="${s.start}">
      <button type="button" class="ts" data-seek="${s.start}">${clock(s.start)}</button>
      <b>${esc(PARTY[s.party] || s.party)}</b> ${marked(s.text, t.flags)}</li>`).join("");
  }).join("");
}

// On the ticket page: below the linked call's recording.
export async function showOnCall(host, callId) {
  const data = await api.get(`/api/v1/transcripts/calls/${callId}`);
  if (!data.transcripts.length) return;
  host.insertAdjacentHTML("beforeend", `<div class="transcript"><h4>通话转写</h4>
    <div>${flagChips(data.transcripts.flatMap((t) => t.flags))}</div>
    <ol class="q-transcript">${segmentsHtml(data.transcripts)}</ol></div>`);
}
