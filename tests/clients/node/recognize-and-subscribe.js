#!/usr/bin/env node
// A serssl.v1 client written from the .proto files alone: streams a WAV (as PCM) or an Ogg Opus file (as raw Opus
// packets, one per message) through Recognize at real-time pace and, while it plays, follows the same session
// through Subscribe (from sequence 0, so nothing is missed). Prints a JSON summary of both streams on stdout and exits
// 0 only if both received estimates, neither has a gap in its sequence numbers, and the two agree on every estimate
// they share.
//
//   node recognize-and-subscribe.js --address 127.0.0.1:50051 --wav ../../../samples/demo.wav
//   node recognize-and-subscribe.js --address 127.0.0.1:50051 --opus speech.opus   (made by: opusenc in.wav speech.opus)
//
// Options: --address HOST:PORT (or http://HOST:PORT), --wav PATH (16-bit PCM or 32-bit float WAV) or --opus PATH
// (Ogg Opus, one stream, every packet of one duration but the last), --session ID (default node-PID), --speed X
// (times real time, default 1), --lead-seconds S (how far the audio may run ahead of real time, default 1; keep it
// under the server's --burst-seconds), --chunk-ms MS (PCM audio per message, default 100), --api-key KEY,
// --timeout-seconds S (default 120), --estimates 1 (add every estimate's probabilities to the summary).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', '..', 'src', 'SerSsl.Protos', 'Protos');

function parseArgs(argv) {
  const args = {
    address: '127.0.0.1:50051',
    wav: null,
    opus: null,
    estimates: 0,
    session: `node-${process.pid}`,
    speed: 1,
    leadSeconds: 1,
    chunkMs: 100,
    apiKey: null,
    timeoutSeconds: 120,
  };
  const names = {
    '--address': 'address',
    '--wav': 'wav',
    '--opus': 'opus',
    '--estimates': 'estimates',
    '--session': 'session',
    '--speed': 'speed',
    '--lead-seconds': 'leadSeconds',
    '--chunk-ms': 'chunkMs',
    '--api-key': 'apiKey',
    '--timeout-seconds': 'timeoutSeconds',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) {
      throw new Error(`unknown option or missing value: '${argv[i]}' (options: ${Object.keys(names).join(', ')})`);
    }
    args[key] = typeof args[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!args.wav === !args.opus) {
    throw new Error('give --wav PATH or --opus PATH');
  }
  for (const key of ['speed', 'chunkMs', 'timeoutSeconds']) {
    if (!(args[key] > 0)) {
      throw new Error(`--${key} must be a positive number`);
    }
  }
  args.address = args.address.replace(/^http:\/\//, '').replace(/\/$/, '');
  return args;
}

// Reads the format and the sample bytes of a RIFF/WAVE file: PCM 16-bit (format 1) or IEEE float 32-bit (format 3),
// plain or WAVE_FORMAT_EXTENSIBLE.
function readWav(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let format = null;
  let data = null;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      let tag = bytes.readUInt16LE(body);
      if (tag === 0xfffe && size >= 40) {
        tag = bytes.readUInt16LE(body + 24); // the first two bytes of the sub-format GUID
      }
      format = {
        tag,
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = bytes.subarray(body, Math.min(body + size, bytes.length));
      break;
    }
    offset = body + size + (size % 2);
  }
  if (!format || !data) {
    throw new Error(`${file}: no fmt or data chunk`);
  }
  let encoding;
  if (format.tag === 1 && format.bits === 16) {
    encoding = 'AUDIO_ENCODING_S16LE';
  } else if (format.tag === 3 && format.bits === 32) {
    encoding = 'AUDIO_ENCODING_F32LE';
  } else {
    throw new Error(`${file}: format tag ${format.tag} with ${format.bits} bits; give 16-bit PCM or 32-bit float`);
  }
  const frameBytes = (format.bits / 8) * format.channels;
  return { sampleRate: format.sampleRate, channels: format.channels, encoding, frameBytes, data: data.subarray(0, data.length - (data.length % frameBytes)) };
}

// How long an Opus packet lasts, in 48 kHz samples, from its table of contents (RFC 6716 section 3.1).
function opusPacketSamples(packet) {
  const config = packet[0] >> 3;
  let frame;
  if (config < 12) {
    frame = [480, 960, 1920, 2880][config % 4]; // SILK: 10, 20, 40, 60 ms
  } else if (config < 16) {
    frame = [480, 960][config % 2]; // hybrid: 10, 20 ms
  } else {
    frame = [120, 240, 480, 960][config % 4]; // CELT: 2.5, 5, 10, 20 ms
  }
  const code = packet[0] & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : packet.length > 1 ? packet[1] & 0x3f : 0;
  return frame * frames;
}

// Reads the raw packets of a single-stream Ogg Opus file (RFC 7845): the OpusHead header's channels and pre-skip,
// then every audio packet, taken out of its pages by the lacing values.
function readOpus(file) {
  const bytes = fs.readFileSync(file);
  const packets = [];
  let current = [];
  for (let at = 0; at < bytes.length;) {
    if (bytes.length - at < 27 || bytes.toString('ascii', at, at + 4) !== 'OggS') {
      throw new Error(`${file}: no Ogg page at byte ${at}; give an Ogg Opus file (opusenc in.wav out.opus)`);
    }
    const segments = bytes[at + 26];
    let body = at + 27 + segments;
    for (let i = 0; i < segments; i += 1) {
      const lace = bytes[at + 27 + i];
      current.push(bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(current));
        current = [];
      }
    }
    at = body;
  }
  if (packets.length < 3 || packets[0].toString('ascii', 0, 8) !== 'OpusHead') {
    throw new Error(`${file}: not an Ogg Opus file with audio`);
  }
  const head = packets[0];
  const audio = packets.slice(2);
  const frameSamples = opusPacketSamples(audio[0]);
  return { channels: head[9], preSkip: head.readUInt16LE(10), frameSamples, packets: audio };
}

function loadClient(args) {
  const definition = protoLoader.loadSync('serssl/v1/recognizer.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const serssl = grpc.loadPackageDefinition(definition).serssl.v1;
  return new serssl.Recognizer(args.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
  });
}

function newStats() {
  return { estimates: 0, sequences: [], utterances: 0, gapEvents: 0, topLabels: {}, byKey: new Map(), probabilities: [], status: null };
}

function record(stats, kind, message) {
  if (kind === 'estimate') {
    const sequence = Number(message.sequence);
    stats.estimates += 1;
    stats.sequences.push(sequence);
    stats.topLabels[message.top_label] = (stats.topLabels[message.top_label] || 0) + 1;
    stats.byKey.set(sequence, `${message.top_label} ${message.confidence.toFixed(6)} ${message.start_seconds} ${message.end_seconds} ${message.speech}`);
    stats.probabilities.push({ sequence, top: message.top_label, p: message.probabilities.map((l) => l.probability) });
  } else if (kind === 'utterance') {
    stats.utterances += 1;
  } else if (kind === 'gap') {
    stats.gapEvents += 1;
  }
}

// The places where a sequence skips numbers, as [expected, got] pairs.
function sequenceGaps(sequences) {
  const gaps = [];
  for (let i = 1; i < sequences.length; i += 1) {
    if (sequences[i] !== sequences[i - 1] + 1) {
      gaps.push([sequences[i - 1] + 1, sequences[i]]);
    }
  }
  return gaps;
}

function summarize(stats, withEstimates) {
  const sequences = stats.sequences;
  return {
    ...(withEstimates ? { estimateList: stats.probabilities } : {}),
    estimates: stats.estimates,
    firstSequence: sequences.length ? sequences[0] : null,
    lastSequence: sequences.length ? sequences[sequences.length - 1] : null,
    sequenceGaps: sequenceGaps(sequences),
    gapEvents: stats.gapEvents,
    utterances: stats.utterances,
    topLabels: stats.topLabels,
    status: stats.status,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves with the call's status when the stream ends; rejects never (the status says what happened).
function collect(call, stats, pick, onFirst) {
  return new Promise((resolve) => {
    call.on('data', (message) => {
      const kind = pick(message);
      if (onFirst && kind === 'started') {
        onFirst(message.started);
        return;
      }
      record(stats, kind, message[kind]);
    });
    call.on('error', (error) => {
      stats.status = { code: grpc.status[error.code] || String(error.code), details: error.details };
      resolve();
    });
    call.on('status', (status) => {
      if (!stats.status) {
        stats.status = { code: grpc.status[status.code] || String(status.code), details: status.details };
      }
      if (status.code === grpc.status.OK) {
        resolve();
      }
    });
  });
}

// Sends one Opus packet per message, paced like the PCM: a packet lasts frameSamples at 48 kHz.
async function streamOpus(call, opus, args, ended) {
  const start = process.hrtime.bigint();
  let stopped = false;
  let sentSamples = 0;
  ended.then(() => { stopped = true; });
  for (const audio of opus.packets) {
    if (stopped) {
      break;
    }
    if (!call.write({ audio })) {
      await Promise.race([new Promise((resolve) => call.once('drain', resolve)), ended]);
    }
    sentSamples += opusPacketSamples(audio);
    const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const wait = (sentSamples / 48000 - args.leadSeconds) / args.speed - elapsedSeconds;
    if (wait > 0) {
      await sleep(wait * 1000);
    }
  }
  call.end();
  return sentSamples / 48000;
}

async function streamAudio(call, wav, args, ended) {
  const chunkBytes = Math.max(1, Math.round((wav.sampleRate * args.chunkMs) / 1000)) * wav.frameBytes;
  const bytesPerSecond = wav.sampleRate * wav.frameBytes;
  const start = process.hrtime.bigint();
  let stopped = false;
  ended.then(() => { stopped = true; });
  for (let offset = 0; offset < wav.data.length && !stopped; offset += chunkBytes) {
    const audio = wav.data.subarray(offset, Math.min(offset + chunkBytes, wav.data.length));
    if (!call.write({ audio })) {
      await Promise.race([new Promise((resolve) => call.once('drain', resolve)), ended]);
    }
    // Pace: the audio sent so far may run at most leadSeconds ahead of the wall clock times the speed.
    const sentSeconds = (offset + audio.length) / bytesPerSecond;
    const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const wait = (sentSeconds - args.leadSeconds) / args.speed - elapsedSeconds;
    if (wait > 0) {
      await sleep(wait * 1000);
    }
  }
  call.end();
  return wav.data.length / bytesPerSecond;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const wav = args.wav ? readWav(args.wav) : null;
  const opus = args.opus ? readOpus(args.opus) : null;
  const client = loadClient(args);
  const metadata = new grpc.Metadata();
  if (args.apiKey) {
    metadata.set('x-api-key', args.apiKey);
  }
  const deadline = () => new Date(Date.now() + args.timeoutSeconds * 1000);
  const recognize = newStats();
  const subscribe = newStats();
  let labels = null;
  let sessionId = null;
  let subscribeDone = Promise.resolve();
  let sentSeconds = 0;
  const startedAt = Date.now();

  const call = client.Recognize(metadata, { deadline: deadline() });
  let resolveStarted;
  const started = new Promise((resolve) => { resolveStarted = resolve; });
  const recognizeDone = collect(call, recognize, (m) => m.response, (s) => {
    labels = s.labels;
    sessionId = s.session_id;
    resolveStarted();
  });
  const format = wav
    ? { sample_rate: wav.sampleRate, channels: wav.channels, encoding: wav.encoding }
    : { sample_rate: 48000, channels: opus.channels, encoding: 'AUDIO_ENCODING_OPUS', frame_duration_us: (opus.frameSamples * 1000) / 48, pre_skip: opus.preSkip };
  call.write({ config: { format, session_id: args.session } });

  // Subscribe once the session exists, from sequence 0: the replay buffer holds what was published before.
  const failedEarly = recognizeDone.then(() => { throw new Error('the Recognize call ended before it started'); });
  failedEarly.catch(() => {});
  try {
    await Promise.race([started, failedEarly]);
    const subscription = client.Subscribe({ session_id: sessionId, from_sequence: 0 }, metadata, { deadline: deadline() });
    subscribeDone = collect(subscription, subscribe, (m) => m.event);
    sentSeconds = wav ? await streamAudio(call, wav, args, recognizeDone) : await streamOpus(call, opus, args, recognizeDone);
  } catch (error) {
    if (!recognize.status) {
      throw error;
    }
  }
  await Promise.all([recognizeDone, subscribeDone]);
  client.close();

  // Estimates both streams carry must be the same estimate.
  const mismatches = [];
  for (const [sequence, value] of recognize.byKey) {
    if (subscribe.byKey.has(sequence) && subscribe.byKey.get(sequence) !== value) {
      mismatches.push(sequence);
    }
  }
  const shared = [...recognize.byKey.keys()].filter((s) => subscribe.byKey.has(s)).length;
  const summary = {
    sessionId: args.session,
    labels,
    encoding: format.encoding,
    audioSeconds: Number(sentSeconds.toFixed(3)),
    audioBytes: wav ? wav.data.length : opus.packets.reduce((sum, p) => sum + p.length, 0),
    messages: wav ? Math.ceil(wav.data.length / (Math.max(1, Math.round((wav.sampleRate * args.chunkMs) / 1000)) * wav.frameBytes)) : opus.packets.length,
    wallSeconds: Number(((Date.now() - startedAt) / 1000).toFixed(3)),
    recognize: summarize(recognize, args.estimates > 0),
    subscribe: summarize(subscribe),
    sharedEstimates: shared,
    mismatchedSequences: mismatches,
  };
  const problems = [];
  for (const [name, stats] of [['recognize', recognize], ['subscribe', subscribe]]) {
    if (stats.estimates === 0) {
      problems.push(`${name}: no estimates`);
    }
    if (sequenceGaps(stats.sequences).length > 0 || stats.gapEvents > 0) {
      problems.push(`${name}: sequence gaps`);
    }
    if (!stats.status || stats.status.code !== 'OK') {
      problems.push(`${name}: ended with ${stats.status ? `${stats.status.code} ${stats.status.details}` : 'no status'}`);
    }
  }
  if (mismatches.length > 0) {
    problems.push(`${mismatches.length} estimates differ between the streams`);
  }
  summary.problems = problems;
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 2;
  },
);
