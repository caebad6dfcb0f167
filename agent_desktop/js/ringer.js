// Ringing sound made with WebAudio (no audio file): two tones, 1 s on, 2 s off, until stopped.
// The AudioContext is created on the login click (a user gesture), so browsers let it play.

let context = null;

export function unlockAudio() {
  if (!context) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) context = new Ctx();
  }
  if (context && context.state === "suspended") context.resume();
}

export class Ringer {
  constructor() {
    this.timer = null;
    this.nodes = [];
  }

  get ringing() {
    return this.timer !== null;
  }

  start() {
    if (this.timer !== null) return;
    unlockAudio();
    const burst = () => this.burst();
    burst();
    this.timer = setInterval(burst, 3000);
    document.body.dataset.ringing = "true";
  }

  burst() {
    if (!context) return;
    const gain = context.createGain();
    gain.gain.value = 0.15;
    gain.connect(context.destination);
    const now = context.currentTime;
    for (const [freq, at] of [[880, 0], [660, 0.25], [880, 0.5], [660, 0.75]]) {
      const osc = context.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(now + at);
      osc.stop(now + at + 0.22);
      this.nodes.push(osc);
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    for (const osc of this.nodes) { try { osc.stop(); } catch { /* already stopped */ } }
    this.nodes = [];
    delete document.body.dataset.ringing;
  }
}
