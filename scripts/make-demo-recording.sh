#!/usr/bin/env bash
# Rebuilds samples/demo.wav, the recording ./run.sh plays when no microphone is available: one synthetic speaker
# (espeak-ng through `sers-train synth speech`) saying "That is exactly what happened" as neutral, happy, angry, sad,
# fearful and disgusted, with 0.7 s of silence between the takes. 16 kHz mono 16-bit, about 21 s.
# Needs espeak-ng and sox. The output is synthetic speech, not a recording of a person.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-samples/demo.wav}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build src/SerSsl.Training -c Release -nologo -v q -o "$work/bin" >/dev/null
dotnet "$work/bin/sers-train.dll" synth speech --out "$work/speech" --actors 1 --sentences TIE --seed 20261124 >/dev/null
sox -n -r 16000 -c 1 -b 16 "$work/pause.wav" trim 0 0.7
clips=()
for emotion in NEU HAP ANG SAD FEA DIS; do
  clips+=("$work/speech/AudioWAV/1001_TIE_${emotion}_XX.wav" "$work/pause.wav")
done
unset 'clips[${#clips[@]}-1]'
mkdir -p "$(dirname "$out")"
sox "${clips[@]}" -r 16000 -c 1 -b 16 "$out"
echo "wrote $out ($(soxi -D "$out") s)"
