#!/usr/bin/env bash
# Before/after of a core change: two evbase jars side by side, alternating, echo cases and idle memory.
#   bench/ab.sh BEFORE.jar AFTER.jar [rounds]     (build the bench classes first: ./mvnw -Pbench -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; ROUNDS=${3:-3}
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
OUT=$(mktemp -d /tmp/evbase-ab.XXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
start() { # jar port
  (cd "$OUT" && exec java -Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m -jar "$1" --evbase.workers=2 --server.port=0 \
    --evbase.listeners.echo.port="$2" --evbase.listeners.echo.protocol=echo --evbase.listeners.echo.bind-address=127.0.0.1 \
    --evbase.listeners.echo.max-connections=19000) > "$OUT/$2.log" 2>&1 &
  PIDS+=($!)
}
start "$(realpath "$A")" 27301; PA=${PIDS[-1]}
start "$(realpath "$B")" 27302; PB=${PIDS[-1]}
for p in 27301 27302; do for i in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done; done
lg() { java -cp "$CP" io.evbase.bench.LoadGen "$@" 2>/dev/null | grep RESULT | sed 's/RESULT //'; }
for p in 27301 27302; do lg --mode pipeline --port $p --conns 16 --size 512 --warmup 0 --duration 2 >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
  for c in "pingpong 64 32" "pipeline 64 16" "pipeline 16384 16"; do
    set -- $c
    echo "A $1/$2 $(lg --mode $1 --size $2 --conns $3 --port 27301 --warmup 1 --duration 3 --server-pid $PA | grep -o 'ops_per_s=[0-9]*\|p99_us=[0-9.]*\|server_cpu_us_per_op=[0-9.]*' | tr '\n' ' ')"
    echo "B $1/$2 $(lg --mode $1 --size $2 --conns $3 --port 27302 --warmup 1 --duration 3 --server-pid $PB | grep -o 'ops_per_s=[0-9]*\|p99_us=[0-9.]*\|server_cpu_us_per_op=[0-9.]*' | tr '\n' ' ')"
  done
  echo "A churn $(lg --mode churn --request 'x\n' --conns 16 --port 27301 --warmup 0.5 --duration 3 --server-pid $PA | grep -o 'ops_per_s=[0-9]*\|p99_us=[0-9.]*\|server_cpu_us_per_op=[0-9.]*' | tr '\n' ' ')"
  echo "B churn $(lg --mode churn --request 'x\n' --conns 16 --port 27302 --warmup 0.5 --duration 3 --server-pid $PB | grep -o 'ops_per_s=[0-9]*\|p99_us=[0-9.]*\|server_cpu_us_per_op=[0-9.]*' | tr '\n' ' ')"
done
echo "A idle $(lg --mode idle --port 27301 --conns 10000 --server-pid $PA --jvm true --request 'x\n' | grep -o 'heap_per_conn=[0-9]*\|direct_per_conn=[0-9-]*\|rss_per_conn=[0-9-]*' | tr '\n' ' ')"
echo "B idle $(lg --mode idle --port 27302 --conns 10000 --server-pid $PB --jvm true --request 'x\n' | grep -o 'heap_per_conn=[0-9]*\|direct_per_conn=[0-9-]*\|rss_per_conn=[0-9-]*' | tr '\n' ' ')"
