#!/usr/bin/env bash
# Builds conformance/build/harness against the system libssl (Debian libssl-dev
# 3.0.19) with AddressSanitizer. Idempotent; run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$here/build"
# The runtime it shares with the programs of `sslsim emit-c`; expect.c is the programs' own.
runtime=()
for f in "$here"/runtime/*.c; do
    [ "$(basename "$f")" = expect.c ] || runtime+=("$f")
done
gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
    -fsanitize=address -fno-omit-frame-pointer \
    -o "$here/build/harness.tmp.$$" "$here/harness.c" "$here"/src/*.c "${runtime[@]}" \
    -I"$here/src" -I"$here/runtime" \
    -lssl -lcrypto
# Renamed into place: a concurrent build (parallel test workers) never runs a half-written binary.
mv -f "$here/build/harness.tmp.$$" "$here/build/harness"
echo "built $here/build/harness"
