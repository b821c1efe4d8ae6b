#!/bin/bash
# Runs conform on each probe given (default: all) and prints agree/DIFF/exit code.
cd "$(dirname "$0")/../.."
for f in "${@:-probes/conn/*.trace}"; do
  for g in $f; do
    out=$(node dist/src/cli/main.js conform "$g" 2>&1); rc=$?
    case $rc in 0) echo "agree $g";; 1) echo "DIFF  $g";; *) echo "rc=$rc $g"; echo "$out" | head -5;; esac
  done
done
