// The desktop's missed-call callbacks (漏接回拨): open tasks with their due time, overdue ones marked,
// and a one-click call back (POST /api/v1/calls/outbound: the seat rings first, then the citizen).
// Built with DOM nodes and textContent only: nothing a caller typed is ever parsed as HTML.
import { api } from "./api.js";

const REFRESH_MS = 30000;
const TIME = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", month: "2-digit", day: "2-digit" });

export class CallbackTasks {
  constructor(root, { banner } = {}) {
    this.root = root;
    this.list = root.querySelector("[data-role=list]");
    this.count = root.querySelector("[data-role=count]");
    this.state = root.querySelector("[data-role=state]");
    this.banner = banner || (() => {});
    this.timer = null;
  }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
  }

  async refresh() {
    try {
      const tasks = await api.get("/api/v1/callbacks?kind=missed_call&status=open");
      this.render(tasks);
    } catch (err) {
      this.state.textContent = `回拨任务暂不可用：${err.message}`;
    }
  }

  render(tasks) {
    this.count.textContent = String(tasks.length);
    this.list.replaceChildren(...tasks.map((task) => this.item(task)));
    this.state.textContent = tasks.length ? "" : "暂无待回拨的漏接来电。";
  }

  item(task) {
    const li = document.createElement("li");
    li.className = task.overdue ? "callback overdue" : "callback";
    li.dataset.taskId = String(task.id);
    const number = document.createElement("b");
    number.textContent = task.phone || "—";
    const due = document.createElement("span");
    due.className = "due";
    due.textContent = `${task.overdue ? "已超时" : "应于"} ${TIME.format(new Date(task.due_at))} 前回拨` +
      (task.abandons > 1 ? `（漏接 ${task.abandons} 次）` : "");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "primary";
    button.textContent = "回拨";
    button.addEventListener("click", () => this.callBack(task, button));
    li.append(number, " ", due, " ", button);
    return li;
  }

  async callBack(task, button) {
    button.disabled = true;
    this.state.textContent = `正在回拨 ${task.phone}：请先接听本机来电，随后接通来电人…`;
    try {
      const out = await api.post("/api/v1/calls/outbound", { number: task.phone, callback_id: task.id });
      this.state.textContent = `回拨已发起（通话 ${out.call_id}）。`;
    } catch (err) {
      this.state.textContent = "";
      this.banner(`回拨失败：${err.message}`);
    } finally {
      button.disabled = false;
      setTimeout(() => this.refresh(), 5000);
    }
  }
}
