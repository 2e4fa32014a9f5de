#!/usr/bin/env bash
# Runs the bundled C client guest (WasmEdge socket ABI) against a line-echo peer on 127.0.0.1.
# Needs only a JDK: builds the launcher first if it is not built yet. No outside network.
#
# Usage: runtime-host/examples/echo-client.sh [MESSAGE]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
jar="$root/runtime-host/target/wasi-sockets.jar"
guest="$root/guest-fixtures/src/main/resources/fixtures/c/wasmedge_tcp_client.wasm"
message="${1:-hello from a wasm guest}"

if [ ! -f "$jar" ]; then
  echo "Building the launcher (./mvnw package)..." >&2
  (cd "$root" && ./mvnw -q -B -DskipTests package)
fi

# Start the peer; it prints the port it got.
coproc PEER { exec java "$root/runtime-host/examples/LineEchoServer.java"; }
trap 'kill "$PEER_PID" 2>/dev/null || true' EXIT
read -r port <&"${PEER[0]}"
echo "peer listening on 127.0.0.1:$port" >&2

# The guest may connect to the peer and nowhere else.
java -jar "$jar" run --allow-connect "127.0.0.1:$port" "$guest" 127.0.0.1 "$port" "$message"
