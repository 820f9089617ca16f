// StreamAlign capture: hands the microphone's samples (mono, the AudioContext's rate) to the page
// in blocks of about 2048 samples; the page resamples them to the server's rate.
class CaptureTap extends AudioWorkletProcessor {
  constructor() { super(); this.buf = new Float32Array(2048); this.n = 0; }
  process(inputs) {
    const ch = inputs[0];
    if (ch && ch.length > 0) {
      const a = ch[0];
      for (let i = 0; i < a.length; i++) {
        let v = a[i];
        if (ch.length > 1) { v = 0; for (let c = 0; c < ch.length; c++) v += ch[c][i]; v /= ch.length; }
        this.buf[this.n++] = v;
        if (this.n === this.buf.length) { this.port.postMessage(this.buf.slice(0)); this.n = 0; }
      }
    }
    return true;
  }
}
registerProcessor('capture-tap', CaptureTap);
