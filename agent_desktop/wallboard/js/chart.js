// Today's answer rate per half hour, drawn as SVG by hand (no chart library, no CDN):
// bars = calls offered, line = answer rate, dashed line = the 95 % target.

const NS = "http://www.w3.org/2000/svg";
const W = 960, H = 300, LEFT = 44, RIGHT = 44, TOP = 14, BOTTOM = 26;
const SLOTS = 48;

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function drawChart(svg, series, target) {
  svg.replaceChildren();
  const plotW = W - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
  const slotW = plotW / SLOTS;
  const x = (i) => LEFT + i * slotW;
  const yRate = (r) => TOP + plotH * (1 - r);
  const maxCalls = Math.max(1, ...series.map((s) => s.offered));
  for (const r of [0, 0.5, 0.8, 1]) {
    svg.append(el("line", { class: "axis", x1: LEFT, x2: W - RIGHT, y1: yRate(r), y2: yRate(r) }));
    svg.append(el("text", { class: "label", x: 4, y: yRate(r) + 4 }, `${Math.round(r * 100)}%`));
  }
  for (let hour = 0; hour <= 24; hour += 3) {
    svg.append(el("text", { class: "label", x: x(hour * 2) - 10, y: H - 6 }, `${String(hour).padStart(2, "0")}:00`));
  }
  svg.append(el("text", { class: "label", x: W - RIGHT + 4, y: TOP + 10 }, `${maxCalls}`));
  series.forEach((slot, i) => {
    const h = (slot.offered / maxCalls) * plotH;
    if (h > 0) svg.append(el("rect", { class: "bar", x: x(i) + 1, y: TOP + plotH - h, width: slotW - 2, height: h }));
  });
  svg.append(el("line", { class: "target", x1: LEFT, x2: W - RIGHT, y1: yRate(target), y2: yRate(target) }));
  const points = series.map((s, i) => [i, s.answer_rate]).filter(([, r]) => r !== null && r !== undefined);
  if (points.length > 1) {
    const d = points.map(([i, r], k) => `${k ? "L" : "M"}${(x(i) + slotW / 2).toFixed(1)},${yRate(r).toFixed(1)}`);
    svg.append(el("path", { class: "rate", d: d.join(" ") }));
  }
  for (const [i, r] of points) {
    svg.append(el("circle", { class: r < target ? "dot bad" : "dot", cx: x(i) + slotW / 2, cy: yRate(r), r: 4,
                              "data-slot": i }));
  }
}
