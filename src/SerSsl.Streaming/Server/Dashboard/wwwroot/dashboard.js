// sers dashboard: follows one session's estimates as server-sent events (GET /api/sessions/{id}/events) and draws
// them; "Use my microphone" streams this browser's microphone to the server as a new session (WebSocket
// /api/recognize) and follows that. Plain JavaScript, no build step, nothing loaded from elsewhere.
"use strict";

(() => {
  const WINDOW_SECONDS = 30;
  const SESSION_POLL_MS = 3000;
  const NAMES = { ANG: "anger", DIS: "disgust", FEA: "fear", HAP: "happy", NEU: "neutral", SAD: "sad", SUR: "surprise", CAL: "calm" };
  const KNOWN_COLOURS = { ANG: "#f87171", DIS: "#a3e635", FEA: "#c084fc", HAP: "#fbbf24", NEU: "#94a3b8", SAD: "#60a5fa", SUR: "#f472b6", CAL: "#2dd4bf" };
  const PALETTE = ["#38bdf8", "#fb923c", "#4ade80", "#e879f9", "#facc15", "#f87171", "#a78bfa", "#2dd4bf", "#fda4af", "#bef264"];

  const $ = (id) => document.getElementById(id);
  const key = new URLSearchParams(location.search).get("key");
  const wanted = new URLSearchParams(location.search).get("session");

  const state = {
    model: null,
    labels: [],
    colours: new Map(),
    hopSeconds: 0.25,
    sessions: [],
    sessionId: "",
    source: null,
    points: [], // { seq, t0, t1, probs: number[], speech, latency }
    marks: [], // { t, kind }
    count: 0,
    lastSeq: -1,
    gaps: 0,
    dirty: false,
  };

  function api(path, extra) {
    const params = new URLSearchParams(extra || {});
    if (key) params.set("key", key);
    const query = params.toString();
    return query ? `${path}?${query}` : path;
  }

  function name(label) { return NAMES[label] || label; }

  function colour(label) {
    if (!state.colours.has(label)) {
      const used = state.colours.size;
      state.colours.set(label, KNOWN_COLOURS[label] || PALETTE[used % PALETTE.length]);
    }
    return state.colours.get(label);
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.dataset.state = kind;
  }

  function formatNumber(value, digits) {
    return Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  // ---- model and labels --------------------------------------------------------------------------------------------

  function setLabels(labels) {
    if (labels.join("\u0000") === state.labels.join("\u0000")) return;
    state.labels = labels.slice();
    labels.forEach(colour);
    const legend = $("legend");
    legend.replaceChildren(...labels.map((label) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour(label);
      swatch.setAttribute("aria-hidden", "true");
      item.append(swatch, document.createTextNode(`${name(label)} (${label})`));
      return item;
    }));
    const bars = $("bars");
    bars.replaceChildren(...labels.map((label) => {
      const item = document.createElement("li");
      item.dataset.label = label;
      const text = document.createElement("span");
      text.textContent = name(label);
      const track = document.createElement("span");
      track.className = "track";
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.display = "block";
      fill.style.background = colour(label);
      track.append(fill);
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = "–";
      item.append(text, track, value);
      return item;
    }));
  }

  async function loadModel() {
    try {
      const response = await fetch(api("/api/model"), { cache: "no-store" });
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      const model = await response.json();
      state.model = model;
      state.hopSeconds = (Number(model.hopFrames) || 25) * (Number(model.frameSeconds) || 0.01);
      $("model").textContent = `model: ${model.name} · ${model.labels.length} labels · hop ${formatNumber(state.hopSeconds * 1000, 0)} ms`;
      setLabels(model.labels);
    } catch (error) {
      $("model").textContent = `model: unavailable (${error.message.trim()})`;
    }
  }

  // ---- sessions ----------------------------------------------------------------------------------------------------

  async function refreshSessions() {
    let sessions;
    try {
      const response = await fetch(api("/api/sessions"), { cache: "no-store" });
      if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
      sessions = (await response.json()).sessions || [];
    } catch (error) {
      setStatus(`Cannot list sessions: ${error.message}`, "error");
      return;
    }

    state.sessions = sessions;
    const select = $("session");
    const current = state.sessionId;
    const options = [new Option(sessions.length ? "Choose a session…" : "(no session)", "")];
    for (const s of sessions) {
      const suffix = s.completed ? " — ended" : s.live ? " — live" : "";
      options.push(new Option(`${s.sessionId}${suffix}`, s.sessionId));
    }
    if (current && !sessions.some((s) => s.sessionId === current)) {
      options.push(new Option(`${current} — gone`, current));
    }
    select.replaceChildren(...options);
    select.value = current;

    $("empty").hidden = sessions.length > 0 || Boolean(current);
    $("live").hidden = !$("empty").hidden;
    if (!current) {
      const preferred = sessions.find((s) => s.sessionId === wanted) || (sessions.length === 1 ? sessions[0] : null);
      if (preferred) {
        select.value = preferred.sessionId;
        follow(preferred.sessionId);
      } else {
        setStatus(sessions.length ? "Choose a session" : "No session", "idle");
      }
    }
    describeSession();
  }

  function describeSession() {
    const info = state.sessions.find((s) => s.sessionId === state.sessionId);
    $("session-info").textContent = info
      ? `${info.source}${info.format ? ` · ${info.format.sampleRate} Hz, ${info.format.channels} ch` : ""} · ${info.subscribers} subscriber${info.subscribers === 1 ? "" : "s"}`
      : "–";
  }

  // ---- the event stream --------------------------------------------------------------------------------------------

  function reset() {
    state.points = [];
    state.marks = [];
    state.count = 0;
    state.lastSeq = -1;
    state.gaps = 0;
    $("estimate-count").textContent = "0";
    $("sequence").textContent = "–";
    $("latency").textContent = "–";
    $("latency-window").textContent = "–";
    $("dropped").textContent = "–";
    $("gaps").textContent = "0";
    $("utterance").textContent = "–";
    $("top-label").textContent = "–";
    $("top-label").dataset.label = "";
    $("top-code").textContent = "";
    $("confidence").textContent = "–";
    $("top-swatch").style.background = "";
    const speech = $("speech");
    speech.textContent = "no estimate yet";
    speech.dataset.speech = "";
    state.dirty = true;
  }

  function follow(sessionId) {
    if (state.source) {
      state.source.close();
      state.source = null;
    }
    state.sessionId = sessionId;
    reset();
    const url = new URL(location.href);
    if (sessionId) url.searchParams.set("session", sessionId); else url.searchParams.delete("session");
    history.replaceState(null, "", url);
    if (!sessionId) {
      setStatus("Choose a session", "idle");
      return;
    }

    // Start a window's worth back, so the chart fills at once; a reconnect resumes after the last estimate by itself.
    const info = state.sessions.find((s) => s.sessionId === sessionId);
    const next = info ? Number(info.nextSequence) : 0;
    const from = Math.max(0, next - Math.ceil(WINDOW_SECONDS / state.hopSeconds));
    const source = new EventSource(api(`/api/sessions/${encodeURIComponent(sessionId)}/events`, { from: String(from) }));
    state.source = source;
    setStatus(`Connecting to ${sessionId}…`, "reconnecting");
    source.onopen = () => { if (state.source === source) setStatus(`Live: ${sessionId}`, "live"); };
    source.onerror = () => {
      if (state.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        setStatus(`Disconnected from ${sessionId}: the session may have ended`, "ended");
      } else {
        setStatus(`Reconnecting to ${sessionId}…`, "reconnecting");
      }
    };
    source.addEventListener("estimate", (event) => { if (state.source === source) onEstimate(JSON.parse(event.data)); });
    source.addEventListener("utterance", (event) => { if (state.source === source) onUtterance(JSON.parse(event.data)); });
    source.addEventListener("gap", (event) => { if (state.source === source) onGap(JSON.parse(event.data)); });
    source.addEventListener("end", () => {
      if (state.source !== source) return;
      source.close();
      setStatus(`Session ${sessionId} ended`, "ended");
      refreshSessions();
    });
    source.addEventListener("failed", (event) => {
      if (state.source !== source) return;
      source.close();
      setStatus(JSON.parse(event.data).message, "error");
    });
  }

  function onEstimate(e) {
    const seq = Number(e.sequence);
    if (seq <= state.lastSeq) return; // replayed after a reconnect
    state.lastSeq = seq;
    state.count += 1;
    const labels = e.probabilities.map((p) => p.label);
    setLabels(labels);
    const probs = e.probabilities.map((p) => Number(p.probability));
    const t1 = Number(e.endSeconds);
    state.points.push({ seq, t0: Number(e.startSeconds), t1, probs, speech: Boolean(e.speech), latency: Number(e.latencyMs) });
    while (state.points.length && state.points[0].t1 < t1 - WINDOW_SECONDS - 1) state.points.shift();
    while (state.marks.length && state.marks[0].t < t1 - WINDOW_SECONDS - 1) state.marks.shift();

    const top = e.topLabel;
    const topLabel = $("top-label");
    topLabel.textContent = name(top);
    topLabel.dataset.label = top;
    $("top-code").textContent = top;
    $("top-swatch").style.background = colour(top);
    $("confidence").textContent = `${formatNumber(Number(e.confidence) * 100, 0)} %`;
    const speech = $("speech");
    speech.dataset.speech = String(Boolean(e.speech));
    speech.textContent = e.speech
      ? `speech · ${formatNumber(Number(e.speechProbability) * 100, 0)} % of frames`
      : `silence or noise · ${formatNumber(Number(e.speechProbability) * 100, 0)} % speech`;

    for (const item of $("bars").children) {
      const index = state.labels.indexOf(item.dataset.label);
      const p = index >= 0 && index < probs.length ? probs[index] : 0;
      item.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
      item.querySelector(".value").textContent = `${formatNumber(p * 100, 0)} %`;
      item.classList.toggle("top-row", item.dataset.label === top);
    }

    $("estimate-count").textContent = String(state.count);
    $("sequence").textContent = `${seq} · ${formatNumber(t1, 2)} s`;
    $("latency").textContent = `${formatNumber(Number(e.latencyMs), 1)} ms`;
    const latencies = state.points.map((p) => p.latency).sort((a, b) => a - b);
    $("latency-window").textContent = `${formatNumber(latencies[Math.floor(latencies.length / 2)], 1)} / ${formatNumber(latencies[latencies.length - 1], 1)} ms`;
    const info = state.sessions.find((s) => s.sessionId === state.sessionId);
    const rate = info && info.format ? Number(info.format.sampleRate) : 0;
    const dropped = Number(e.droppedSamplesTotal);
    $("dropped").textContent = dropped === 0
      ? "none"
      : rate > 0 ? `${formatNumber(dropped / rate, 2)} s (${dropped} samples)` : `${dropped} samples`;
    if (mic.sessionId && state.sessionId === mic.sessionId) noteMicLatency(t1);
    state.dirty = true;
  }

  function onUtterance(u) {
    const start = u.kind === "UTTERANCE_EVENT_KIND_START";
    const t = Number(u.timeSeconds);
    state.marks.push({ t, kind: start ? "start" : "end" });
    $("utterance").textContent = `${start ? "started" : "ended"} at ${formatNumber(t, 2)} s`;
    state.dirty = true;
  }

  function onGap(g) {
    state.gaps += Number(g.droppedEvents);
    const why = g.reason === "GAP_REASON_REPLAY_EXPIRED" ? "older than the server keeps" : "this page fell behind";
    $("gaps").textContent = `${state.gaps} (${why})`;
  }

  // ---- the chart ---------------------------------------------------------------------------------------------------

  function draw() {
    requestAnimationFrame(draw);
    const canvas = $("chart");
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      state.dirty = true;
    }
    if (!state.dirty) return;
    state.dirty = false;

    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const pad = { left: 44, right: 12, top: 10, bottom: 28 };
    const plotW = Math.max(1, w - pad.left - pad.right);
    const plotH = Math.max(1, h - pad.top - pad.bottom);
    g.clearRect(0, 0, w, h);

    const points = state.points;
    const end = points.length ? Math.max(WINDOW_SECONDS, points[points.length - 1].t1) : WINDOW_SECONDS;
    const start = end - WINDOW_SECONDS;
    const x = (t) => pad.left + ((t - start) / WINDOW_SECONDS) * plotW;
    const y = (p) => pad.top + (1 - p) * plotH;

    g.font = "12px system-ui, 'DejaVu Sans', sans-serif";
    g.fillStyle = "#9fb0c8";
    g.strokeStyle = "#25324a";
    g.lineWidth = 1;

    // Silence bands.
    g.fillStyle = "rgba(148, 163, 184, 0.10)";
    for (const p of points) {
      if (p.speech) continue;
      const a = Math.max(x(p.t1 - state.hopSeconds), pad.left);
      const b = Math.min(x(p.t1), pad.left + plotW);
      if (b > a) g.fillRect(a, pad.top, b - a, plotH);
    }

    // Grid: probabilities every 25 %, time every 5 s.
    g.fillStyle = "#9fb0c8";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let p = 0; p <= 1.0001; p += 0.25) {
      g.beginPath();
      g.moveTo(pad.left, Math.round(y(p)) + 0.5);
      g.lineTo(pad.left + plotW, Math.round(y(p)) + 0.5);
      g.stroke();
      g.fillText(`${Math.round(p * 100)} %`, pad.left - 6, y(p));
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (let t = Math.ceil(start / 5) * 5; t <= end + 1e-6; t += 5) {
      g.beginPath();
      g.moveTo(Math.round(x(t)) + 0.5, pad.top);
      g.lineTo(Math.round(x(t)) + 0.5, pad.top + plotH);
      g.stroke();
      g.fillText(`${t} s`, x(t), pad.top + plotH + 8);
    }

    // Utterance marks.
    g.save();
    g.setLineDash([4, 4]);
    for (const m of state.marks) {
      if (m.t < start) continue;
      g.strokeStyle = m.kind === "start" ? "#4ade80" : "#f87171";
      g.beginPath();
      g.moveTo(Math.round(x(m.t)) + 0.5, pad.top);
      g.lineTo(Math.round(x(m.t)) + 0.5, pad.top + plotH);
      g.stroke();
    }
    g.restore();

    // One line per label.
    g.save();
    g.beginPath();
    g.rect(pad.left, pad.top - 2, plotW, plotH + 4);
    g.clip();
    g.lineWidth = 2;
    g.lineJoin = "round";
    state.labels.forEach((label, index) => {
      g.strokeStyle = colour(label);
      g.beginPath();
      let started = false;
      for (const p of points) {
        if (index >= p.probs.length) continue;
        const px = x(p.t1);
        const py = y(p.probs[index]);
        if (started) g.lineTo(px, py); else { g.moveTo(px, py); started = true; }
      }
      g.stroke();
    });
    g.restore();

    if (!points.length) {
      g.fillStyle = "#9fb0c8";
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.font = "15px system-ui, 'DejaVu Sans', sans-serif";
      g.fillText(state.sessionId ? "Waiting for estimates…" : "Choose a session to see its estimates", pad.left + plotW / 2, pad.top + plotH / 2);
    }

    canvas.dataset.points = String(points.length);
    canvas.dataset.lastSequence = String(state.lastSeq);
  }

  // ---- the microphone ----------------------------------------------------------------------------------------------
  // getUserMedia -> an AudioWorklet (microphone-worklet.js: mono 16-bit PCM at the AudioContext's rate, about 20 ms a
  // message) -> a WebSocket to /api/recognize (a JSON config first, then the PCM) -> a new session, followed above like
  // any other. The page stamps when each batch of audio reached it, so that it can say how long the way from the
  // microphone to an estimate on the screen takes.

  const BATCH_SECONDS = 0.02;
  const QUEUE_LIMIT_SECONDS = 10;
  const LATENCIES_KEPT = 2000;
  const STAMPS_KEPT = 6000;

  const mic = {
    state: "off", // off, asking, connecting, live, stopping, stopped, error
    stream: null,
    context: null,
    node: null,
    socket: null,
    sessionId: "",
    rate: 0,
    error: "",
    queue: [],
    queuedFrames: 0,
    stamps: [], // { endFrame, at }: performance.now() when the audio up to endFrame reached the page
    latencies: [],
  };

  function setMic(kind, text) {
    mic.state = kind;
    const line = $("mic-state");
    line.textContent = text;
    line.dataset.state = kind;
    line.dataset.session = mic.sessionId;
    const running = kind === "asking" || kind === "connecting" || kind === "live" || kind === "stopping";
    $("mic-start").hidden = running;
    $("mic-stop").hidden = !running;
    $("mic-stop").disabled = kind === "stopping";
  }

  function mediaProblem(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "Microphone permission was refused. Allow this site to use the microphone (the icon in the address bar, or the browser's site settings), then press 'Use my microphone' again.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No microphone was found. Connect one, or enable it in the system's sound settings, then press 'Use my microphone' again.";
      case "NotReadableError":
      case "AbortError":
        return "The microphone could not be opened: another program may hold it, or the system refused it. Close that program, then press 'Use my microphone' again.";
      default:
        return `The microphone could not be started (${error && error.name ? `${error.name}: ` : ""}${error && error.message ? error.message : String(error)}). Press 'Use my microphone' to try again.`;
    }
  }

  function closeProblem(code, reason, url) {
    const why = reason ? `: ${reason}` : "";
    switch (code) {
      case 1001: return `The server is shutting down${why}. Press 'Use my microphone' again once it is back.`;
      case 1006: return `The connection to ${url} dropped (close code 1006): the server stopped, or the network or a proxy cut it. Press 'Use my microphone' to start a new session.`;
      case 4401: return `The server needs an API key${why}. Open this page as /?key=KEY with a key it accepts.`;
      case 4408: return `The server ended the session after hearing nothing for too long${why}. Press 'Use my microphone' to start again.`;
      case 4429: return `The server refused the session: a limit was reached${why}. Stop another session, or try again later.`;
      default: return `The server closed the microphone's connection (close code ${code})${why}. Press 'Use my microphone' to try again.`;
    }
  }

  async function startMicrophone() {
    if (["asking", "connecting", "live", "stopping"].includes(mic.state)) return;
    Object.assign(mic, { sessionId: "", error: "", queue: [], queuedFrames: 0, stamps: [], latencies: [] });
    showMicLatency();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      const port = location.port || (location.protocol === "https:" ? "443" : "80");
      setMic("error", `Browsers allow the microphone only on secure pages, and ${location.origin} is not one. Open the dashboard over https (sers serve --tls-cert, --tls-key) or as http://localhost (for instance through ssh -L ${port}:localhost:${port} to the server).`);
      return;
    }
    if (typeof AudioWorkletNode === "undefined" || typeof WebSocket === "undefined") {
      setMic("error", "This browser lacks AudioWorklet or WebSocket, which the microphone needs: use a current Chrome, Edge, Firefox or Safari.");
      return;
    }

    setMic("asking", "Asking for permission to use the microphone…");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        video: false,
      });
    } catch (error) {
      if (mic.state === "asking") setMic("error", mediaProblem(error));
      return;
    }
    if (mic.state !== "asking") {
      // Stopped while the browser asked.
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    mic.stream = stream;
    const track = stream.getAudioTracks()[0];
    if (track) {
      track.addEventListener("ended", () => {
        if (mic.state === "connecting" || mic.state === "live") failMicrophone("The microphone stopped (unplugged, or taken by the system). Press 'Use my microphone' to start again.");
      });
      const latency = Number(track.getSettings().latency);
      $("mic-latency").dataset.inputLatencyMs = Number.isFinite(latency) ? (latency * 1000).toFixed(1) : "";
    }

    setMic("connecting", "Connecting the microphone to the server…");
    try {
      const context = new AudioContext();
      mic.context = context;
      mic.rate = context.sampleRate;
      await context.audioWorklet.addModule("microphone-worklet.js");
      if (mic.state !== "connecting") return;
      const node = new AudioWorkletNode(context, "sers-pcm-capture", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: "explicit",
        channelInterpretation: "speakers",
        processorOptions: { batchFrames: Math.round(context.sampleRate * BATCH_SECONDS) },
      });
      node.port.onmessage = (event) => onMicAudio(event.data);
      context.createMediaStreamSource(stream).connect(node);
      // The processor writes no output: connected only so that every browser runs it.
      node.connect(context.destination);
      mic.node = node;
      if (context.state === "suspended") await context.resume();
    } catch (error) {
      failMicrophone(`The browser could not start processing the microphone's audio (${error && error.message ? error.message : String(error)}). Reload the page and try again.`);
      return;
    }
    openMicSocket();
  }

  function openMicSocket() {
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/recognize`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      failMicrophone(`Cannot open a WebSocket to ${url}: ${error.message}`);
      return;
    }
    socket.binaryType = "arraybuffer";
    mic.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      const config = { sampleRate: mic.rate, channels: 1, encoding: "s16le" };
      if (key) config.apiKey = key;
      socket.send(JSON.stringify(config));
      for (const pcm of mic.queue) socket.send(pcm);
      mic.queue = [];
      mic.queuedFrames = 0;
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "started" && mic.state === "connecting") {
        mic.sessionId = message.sessionId;
        setMic("live", `Live: your microphone is session ${message.sessionId} (${formatNumber(mic.rate / 1000, 1)} kHz)`);
        follow(message.sessionId);
        refreshSessions();
      } else if (message.type === "error") {
        mic.error = message.message;
      }
    };
    socket.onclose = (event) => {
      if (mic.socket !== socket) return;
      mic.socket = null;
      const stopping = mic.state === "stopping";
      releaseMicrophone();
      if (stopping && (event.code === 1000 || !mic.sessionId)) {
        setMic("stopped", mic.sessionId ? `Stopped: session ${mic.sessionId} processed all its audio. Press 'Use my microphone' to start again.` : "Stopped.");
      } else if (mic.error) {
        setMic("error", mic.error);
      } else if (!opened) {
        setMic("error", `Could not open the WebSocket ${url}: the server refused it or cannot be reached (a proxy that does not pass WebSockets, a page from another origin, a server older than this page). The server's log says why.`);
      } else {
        setMic("error", closeProblem(event.code, event.reason, url));
      }
    };
  }

  function onMicAudio(message) {
    mic.stamps.push({ endFrame: message.endFrame, at: performance.now() });
    if (mic.stamps.length > STAMPS_KEPT) mic.stamps.splice(0, mic.stamps.length - STAMPS_KEPT);
    const socket = mic.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(message.pcm);
    } else if (mic.state === "connecting") {
      // Kept until the WebSocket opens, so that the session starts with the first sample the page got.
      mic.queue.push(message.pcm);
      mic.queuedFrames += message.pcm.byteLength / 2;
      if (mic.queuedFrames > QUEUE_LIMIT_SECONDS * mic.rate) {
        failMicrophone(`The server did not accept the microphone's connection within ${QUEUE_LIMIT_SECONDS} s. Check that it runs and is reachable, then try again.`);
      }
    }
  }

  // The estimate ending at endSeconds of the session is drawn on the next frame: from the moment its last sample
  // reached the page (the batch's stamp, less the frames after it in the batch) to then.
  function noteMicLatency(endSeconds) {
    const frame = Math.round(endSeconds * mic.rate);
    const stamps = mic.stamps;
    let low = 0;
    let high = stamps.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (stamps[middle].endFrame < frame) low = middle + 1; else high = middle;
    }
    if (low >= stamps.length) return;
    const stamp = stamps[low];
    const reached = stamp.at - ((stamp.endFrame - frame) / mic.rate) * 1000;
    requestAnimationFrame(() => {
      mic.latencies.push(performance.now() - reached);
      if (mic.latencies.length > LATENCIES_KEPT) mic.latencies.shift();
      showMicLatency();
    });
  }

  function showMicLatency() {
    const cell = $("mic-latency");
    const values = mic.latencies;
    cell.dataset.count = String(values.length);
    cell.dataset.samples = values.map((v) => v.toFixed(1)).join(" ");
    if (!values.length) {
      cell.textContent = "–";
      return;
    }
    const sorted = values.slice().sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)];
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
    cell.textContent = `${formatNumber(p50, 0)} / ${formatNumber(p95, 0)} ms`;
  }

  function stopMicrophone() {
    if (!["asking", "connecting", "live"].includes(mic.state)) return;
    const socket = mic.socket;
    setMic("stopping", "Stopping: the server processes the last audio…");
    if (mic.node) mic.node.port.postMessage("stop");
    if (socket && socket.readyState <= WebSocket.OPEN) {
      // The server answers once the session has processed all the audio (onclose above).
      socket.close(1000, "stopped by the user");
      releaseMicrophone();
    } else {
      releaseMicrophone();
      setMic("stopped", "Stopped.");
    }
  }

  function failMicrophone(message) {
    const socket = mic.socket;
    mic.socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "the page stopped the microphone");
    releaseMicrophone();
    setMic("error", message);
  }

  function releaseMicrophone() {
    if (mic.stream) mic.stream.getTracks().forEach((track) => track.stop());
    if (mic.node) mic.node.disconnect();
    if (mic.context && mic.context.state !== "closed") mic.context.close().catch(() => {});
    mic.stream = null;
    mic.node = null;
    mic.context = null;
  }

  // ---- start -------------------------------------------------------------------------------------------------------

  $("mic-start").addEventListener("click", () => startMicrophone());
  $("mic-stop").addEventListener("click", () => stopMicrophone());

  $("session").addEventListener("change", (event) => follow(event.target.value));
  $("refresh").addEventListener("click", () => refreshSessions());
  $("window-seconds").textContent = String(WINDOW_SECONDS);
  requestAnimationFrame(draw);
  loadModel().then(refreshSessions);
  setInterval(refreshSessions, SESSION_POLL_MS);
})();
