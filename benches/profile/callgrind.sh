#!/bin/bash
# Instruction counts of one server for a fixed load, repeatable on a busy machine.
#
#   benches/profile/callgrind.sh BIN N [PATH]
#
# BIN is bench-server, bench-axum or bench-hyper (built with `cargo build --release -p
# h3rs-benches`); N requests to PATH (default /plaintext) on one keep-alive connection, or on
# $CONNS connections when set, each sending again as soon as its answer is back (as the bench
# does); or N WebSocket echoes of a 32-byte text frame when PATH is /ws (one socket) or /ws64
# (64 sockets); or N events of /sse?ms=1 over $CONNS streams (default 200) when PATH is /sse,
# which saturates the server under valgrind as the bench's sse-1ms does. The server runs under
# valgrind on core 0 (one tokio worker); the client is Python on the other core. Prints the
# total; the profile is left in target/callgrind.BIN.out for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$1; n=$2; path=${3:-/plaintext}
port=$((20000 + RANDOM % 20000))
out=target/callgrind.$bin.out
rm -f "$out"*
PORT=$port WS_READ_BUF=8192 taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "target/release/$bin" > "target/callgrind.$bin.log" 2>&1 &
pid=$!
if [ "$path" = /ws ]; then
    taskset -c 1 python3 benches/profile/ws_load.py "$port" "$n"
elif [ "$path" = /ws64 ]; then
    taskset -c 1 python3 benches/profile/closed_loop.py "$port" "$n" 64 /ws
elif [ "$path" = /sse ]; then
    taskset -c 1 python3 benches/profile/sse_load.py "$port" "$n" "${CONNS:-200}" 1
elif [ "${CONNS:-1}" -gt 1 ]; then
    taskset -c 1 python3 benches/profile/closed_loop.py "$port" "$n" "$CONNS" "$path"
else
    taskset -c 1 python3 benches/profile/http_load.py "$port" "$n" "$path"
fi
callgrind_control -d "$pid" > /dev/null 2>&1
sleep 1
kill -9 "$pid"; wait "$pid" 2> /dev/null || true
callgrind_annotate "$(ls -t "$out"* | head -1)" 2> /dev/null | grep -m1 "PROGRAM TOTALS"
