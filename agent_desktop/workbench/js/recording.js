// A linked call's recording on the ticket page, for hotline-side people who may hear it (the API sends
// a call's `recording` only to them: calls.visibility). The audio endpoint needs the bearer token, so
// it is fetched as a blob and played from an object URL (released when another ticket is shown).

import { token } from "./api.js";
import { can } from "./context.js";
import { esc } from "./format.js";

let objectUrl = null;

export function release() {
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = null;
}

export function control(call) {
  if (!call.recording || !can("recording:read")) return "";
  const seconds = Math.round(call.recording.duration_seconds || 0);
  return `<div class="recording" data-recording="${call.recording.id}">
    <button type="button" data-play="${call.recording.id}">▶ 播放录音</button>
    <small class="muted">${Math.floor(seconds / 60)}分${seconds % 60}秒 · 播放将记入审计</small></div>`;
}

export async function play(host, recordingId) {
  release();
  const response = await fetch(`/api/v1/recordings/${recordingId}/audio`, {
    headers: { Authorization: `Bearer ${token()}` },
  });
  if (!response.ok) {
    host.querySelector(".recording")?.insertAdjacentHTML("beforeend",
      `<p class="error">${esc(response.status === 404 ? "录音不存在或无权收听" : `无法播放录音（${response.status}）`)}</p>`);
    return;
  }
  objectUrl = URL.createObjectURL(await response.blob());
  const box = host.querySelector(".recording");
  box.querySelector("audio")?.remove();
  box.insertAdjacentHTML("beforeend", `<audio controls src="${objectUrl}"></audio>`);
  const audio = box.querySelector("audio");
  audio.play().catch(() => {});  // a browser may want a second click: the controls are there
  document.body.dataset.recordingLoaded = String(recordingId);
}
