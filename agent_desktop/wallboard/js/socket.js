// Client of /ws/wallboard: the desktop's websocket client (first-frame auth, pongs, reconnect with
// backoff, full REST reload on every welcome), pointed at the wallboard socket.
import { LiveSocket } from "/desktop/js/live.js";

export class WallboardSocket extends LiveSocket {
  constructor(options) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    super({ ...options, url: `${scheme}://${location.host}/ws/wallboard`, label: "实时" });
  }
}
