#!/usr/bin/env bash
# evbase side by side with its peers, every goal of the performance work in one run:
#
#   echo       echo vs Netty 4.2 (NIO and native epoll): ping-pong and pipelined, 64 B to 16 KiB
#   memcaslap  goal 1: memcaslap 90/10 and 50/50 get/set, 16/32/64 connections, 64 B and 1 KiB values
#   multiget   goal 2: pipelined multi-get, mc-crusher style (one connection per loop, get of 10 keys back to back)
#   tail       goal 3: latency at a fixed rate (half the lower maximum) over a store of 1M items / 2 GB of values,
#              with the GC pauses of the run from the unified GC log
#   churn      connect, one request, close
#   idle       goal 4: RSS per idle connection at 9,000 and 18,000 connections
#   items      goal 5: RSS per stored item (1M items of 32 B keys / 100 B values; 10M items of 10 B values) at the
#              same memory limit, items held and hit ratio
#   hitratio   goal 6: hit ratio at the same memory, cache-aside, Zipf 0.99, Zipf 0.8, scan-polluted Zipf
#   tls        TLS, every server behind the JDK's SSLSocket: echo (64 B, 16 KiB; ping-pong, pipelined) and full
#              handshakes per second vs Netty 4.2 with the JDK provider, evbase's TLS vs its plaintext, memcache
#              over TLS vs memcached -Z, memory per idle TLS connection
#   dispatch   the dispatch policies under uneven load (in-process)
#   accounting the cost of the loop's own accounting
#   jmh        goal 7: JMH (parse, lookup, reply building, echo path, whole round trips) with -prof gc
#
#   bench/run.sh            full run (about an hour on 2 cores, build included)
#   bench/run.sh --quick    shorter runs, fewer rounds, smaller stores (about 25 minutes)
#   bench/run.sh --smoke    a few seconds per benchmark with tiny stores: checks that everything runs, the figures
#                           mean nothing
#   options: --rounds N  --only NAME,NAME (names above; memcache = memcaslap,multiget)  --no-build  --workers N
#   environment: EVB_JAVA (the java running the evbase servers, default java), EVB_GC (their collector options,
#                default -XX:+UseG1GC); TAIL_MB / ITEMS_MB / HIT_MB memory limits
#
# The servers of one benchmark run at once on their own loopback ports; the client alternates between them (A B A B
# ...) for several rounds after a warm-up. Each run reports throughput, latency percentiles and the server's CPU time
# per operation split into user and kernel time (utime and stime from /proc/PID/stat), which is far steadier than
# throughput on a shared machine. Writes BENCHMARKS.md (machine, date, commit, the goals' summary, medians, ratios
# evbase/peer) and bench/results/<time>/ (raw results and logs).
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

MODE=full
ROUNDS=""
ALL="echo,memcaslap,multiget,tail,churn,idle,items,hitratio,tls,dispatch,accounting,jmh"
ONLY=$ALL
BUILD=1
WORKERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    --rounds) ROUNDS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-build) BUILD=0 ;;
    --workers) WORKERS=$2; shift ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
EXPANDED=""
for n in ${ONLY//,/ }; do
  [ "$n" = memcache ] && n=memcaslap,multiget
  for m in ${n//,/ }; do
    [[ ",$ALL," == *",$m,"* ]] || { echo "unknown benchmark $m (one of $ALL, memcache)" >&2; exit 2; }
  done
  EXPANDED="${EXPANDED:+$EXPANDED,}$n"
done
ONLY=$EXPANDED
want() { [[ ",$ONLY," == *",$1,"* ]]; }

# Sizes per mode. MC_VALUES: memcaslap value sizes; TAIL_*: the big store; ITEMS_CASES: count:key:value per case.
case "$MODE" in
  full)
    ROUNDS=${ROUNDS:-3}; DUR=3; WARM=1; SIZES="64 1024 16384"; MC_CONNS="16 32 64"; MC_VALUES="64 1024"; MC_DUR=3
    IDLE_COUNTS="9000 18000"; TAIL_ITEMS=1000000; TAIL_VALUE=2000; TAIL_DUR=5; TAIL_ROUNDS=$((2 * ROUNDS))
    ITEMS_CASES="1000000:32:100 10000000:10:10"; HIT_REQUESTS=3000000
    D_LIGHT=200; D_REQUESTS=20; ACC_ROUNDS=20000000; ACC_SECONDS=10; JMH_OPTS=(-wi 2 -w 1s -i 3 -r 1s) ;;
  quick)
    ROUNDS=${ROUNDS:-2}; DUR=2; WARM=1; SIZES="64 16384"; MC_CONNS="32"; MC_VALUES="64 1024"; MC_DUR=2
    IDLE_COUNTS="9000"; TAIL_ITEMS=200000; TAIL_VALUE=2000; TAIL_DUR=5; TAIL_ROUNDS=$ROUNDS
    ITEMS_CASES="1000000:32:100"; HIT_REQUESTS=1000000
    D_LIGHT=100; D_REQUESTS=10; ACC_ROUNDS=5000000; ACC_SECONDS=4; JMH_OPTS=(-wi 1 -w 1s -i 2 -r 1s) ;;
  smoke)
    ROUNDS=${ROUNDS:-1}; DUR=1; WARM=0.5; SIZES="64"; MC_CONNS="16"; MC_VALUES="64"; MC_DUR=1
    IDLE_COUNTS="500"; TAIL_ITEMS=20000; TAIL_VALUE=2000; TAIL_DUR=1; TAIL_ROUNDS=$ROUNDS
    ITEMS_CASES="20000:32:100"; HIT_REQUESTS=100000
    D_LIGHT=20; D_REQUESTS=5; ACC_ROUNDS=1000000; ACC_SECONDS=1; JMH_OPTS=(-wi 0 -i 1 -r 200ms) ;;
esac
# TLS: message sizes and idle connections.
case "$MODE" in
  full) TLS_SIZES="64 16384"; TLS_IDLE_CONNS=10000 ;;
  quick) TLS_SIZES="64 16384"; TLS_IDLE_CONNS=2000 ;;
  smoke) TLS_SIZES="64 16384"; TLS_IDLE_CONNS=200 ;;
esac
# Memory limits (MB), the same for evbase and memcached in each benchmark.
MAIN_MB=${MAIN_MB:-256}     # echo/memcaslap/multiget/churn/idle servers
TAIL_MB=${TAIL_MB:-3000}    # 1M items of 2,000 B values fit with room
ITEMS_MB=${ITEMS_MB:-1024}
HIT_MB=${HIT_MB:-64}
[ "$MODE" = smoke ] && { TAIL_MB=256; ITEMS_MB=64; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
RAW="$OUT/raw.txt"
: > "$RAW"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
START_SECONDS=$SECONDS
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
  log "building target/evbase.jar and the benchmark classes (./mvnw -Pbench -DskipTests package)"
  ./mvnw -q -B -ntp -Pbench -DskipTests package > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
fi
CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/bench.classpath")"
EVB_JAVA=${EVB_JAVA:-java}
EVB_GC=${EVB_GC:--XX:+UseG1GC}
# AutoBoxCacheMax: java.nio's selector boxes the descriptor of every ready socket (docs/library.md, "Running it").
JVM_SERVER_OPTS="-Xms1g -Xmx1g -XX:MaxDirectMemorySize=512m -XX:AutoBoxCacheMax=65536 $EVB_GC"
LOADGEN=(java -Xmx2g -XX:+UseParallelGC -cp "$CP" io.evbase.bench.LoadGen)
BENCHJAVA=(java -Xmx2g -XX:+UseParallelGC -cp "$CP")

HAS_MEMCACHE=0
# grep -c reads all of unzip's output: an early-exiting grep -q would fail the pipeline (SIGPIPE, pipefail).
if [ "$(unzip -Z1 target/evbase.jar 2>/dev/null | grep -c 'io/evbase/protocol/memcache/MemcacheHandler.class')" -gt 0 ]; then
  HAS_MEMCACHE=1
fi
HAS_MEMCACHED=0
command -v memcached >/dev/null && HAS_MEMCACHED=1

# ---------------------------------------------------------------- servers
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
stop_server() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]:-}"; do [ "$p" != "$1" ] && [ -n "$p" ] && keep+=("$p"); done
  PIDS=("${keep[@]:-}")
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
  for i in $(seq 1 900); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then log "$3 died at start; see $OUT/$3.log"; tail -20 "$OUT/$3.log" >&2; return 1; fi
    sleep 0.1
  done
  log "$3 did not open port $1 within 90 s"; return 1
}
mc_answers() { # port: whether a memcache server answers version there
  [ "$(printf 'version\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; cat >&3; head -c 7 <&3" 2>/dev/null)" = "VERSION" ]
}

# start_evbase NAME "JVM OPTIONS" MEMORY_MB ECHO_PORT(0: none) MEMCACHE_PORT(0: none) -> EVB_PID; runs from an empty
# directory, so that no application.yml adds listeners of its own.
start_evbase() {
  local name=$1 opts=$2 mb=$3 echo_port=$4 mc_port=$5
  local args=(--evbase.workers="$WORKERS" --server.port=0 --evbase.memcache.memory-limit="${mb}MB")
  if [ "$echo_port" != 0 ]; then
    args+=(--evbase.listeners.echo.port="$echo_port" --evbase.listeners.echo.protocol=echo
      --evbase.listeners.echo.bind-address=127.0.0.1 --evbase.listeners.echo.max-connections=19000)
  fi
  if [ "$mc_port" != 0 ]; then
    args+=(--evbase.listeners.memcache.port="$mc_port" --evbase.listeners.memcache.protocol=memcache
      --evbase.listeners.memcache.bind-address=127.0.0.1 --evbase.listeners.memcache.max-connections=19000)
  fi
  mkdir -p "$OUT/evbase-cwd"
  # shellcheck disable=SC2086
  (cd "$OUT/evbase-cwd" && exec $EVB_JAVA $opts -jar "$ROOT/target/evbase.jar" "${args[@]}") > "$OUT/$name.log" 2>&1 &
  EVB_PID=$!; PIDS+=("$EVB_PID")
}
# start_memcached NAME PORT MEMORY_MB -> MEMCD_PID
start_memcached() {
  memcached $( [ "$(id -u)" = 0 ] && echo "-u root" ) -t "$WORKERS" -p "$2" -U 0 -l 127.0.0.1 -m "$3" -c 19000 \
    > "$OUT/$1.log" 2>&1 &
  MEMCD_PID=$!; PIDS+=("$MEMCD_PID")
}
start_netty() { # transport port
  java $JVM_SERVER_OPTS -cp "$CP" io.evbase.bench.NettyEchoServer --port "$2" --loops "$WORKERS" --transport "$1" \
    > "$OUT/netty-$1.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  if [ "$1" = nio ]; then NIO_PID=$pid; else EPOLL_PID=$pid; fi
}

record() { # bench case server round RESULT-line
  local line="bench=$1 case=$2 server=$3 round=$4 ${5#RESULT }"
  echo "$line" >> "$RAW"
  log "  $line"
}
skip() { echo "bench=$1 skipped=$(echo "$2" | tr ' ' '_')" >> "$RAW"; log "SKIPPED $1: $2"; }
loadgen() { "${LOADGEN[@]}" "$@" 2>>"$OUT/loadgen.log" | grep '^RESULT' || { log "load generator failed: $*"; tail -5 "$OUT/loadgen.log" >&2; echo "RESULT failed=1"; }; }
benchtool() { # class args...: a tool of io.evbase.bench printing one RESULT line
  local cls=$1; shift
  "${BENCHJAVA[@]}" "io.evbase.bench.$cls" "$@" 2>>"$OUT/$cls.log" | grep '^RESULT' || { log "$cls failed: $*"; tail -5 "$OUT/$cls.log" >&2; echo "RESULT failed=1"; }
}
median_of() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
ticks() { # pid: "utime stime loop-threads-ticks" (loop threads: evbase-loop-*)
  local u s l=0 t
  read -r u s < <(awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12], f[13] }' "/proc/$1/stat")
  for t in /proc/"$1"/task/*; do
    if [[ "$(cat "$t/comm" 2>/dev/null)" == evbase-loop-* ]]; then
      l=$((l + $(awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "$t/stat" 2>/dev/null || echo 0)))
    fi
  done
  echo "$u $s $l"
}

P_EVB_ECHO=$(free_port 27007)
P_EVB_MC=$(free_port $((P_EVB_ECHO + 1)))
P_NIO=$(free_port $((P_EVB_MC + 1)))
P_EPOLL=$(free_port $((P_NIO + 1)))
P_MEMCD=$(free_port $((P_EPOLL + 1)))
P_AUX_EVB=$(free_port $((P_MEMCD + 1)))
P_AUX_MEMCD=$(free_port $((P_AUX_EVB + 1)))

# ---------------------------------------------------------------- the shared servers
NEED_NETTY=0; NEED_MEMCD=0
want echo && NEED_NETTY=1
{ want memcaslap || want multiget || want churn; } && [ "$HAS_MEMCACHED" = 1 ] && NEED_MEMCD=1
MC_OK=0
if want echo || want memcaslap || want multiget || want churn; then
  log "starting evbase ($WORKERS loops, $EVB_JAVA $JVM_SERVER_OPTS) on $P_EVB_ECHO (echo)$([ $HAS_MEMCACHE = 1 ] && echo " and $P_EVB_MC (memcache, ${MAIN_MB} MB)")"
  start_evbase evbase "$JVM_SERVER_OPTS" "$MAIN_MB" "$P_EVB_ECHO" "$([ "$HAS_MEMCACHE" = 1 ] && echo "$P_EVB_MC" || echo 0)"
  if [ "$NEED_NETTY" = 1 ]; then
    log "starting Netty echo (NIO on $P_NIO, epoll on $P_EPOLL, $WORKERS loops each)"
    start_netty nio "$P_NIO"; start_netty epoll "$P_EPOLL"
  fi
  if [ "$NEED_MEMCD" = 1 ]; then
    log "starting memcached -t $WORKERS -m $MAIN_MB on $P_MEMCD"; start_memcached memcached "$P_MEMCD" "$MAIN_MB"
  fi
  wait_port "$P_EVB_ECHO" "$EVB_PID" evbase || exit 1
  [ "$NEED_NETTY" = 1 ] && { wait_port "$P_NIO" "$NIO_PID" netty-nio; wait_port "$P_EPOLL" "$EPOLL_PID" netty-epoll; }
  [ "$NEED_MEMCD" = 1 ] && wait_port "$P_MEMCD" "$MEMCD_PID" memcached
  if [ "$HAS_MEMCACHE" = 1 ] && wait_port "$P_EVB_MC" "$EVB_PID" evbase && mc_answers "$P_EVB_MC"; then
    MC_OK=1
  fi
fi
memcache_skip() { # bench: whether the memcache comparison cannot run (and says why)
  if [ "$HAS_MEMCACHED" != 1 ]; then skip "$1" "memcached is not installed (Debian package memcached)"; return 0; fi
  if [ "$HAS_MEMCACHE" != 1 ]; then skip "$1" "this evbase build has no memcache handler"; return 0; fi
  return 1
}

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
          res=$(loadgen --mode "$m" --port "$port" --conns "$conns" --size "$size" --warmup "$WARM" --duration "$DUR" \
            --server-pid "$pid" --loop-threads "$([ "$name" = evbase ] && echo evbase-loop- || true)")
          record echo "$m/${size}B/${conns}c" "$name" "$r" "$res"
        done
      done
    done
  done
fi

# ---------------------------------------------------------------- goal 1: memcaslap
memcaslap_run() { # name port pid conns get_ratio value_size round
  local cfg="$OUT/memcaslap-$5-$6.cfg"
  local set_ratio
  set_ratio=$(awk -v g="$5" 'BEGIN { printf "%.2f", 1 - g }')
  printf 'key\n32 32 1\nvalue\n%s %s 1\ncmd\n0 %s\n1 %s\n' "$6" "$6" "$set_ratio" "$5" > "$cfg"
  local t0 t1 out tps ops
  t0=$(ticks "$3")
  out=$(memcaslap -s "127.0.0.1:$2" -F "$cfg" -T 1 -c "$4" -t "${MC_DUR}s" -w 1k 2>&1 || true)
  t1=$(ticks "$3")
  echo "$out" >> "$OUT/memcaslap.log"
  tps=$(echo "$out" | awk '/^Run time:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") print $(i + 1) }' | tail -1)
  ops=$(echo "$out" | awk '/^Run time:/ { for (i = 1; i <= NF; i++) if ($i == "Ops:") print $(i + 1) }' | tail -1)
  local cpu
  cpu=$(awk -v a="$t0" -v b="$t1" -v o="${ops:-0}" -v hz="$(getconf CLK_TCK)" -v evb="$([[ $1 == evbase* ]] && echo 1 || echo 0)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); u = y[1] - x[1]; s = y[2] - x[2]; l = y[3] - x[3]; us = 1e6 / hz
    if (o <= 0) { print "server_cpu_us_per_op=NaN"; exit }
    printf "server_cpu_us_per_op=%.3f", (u + s) * us / o
    printf " server_user_us_per_op=%.3f server_sys_us_per_op=%.3f", u * us / o, s * us / o
    if (u + s > 0) printf " server_user_pct=%.0f", 100 * u / (u + s)
    if (evb && u + s > 0) printf " server_nonloop_pct=%.0f", 100 * (u + s - l) / (u + s)
  }')
  record memcaslap "get${5}/${4}c/${6}B" "$1" "$7" "RESULT ops_per_s=${tps:-NaN} ops=${ops:-0} $cpu"
}
if want memcaslap && ! memcache_skip memcaslap; then
  if [ "$MC_OK" != 1 ]; then
    skip memcaslap "the evbase memcache listener does not answer"
  elif ! command -v memcaslap >/dev/null; then
    skip memcaslap "memcaslap is not installed (Debian package libmemcached-tools)"
  else
    MC_SERVERS=("evbase:$P_EVB_MC:$EVB_PID" "memcached:$P_MEMCD:$MEMCD_PID")
    log "memcaslap: warm-up (the JVM's JIT is still compiling the memcache paths for a few seconds)"
    for v in $MC_VALUES; do
      printf 'key\n32 32 1\nvalue\n%s %s 1\ncmd\n0 0.5\n1 0.5\n' "$v" "$v" > "$OUT/memcaslap-warmup.cfg"
      for s in "${MC_SERVERS[@]}"; do
        IFS=: read -r name port pid <<<"$s"
        memcaslap -s "127.0.0.1:$port" -F "$OUT/memcaslap-warmup.cfg" -T 1 -c 32 -t "$([ "$MODE" = smoke ] && echo 1 || echo 4)s" -w 1k >/dev/null 2>&1 || true
      done
    done
    for r in $(seq 1 "$ROUNDS"); do
      log "memcaslap: round $r/$ROUNDS"
      for v in $MC_VALUES; do
        for g in 0.9 0.5; do
          for c in $MC_CONNS; do
            for s in "${MC_SERVERS[@]}"; do
              IFS=: read -r name port pid <<<"$s"
              memcaslap_run "$name" "$port" "$pid" "$c" "$g" "$v" "$r"
            done
          done
        done
      done
    done
  fi
fi

# ---------------------------------------------------------------- goal 2: pipelined multi-get
if want multiget && ! memcache_skip multiget; then
  if [ "$MC_OK" != 1 ]; then
    skip multiget "the evbase memcache listener does not answer"
  else
    MC_SERVERS=("evbase:$P_EVB_MC:$EVB_PID" "memcached:$P_MEMCD:$MEMCD_PID")
    log "multiget: preload and warm-up"
    for s in "${MC_SERVERS[@]}"; do
      IFS=: read -r name port pid <<<"$s"
      loadgen --mode multiget --port "$port" --conns "$WORKERS" --threads "$WORKERS" --value-size 100 --warmup 0 \
        --duration "$([ "$MODE" = smoke ] && echo 1 || echo 3)" >/dev/null
    done
    for r in $(seq 1 "$ROUNDS"); do
      log "multiget: round $r/$ROUNDS"
      for s in "${MC_SERVERS[@]}"; do
        IFS=: read -r name port pid <<<"$s"
        res=$(loadgen --mode multiget --port "$port" --conns "$WORKERS" --threads "$WORKERS" --value-size 100 \
          --preload false --warmup "$WARM" --duration "$DUR" --server-pid "$pid" \
          --loop-threads "$([ "$name" = evbase ] && echo evbase-loop- || true)")
        record multiget "get10keys/${WORKERS}c/100B" "$name" "$r" "$res"
      done
    done
  fi
fi

# ---------------------------------------------------------------- churn
if want churn && ! memcache_skip churn; then
  for r in $(seq 0 "$ROUNDS"); do
    [ "$r" = 0 ] && log "churn: warm-up" || log "churn: round $r/$ROUNDS"
    for s in "evbase:$P_EVB_MC:$EVB_PID" "memcached:$P_MEMCD:$MEMCD_PID"; do
      IFS=: read -r name port pid <<<"$s"
      res=$(loadgen --mode churn --port "$port" --conns 16 --warmup 0.5 --duration "$([ "$r" = 0 ] && echo 1 || echo "$DUR")" --server-pid "$pid")
      [ "$r" = 0 ] || record churn "memcache-version/16c" "$name" "$r" "$res"
    done
  done
fi

cleanup

# ---------------------------------------------------------------- goal 4: idle connections
# Each server fresh for each count, alone on the machine: a process that held connections before keeps their memory
# (memcached its connection structures, a JVM its heap pages), which would hide the cost of the next ones.
# 50,000 connections cannot be measured here: a process may hold at most $(ulimit -Hn) descriptors (the client's and
# each server's), so the larger count is the largest that fits both under that limit.
if want idle; then
  src=2
  for n in $IDLE_COUNTS; do
    log "idle: $n connections to each server, each started fresh"
    for name in evbase-memcache evbase-echo netty-nio memcached; do
      pid=""; jvm=true; request='x\n'
      case "$name" in
        evbase-memcache)
          [ "$HAS_MEMCACHE" = 1 ] || continue
          start_evbase idle-evbase-memcache "$JVM_SERVER_OPTS" "$MAIN_MB" 0 "$P_AUX_EVB"; pid=$EVB_PID; request='version\r\n' ;;
        evbase-echo)
          start_evbase idle-evbase-echo "$JVM_SERVER_OPTS" "$MAIN_MB" "$P_AUX_EVB" 0; pid=$EVB_PID ;;
        netty-nio)
          start_netty nio "$P_AUX_EVB"; pid=$NIO_PID ;;
        memcached)
          [ "$HAS_MEMCACHED" = 1 ] || continue
          start_memcached idle-memcached "$P_AUX_EVB" "$MAIN_MB"; pid=$MEMCD_PID; jvm=false; request='version\r\n' ;;
      esac
      if wait_port "$P_AUX_EVB" "$pid" "$name"; then
        res=$(loadgen --mode idle --port "$P_AUX_EVB" --conns "$n" --server-pid "$pid" --jvm "$jvm" --request "$request" \
          --source "127.0.1.$src")
        record idle "${n}c" "$name" 1 "$res"
      fi
      src=$((src + 1))
      stop_server "$pid"
    done
  done
fi

# ---------------------------------------------------------------- goal 3: tail latency over a big store
gc_pauses() { # gc-log byte-offset-before byte-offset-after: "gc_pauses=N gc_pause_max_ms=X gc_pause_total_ms=Y gc_pauses_over_10ms=Z"
  tail -c +"$(($2 + 1))" "$1" | head -c "$(($3 - $2))" | awk '
    /Pause/ && $NF ~ /^[0-9.]+ms$/ { v = $NF; sub(/ms$/, "", v); n++; t += v; if (v > m) m = v; if (v > 10) o++ }
    END { printf "gc_pauses=%d gc_pause_max_ms=%.3f gc_pause_total_ms=%.1f gc_pauses_over_10ms=%d", n, m, t, o }'
}
if want tail && ! memcache_skip tail; then
  need_mb=$((TAIL_MB * 3 + 2048))
  avail_mb=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
  if [ "$avail_mb" -lt "$need_mb" ]; then
    skip tail "needs about $need_mb MB of free memory, $avail_mb MB available"
  else
    TAIL_HEAP=$(( (TAIL_MB * 2 + 1024) ))
    TAIL_OPTS="-Xms${TAIL_HEAP}m -Xmx${TAIL_HEAP}m -XX:MaxDirectMemorySize=512m -XX:AutoBoxCacheMax=65536 $EVB_GC -Xlog:gc,gc+phases=info:file=$OUT/evbase-tail-gc.log"
    log "tail: evbase ($EVB_JAVA $TAIL_OPTS, ${TAIL_MB} MB store) and memcached -m $TAIL_MB"
    start_evbase evbase-tail "$TAIL_OPTS" "$TAIL_MB" 0 "$P_AUX_EVB"; TAIL_EVB=$EVB_PID
    start_memcached memcached-tail "$P_AUX_MEMCD" "$TAIL_MB"; TAIL_MEMCD=$MEMCD_PID
    if wait_port "$P_AUX_EVB" "$TAIL_EVB" evbase-tail && wait_port "$P_AUX_MEMCD" "$TAIL_MEMCD" memcached-tail \
        && mc_answers "$P_AUX_EVB"; then
      TAIL_SERVERS=("evbase:$P_AUX_EVB:$TAIL_EVB" "memcached:$P_AUX_MEMCD:$TAIL_MEMCD")
      TAIL_ARGS=(--mode memcache --conns 32 --get-ratio 0.9 --keys "$TAIL_ITEMS" --value-size "$TAIL_VALUE")
      for s in "${TAIL_SERVERS[@]}"; do
        IFS=: read -r name port pid <<<"$s"
        log "tail: preloading $TAIL_ITEMS items of $TAIL_VALUE B into $name"
        loadgen "${TAIL_ARGS[@]}" --port "$port" --warmup 0 --duration "$([ "$MODE" = smoke ] && echo 1 || echo 5)" >/dev/null
      done
      declare -A MAXOPS
      for r in $(seq 1 "$ROUNDS"); do
        log "tail: closed loop, round $r/$ROUNDS"
        for s in "${TAIL_SERVERS[@]}"; do
          IFS=: read -r name port pid <<<"$s"
          res=$(loadgen "${TAIL_ARGS[@]}" --preload false --port "$port" --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
          record tail-max "get0.9/32c/${TAIL_ITEMS}items" "$name" "$r" "$res"
          v=$(echo "$res" | sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p')
          MAXOPS[$name]="${MAXOPS[$name]:-} ${v:-0}"
        done
      done
      RATE=$(for n in "${!MAXOPS[@]}"; do echo "${MAXOPS[$n]}" | median_of; done | sort -n | head -1)
      RATE=$((RATE / 2))
      if [ "$RATE" -le 0 ]; then
        skip tail "no closed-loop maximum was measured"
      else
        # A fixed-rate run's p99 on a shared 2-core machine moves by several times from one run to the next (the
        # load generator and both servers compete for the cores): twice the rounds, half as long, for medians.
        for r in $(seq 1 "$TAIL_ROUNDS"); do
          log "tail: $RATE requests/s, round $r/$TAIL_ROUNDS"
          for s in "${TAIL_SERVERS[@]}"; do
            IFS=: read -r name port pid <<<"$s"
            g0=0; [ "$name" = evbase ] && g0=$(stat -c %s "$OUT/evbase-tail-gc.log")
            res=$(loadgen "${TAIL_ARGS[@]}" --preload false --port "$port" --rate "$RATE" --warmup 2 --duration "$TAIL_DUR" \
              --server-pid "$pid")
            if [ "$name" = evbase ]; then
              res="$res $(gc_pauses "$OUT/evbase-tail-gc.log" "$g0" "$(stat -c %s "$OUT/evbase-tail-gc.log")")"
            fi
            record tail "get0.9/32c/${RATE}rps/${TAIL_ITEMS}x${TAIL_VALUE}B" "$name" "$r" "$res"
          done
        done
      fi
    else
      skip tail "the big-store servers did not start (see $OUT/evbase-tail.log, $OUT/memcached-tail.log)"
    fi
    stop_server "$TAIL_EVB"; stop_server "$TAIL_MEMCD"
  fi
fi

# ---------------------------------------------------------------- goal 5: memory per item
if want items && ! memcache_skip items; then
  ITEMS_HEAP=$((ITEMS_MB * 4))
  for c in $ITEMS_CASES; do
    IFS=: read -r count ksize vsize <<<"$c"
    kase="$((count / 1000))k/${ksize}B-keys/${vsize}B-values/${ITEMS_MB}MB"
    [ "$count" -ge 1000000 ] && kase="$((count / 1000000))M/${ksize}B-keys/${vsize}B-values/${ITEMS_MB}MB"
    log "items: $kase: memcached -m $ITEMS_MB"
    start_memcached memcached-items "$P_AUX_MEMCD" "$ITEMS_MB"
    if wait_port "$P_AUX_MEMCD" "$MEMCD_PID" memcached-items; then
      res=$(benchtool ItemMemory --port "$P_AUX_MEMCD" --server-pid "$MEMCD_PID" --items "$count" --key-size "$ksize" --value-size "$vsize")
      record items "$kase" memcached 1 "$res"
    fi
    stop_server "$MEMCD_PID"
    log "items: $kase: evbase (-Xmx${ITEMS_HEAP}m, memory-limit ${ITEMS_MB}MB)"
    start_evbase evbase-items "-Xmx${ITEMS_HEAP}m -XX:MaxDirectMemorySize=256m $EVB_GC" "$ITEMS_MB" 0 "$P_AUX_EVB"
    if wait_port "$P_AUX_EVB" "$EVB_PID" evbase-items; then
      res=$(benchtool ItemMemory --port "$P_AUX_EVB" --server-pid "$EVB_PID" --items "$count" --key-size "$ksize" --value-size "$vsize" --jvm true)
      record items "$kase" evbase 1 "$res"
    fi
    stop_server "$EVB_PID"
  done
fi

# ---------------------------------------------------------------- goal 6: hit ratio
if want hitratio && ! memcache_skip hitratio; then
  SCAN_EVERY=$((HIT_REQUESTS / 15)); SCAN_LENGTH=$((SCAN_EVERY / 4))
  for t in "zipf0.99:--trace zipf --zipf 0.99" "zipf0.8:--trace zipf --zipf 0.8" \
      "scan:--trace scan --zipf 0.99 --scan-every $SCAN_EVERY --scan-length $SCAN_LENGTH"; do
    IFS=: read -r kase targs <<<"$t"
    log "hitratio: $kase at $HIT_MB MB"
    start_memcached memcached-hit "$P_AUX_MEMCD" "$HIT_MB"
    if wait_port "$P_AUX_MEMCD" "$MEMCD_PID" memcached-hit; then
      # shellcheck disable=SC2086
      record hitratio "$kase/${HIT_MB}MB" memcached 1 "$(benchtool HitRatio --port "$P_AUX_MEMCD" --requests "$HIT_REQUESTS" $targs)"
    fi
    stop_server "$MEMCD_PID"
    start_evbase evbase-hit "-Xmx$((HIT_MB * 4 + 256))m $EVB_GC" "$HIT_MB" 0 "$P_AUX_EVB"
    if wait_port "$P_AUX_EVB" "$EVB_PID" evbase-hit; then
      # shellcheck disable=SC2086
      record hitratio "$kase/${HIT_MB}MB" evbase 1 "$(benchtool HitRatio --port "$P_AUX_EVB" --requests "$HIT_REQUESTS" $targs)"
    fi
    stop_server "$EVB_PID"
  done
fi

cleanup

# ---------------------------------------------------------------- tls
# TLS, all servers behind the JDK's SSLSocket as the client (TlsLoadGen) and one throw-away certificate: evbase's
# TLS echo against Netty 4.2's SslHandler with the JDK provider (64 B and 16 KiB, ping-pong and pipelined; full
# handshakes per second), evbase's TLS echo against its own plaintext echo, evbase's memcache over TLS against
# memcached -Z, and memory per idle TLS connection.
if want tls; then
  TLS_DIR="$OUT/tls"
  java -cp "$CP" io.evbase.bench.TlsCerts "$TLS_DIR" > /dev/null
  P_TLS_ECHO=$(free_port 27107); P_TLS_PLAIN=$(free_port $((P_TLS_ECHO + 1))); P_TLS_MC=$(free_port $((P_TLS_PLAIN + 1)))
  P_NETTY_TLS=$(free_port $((P_TLS_MC + 1))); P_MEMCD_TLS=$(free_port $((P_NETTY_TLS + 1)))
  mkdir -p "$OUT/evbase-tls-cwd"
  tls_args=(--evbase.workers="$WORKERS" --server.port=0 --evbase.memcache.memory-limit="${MAIN_MB}MB"
    --spring.ssl.bundle.pem.bench.keystore.certificate="file:$TLS_DIR/server.crt"
    --spring.ssl.bundle.pem.bench.keystore.private-key="file:$TLS_DIR/server.key"
    --evbase.listeners.tlsecho.port="$P_TLS_ECHO" --evbase.listeners.tlsecho.protocol=echo
    --evbase.listeners.tlsecho.bind-address=127.0.0.1 --evbase.listeners.tlsecho.ssl.bundle=bench
    --evbase.listeners.tlsecho.max-connections=12000
    --evbase.listeners.plainecho.port="$P_TLS_PLAIN" --evbase.listeners.plainecho.protocol=echo
    --evbase.listeners.plainecho.bind-address=127.0.0.1 --evbase.listeners.plainecho.max-connections=2000)
  if [ "$HAS_MEMCACHE" = 1 ]; then
    tls_args+=(--evbase.listeners.tlsmc.port="$P_TLS_MC" --evbase.listeners.tlsmc.protocol=memcache
      --evbase.listeners.tlsmc.bind-address=127.0.0.1 --evbase.listeners.tlsmc.ssl.bundle=bench
      --evbase.listeners.tlsmc.max-connections=2000)
  fi
  (cd "$OUT/evbase-tls-cwd" && exec $EVB_JAVA $JVM_SERVER_OPTS -jar "$ROOT/target/evbase.jar" "${tls_args[@]}") > "$OUT/evbase-tls.log" 2>&1 &
  EVB_TLS_PID=$!; PIDS+=("$EVB_TLS_PID")
  java $JVM_SERVER_OPTS -cp "$CP" io.evbase.bench.NettyTlsEchoServer --port "$P_NETTY_TLS" --loops "$WORKERS" \
    --cert "$TLS_DIR/server.crt" --key "$TLS_DIR/server.key" > "$OUT/netty-tls.log" 2>&1 &
  NETTY_TLS_PID=$!; PIDS+=("$NETTY_TLS_PID")
  MEMCD_TLS=0
  if command -v memcached >/dev/null && memcached -h 2>/dev/null | grep -q -- '--enable-ssl'; then
    memcached $( [ "$(id -u)" = 0 ] && echo "-u root" ) -t "$WORKERS" -p "$P_MEMCD_TLS" -U 0 -l 127.0.0.1 -m "$MAIN_MB" -c 19000 \
      -Z -o "ssl_chain_cert=$TLS_DIR/server.crt,ssl_key=$TLS_DIR/server.key" > "$OUT/memcached-tls.log" 2>&1 &
    MEMCD_TLS_PID=$!; PIDS+=("$MEMCD_TLS_PID"); MEMCD_TLS=1
  fi
  TLS_OK=1
  wait_port "$P_TLS_ECHO" "$EVB_TLS_PID" evbase-tls || TLS_OK=0
  wait_port "$P_NETTY_TLS" "$NETTY_TLS_PID" netty-tls || TLS_OK=0
  [ "$MEMCD_TLS" = 1 ] && { wait_port "$P_MEMCD_TLS" "$MEMCD_TLS_PID" memcached-tls || MEMCD_TLS=0; }
  TLSGEN=(java -Xmx1g -cp "$CP" io.evbase.bench.TlsLoadGen --ca "$TLS_DIR/ca.pem")
  tlsgen() { "${TLSGEN[@]}" "$@" 2>>"$OUT/tlsgen.log" | grep '^RESULT' || { log "TLS load generator failed: $*"; tail -5 "$OUT/tlsgen.log" >&2; echo "RESULT failed=1"; }; }
  if [ "$TLS_OK" != 1 ]; then
    skip tls "evbase or Netty did not start with TLS (see $OUT/evbase-tls.log)"
  else
    log "tls: warm-up"
    for port in "$P_TLS_ECHO" "$P_NETTY_TLS"; do
      tlsgen --mode pipeline --port "$port" --conns 8 --size 1024 --warmup 0 --duration 2 >/dev/null
      tlsgen --mode handshake --port "$port" --conns 4 --warmup 0 --duration 1 >/dev/null
    done
    tlsgen --plaintext --mode pipeline --port "$P_TLS_PLAIN" --conns 8 --size 1024 --warmup 0 --duration 2 >/dev/null
    for r in $(seq 1 "$ROUNDS"); do
      log "tls: round $r/$ROUNDS"
      for size in $TLS_SIZES; do
        for m in pingpong pipeline; do
          conns=16; [ "$m" = pipeline ] && conns=8
          for s in "evbase:$P_TLS_ECHO:$EVB_TLS_PID" "netty-tls:$P_NETTY_TLS:$NETTY_TLS_PID"; do
            IFS=: read -r name port pid <<<"$s"
            res=$(tlsgen --mode "$m" --port "$port" --conns "$conns" --size "$size" --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
            record tls-echo "$m/${size}B/${conns}c" "$name" "$r" "$res"
            [ "$name" = evbase ] && record tls-overhead "$m/${size}B/${conns}c" evbase "$r" "$res"
          done
          res=$(tlsgen --plaintext --mode "$m" --port "$P_TLS_PLAIN" --conns "$conns" --size "$size" --warmup "$WARM" --duration "$DUR" --server-pid "$EVB_TLS_PID")
          record tls-overhead "$m/${size}B/${conns}c" evbase-plaintext "$r" "$res"
        done
      done
      for s in "evbase:$P_TLS_ECHO:$EVB_TLS_PID" "netty-tls:$P_NETTY_TLS:$NETTY_TLS_PID"; do
        IFS=: read -r name port pid <<<"$s"
        res=$(tlsgen --mode handshake --port "$port" --conns 4 --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
        record tls-handshake "full/4c" "$name" "$r" "$res"
      done
      if [ "$HAS_MEMCACHE" = 1 ] && [ "$MEMCD_TLS" = 1 ]; then
        for s in "evbase:$P_TLS_MC:$EVB_TLS_PID" "memcached-tls:$P_MEMCD_TLS:$MEMCD_TLS_PID"; do
          IFS=: read -r name port pid <<<"$s"
          res=$(tlsgen --mode memcache --port "$port" --conns 16 --get-ratio 0.9 --warmup "$WARM" --duration "$DUR" --server-pid "$pid")
          record tls-memcache "get0.9/16c" "$name" "$r" "$res"
        done
      fi
    done
    [ "$MEMCD_TLS" = 1 ] || skip tls-memcache "memcached without TLS (-Z) or no memcache listener in this evbase build"
    log "tls: $TLS_IDLE_CONNS idle TLS connections to each TLS echo server"
    res=$(tlsgen --mode idle --port "$P_TLS_ECHO" --conns "$TLS_IDLE_CONNS" --server-pid "$EVB_TLS_PID")
    record idle "${TLS_IDLE_CONNS}c" evbase-tls 1 "$res"
    res=$(tlsgen --mode idle --port "$P_NETTY_TLS" --conns "$TLS_IDLE_CONNS" --server-pid "$NETTY_TLS_PID")
    record idle "${TLS_IDLE_CONNS}c" netty-tls 1 "$res"
  fi
fi

cleanup

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

# ---------------------------------------------------------------- goal 7: JMH
JMH_CSV="$OUT/jmh.csv"
if want jmh; then
  log "JMH microbenchmarks (-prof gc)"
  java -cp "$CP" org.openjdk.jmh.Main -f 1 "${JMH_OPTS[@]}" -prof gc -rf csv -rff "$JMH_CSV" 'io\.evbase\..*Bench' \
    > "$OUT/jmh.log" 2>&1 || { log "JMH failed; see $OUT/jmh.log"; tail -20 "$OUT/jmh.log" >&2; }
fi

# ---------------------------------------------------------------- report
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
{
  echo "# evbase benchmarks"
  echo
  echo "Generated by \`bench/run.sh$([ "$MODE" != full ] && echo " --$MODE")$([ "$ONLY" != "$ALL" ] && echo " --only $ONLY")\` — do not edit by hand."
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| commit | $COMMIT ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')) |"
  echo "| machine | $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); descriptor limit $(ulimit -Hn) per process |"
  echo "| load average at start, at end | $LOAD_AT_START; $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared: read CPU µs/op before ops/s) |"
  echo "| JDK | benchmark tools: $(java -version 2>&1 | head -1); evbase servers: $($EVB_JAVA -version 2>&1 | head -1) |"
  echo "| peers | Netty 4.2.18.Final (NIO, native epoll); $(memcached -V 2>/dev/null || echo 'memcached absent'); $(memcaslap -V 2>/dev/null | head -1 || true) |"
  echo "| setup | $WORKERS worker loops / threads per server; evbase $EVB_GC; shared servers $JVM_SERVER_OPTS, ${MAIN_MB} MB stores (memcached -m $MAIN_MB); loopback; $ROUNDS rounds, servers alternating, ${DUR}s per run after ${WARM}s in-run warm-up and a warm-up pass |"
  echo
  echo "Ratios are evbase/peer: above 1 means evbase is faster for ops/s, and costlier for CPU µs/op, latency and memory."
  echo "CPU µs/op is the server process's utime+stime over the measured window divided by the operations, split into"
  echo "user (the server's own code) and kernel time."
} > "$OUT/header.md"
java -cp "$CP" io.evbase.bench.Report "$RAW" "$OUT/header.md" "$JMH_CSV" "$ROOT/BENCHMARKS.md" "$ROOT/bench/notes.md" \
  > "$OUT/report.md"
log "wrote BENCHMARKS.md and $OUT/ in $((SECONDS - START_SECONDS)) s"
