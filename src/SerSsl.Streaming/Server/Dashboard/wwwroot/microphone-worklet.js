// sers dashboard: the microphone's AudioWorklet processor. The node is mono (the browser downmixes the microphone);
// each render quantum becomes 16-bit little-endian PCM at the AudioContext's rate, posted to the page about every
// 20 ms with the count of frames captured so far, which the page uses to stamp when each sample reached it.
"use strict";

class SersPcmCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const wanted = options && options.processorOptions && options.processorOptions.batchFrames;
    this.batchFrames = wanted > 0 ? Math.floor(wanted) : Math.round(sampleRate / 50);
    this.batch = new ArrayBuffer(this.batchFrames * 2);
    this.view = new DataView(this.batch);
    this.filled = 0;
    this.frames = 0;
    this.running = true;
    this.port.onmessage = (event) => {
      if (event.data === "stop") {
        this.flush();
        this.running = false;
      }
    };
  }

  process(inputs) {
    if (!this.running) return false;
    const channel = inputs[0] && inputs[0][0];
    // Without input (a device that went away) the quantum is silence: the session's clock keeps time.
    const length = channel ? channel.length : 128;
    for (let i = 0; i < length; i++) {
      const s = channel ? channel[i] : 0;
      const value = Math.max(-32768, Math.min(32767, Math.round(s * 32768)));
      this.view.setInt16(this.filled * 2, value, true);
      this.filled += 1;
      if (this.filled === this.batchFrames) this.flush();
    }
    return true;
  }

  flush() {
    if (this.filled === 0) return;
    const pcm = this.batch.slice(0, this.filled * 2);
    this.frames += this.filled;
    this.filled = 0;
    this.port.postMessage({ pcm, endFrame: this.frames }, [pcm]);
  }
}

registerProcessor("sers-pcm-capture", SersPcmCapture);
