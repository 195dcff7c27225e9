#!/usr/bin/env bash
# Rebuilds the default model bundle (models/default) from nothing, on synthetic corpora only:
# synthetic speech in the CREMA-D layout and a synthetic audiovisual corpus (espeak-ng), self-supervised
# pre-training on all three pretext tasks, fine-tuning on one speaker-independent partition, export.
# Every step is seeded; the same machine and thread count give the same model.
#
#   scripts/build-default-model.sh [WORK_DIR]     (default WORK_DIR: .out/default-model, deleted first)
#
# Environment: SERS_TRAIN, a sers-train command to use instead of building one (e.g. "dotnet path/sers-train.dll");
# SERSSL_MODEL_OUT, where the bundle goes (default models/default).
# Takes about 20-25 minutes on a 2-core machine; needs espeak-ng (apt-get install espeak-ng).
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-.out/default-model}
out=${SERSSL_MODEL_OUT:-models/default}

if [ -n "${SERS_TRAIN:-}" ]; then
  read -r -a train <<<"$SERS_TRAIN"
else
  dotnet build src/SerSsl.Training -c Release --nologo -v quiet
  train=(dotnet src/SerSsl.Training/bin/Release/net10.0/sers-train.dll)
fi

rm -rf "$work"
mkdir -p "$work"
step() { printf '\n==> sers-train %s\n' "$*" >&2; "${train[@]}" "$@"; }

# 32 synthetic actors x 12 sentences x 6 emotions (2,624 clips) and 1 h of synthetic audiovisual clips.
step synth speech --out "$work/speech" --actors 32 --seed 11
step synth av --out "$work/av" --hours 1 --seed 11
# The default architecture (channels 16,32,64,128, D = 128, gated attention over chunks).
step pretrain --unlabeled "$work/av" --tasks all --out "$work/pretrain" --epochs 10 --seed 5 --cache "$work/cache"
step finetune --crema-d "$work/speech" --init "$work/pretrain" --partition 0 --out "$work/finetune" \
  --epochs 20 --patience 5 --seed 5 --cache "$work/cache"
step export --checkpoint "$work/finetune" --out "$out" --name sers-default
