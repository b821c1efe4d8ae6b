#!/usr/bin/env bash
# Shows, statement by statement, every SSL_SESSION libssl creates and destroys
# (with the call chain that did it) and every callback, for a protocol file:
#
#   conformance/trace-objects.sh conformance/fixtures/v10-tls13-default.proto
#
# libssl's internal functions are not exported, so they print as
# libssl.so.3+OFFSET; the exported ones (SSL_SESSION_new, d2i_SSL_SESSION,
# SSL_SESSION_free, SSL_read, ...) are named.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -x "$here/build/harness" ] || "$here/build.sh" >/dev/null
HARNESS_TRACE_OBJECTS=1 HARNESS_VERBOSE=1 "$here/build/harness" <"${1:-/dev/stdin}" 2>&1 >/dev/null |
python3 -c '
import re, sys
skip = {"__sanitizer_print_stack_trace", "trace", "obj_created", "on_new", "obj_destroyed",
        "on_free", "CRYPTO_free_ex_data", "run_statement", "worker_main", "main",
        "__libc_start_call_main", "__libc_start_main_impl", "_start", "step_side", "handshake_step"}
cur = None
def flush():
    global cur
    if cur:
        print(cur[0] + ("  <= " + " < ".join(cur[1]) if cur[1] else ""))
    cur = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("@@trace") or line.startswith("@@step"):
        flush()
        if line.startswith("@@step"):
            print(line)
        else:
            cur = [line[len("@@trace "):], []]
        continue
    m = re.match(r"\s+#\d+ 0x[0-9a-f]+ (?:in (\S+)|\s*\((\S+)\))", line)
    if cur is not None and m:
        name = m.group(1) or m.group(2)
        if name in skip or (name.startswith("/") and "libcrypto" in name):
            continue
        cur[1].append(re.sub(r".*/", "", name))
flush()
'
