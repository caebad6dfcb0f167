// Unit picker over the organisation tree: type to search by name or code; ↑↓ and Enter choose.
// Each unit shows its place in the tree (its parents), so two same-named offices are told apart.

import { ctx, dispatchableUnits } from "./context.js";
import { esc } from "./format.js";

function path(unit) {
  const names = [];
  let parent = unit.parent_id ? ctx.units.get(unit.parent_id) : null;
  while (parent && names.length < 4) {
    names.unshift(parent.name);
    parent = parent.parent_id ? ctx.units.get(parent.parent_id) : null;
  }
  return names.join(" › ");
}

// A picker inside `host`: returns {value(), set(id), element}. `multiple` keeps a list of chips.
export function unitPicker(host, { name, multiple = false, placeholder = "输入单位名称搜索", exclude = () => false } = {}) {
  host.innerHTML = `<div class="picker" data-name="${esc(name)}">
      <div class="chips"></div>
      <input type="search" class="picker-input" placeholder="${esc(placeholder)}" autocomplete="off" aria-label="${esc(placeholder)}">
      <ul class="picker-list" role="listbox" hidden></ul>
    </div>`;
  const root = host.querySelector(".picker");
  const input = root.querySelector("input");
  const list = root.querySelector("ul");
  const chips = root.querySelector(".chips");
  let chosen = [];
  let shown = [];
  let active = -1;

  function renderChips() {
    chips.innerHTML = chosen.map((id) => `<span class="chip" data-id="${id}">${esc(ctx.units.get(id)?.name || id)}
      <button type="button" class="link" aria-label="移除" data-remove="${id}">×</button></span>`).join("");
    root.dataset.value = chosen.join(",");
    input.hidden = !multiple && chosen.length > 0;
  }

  function search() {
    const text = input.value.trim().toLowerCase();
    shown = dispatchableUnits().filter((u) => !chosen.includes(u.id) && !exclude(u.id)
      && (!text || u.name.toLowerCase().includes(text) || u.code.toLowerCase().includes(text))).slice(0, 12);
    active = shown.length ? 0 : -1;
    list.innerHTML = shown.map((u, i) => `<li role="option" data-id="${u.id}" aria-selected="${i === active}">
      <b>${esc(u.name)}</b> <small>${esc(path(u))}</small></li>`).join("") || '<li class="muted">没有匹配的单位</li>';
    list.hidden = false;
  }

  // typed choices keep the focus in the box for the next one; a choice set from outside (a
  // suggestion, a precedent) leaves it alone, so no list opens over the dialog's buttons
  function choose(id, { focus = true } = {}) {
    if (!multiple) chosen = [];
    if (!chosen.includes(id)) chosen.push(id);
    input.value = "";
    list.hidden = true;
    renderChips();
    if (multiple && focus) input.focus();
  }

  input.addEventListener("input", search);
  input.addEventListener("focus", search);
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 150));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(shown[active].id);
    }
  });
  list.addEventListener("mousedown", (event) => {
    const li = event.target.closest("li[data-id]");
    if (li) { event.preventDefault(); choose(Number(li.dataset.id)); }
  });
  chips.addEventListener("click", (event) => {
    const id = event.target.dataset.remove;
    if (id) { chosen = chosen.filter((c) => c !== Number(id)); renderChips(); input.focus(); }
  });
  renderChips();
  return {
    element: root,
    value: () => (multiple ? [...chosen] : chosen[0] ?? null),
    set: (id) => choose(id, { focus: false }),
    clear: () => { chosen = []; input.value = ""; list.hidden = true; renderChips(); },
    focus: () => input.focus(),
  };
}
