// Client of the platform's websockets (/ws/desktop here, /ws/wallboard for the wallboard page):
// first-frame auth, pong to pings, reconnect with exponential backoff (0.5 s doubling to 30 s,
// with jitter). Every (re)connect that reaches `welcome` calls onConnected(isReconnect), where
// the page reloads its whole state over REST: events missed while disconnected are never
// replayed by the server.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
// close codes after which retrying with the same token is pointless (realtime/messages.py)
const AUTH_CLOSE_CODES = new Set([4001, 4003, 4005]);

export class LiveSocket {
  constructor({ url, getToken, onEvent, onStatus, onConnected, onAuthFailed, label = "消息" }) {
    Object.assign(this, { url, getToken, onEvent, onStatus, onConnected, onAuthFailed, label });
    this.attempt = 0;
    this.connects = 0;
    this.stopped = true;
    this.ws = null;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "logout");
    this.ws = null;
  }

  // Close the socket as a network failure would (tests, and "reconnect now" after sleep).
  drop() {
    if (this.ws) this.ws.close(4999, "client drop");
  }

  open() {
    if (this.stopped) return;
    this.onStatus("wait", `${this.label}：${this.connects ? "重连中…" : "连接中…"}`);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ v: 1, op: "auth", data: { token: this.getToken() } }));
    ws.onmessage = (msg) => this.handle(ws, msg.data);
    ws.onclose = (ev) => this.closed(ws, ev);
  }

  handle(ws, raw) {
    let frame;
    try { frame = JSON.parse(raw); } catch { return; }
    if (frame.op === "ping") {
      ws.send(JSON.stringify({ v: 1, op: "pong" }));
    } else if (frame.op === "welcome") {
      const isReconnect = this.connects > 0;
      this.connects += 1;
      this.attempt = 0;
      this.onStatus("on", `${this.label}：已连接`);
      this.onConnected(isReconnect, frame.data);
    } else if (frame.op === "event") {
      this.onEvent(frame.data);
    }
  }

  closed(ws, ev) {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.stopped) return;
    if (AUTH_CLOSE_CODES.has(ev.code)) {
      this.stopped = true;
      this.onStatus("error", `${this.label}：登录已失效`);
      this.onAuthFailed(ev.code);
      return;
    }
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.onStatus("wait", `${this.label}：已断开，${Math.ceil(delay / 1000)} 秒后重连`);
    this.timer = setTimeout(() => this.open(), delay);
  }
}
