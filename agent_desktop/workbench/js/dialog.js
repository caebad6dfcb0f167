// A form in a modal dialog (#form-dialog) for what is not a ticket's workflow step: a reminder (催办),
// a formal interview (约谈), the confirmation of a merge (并单). Esc cancels, Ctrl+Enter submits;
// the server's refusal is shown in the dialog and the form stays open to be corrected.

import { esc } from "./format.js";

const $ = (id) => document.getElementById(id);

function showError(err) {
  const fields = err.fields && Object.keys(err.fields).length
    ? Object.entries(err.fields).map(([k, v]) => `${k}：${v}`).join("\n") : "";
  $("form-dialog-error").textContent = fields ? `${err.message}\n${fields}` : err.message;
  $("form-dialog-error").hidden = false;
}

// Resolves with what `submit(FormData, form)` returned, or null when cancelled.
export function openForm({ name, title, html, submitLabel = "确定", danger = false, mount, submit }) {
  const dialog = $("form-dialog");
  const form = $("form-dialog-form");
  $("form-dialog-title").textContent = title;
  $("form-dialog-fields").innerHTML = html;
  $("form-dialog-error").hidden = true;
  const ok = $("form-dialog-submit");
  ok.textContent = submitLabel;
  ok.disabled = false;
  ok.className = danger ? "danger" : "primary";
  dialog.dataset.form = name;
  dialog.showModal();
  if (mount) Promise.resolve(mount(form)).catch(showError);
  else form.querySelector("textarea, input, select")?.focus();

  return new Promise((resolve) => {
    const close = (result) => {
      form.removeEventListener("submit", onSubmit);
      form.removeEventListener("keydown", onKey);
      $("form-dialog-cancel").removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    const onCancel = (event) => { event.preventDefault(); close(null); };
    const onKey = (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      $("form-dialog-error").hidden = true;
      ok.disabled = true;
      try {
        close(await submit(new FormData(form), form));
      } catch (err) {
        showError(err);
        ok.disabled = false;
      }
    };
    form.addEventListener("submit", onSubmit);
    form.addEventListener("keydown", onKey);
    $("form-dialog-cancel").addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
  });
}

export const field = (label, html, hint = "") =>
  `<label>${esc(label)}${html}${hint ? `<small class="muted">${esc(hint)}</small>` : ""}</label>`;
