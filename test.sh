#!/usr/bin/env bash
# Builds SerSsl with warnings as errors, runs every test project and prints
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

if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: the test run exited with $test_rc although no test failed" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
