// Client of /ws/wallboard: first-frame auth, pong to pings, reconnect with backoff (0.5 s doubling to
// 30 s, jittered). Each (re)connect that reaches `welcome` calls onConnected(), where the page reloads
// the full state over REST — the server never replays events missed while disconnected.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
const AUTH_CLOSE_CODES = new Set([4001, 4003, 4005]); // realtime/messages.py CloseCode

export class WallboardSocket {
  constructor({ getToken, onEvent, onStatus, onConnected, onAuthFailed }) {
    Object.assign(this, { getToken, onEvent, onStatus, onConnected, onAuthFailed });
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`;
    this.attempt = 0;
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

  open() {
    if (this.stopped) return;
    this.onStatus("wait", "实时：连接中…");
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
      this.attempt = 0;
      this.onStatus("on", "实时：已连接");
      this.onConnected();
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
      this.onStatus("error", "实时：登录已失效");
      this.onAuthFailed(ev.code);
      return;
    }
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.onStatus("wait", `实时：已断开，${Math.ceil(delay / 1000)} 秒后重连`);
    this.timer = setTimeout(() => this.open(), delay);
  }
}
