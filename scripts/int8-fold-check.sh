#!/usr/bin/env bash
# The int8 encoder against the float32 one on one VAVL fold: exports a fine-tuned checkpoint to a bundle, quantizes
# its encoder on the fold's training speakers (never its test speakers), and evaluates both precisions through the
# streaming pipeline on the fold's test speakers (`sers evaluate --fold-list`). Prints both macro F1s.
#
#   scripts/int8-fold-check.sh CHECKPOINT_DIR FOLD CREMA_D OUT_DIR
#
# CHECKPOINT_DIR: a finetune --out folder of that fold (e.g. runs/X/finetune/none/fold-2); FOLD: 1 to 5; CREMA_D: a
# CREMA-D copy with AudioOpus/ or AudioWAV/ and folds/vavl (or SERSSL_VAVL_DIR); OUT_DIR: bundle and results.
# Environment: SERS_TRAIN and SERS, commands to use instead of the Release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ] || [ ! -d "$1" ] || [ ! -d "$3" ]; then
  echo "usage: scripts/int8-fold-check.sh CHECKPOINT_DIR FOLD CREMA_D OUT_DIR" >&2
  exit 2
fi
checkpoint=$1 fold=$2 crema=$(cd "$3" && pwd) out=$4
vavl=${SERSSL_VAVL_DIR:-$crema/folds/vavl}
list=$vavl/label_consensus_$fold.csv
[ -f "$list" ] || { echo "error: no fold file $list" >&2; exit 2; }
read -r -a train <<<"${SERS_TRAIN:-dotnet src/SerSsl.Training/bin/Release/net10.0/sers-train.dll}"
read -r -a sers <<<"${SERS:-dotnet src/SerSsl.Streaming/bin/Release/net10.0/sers.dll}"
mkdir -p "$out"
audio=$crema/AudioWAV; ext=wav
if [ -d "$crema/AudioOpus" ]; then audio=$crema/AudioOpus; ext=opus; fi
awk -F, -v dir="$audio" -v ext="$ext" 'NR > 1 { gsub(/\r/, "", $NF); if ($NF == "Train") { sub(/\.wav$/, "." ext, $1); print dir "/" $1 } }' \
  "$list" >"$out/crema-d-vavl-fold-$fold-train-clips.txt"
"${train[@]}" export --checkpoint "$checkpoint" --out "$out/bundle" --name "fold-$fold" >"$out/export.txt"
"${train[@]}" quantize --bundle "$out/bundle" --calibration "$out/crema-d-vavl-fold-$fold-train-clips.txt" >"$out/quantize.txt" 2>"$out/quantize.log"
for precision in fp32 int8; do
  "${sers[@]}" evaluate --corpus "$crema" --layout crema-d --fold-list "$list" --split test --model "$out/bundle" \
    --precision "$precision" --out "$out/test-$precision" 2>/dev/null | grep -E '^accuracy' | sed "s/^/$precision: /"
done
cat "$out/quantize.txt"
