#!/usr/bin/env bash
# Builds SerSsl with warnings as errors (and, build only, the GPU variant of sers and sers for win-x64 and osx-arm64),
# runs every test project and prints
# "N passed, N failed, N skipped" counted from the TRX results. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

configuration=${SERSSL_CONFIGURATION:-Release}
serssl_require_dotnet
serssl_apt_install "${SERSSL_APT_PACKAGES[@]}"
serssl_npm_install "${SERSSL_NPM_DIRS[@]}"
serssl_restore

serssl_log "building ($configuration, warnings as errors)"
dotnet build SerSsl.sln -c "$configuration" --no-restore --nologo -v quiet -warnaserror -p:ContinuousIntegrationBuild=true

# The GPU variant of sers (docs/adr/0002-onnx-runtime-cpu-default.md): built, never run here (no GPU). It restores
# the CUDA package of ONNX Runtime (about 540 MB, once per package cache) into its own obj/gpu and bin/gpu, so the
# CPU build above is untouched. A failure counts as one failed test. SERSSL_GPU_BUILD=0 skips it, with a warning.
gpu_build_failed=0
if [ "${SERSSL_GPU_BUILD:-1}" = 0 ]; then
  serssl_warn "SERSSL_GPU_BUILD=0: the GPU variant of sers is not built"
else
  serssl_log "building the GPU variant of sers ($configuration, -p:SerSslOnnxRuntime=Gpu, warnings as errors; build only)"
  gpu_started=$SECONDS
  if dotnet build src/SerSsl.Streaming -c "$configuration" --nologo -v quiet -warnaserror \
    -p:SerSslOnnxRuntime=Gpu -p:ContinuousIntegrationBuild=true; then
    serssl_log "GPU variant built in $((SECONDS - gpu_started)) s"
  else
    echo "error: the GPU build of sers (dotnet build src/SerSsl.Streaming -p:SerSslOnnxRuntime=Gpu) failed; its errors are above" >&2
    gpu_build_failed=1
  fi
fi

# sers for Windows (win-x64) and macOS (osx-arm64), build only, never run here: the Windows build compiles and
# restores the WASAPI microphone path (NAudio.Wasapi) and both must find ONNX Runtime's native library for their
# system, so a change that breaks either is caught on Linux. Each RID keeps its own obj/RID and bin/RID
# (Directory.Build.props), so the build above is untouched. About 75-90 s each built from scratch on a busy 2-core
# machine, 5-6 s when nothing changed. A failure counts as one failed test per RID. SERSSL_CROSS_BUILD=0 skips
# them, with a warning.
cross_build_failed=0
if [ "${SERSSL_CROSS_BUILD:-1}" = 0 ]; then
  serssl_warn "SERSSL_CROSS_BUILD=0: sers is not built for win-x64 and osx-arm64"
else
  for rid in win-x64 osx-arm64; do
    case "$rid" in
      win-x64) expected=(sers.exe sers.dll NAudio.Wasapi.dll onnxruntime.dll) ;;
      osx-arm64) expected=(sers sers.dll libonnxruntime.dylib) ;;
    esac
    serssl_log "building sers for $rid ($configuration, -p:SerSslCrossRid=$rid, warnings as errors; build only)"
    cross_started=$SECONDS
    if dotnet build src/SerSsl.Streaming -c "$configuration" --nologo -v quiet -warnaserror \
      -p:SerSslCrossRid="$rid" -p:ContinuousIntegrationBuild=true; then
      out="src/SerSsl.Streaming/bin/$rid/$configuration/net10.0/$rid"
      missing=()
      for file in "${expected[@]}"; do
        [ -f "$out/$file" ] || missing+=("$file")
      done
      if [ ${#missing[@]} -eq 0 ]; then
        serssl_log "sers for $rid built in $((SECONDS - cross_started)) s"
      else
        echo "error: the $rid build of sers lacks ${missing[*]} in $out" >&2
        cross_build_failed=$((cross_build_failed + 1))
      fi
    else
      echo "error: the $rid build of sers (dotnet build src/SerSsl.Streaming -p:SerSslCrossRid=$rid) failed; its errors are above" >&2
      cross_build_failed=$((cross_build_failed + 1))
    fi
  done
fi

results="TestResults/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
serssl_log "running tests (results in $results)"
set +e
timeout --signal=INT --kill-after=60 "${SERSSL_TEST_TIMEOUT:-1500}" \
  dotnet test --solution SerSsl.sln -c "$configuration" --no-build \
  --results-directory "$results" --no-progress
test_rc=$?
set -e

# Count from the TRX files, one per test project (tests/Directory.Build.props names them after the project).
# A project that left none crashed or timed out, and counts as one failure.
passed=0 failed=0 skipped=0
attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"; }
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "error: $name left no results (it crashed or timed out)" >&2
    failed=$((failed + 1))
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$((passed + $(attr passed "$counters")))
  failed=$((failed + $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters")))
  skipped=$((skipped + $(attr notExecuted "$counters")))
done

# Name each failed test with the first lines of its message just above the summary, so the
# last lines of a CI log say what failed without opening the TRX files.
failed_digest() {
  perl -0777 -ne '
    while (/<UnitTestResult [^>]*?testName="([^"]*)"[^>]*?outcome="(?:Failed|Error|Timeout|Aborted)"[^>]*>(.*?)<\/UnitTestResult>/sg) {
      my ($name, $body) = ($1, $2);
      my ($message) = $body =~ /<Message>(.*?)<\/Message>/s;
      $message //= "(no message)";
      for ($name, $message) { s/&quot;/"/g; s/&apos;/\x27/g; s/&lt;/</g; s/&gt;/>/g; s/&#xD;//g; s/&#xA;/\n/g; s/&amp;/&/g; }
      my @lines = grep { /\S/ } split /\n/, $message;
      my $shown = join("\n", map { "    $_" } @lines[0 .. ($#lines < 3 ? $#lines : 3)]);
      print "FAILED $name\n$shown\n";
    }' "$@"
}
if [ "$failed" -gt 0 ]; then
  failed_digest "$results"/*.trx 2>/dev/null | head -n 60 || true
fi

if [ "$gpu_build_failed" -ne 0 ]; then
  echo "error: the GPU build of sers failed (see its errors after the main build); it counts as one failure" >&2
  failed=$((failed + 1))
fi

if [ "$cross_build_failed" -ne 0 ]; then
  echo "error: $cross_build_failed cross-build(s) of sers failed (see their errors after the main build); each counts as one failure" >&2
  failed=$((failed + cross_build_failed))
fi

if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: the test run exited with $test_rc although no test failed" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
