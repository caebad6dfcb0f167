// Number and time formatting for the wallboard (zh-CN).

export const STATE_LABELS = {
  ready: "空闲", not_ready: "示忙", ringing: "振铃", on_call: "通话中", wrap_up: "话后处理", logged_out: "离线",
};

export const KIND_LABELS = { queue: "队列", expert_group: "专家座席组", sub_centre: "分中心", centre: "全中心" };

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

// "m:ss" below an hour, "h:mm:ss" above
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function secondsSince(iso, now = Date.now()) {
  return iso ? (now - Date.parse(iso)) / 1000 : null;
}

export function clock(date = new Date()) {
  return date.toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
}

// status of a rate against the target: "good", "bad" or "" (no calls)
export function status(rate, target) {
  if (rate === null || rate === undefined) return "";
  return rate >= target ? "good" : "bad";
}
