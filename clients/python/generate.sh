#!/usr/bin/env bash
# Regenerates serssl/v1/*_pb2.py and *_pb2_grpc.py from src/SerSsl.Protos/Protos with Debian's python3-grpc-tools.
# Its protoc (3.5) predates proto3 `optional`, so the fields marked optional are rewritten first into the one-field
# oneof they stand for on the wire (`oneof _name { ... }`): presence (HasField) works the same.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
protos="$here/../../src/SerSsl.Protos/Protos"
out=${1:-$here}
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/serssl/v1" "$out/serssl/v1"
for proto in estimates recognizer; do
  sed -E 's/^(\s*)optional (\S+) (\S+) = ([0-9]+);/\1oneof _\3 { \2 \3 = \4; }/' "$protos/serssl/v1/$proto.proto" > "$work/serssl/v1/$proto.proto"
done
include=$("$python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')
"$python" -m grpc_tools.protoc -I"$work" -I"$include" --python_out="$out" --grpc_python_out="$out" \
  serssl/v1/estimates.proto serssl/v1/recognizer.proto
touch "$out/serssl/__init__.py" "$out/serssl/v1/__init__.py"
