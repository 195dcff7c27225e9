#!/usr/bin/env bash
# The main job: builds sers and runs it. Until the streaming engine lands, this shows the command
# line and analyses a real speech recording with the shared audio and feature core.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

serssl_require_dotnet
serssl_apt_install "${SERSSL_APT_PACKAGES[@]}"
serssl_restore

serssl_log "building sers (Release)"
dotnet build src/SerSsl.Streaming -c Release --no-restore --nologo -v quiet
sers=(dotnet "src/SerSsl.Streaming/bin/Release/net10.0/sers.dll")

"${sers[@]}" --help
demo=${1:-/usr/share/sounds/alsa/Front_Center.wav}
if [ -f "$demo" ]; then
  serssl_log "sers inspect $demo"
  "${sers[@]}" inspect "$demo"
else
  serssl_warn "no demo recording at $demo; pass a WAV file: ./run.sh path/to/file.wav"
fi
