#!/usr/bin/env bash
# evbase side-by-side benchmarks: echo vs Netty (NIO and epoll), memcache vs memcached (memcaslap and the
# project's load generator), connection churn, memory per idle connection, dispatch policies under uneven load,
# the cost of the loop accounting, JMH microbenchmarks.
#
#   bench/run.sh            full run (about 15 minutes on 2 cores, build included)
#   bench/run.sh --quick    short run (about 7 minutes): fewer rounds and cases, shorter runs
#   options: --rounds N  --only echo,memcache,churn,idle,dispatch,accounting,jmh  --no-build  --workers N
#
# Every server runs at once on its own loopback port, started once; the client alternates between them
# (A B A B ...) for several rounds after a warm-up. Each run reports throughput, latency percentiles and the
# server's CPU time per operation (utime+stime from /proc/PID/stat), which is far steadier than throughput on a
# shared machine. Writes BENCHMARKS.md (machine, date, commit, medians, ratios evbase/peer) and
# bench/results/<time>/ (raw results and logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# The peers come from Debian's packages; on a fresh machine install them (as root), as .ci/run does.
if { ! command -v memcached || ! command -v memcaslap; } >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && command -v apt-get >/dev/null 2>&1; then
  echo "installing memcached and libmemcached-tools (the memcache peers)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends memcached libmemcached-tools \
    || echo "could not install them: the memcache benchmarks will be skipped"
fi

QUICK=0
ROUNDS=""
ONLY="echo,memcache,churn,idle,dispatch,accounting,jmh"
BUILD=1
WORKERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-build) BUILD=0 ;;
    --workers) WORKERS=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  ROUNDS=${ROUNDS:-2}; DUR=2; WARM=1; SIZES="64 16384"; MC_CONNS="32"; MC_DUR=2; IDLE_CONNS=10000
  D_LIGHT=100; D_REQUESTS=10; ACC_ROUNDS=5000000; ACC_SECONDS=4
else
  ROUNDS=${ROUNDS:-3}; DUR=3; WARM=1; SIZES="64 1024 16384"; MC_CONNS="16 32 64"; MC_DUR=3; IDLE_CONNS=10000
  D_LIGHT=200; D_REQUESTS=20; ACC_ROUNDS=20000000; ACC_SECONDS=10
fi
want() { [[ ",$ONLY," == *",$1,"* ]]; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
RAW="$OUT/raw.txt"
: > "$RAW"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
START_SECONDS=$SECONDS

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
  log "building target/evbase.jar and the benchmark classes (./mvnw -Pbench -DskipTests package)"
  ./mvnw -q -B -ntp -Pbench -DskipTests package > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
fi
CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/bench.classpath")"
JVM_SERVER_OPTS="-Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m"
LOADGEN=(java -Xmx1g -XX:+UseParallelGC -cp "$CP" io.evbase.bench.LoadGen)

HAS_MEMCACHE=0
# grep -c reads all of unzip's output: an early-exiting grep -q would fail the pipeline (SIGPIPE, pipefail).
if [ "$(unzip -Z1 target/evbase.jar 2>/dev/null | grep -c 'io/evbase/protocol/memcache/MemcacheHandler.class')" -gt 0 ]; then
  HAS_MEMCACHE=1
fi

# ---------------------------------------------------------------- servers
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # first free loopback port at or above $1
  local p=$1
  while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
wait_port() { # port pid name
  local i
  for i in $(seq 1 600); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then log "$3 died at start; see $OUT/$3.log"; tail -20 "$OUT/$3.log" >&2; return 1; fi
    sleep 0.1
  done
  log "$3 did not open port $1 within 60 s"; return 1
}
cpu_ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
user_ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] }' "/proc/$1/stat"; }

P_EVB_ECHO=$(free_port 27007)
P_EVB_MC=$(free_port $((P_EVB_ECHO + 1)))
P_NIO=$(free_port $((P_EVB_MC + 1)))
P_EPOLL=$(free_port $((P_NIO + 1)))
P_MEMCD=$(free_port $((P_EPOLL + 1)))

start_evbase() {
  local args=(--evbase.workers="$WORKERS" --server.port=0
    --evbase.listeners.echo.port="$P_EVB_ECHO" --evbase.listeners.echo.protocol=echo
    --evbase.listeners.echo.bind-address=127.0.0.1 --evbase.listeners.echo.max-connections=19000)
  if [ "$HAS_MEMCACHE" = 1 ]; then
    args+=(--evbase.listeners.memcache.port="$P_EVB_MC" --evbase.listeners.memcache.protocol=memcache
      --evbase.listeners.memcache.bind-address=127.0.0.1 --evbase.listeners.memcache.max-connections=19000)
  fi
  # From an empty directory, so that no application.yml adds listeners of its own.
  mkdir -p "$OUT/evbase-cwd"
  (cd "$OUT/evbase-cwd" && exec java $JVM_SERVER_OPTS -jar "$ROOT/target/evbase.jar" "${args[@]}") > "$OUT/evbase.log" 2>&1 &
  EVB_PID=$!; PIDS+=("$EVB_PID")
}
start_netty() { # transport port
  java $JVM_SERVER_OPTS -cp "$CP" io.evbase.bench.NettyEchoServer --port "$2" --loops "$WORKERS" --transport "$1" \
    > "$OUT/netty-$1.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  if [ "$1" = nio ]; then NIO_PID=$pid; else EPOLL_PID=$pid; fi
}
start_memcached() {
  memcached $( [ "$(id -u)" = 0 ] && echo "-u root" ) -t "$WORKERS" -p "$P_MEMCD" -U 0 -l 127.0.0.1 -m 64 -c 19000 > "$OUT/memcached.log" 2>&1 &
  MEMCD_PID=$!; PIDS+=("$MEMCD_PID")
}

NEED_NETTY=0; NEED_MEMCD=0
{ want echo || want idle; } && NEED_NETTY=1
{ want memcache || want churn || want idle; } && NEED_MEMCD=1
if want echo || want memcache || want churn || want idle; then
  log "starting evbase ($WORKERS loops) on $P_EVB_ECHO (echo)$([ $HAS_MEMCACHE = 1 ] && echo " and $P_EVB_MC (memcache)")"
  start_evbase
  if [ "$NEED_NETTY" = 1 ]; then
    log "starting Netty echo (NIO on $P_NIO, epoll on $P_EPOLL, $WORKERS loops each)"
    start_netty nio "$P_NIO"; start_netty epoll "$P_EPOLL"
  fi
  if [ "$NEED_MEMCD" = 1 ]; then
    if command -v memcached >/dev/null; then
      log "starting memcached -t $WORKERS on $P_MEMCD"; start_memcached
    else
      log "memcached is not installed (Debian package memcached): memcached comparisons are skipped"; NEED_MEMCD=0
    fi
  fi
  if ! wait_port "$P_EVB_ECHO" "$EVB_PID" evbase; then
    if [ "$HAS_MEMCACHE" = 1 ] && grep -q 'protocol=memcache names no ProtocolHandler bean' "$OUT/evbase.log"; then
      log "this evbase build has the memcache classes but no memcache protocol bean: restarting evbase without it"
      HAS_MEMCACHE=0; mv "$OUT/evbase.log" "$OUT/evbase-failed.log"; start_evbase
      wait_port "$P_EVB_ECHO" "$EVB_PID" evbase
    else
      exit 1
    fi
  fi
  [ "$NEED_NETTY" = 1 ] && { wait_port "$P_NIO" "$NIO_PID" netty-nio; wait_port "$P_EPOLL" "$EPOLL_PID" netty-epoll; }
  [ "$NEED_MEMCD" = 1 ] && wait_port "$P_MEMCD" "$MEMCD_PID" memcached
  MC_OK=0
  if [ "$HAS_MEMCACHE" = 1 ] && wait_port "$P_EVB_MC" "$EVB_PID" evbase \
      && [ "$(printf 'version\r\n' | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_EVB_MC; cat >&3; head -c 7 <&3")" = "VERSION" ]; then
    MC_OK=1
  fi
fi

record() { # bench case server round RESULT-line
  local line="bench=$1 case=$2 server=$3 round=$4 ${5#RESULT }"
  echo "$line" >> "$RAW"
  log "  $line"
}
skip() { echo "bench=$1 skipped=$(echo "$2" | tr ' ' '_')" >> "$RAW"; log "SKIPPED $1: $2"; }
loadgen() { "${LOADGEN[@]}" "$@" 2>>"$OUT/loadgen.log" | grep '^RESULT' || { log "load generator failed: $*"; tail -5 "$OUT/loadgen.log" >&2; echo "RESULT failed=1"; }; }

# ---------------------------------------------------------------- echo
if want echo; then
  ECHO_SERVERS=("evbase:$P_EVB_ECHO:$EVB_PID" "netty-nio:$P_NIO:$NIO_PID" "netty-epoll:$P_EPOLL:$EPOLL_PID")
  log "echo: warm-up"
  for s in "${ECHO_SERVERS[@]}"; do
    IFS=: read -r name port pid <<<"$s"
    loadgen --mode pipeline --port "$port" --conns 16 --size 512 --warmup 0 --duration 2 >/dev/null
    loadgen --mode pingpong --port "$port" --conns 32 --size 1024 --warmup 0 --duration 1 >/dev/null
  done
  for r in $(seq 1 "$ROUNDS"); do
    log "echo: round $r/$ROUNDS"
    for size in $SIZES; do
      for m in pingpong pipeline; do
        conns=32; [ "$m" = pipeline ] && conns=16
        for s in "${ECHO_SERVERS[@]}"; do
          IFS=: read -r name port pid <<<"$s"
          res=$(loadgen --mode "$m" --port "$port" --conns "$conns" --size "$size" --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
          record echo "$m/${size}B/${conns}c" "$name" "$r" "$res"
        done
      done
    done
  done
fi

# ---------------------------------------------------------------- memcache
memcaslap_run() { # name port pid conns get_ratio round
  local cfg="$OUT/memcaslap-$5.cfg"
  local set_ratio
  set_ratio=$(awk -v g="$5" 'BEGIN { printf "%.2f", 1 - g }')
  printf 'key\n32 32 1\nvalue\n100 100 1\ncmd\n0 %s\n1 %s\n' "$set_ratio" "$5" > "$cfg"
  local c0 c1 out tps
  local u0 u1
  c0=$(cpu_ticks "$3"); u0=$(user_ticks "$3")
  out=$(memcaslap -s "127.0.0.1:$2" -F "$cfg" -T 1 -c "$4" -t "${MC_DUR}s" -w 1k 2>&1 || true)
  c1=$(cpu_ticks "$3"); u1=$(user_ticks "$3")
  echo "$out" >> "$OUT/memcaslap.log"
  tps=$(echo "$out" | awk '/^Run time:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") print $(i + 1) }' | tail -1)
  local ops
  ops=$(echo "$out" | awk '/^Run time:/ { for (i = 1; i <= NF; i++) if ($i == "Ops:") print $(i + 1) }' | tail -1)
  local cpu_per_op="NaN"
  [ -n "$ops" ] && [ "$ops" -gt 0 ] && cpu_per_op=$(awk -v a="$c0" -v b="$c1" -v o="$ops" 'BEGIN { printf "%.3f", (b - a) * 10000 / o }')
  local user_pct
  user_pct=$(awk -v a="$c0" -v b="$c1" -v x="$u0" -v y="$u1" 'BEGIN { if (b > a) printf "%.0f", 100 * (y - x) / (b - a); else print "NaN" }')
  record memcaslap "get${5}/${4}c" "$1" "$6" "RESULT ops_per_s=${tps:-NaN} ops=${ops:-0} server_cpu_us_per_op=$cpu_per_op server_user_pct=$user_pct"
}
if want memcache; then
  if [ "$NEED_MEMCD" != 1 ]; then
    skip memcache "memcached is not installed"
  elif [ "$MC_OK" != 1 ]; then
    skip memcache "no memcache listener answers in this evbase build (io.evbase.protocol.memcache.MemcacheHandler not in target/evbase.jar)"
  elif ! command -v memcaslap >/dev/null; then
    skip memcaslap "memcaslap is not installed (Debian package libmemcached-tools)"
  else
    MC_SERVERS=("evbase:$P_EVB_MC:$EVB_PID" "memcached:$P_MEMCD:$MEMCD_PID")
    log "memcache: warm-up (the JVM's JIT is still compiling the memcache paths for a few seconds)"
    printf 'key\n32 32 1\nvalue\n100 100 1\ncmd\n0 0.5\n1 0.5\n' > "$OUT/memcaslap-warmup.cfg"
    for s in "${MC_SERVERS[@]}"; do
      IFS=: read -r name port pid <<<"$s"
      memcaslap -s "127.0.0.1:$port" -F "$OUT/memcaslap-warmup.cfg" -T 1 -c 32 -t 5s -w 1k >/dev/null 2>&1 || true
    done
    for r in $(seq 1 "$ROUNDS"); do
      log "memcache: memcaslap round $r/$ROUNDS"
      for g in 0.9 0.5; do
        for c in $MC_CONNS; do
          for s in "${MC_SERVERS[@]}"; do
            IFS=: read -r name port pid <<<"$s"
            memcaslap_run "$name" "$port" "$pid" "$c" "$g" "$r"
          done
        done
      done
    done
    # Latency percentiles at a fixed rate: half the lower of the two closed-loop maxima, the same for both.
    declare -A MAXOPS
    for r in $(seq 1 "$ROUNDS"); do
      log "memcache: load generator, closed loop, round $r/$ROUNDS"
      for s in "${MC_SERVERS[@]}"; do
        IFS=: read -r name port pid <<<"$s"
        res=$(loadgen --mode memcache --port "$port" --conns 32 --get-ratio 0.9 --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
        record memcache-max "get0.9/32c" "$name" "$r" "$res"
        v=$(echo "$res" | sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p')
        MAXOPS[$name]="${MAXOPS[$name]:-} ${v:-0}"
      done
    done
    RATE=$(for n in "${!MAXOPS[@]}"; do echo "${MAXOPS[$n]}" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; done | sort -n | head -1)
    RATE=$((RATE / 2))
    for r in $(seq 1 "$ROUNDS"); do
      log "memcache: load generator at $RATE requests/s, round $r/$ROUNDS"
      for s in "${MC_SERVERS[@]}"; do
        IFS=: read -r name port pid <<<"$s"
        res=$(loadgen --mode memcache --port "$port" --conns 32 --get-ratio 0.9 --rate "$RATE" --warmup 2 --duration "$DUR" --server-pid "$pid")
        record memcache-rate "get0.9/32c/${RATE}rps" "$name" "$r" "$res"
      done
    done
  fi
fi

# ---------------------------------------------------------------- churn
if want churn; then
  if [ "$NEED_MEMCD" != 1 ]; then
    skip churn "memcached is not installed"
  else
    if [ "$MC_OK" = 1 ]; then EVB_CHURN="evbase:$P_EVB_MC:$EVB_PID"; CH_CASE="memcache-version"; else
      EVB_CHURN="evbase:$P_EVB_ECHO:$EVB_PID"; CH_CASE="version-line(evbase-echo)"
      log "churn: no evbase memcache listener; evbase answers through its echo listener (same one line in, one line out)"
    fi
    for r in $(seq 0 "$ROUNDS"); do
      [ "$r" = 0 ] && log "churn: warm-up" || log "churn: round $r/$ROUNDS"
      for s in "$EVB_CHURN" "memcached:$P_MEMCD:$MEMCD_PID"; do
        IFS=: read -r name port pid <<<"$s"
        res=$(loadgen --mode churn --port "$port" --conns 16 --warmup 0.5 --duration "$([ "$r" = 0 ] && echo 1 || echo "$DUR")" --server-pid "$pid")
        [ "$r" = 0 ] || record churn "$CH_CASE/16c" "$name" "$r" "$res"
      done
    done
  fi
fi

# ---------------------------------------------------------------- idle
if want idle; then
  log "idle: $IDLE_CONNS connections to each server"
  res=$(loadgen --mode idle --port "$P_EVB_ECHO" --conns "$IDLE_CONNS" --server-pid "$EVB_PID" --jvm true --request 'x\n')
  record idle "${IDLE_CONNS}c" evbase 1 "$res"
  res=$(loadgen --mode idle --port "$P_NIO" --conns "$IDLE_CONNS" --server-pid "$NIO_PID" --jvm true --request 'x\n')
  record idle "${IDLE_CONNS}c" netty-nio 1 "$res"
  if [ "$NEED_MEMCD" = 1 ]; then
    res=$(loadgen --mode idle --port "$P_MEMCD" --conns "$IDLE_CONNS" --server-pid "$MEMCD_PID" --request 'version\r\n')
    record idle "${IDLE_CONNS}c" memcached 1 "$res"
  fi
fi

cleanup
PIDS=()

# ---------------------------------------------------------------- dispatch
# In-process (DispatchBench): two loops, a hot client keeping loop 0 busy with pipelined work, light clients
# connecting one by one; per policy the light clients' latency and the loops' busy ratios. Policies alternate.
if want dispatch; then
  for r in $(seq 1 "$ROUNDS"); do
    log "dispatch: round $r/$ROUNDS ($D_LIGHT light clients, $D_REQUESTS requests each)"
    for policy in round-robin least-connections least-loaded; do
      res=$(java -Xms256m -Xmx512m -cp "$CP" io.evbase.bench.DispatchBench --policy "$policy" --light "$D_LIGHT" \
          --requests "$D_REQUESTS" 2>>"$OUT/dispatch.log" | grep '^RESULT' \
        || { log "dispatch benchmark failed ($policy); see $OUT/dispatch.log"; echo "RESULT failed=1"; })
      record dispatch "${D_LIGHT}light/${D_REQUESTS}req" "$policy" "$r" "$res"
    done
  done
fi

# ---------------------------------------------------------------- accounting
# What the loop's own accounting costs: per iteration and per task without sockets (AccountingCostBenchmark), and
# per echo message with it on and off (AccountingOverheadBenchmark: one loop, 64-byte ping-pong).
if want accounting; then
  for r in $(seq 1 "$ROUNDS"); do
    log "accounting: round $r/$ROUNDS"
    res=$(java -cp "$CP" io.evbase.loop.AccountingCostBenchmark "$ACC_ROUNDS" 2>>"$OUT/accounting.log" | grep '^RESULT' \
      || echo "RESULT failed=1")
    record accounting cost "loop" "$r" "$res"
    for on in true false; do
      res=$(java -Xmx512m -Devbase.loop.accounting="$on" -cp "$CP" io.evbase.loop.AccountingOverheadBenchmark \
          "$ACC_SECONDS" 4 64 2>>"$OUT/accounting.log" | grep '^RESULT' || echo "RESULT failed=1")
      record accounting "echo-pingpong/64B/4c" "accounting-$([ "$on" = true ] && echo on || echo off)" "$r" "$res"
    done
  done
fi

# ---------------------------------------------------------------- JMH
JMH_CSV="$OUT/jmh.csv"
if want jmh; then
  log "JMH microbenchmarks"
  if [ "$QUICK" = 1 ]; then JMH_OPTS=(-wi 1 -w 1s -i 2 -r 1s); else JMH_OPTS=(-wi 2 -w 1s -i 3 -r 1s); fi
  java -cp "$CP" org.openjdk.jmh.Main -f 1 "${JMH_OPTS[@]}" -rf csv -rff "$JMH_CSV" 'io\.evbase\..*Bench' \
    > "$OUT/jmh.log" 2>&1 || { log "JMH failed; see $OUT/jmh.log"; tail -20 "$OUT/jmh.log" >&2; }
fi

# ---------------------------------------------------------------- report
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
{
  echo "# evbase benchmarks"
  echo
  echo "Generated by \`bench/run.sh$([ "$QUICK" = 1 ] && echo " --quick")\` — do not edit by hand."
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| commit | $COMMIT ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')) |"
  echo "| machine | $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) |"
  echo "| load average at start | $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: read CPU µs/op before ops/s) |"
  echo "| JDK | $(java -version 2>&1 | head -1) |"
  echo "| peers | Netty 4.2.18.Final (NIO, native epoll); $(memcached -V 2>/dev/null || echo 'memcached absent'); $(memcaslap -V 2>/dev/null | head -1 || true) |"
  echo "| setup | $WORKERS worker loops / threads per server; JVM servers $JVM_SERVER_OPTS; loopback; $ROUNDS rounds, servers alternating, ${DUR}s per run after ${WARM}s in-run warm-up and a warm-up pass |"
  echo
  echo "Ratios are evbase/peer: above 1 means evbase is faster for ops/s, and costlier for CPU µs/op."
  echo "CPU µs/op is the server process's utime+stime over the measured window divided by the operations; user % is"
  echo "the share of it spent in the server's own code (utime) rather than in the kernel (stime)."
} > "$OUT/header.md"
java -cp "$CP" io.evbase.bench.Report "$RAW" "$OUT/header.md" "$JMH_CSV" "$ROOT/BENCHMARKS.md"
log "wrote BENCHMARKS.md and $OUT/ in $((SECONDS - START_SECONDS)) s"
