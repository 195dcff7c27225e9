#!/usr/bin/env bash
# Checks a model bundle on a CUDA host: runs encoder.onnx and aggregator.onnx on ONNX Runtime's CUDA and CPU
# execution providers with the same inputs, compares the outputs (max abs difference against stated tolerances) and
# prints the encoder's throughput at batch 1, 32 and 256 on each. Needs no .NET: Python 3 with numpy and
# onnxruntime-gpu (pip install onnxruntime-gpu numpy), the NVIDIA driver, and the CUDA and cuDNN libraries that
# onnxruntime-gpu was built for. See docs/streaming.md ("Checking a GPU host").
#
#   scripts/gpu-check.sh                          # models/default on cuda:0
#   scripts/gpu-check.sh --model DIR --device-id 1 --threads 4 --seconds 3
#   scripts/gpu-check.sh --features chunks.npy    # float32 [N, frames, bins], normalised as the encoder expects
#
# Inputs are random normal chunks of the bundle's shape ([batch, chunks.frames, features.melBinCount]; the encoder
# sees normalised log-mel features, roughly zero mean and unit variance) unless --features gives real ones. The
# aggregator gets the CPU encoder's embeddings, chunks.maxChunks per row, with masks of 1 to maxChunks valid chunks.
# Tolerances are the export's parity check (sers-train export): 1e-3 on embeddings, 1e-4 on probabilities (and
# 1e-3 on logits). The CUDA session runs in fp32 with TF32 off, so that the comparison measures the provider.
#
# Exit codes: 0 outputs agree; 1 an output differs by more than its tolerance; 2 the host cannot run the check (no
# python3, numpy, onnxruntime-gpu, CUDA provider or GPU), said in one line starting with "error:".
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; gpu-check needs Python 3 with numpy and onnxruntime-gpu (pip install onnxruntime-gpu numpy)" >&2
  exit 2
fi

exec "$python" - "$@" <<'PY'
import argparse
import json
import os
import sys
import time


def fail(message, code=2):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


parser = argparse.ArgumentParser(prog="scripts/gpu-check.sh", description="Compare a model bundle on CUDA and CPU, and time it.")
parser.add_argument("--model", default="models/default", help="bundle folder (manifest.json, encoder.onnx, aggregator.onnx); default models/default")
parser.add_argument("--device-id", type=int, default=0, help="CUDA device index (default 0)")
parser.add_argument("--threads", type=int, default=1, help="CPU intra-op threads (default 1, as sers --threads)")
parser.add_argument("--seconds", type=float, default=2.0, help="timing per batch size and provider, in seconds (default 2)")
parser.add_argument("--batches", default="1,32,256", help="batch sizes to time (default 1,32,256)")
parser.add_argument("--features", help="a .npy of float32 chunks [N, frames, bins] to use instead of random ones")
parser.add_argument("--seed", type=int, default=20261202, help="seed of the random inputs")
args = parser.parse_args(sys.argv[1:])

try:
    import numpy as np
except ImportError:
    fail(f"numpy is not installed for {sys.executable}: pip install numpy onnxruntime-gpu")
try:
    import onnxruntime as ort
except ImportError:
    fail(f"onnxruntime is not installed for {sys.executable}: pip install onnxruntime-gpu numpy (the GPU package, not onnxruntime)")

if "CUDAExecutionProvider" not in ort.get_available_providers():
    fail(f"onnxruntime {ort.__version__} has no CUDA execution provider (only {', '.join(ort.get_available_providers())}): "
         "pip uninstall onnxruntime && pip install onnxruntime-gpu")

# onnxruntime-gpu 1.21+ can load CUDA and cuDNN from the nvidia-* pip packages when they are installed.
if hasattr(ort, "preload_dlls"):
    try:
        ort.preload_dlls()
    except Exception:  # noqa: BLE001 - the session below reports what is really missing
        pass

manifest_path = os.path.join(args.model, "manifest.json")
try:
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
except OSError as ex:
    fail(f"{manifest_path}: {ex.strerror}; pass --model DIR with a bundle that sers-train export wrote")

frames = manifest["chunks"]["frames"]
bins = manifest["features"]["melBinCount"]
max_chunks = manifest["chunks"]["maxChunks"]
encoder_file = os.path.join(args.model, manifest["encoder"]["file"])
aggregator_file = os.path.join(args.model, manifest["aggregator"]["file"])
enc_in, enc_out = manifest["encoder"]["input"], manifest["encoder"]["output"]
agg = manifest["aggregator"]
batches = [int(b) for b in args.batches.split(",") if b.strip()]


def session(path, cuda):
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if not cuda:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    cuda_options = {"device_id": args.device_id, "use_tf32": 0}
    try:
        s = ort.InferenceSession(path, options, providers=[("CUDAExecutionProvider", cuda_options), "CPUExecutionProvider"])
    except Exception as ex:  # noqa: BLE001 - ONNX Runtime raises several types here
        fail(f"{path}: ONNX Runtime cannot create a CUDA session on device {args.device_id}: {str(ex).strip().splitlines()[0]}")
    # ONNX Runtime falls back to the CPU when the CUDA provider cannot load (a missing driver, CUDA or cuDNN
    # library): that is a failure here, not a pass.
    if s.get_providers()[0] != "CUDAExecutionProvider":
        fail(f"the CUDA provider of onnxruntime {ort.__version__} did not load (the session runs on {s.get_providers()[0]}): "
             "check nvidia-smi, and that the CUDA and cuDNN versions this onnxruntime-gpu needs are installed "
             "(https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements)")
    return s


try:
    cpu_encoder = session(encoder_file, cuda=False)
    cpu_aggregator = session(aggregator_file, cuda=False)
except Exception as ex:  # noqa: BLE001
    fail(f"{args.model}: ONNX Runtime cannot load the bundle on the CPU: {str(ex).strip().splitlines()[0]}")
gpu_encoder = session(encoder_file, cuda=True)
gpu_aggregator = session(aggregator_file, cuda=True)

rng = np.random.default_rng(args.seed)
if args.features:
    pool = np.load(args.features).astype(np.float32, copy=False)
    if pool.ndim != 3 or pool.shape[1:] != (frames, bins):
        fail(f"{args.features}: shape {pool.shape}, expected [N, {frames}, {bins}] for this bundle")
    source = f"{pool.shape[0]} chunks from {args.features}"
else:
    pool = None
    source = "random normal chunks"


def chunks(batch):
    if pool is None:
        return rng.standard_normal((batch, frames, bins), dtype=np.float32)
    return pool[rng.integers(0, pool.shape[0], size=batch)]


print(f"gpu-check: {args.model} ({manifest.get('name', '?')}), onnxruntime {ort.__version__}, "
      f"cuda:{args.device_id} against CPU ({args.threads} thread{'s' if args.threads != 1 else ''}), {source}")

tolerances = {"embeddings": 1e-3, "probabilities": 1e-4, "logits": 1e-3}
worst = {name: 0.0 for name in tolerances}
for batch in batches:
    x = chunks(batch)
    cpu_emb = cpu_encoder.run([enc_out], {enc_in: x})[0]
    gpu_emb = gpu_encoder.run([enc_out], {enc_in: x})[0]
    worst["embeddings"] = max(worst["embeddings"], float(np.max(np.abs(cpu_emb - gpu_emb))))
    # Aggregator rows: maxChunks embeddings each, the first `valid` of them real, the rest padding (mask 0).
    index = (np.arange(batch)[:, None] + np.arange(max_chunks)[None, :]) % batch
    emb = cpu_emb[index].astype(np.float32)
    valid = rng.integers(1, max_chunks + 1, size=batch)
    mask = (np.arange(max_chunks)[None, :] < valid[:, None]).astype(np.float32)
    feeds = {agg["embeddingsInput"]: emb, agg["maskInput"]: mask}
    names = [agg["probabilitiesOutput"], agg["logitsOutput"]]
    cpu_p, cpu_l = cpu_aggregator.run(names, feeds)
    gpu_p, gpu_l = gpu_aggregator.run(names, feeds)
    worst["probabilities"] = max(worst["probabilities"], float(np.max(np.abs(cpu_p - gpu_p))))
    worst["logits"] = max(worst["logits"], float(np.max(np.abs(cpu_l - gpu_l))))

failed = False
for name, tolerance in tolerances.items():
    ok = worst[name] <= tolerance
    failed |= not ok
    print(f"  {name:<13} max |cuda - cpu| = {worst[name]:.3e}  (tolerance {tolerance:.0e})  {'ok' if ok else 'FAILED'}")


def throughput(sess, batch):
    x = chunks(batch)
    for _ in range(3):
        sess.run([enc_out], {enc_in: x})
    runs = 0
    start = time.perf_counter()
    while True:
        sess.run([enc_out], {enc_in: x})
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds and runs >= 5:
            return runs * batch / elapsed, elapsed / runs * 1000


print("  encoder throughput (chunks/s; ms per run), host-device copies included:")
print(f"  {'batch':>6} {'cpu chunks/s':>14} {'cpu ms':>9} {'cuda chunks/s':>15} {'cuda ms':>9} {'cuda/cpu':>9}")
for batch in batches:
    cpu_rate, cpu_ms = throughput(cpu_encoder, batch)
    gpu_rate, gpu_ms = throughput(gpu_encoder, batch)
    print(f"  {batch:>6} {cpu_rate:>14,.0f} {cpu_ms:>9.3f} {gpu_rate:>15,.0f} {gpu_ms:>9.3f} {gpu_rate / cpu_rate:>8.1f}x")

if failed:
    print("error: CUDA and CPU outputs differ by more than the tolerance (see above)", file=sys.stderr)
    sys.exit(1)
print("gpu-check: CUDA and CPU agree within tolerance")
PY
