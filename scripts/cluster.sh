#!/usr/bin/env bash
# A Docker swarm of N only-docker VMs on this machine (make cluster N=3), and its end
# (make cluster-down).
#
#   scripts/cluster.sh up [N]   start od-node1..N from dist/ (run.sh start), each with a
#                               second card on the segment "od-cluster" (10.9.0.1X/24);
#                               od-node1 starts the swarm, the others join it
#   scripts/cluster.sh down     stop every od-node* VM (run.sh stop)
#
# Each node is a background VM of run.sh with a disk of its own, so the swarm survives a
# `down` and `up` again: the nodes rejoin by themselves. The configuration files (the
# workers' hold the join token) are in dist/cluster/, mode 0600.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=${OD_RUN_SH:-$repo/dist/kvm/run.sh}
configs=${OD_CLUSTER_DIR:-$repo/dist/cluster}
network=od-cluster
prefix=od-node
memory=${OD_CLUSTER_MEMORY:-2048}
# The nodes' TLS ports on 127.0.0.1: fixed, so nodes started side by side never pick the same one.
port_base=${OD_CLUSTER_PORT_BASE:-23760}
# Their SSH ports, fixed for the same reason (run.sh's "next free from 2222" races when
# nodes start at once).
ssh_port_base=${OD_CLUSTER_SSH_PORT_BASE:-22220}
# Under TCG a node needs a minute or two to boot; a swarm of several a few more.
timeout=${OD_CLUSTER_TIMEOUT:-900}

die() {
  echo "cluster: $*" >&2
  exit 1
}

say() {
  echo "cluster: $*" >&2
}

node_address() {
  echo "10.9.0.$((10 + $1))"
}

# The configuration of node $1: its host name (the swarm's node name), its card on the
# segment, and its part in the swarm ($2: empty for the first node, else the join token).
write_config() {
  local i=$1 token=$2 file="$configs/$prefix$1.yaml"
  {
    echo "hostname: $prefix$i"
    echo "interfaces:"
    echo "  - { name: eth1, address: $(node_address "$i")/24 }"
    echo "swarm:"
    if [[ -z $token ]]; then
      echo "  init: true"
    else
      echo "  join: { address: \"$(node_address 1):2377\", token: \"$token\" }"
    fi
    echo "  advertise: eth1"
  } >"$file.tmp"
  mv -f "$file.tmp" "$file"
  echo "$file"
}

start_node() {
  local i=$1 config=$2
  "$run" start --name "$prefix$i" --network "$network" -m "$memory" --remote-port "$((port_base + i))" --ssh-port "$((ssh_port_base + i))" --config "$config"
}

elapsed() {
  local ms=$((($(date +%s%N) - started_ns) / 1000000))
  echo "$((ms / 1000)).$((ms % 1000 / 100))s"
}

# Runs "$@" every 2 s until it succeeds, or dies after the timeout naming $what.
wait_for() {
  local what=$1
  shift
  until "$@"; do
    (($(date +%s) < deadline)) || die "$what: not within ${timeout}s ($(elapsed) since the first power-on)"
    sleep 2
  done
}

swarm_active() {
  [[ $(docker --context "${prefix}1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) == active ]]
}

ready_nodes() {
  docker --context "${prefix}1" node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true
}

all_ready() {
  (($(ready_nodes) >= count))
}

up() {
  count=${1:-3}
  [[ $count =~ ^[1-9][0-9]?$ && $count -le 89 ]] || die "N is a number of nodes from 1 to 89, not \"$count\""
  [[ -x $run ]] || die "$run is missing: run \"make build\" first"
  command -v docker >/dev/null 2>&1 || die "the docker CLI is needed here (the join token and the node list are read over each VM's TLS API)"
  mkdir -p "$configs" && chmod 700 "$configs"
  started_ns=$(date +%s%N)
  deadline=$(($(date +%s) + timeout))

  say "starting ${prefix}1, the first manager ($(node_address 1) on the segment $network)"
  start_node 1 "$(write_config 1 '')"
  wait_for "the swarm of ${prefix}1" swarm_active
  local token
  token=$(docker --context "${prefix}1" swarm join-token -q worker) || die "cannot read the worker join token from ${prefix}1"
  say "${prefix}1 runs the swarm ($(elapsed)); starting the workers"

  # Side by side: each start waits for its own Docker; their output goes to a log each.
  local i pids=() failed=0
  for ((i = 2; i <= count; i++)); do
    start_node "$i" "$(write_config "$i" "$token")" >"$configs/$prefix$i.start.log" 2>&1 &
    pids[i]=$!
  done
  for ((i = 2; i <= count; i++)); do
    if ! wait "${pids[i]}"; then
      say "${prefix}$i did not start:"
      tail -n 20 "$configs/$prefix$i.start.log" >&2
      failed=1
    fi
  done
  ((failed == 0)) || die "some nodes did not start (their run.sh output is above)"

  wait_for "$count Ready nodes" all_ready
  docker --context "${prefix}1" node ls
  echo "cluster: $count nodes Ready $(elapsed) after the first power-on"
}

down() {
  local state_root dir name stopped=0
  state_root=${OD_STATE_DIR:-${XDG_STATE_HOME:-${HOME:?}/.local/state}/only-docker}
  for dir in "$state_root/$prefix"*; do
    [[ -d $dir ]] || continue
    name=$(basename "$dir")
    [[ $name =~ ^$prefix[0-9]+$ ]] || continue
    "$run" stop --name "$name" &
    stopped=$((stopped + 1))
  done
  wait
  say "$stopped node(s) stopped (their disks are kept: \"up\" brings the same swarm back)"
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  *) die "usage: $0 up [N] | down" ;;
esac
