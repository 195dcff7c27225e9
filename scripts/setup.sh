#!/usr/bin/env bash
# Shared set-up for ./run.sh and ./test.sh: checks the .NET SDK, installs missing Debian packages
# (as root, or through sudo when available) and restores NuGet packages. Source it; don't run it.

serssl_log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
serssl_warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }

serssl_require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK is not on PATH. Install the .NET 10 SDK (https://dot.net) and run this again." >&2
    exit 2
  fi
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  if [ -z "$major" ] || [ "$major" -lt 10 ]; then
    echo "error: SerSsl needs the .NET 10 SDK; 'dotnet --version' says '$(dotnet --version 2>/dev/null)'." >&2
    exit 2
  fi
}

# serssl_apt_install PKG... : installs the Debian packages that are not installed yet.
# Without root or sudo, or without apt-get, it warns and goes on: tests that need them skip.
serssl_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    serssl_warn "apt-get not found; please install: ${missing[*]}"
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      serssl_warn "not root and no password-less sudo; please install: ${missing[*]}"
      return 0
    fi
  fi
  serssl_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || serssl_warn "could not install: ${missing[*]} (tests that need them will skip)"
  fi
}

# Debian packages the project uses at run time or in tests.
# alsa-utils: its /usr/share/sounds/alsa/*.wav are real recorded speech used by tests and the demo.
# chromium: the browser the dashboard test drives (Playwright with /usr/bin/chromium; it never downloads its own).
# espeak-ng: the speech synthesiser behind `sers-train synth` (synthetic emotional speech for tests and demos).
# fonts-dejavu-core: a sans-serif font for the PNG plots (results, training curves, confusion matrices).
# opus-tools: opusenc and opusdec, which the Ogg Opus tests encode with and compare against (libopus itself).
# libpulse0: libpulse.so.0 and libpulse-simple.so.0, the client libraries behind the microphone source and `sers devices`.
# pulseaudio: the sound server; tests start a private daemon with a null sink to capture from without hardware.
# pulseaudio-utils: paplay, which the tests use to play a recording into that null sink.
# python3-grpcio, python3-protobuf: what the Python client in clients/python runs on (its test skips without them).
# python3-grpc-tools: the code generator of clients/python/generate.sh; a test checks the checked-in code matches it.
SERSSL_APT_PACKAGES=(alsa-utils chromium espeak-ng fonts-dejavu-core libpulse0 opus-tools pulseaudio pulseaudio-utils python3-grpc-tools python3-grpcio python3-protobuf)

serssl_restore() {
  serssl_log "restoring NuGet packages"
  dotnet restore SerSsl.sln --nologo -v quiet
}

# serssl_npm_install DIR... : installs the npm packages of each folder (its package-lock.json) when missing.
# Without npm it warns and goes on: the tests that need those packages skip with the reason.
serssl_npm_install() {
  local dir
  for dir in "$@"; do
    [ -f "$dir/node_modules/.package-lock.json" ] && continue
    if ! command -v npm >/dev/null 2>&1; then
      serssl_warn "npm not found; tests that need the npm packages of $dir will skip (install Node.js and npm)"
      continue
    fi
    serssl_log "installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) \
      || serssl_warn "npm could not install the packages of $dir (tests that need them will skip)"
  done
}

# npm packages the tests use: Silero VAD's ONNX models (inside @ricky0123/vad-web) for `--vad silero:PATH`;
# @grpc/grpc-js and @grpc/proto-loader for the Node gRPC client in tests/clients/node.
SERSSL_NPM_DIRS=(tests/silero-vad tests/clients/node)
