#!/usr/bin/env bash
# Rebuilds the default model bundle (models/default) from a CREMA-D copy: fine-tuning on the training speakers of
# VAVL fold 1 (early stopping and model selection on its development speakers) with the recipe of
# docs/results-crema-d.md, a test of the chosen epoch on fold 1's test speakers (offline, dynamic chunking), export
# to ONNX, and the same test speakers once more through the streaming pipeline (`sers evaluate`, as `sers analyze`
# decides a clip). Every step is seeded; the same machine and thread count give the same model.
#
#   scripts/build-default-model.sh CREMA_D [WORK_DIR]     (default WORK_DIR: .out/default-model, deleted first)
#
# CREMA_D: a CREMA-D copy (AudioWAV/ or AudioOpus/ plus the metadata CSVs); the VAVL fold files are read from
# CREMA_D/folds/vavl unless SERSSL_VAVL_DIR says where they are. The bundled model was built from the Ogg Opus copy.
# Environment: SERS_TRAIN and SERS, commands to use instead of building them (e.g. "dotnet path/sers-train.dll");
# SERSSL_MODEL_OUT, where the bundle goes (default models/default).
# The fine-tuning took 32.5 min on 2 cores (shared with other work) in the five-fold run the bundled model comes
# from; peak memory about 2 GB.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/build-default-model.sh CREMA_D [WORK_DIR]   (CREMA_D: a CREMA-D copy with AudioWAV/ or AudioOpus/)" >&2
  [ $# -ge 1 ] && echo "error: '$1' is not a folder" >&2
  exit 2
fi
crema=$(cd "$1" && pwd)
work=${2:-.out/default-model}
out=${SERSSL_MODEL_OUT:-models/default}
vavl=${SERSSL_VAVL_DIR:-$crema/folds/vavl}
if [ ! -f "$vavl/label_consensus_1.csv" ]; then
  echo "error: no VAVL fold file $vavl/label_consensus_1.csv; set SERSSL_VAVL_DIR to the folder holding label_consensus_1.csv ... label_consensus_5.csv" >&2
  exit 2
fi

if [ -n "${SERS_TRAIN:-}" ]; then
  read -r -a train <<<"$SERS_TRAIN"
else
  dotnet build src/SerSsl.Training -c Release --nologo -v quiet
  train=(dotnet src/SerSsl.Training/bin/Release/net10.0/sers-train.dll)
fi
if [ -n "${SERS:-}" ]; then
  read -r -a sers <<<"$SERS"
else
  dotnet build src/SerSsl.Streaming -c Release --nologo -v quiet
  sers=(dotnet src/SerSsl.Streaming/bin/Release/net10.0/sers.dll)
fi

rm -rf "$work"
mkdir -p "$work"
started=$(date +%s)
step() { printf '\n==> %s\n' "$*" >&2; "$@"; }

# The recipe: 20 epochs on the soft consensus labels, cosine decay after a 1-epoch warm-up, SpecAugment, mixup, a
# weight average with recomputed batch-norm statistics, and the stride-2 encoder of channels 32,64,128,256
# (44.4 MFLOPs per one-second chunk).
step "${train[@]}" finetune --crema-d "$crema" --folds "vavl:$vavl" --fold 1 --out "$work/finetune" --soft-labels \
  --epochs 20 --patience 20 --lr-schedule cosine --warmup-epochs 1 --spec-augment 2,8,2,10 --mixup 0.2 --ema 0.999 \
  --first-stride 2 --channels 32,64,128,256 --seed 1 --cache "$work/cache"
step "${train[@]}" evaluate --checkpoint "$work/finetune" --crema-d "$crema" --folds "vavl:$vavl" --cache "$work/cache" \
  --predictions "$work/offline-test-predictions.csv" --plot "$work/offline-test-confusion.png"
step "${train[@]}" export --checkpoint "$work/finetune" --out "$out" --name sers-default --path-alias "$vavl=CREMA-D/folds/vavl" --path-alias "$crema=CREMA-D"
# The int8 encoder beside the float32 one, calibrated on fold 1's training speakers only (their clips listed from
# the fold file, in the copy's audio folder).
audio=$crema/AudioWAV; ext=wav
if [ -d "$crema/AudioOpus" ]; then audio=$crema/AudioOpus; ext=opus; fi
awk -F, -v dir="$audio" -v ext="$ext" 'NR > 1 { gsub(/\r/, "", $NF); if ($NF == "Train") { sub(/\.wav$/, "." ext, $1); print dir "/" $1 } }' \
  "$vavl/label_consensus_1.csv" >"$work/crema-d-vavl-fold-1-train-clips.txt"
step "${train[@]}" quantize --bundle "$out" --calibration "$work/crema-d-vavl-fold-1-train-clips.txt"
step "${sers[@]}" evaluate --corpus "$crema" --layout crema-d --fold-list "$vavl/label_consensus_1.csv" --split test \
  --model "$out" --out "$work/streaming-test"
step "${sers[@]}" evaluate --corpus "$crema" --layout crema-d --fold-list "$vavl/label_consensus_1.csv" --split test \
  --model "$out" --precision int8 --out "$work/streaming-test-int8"

# How often the streaming path's clip decision agrees with the offline one (clip ids without their extension).
awk -F, 'NR == FNR { if (FNR > 1) offline[$1] = $3; next }
  FNR > 1 { sub(/\.[^.]*$/, "", $1); if ($1 in offline) { n++; same += offline[$1] == $5 } }
  END { printf "streaming and offline decisions agree on %d of %d test clips (%.1f %%)\n", same, n, 100 * same / n }' \
  "$work/offline-test-predictions.csv" "$work/streaming-test/predictions.csv" >&2

printf '\nbuilt %s in %d min; test results in %s (finetune/test-result.json, streaming-test/metrics.json, streaming-test-int8/metrics.json)\n' \
  "$out" $(( ($(date +%s) - started + 30) / 60 )) "$work" >&2
