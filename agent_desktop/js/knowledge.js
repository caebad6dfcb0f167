// Knowledge search in the direct-answer mode (R-06, R-28…R-30): the agent looks up the
// province knowledge base while the caller is on the line and quotes an entry into the answer.
// Entries are ranked for the caller's region; an error in an entry can be reported at once.
import { api } from "./api.js";
import { esc } from "./format.js";

const SEARCH_DELAY_MS = 400;
const CATEGORY_LABEL = { guide: "办事指南", policy: "政策文件", interpretation: "政策解读", hot_topic: "热点口径",
                         event_script: "应答口径", faq: "常见问题" };

export class KnowledgePanel {
  constructor(root, { regionCode, answerField }) {
    this.root = root;
    this.regionCode = regionCode;
    this.answerField = answerField;
    this.input = root.querySelector("[name=knowledge_q]");
    this.list = root.querySelector("#knowledge-list");
    this.status = root.querySelector("#knowledge-status");
    this.timer = null;
    this.abort = null;
    this.hits = [];
    this.input.addEventListener("input", () => this.schedule());
    // Enter searches now; it must not submit the ticket form around the panel
    this.input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); this.search(); } });
    this.list.addEventListener("click", (e) => this.onClick(e));
  }

  // Start from the caller's words when the agent switches to a direct answer.
  suggest(text) {
    if (!this.input.value.trim() && text.trim()) {
      this.input.value = text.trim().slice(0, 60);
      this.schedule();
    }
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(), SEARCH_DELAY_MS);
  }

  async search() {
    const q = this.input.value.trim();
    if (!q) { this.render([]); return; }
    if (this.abort) this.abort.abort();
    this.abort = new AbortController();
    const params = new URLSearchParams({ q, limit: "5" });
    const region = this.regionCode();
    if (region) params.set("region_code", region);
    try {
      this.render(await api.get(`/api/v1/knowledge/search?${params}`, { signal: this.abort.signal }));
    } catch (err) {
      if (err.name !== "AbortError") this.status.textContent = `知识库查询失败：${err.message}`;
    }
  }

  render(hits) {
    this.hits = hits;
    this.status.textContent = hits.length ? `找到 ${hits.length} 条` : (this.input.value.trim() ? "没有匹配的知识条目" : "");
    this.list.innerHTML = hits.map((h, i) => `
      <li data-index="${i}">
        <b>${esc(h.title)}</b> <small>${esc(CATEGORY_LABEL[h.category] || h.category)} · ${esc(h.owner_unit_name)}</small>
        <p>${esc(h.snippet)}</p>
        <button type="button" data-act="quote">引用到答复</button>
        <button type="button" data-act="report" class="link">纠错</button>
      </li>`).join("");
  }

  async onClick(event) {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const hit = this.hits[Number(button.closest("li").dataset.index)];
    if (button.dataset.act === "quote") {
      const quote = `【依据：${hit.title}（${hit.owner_unit_name}）】${hit.snippet.replace(/^…/, "")}`;
      this.answerField.value = this.answerField.value ? `${this.answerField.value}\n${quote}` : quote;
      this.answerField.dispatchEvent(new Event("input", { bubbles: true }));  // kept in the draft
    } else {
      const text = window.prompt(`“${hit.title}”有什么错误？`);
      if (text && text.trim().length >= 2) {
        await api.post(`/api/v1/knowledge/articles/${hit.id}/feedback`, { text: text.trim() });
        this.status.textContent = "已提交纠错，提供单位将核实更新";
      }
    }
  }
}
