// The browser softphone: JsSIP registers the seat's WebRTC endpoint (webrtc<ext>) to Asterisk
// over WebSocket; one call at a time. Emits DOM events on itself:
//   "registration" {state: "connecting"|"registered"|"unregistered"|"failed", cause}
//   "incoming" {callId, number, name}   a call is offered (the page rings)
//   "call" {state: "ringing"|"connecting"|"talking"|"held"|"ended"|"failed", cause}
//   "media-error" {message}
/* global JsSIP */

const MEDIA_CONSTRAINTS = { audio: true, video: false };

export function mediaErrorMessage(err) {
  const name = (err && (err.name || err.cause || err)) || "";
  if (!window.isSecureContext || !navigator.mediaDevices) {
    return "浏览器禁止在非安全连接（非 https）的页面使用麦克风，请通过 https 访问工作台。";
  }
  if (/NotAllowed|Permission|Denied|User Denied Media Access/i.test(name)) {
    return "麦克风权限被拒绝：请在浏览器地址栏左侧的权限设置中允许本站使用麦克风，然后刷新页面。";
  }
  if (/NotFound|DevicesNotFound/i.test(name)) return "未检测到麦克风：请连接耳麦后刷新页面。";
  if (/NotReadable|TrackStart|Abort/i.test(name)) return "麦克风被其他程序占用或无法打开：请关闭占用耳麦的程序后重试。";
  return `无法使用麦克风（${name}）。`;
}

export async function checkMicrophone() {
  if (!window.isSecureContext || !navigator.mediaDevices) throw Object.assign(new Error("insecure"), { name: "Insecure" });
  const stream = await navigator.mediaDevices.getUserMedia(MEDIA_CONSTRAINTS);
  stream.getTracks().forEach((t) => t.stop());
}

export class Softphone extends EventTarget {
  constructor(config, audioElement) {
    super();
    this.config = config;
    this.audio = audioElement;
    this.ua = null;
    this.session = null;
    this.callId = null;
    this.muted = false;
    this.held = false;
    this.marks = {}; // performance.now() of register start/registered, offer, answer, talking
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  start() {
    const c = this.config;
    const socket = new JsSIP.WebSocketInterface(c.ws_url);
    this.ua = new JsSIP.UA({
      sockets: [socket], uri: c.uri, authorization_user: c.authorization_user, password: c.password,
      display_name: c.display_name, register: true, register_expires: c.register_expires,
      session_timers: false, user_agent: "hotline12345-desktop", connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 30,
    });
    this.marks.registerStart = performance.now();
    this.ua.on("connecting", () => this.emit("registration", { state: "connecting" }));
    this.ua.on("disconnected", () => this.emit("registration", { state: "connecting", cause: "disconnected" }));
    this.ua.on("registered", () => {
      this.marks.registered = this.marks.registered || performance.now();
      this.emit("registration", { state: "registered" });
    });
    this.ua.on("unregistered", () => this.emit("registration", { state: "unregistered" }));
    this.ua.on("registrationFailed", (e) => this.emit("registration", { state: "failed", cause: e.cause }));
    this.ua.on("newRTCSession", (e) => this.onSession(e));
    this.ua.start();
  }

  stop() {
    if (this.session) this.hangup();
    if (this.ua) this.ua.stop();
    this.ua = null;
  }

  get busy() {
    return this.session !== null;
  }

  onSession({ session, originator, request }) {
    if (originator !== "remote") return;
    if (this.session) {
      session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    this.session = session;
    this.muted = false;
    this.held = false;
    this.marks.offered = performance.now();
    this.marks.offeredWall = Date.now(); // compared with the server's call.offered time
    this.callId = request.getHeader("X-Hotline-Call-Id") || null;
    const identity = session.remote_identity;
    const number = (identity && identity.uri && identity.uri.user) || "";
    session.on("peerconnection", (e) => this.attachAudio(e.peerconnection));
    session.on("accepted", () => this.emit("call", { state: "connecting" }));
    session.on("confirmed", () => {
      this.marks.talking = performance.now();
      if (session.connection) this.attachAudio(session.connection);
      this.emit("call", { state: "talking" });
    });
    session.on("hold", () => { this.held = true; this.emit("call", { state: "held" }); });
    session.on("unhold", () => { this.held = false; this.emit("call", { state: "talking" }); });
    session.on("ended", (e) => this.finish("ended", e.cause));
    session.on("failed", (e) => {
      if (e.cause === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS) {
        this.emit("media-error", { message: mediaErrorMessage(e.cause) });
      }
      this.finish("failed", e.cause);
    });
    this.emit("incoming", { callId: this.callId, number, name: identity && identity.display_name });
    this.emit("call", { state: "ringing" });
  }

  attachAudio(pc) {
    const play = (stream) => {
      if (this.audio.srcObject !== stream) this.audio.srcObject = stream;
      this.audio.play().catch(() => { /* autoplay refused: audio starts on the next click */ });
    };
    pc.addEventListener("track", (e) => play(e.streams[0] || new MediaStream([e.track])));
    const receivers = pc.getReceivers ? pc.getReceivers().filter((r) => r.track) : [];
    if (receivers.length) play(new MediaStream(receivers.map((r) => r.track)));
  }

  finish(state, cause) {
    this.session = null;
    this.callId = null;
    this.audio.srcObject = null;
    this.emit("call", { state, cause });
  }

  answer() {
    if (!this.session) return;
    this.marks.answerClicked = performance.now();
    this.session.answer({
      mediaConstraints: MEDIA_CONSTRAINTS,
      pcConfig: { iceServers: this.config.ice_servers || [] },
    });
  }

  hangup() {
    if (!this.session) return;
    try { this.session.terminate(); } catch { this.finish("ended", "local"); }
  }

  hold(on) {
    if (!this.session) return;
    if (on) this.session.hold(); else this.session.unhold();
  }

  mute(on) {
    if (!this.session) return;
    if (on) this.session.mute({ audio: true }); else this.session.unmute({ audio: true });
    this.muted = on;
  }

  sendDTMF(tone) {
    if (this.session) this.session.sendDTMF(tone, { transportType: "RFC2833" });
  }

  // RTP counters of the call (WebRTC getStats): proves media flows both ways.
  async stats() {
    const pc = this.session && this.session.connection;
    if (!pc) return null;
    const out = { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, codec: null };
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === "outbound-rtp" && s.kind === "audio") { out.packetsSent += s.packetsSent || 0; out.bytesSent += s.bytesSent || 0; }
      if (s.type === "inbound-rtp" && s.kind === "audio") { out.packetsReceived += s.packetsReceived || 0; out.bytesReceived += s.bytesReceived || 0; }
      if (s.type === "codec" && !out.codec) out.codec = s.mimeType;
    });
    return out;
  }
}
