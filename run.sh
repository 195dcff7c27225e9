#!/usr/bin/env bash
# The main job: builds sers and runs live emotion recognition with the bundled default model
# (models/default): from the microphone when a PulseAudio/PipeWire capture source exists, else from the
# bundled demo recording (samples/demo.wav) played in real time.
#
#   ./run.sh                      # microphone if there is one, else the demo recording
#   ./run.sh path/to/file.wav     # a recording of your own, in real time
#   ./run.sh -- --smoothing 0.6   # extra options for `sers listen` after --
#
# The session is also served: gRPC on 127.0.0.1:50051 and the dashboard, a web page, on the URL it prints
# (http://127.0.0.1:50052/); `./run.sh -- --port 6000` moves both (6000 and 6001).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

serssl_require_dotnet
serssl_apt_install "${SERSSL_APT_PACKAGES[@]}"
serssl_restore

serssl_log "building sers (Release)"
dotnet build src/SerSsl.Streaming -c Release --no-restore --nologo -v quiet
sers=(dotnet "src/SerSsl.Streaming/bin/Release/net10.0/sers.dll")

recording=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  recording=$1
  shift
fi
[ "${1:-}" = "--" ] && shift

if [ -z "$recording" ]; then
  # A capture source that is not the monitor of an output means a microphone or line input.
  if "${sers[@]}" devices --format json 2>/dev/null | grep -Eq '"isMonitor": *false'; then
    serssl_log "sers listen: live from the default microphone (Ctrl+C to stop)"
    exec "${sers[@]}" listen --source mic --serve "$@"
  fi
  recording=samples/demo.wav
  serssl_log "no microphone found (no PulseAudio/PipeWire capture source): playing the demo recording $recording in real time"
fi

if [ ! -f "$recording" ]; then
  echo "error: no such recording: $recording" >&2
  exit 2
fi
serssl_log "sers listen --source file:$recording (Ctrl+C to stop)"
exec "${sers[@]}" listen --source "file:$recording" --serve "$@"
