#!/usr/bin/env bash
# Removes what a deploy check (io.evbase.deploy, io.evbase.helm.PodImageTest) created under PREFIX, for a run
# that died before its own clean-up: containers named PREFIX*, the processes inside network namespaces PREFIX*,
# those namespaces (their veth pairs go with them) and links PREFIX*. Touches nothing else.
#
#   deploy/netns-cleanup.sh PREFIX
set -uo pipefail
prefix=${1:?usage: deploy/netns-cleanup.sh PREFIX}
[ "${#prefix}" -ge 4 ] || { echo "netns-cleanup: prefix '$prefix' is too short to be safe" >&2; exit 1; }

if command -v podman >/dev/null 2>&1; then
  podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$prefix" | while read -r name; do
    podman rm -f -t 0 "$name" >/dev/null 2>&1 && echo "netns-cleanup: removed container $name"
  done
fi
ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix" | while read -r ns; do
  pids=$(ip netns pids "$ns" 2>/dev/null)
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null
  ip netns del "$ns" && echo "netns-cleanup: deleted namespace $ns"
done
ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$prefix" | while read -r link; do
  ip link del "$link" 2>/dev/null && echo "netns-cleanup: deleted link $link"
done
exit 0
