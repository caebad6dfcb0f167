// Working time left on the deadlines on screen. The server counts it (workdays, holidays, working
// periods); the page counts down by itself while the server said we are inside a working period,
// and asks again every minute (or when the deadlines on screen change).

import { api } from "./api.js";
import { workingLeft } from "./format.js";

const REFRESH_MS = 60_000;
const state = { left: new Map(), fetchedAt: 0, working: false, daySeconds: 7 * 3600, dues: [] };

export async function track(dues) {
  state.dues = [...new Set(dues.filter(Boolean))];
  await refresh();
}

async function refresh() {
  const dues = state.dues;
  if (!dues.length) return render();
  const left = new Map();
  let answer = null;
  for (let i = 0; i < dues.length; i += 300) {
    answer = await api.get("/api/v1/workbench/time-left", { due_at: dues.slice(i, i + 300) });
    answer.items.forEach((item, n) => left.set(dues[i + n], item.seconds_left));
  }
  state.left = left;
  state.working = answer.working_now;
  state.daySeconds = answer.working_day_seconds || state.daySeconds;
  state.fetchedAt = performance.now();
  render();
}

export function secondsLeft(due) {
  if (!state.left.has(due)) return null;
  const elapsed = state.working ? (performance.now() - state.fetchedAt) / 1000 : 0;
  return state.left.get(due) - elapsed;
}

// Every element with data-due shows the time left on that due time (and turns red when overdue).
export function render() {
  for (const el of document.querySelectorAll("[data-due]")) {
    const left = secondsLeft(el.dataset.due);
    el.textContent = left === null ? "…" : workingLeft(left, state.daySeconds);  // "…": still being asked
    el.dataset.level = left === null ? "" : left < 0 ? "over" : left < 3600 ? "near" : "ok";
  }
}

export function start() {
  setInterval(render, 1000);
  setInterval(() => { if (document.visibilityState === "visible") refresh().catch(() => {}); }, REFRESH_MS);
}
