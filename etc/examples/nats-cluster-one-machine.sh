#!/bin/sh
# A 3-node NATS JetStream cluster on this one machine, for trying fail2ban-cluster (docs/nats.md).
#
#   nats-cluster-one-machine.sh DIR [start]  start three nats-servers on 127.0.0.1, their stores and logs in DIR;
#                                            returns once the cluster is formed (they keep running)
#   nats-cluster-one-machine.sh DIR run      the same, then waits; Ctrl-C (or SIGTERM) stops the three
#   nats-cluster-one-machine.sh DIR stop     stop the three servers started in DIR
#
# Client ports 4222-4224, cluster (route) ports 6222-6224, monitoring ports 8222-8224; to move them, set
# NATS_PORT, NATS_CLUSTER_PORT and NATS_HTTP_PORT (the first of each three). NATS_SERVER names the binary.
# Needs nats-server (Debian: apt-get install nats-server) and curl or wget.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [start|run|stop]" >&2; exit 2; }
dir=$1
cmd=${2:-start}
port=${NATS_PORT:-4222}
cluster_port=${NATS_CLUSTER_PORT:-6222}
http_port=${NATS_HTTP_PORT:-8222}
nats_server=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}

stop() {
    for n in 1 2 3; do
        [ -f "$dir/n$n.pid" ] && kill "$(cat "$dir/n$n.pid")" 2>/dev/null || true
    done
    for n in 1 2 3; do
        [ -f "$dir/n$n.pid" ] || continue
        pid=$(cat "$dir/n$n.pid")
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/n$n.pid"
    done
}

get() {
    if command -v curl >/dev/null 2>&1; then curl -sf "$1"; else wget -qO- "$1"; fi
}

# Ready when the JetStream meta leader counts both other servers as current peers: before that, a
# stream with 3 replicas finds "no suitable peers for placement".
formed() {
    for n in 0 1 2; do
        jsz=$(get "http://127.0.0.1:$((http_port + n))/jsz?leader-only=true") || continue
        [ "$(printf '%s\n' "$jsz" | grep -c '"current": true')" -eq 2 ] && return 0
    done
    return 1
}

case $cmd in
    stop) stop; exit 0 ;;
    start | run) ;;
    *) echo "usage: $0 DIR [start|run|stop]" >&2; exit 2 ;;
esac

command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
    { echo "$0: needs curl or wget to see when the cluster is formed" >&2; exit 1; }
[ -x "$nats_server" ] || { echo "$0: nats-server not found (apt-get install nats-server, or set NATS_SERVER)" >&2; exit 1; }
mkdir -p "$dir"
trap stop EXIT            # a start that fails or is interrupted leaves nothing running
trap 'exit 1' INT TERM
for n in 1 2 3; do
    routes=
    for m in 1 2 3; do
        [ $m -eq $n ] || routes=$routes${routes:+,}nats://127.0.0.1:$((cluster_port + m - 1))
    done
    mkdir -p "$dir/n$n"
    "$nats_server" -js -sd "$dir/n$n" -n "n$n" -a 127.0.0.1 -p $((port + n - 1)) -m $((http_port + n - 1)) \
        --cluster_name f2bc --cluster "nats://127.0.0.1:$((cluster_port + n - 1))" --routes "$routes" \
        -l "$dir/n$n.log" </dev/null >>"$dir/n$n.log" 2>&1 &
    echo $! > "$dir/n$n.pid"
done

i=0
until formed; do
    for n in 1 2 3; do
        kill -0 "$(cat "$dir/n$n.pid")" 2>/dev/null || { echo "$0: nats-server n$n exited; see $dir/n$n.log" >&2; exit 1; }
    done
    i=$((i + 1))
    [ $i -lt 300 ] || { echo "$0: the cluster did not form within 30 s; see $dir/n*.log" >&2; exit 1; }
    sleep 0.1
done
echo "ready: nats://127.0.0.1:$port,nats://127.0.0.1:$((port + 1)),nats://127.0.0.1:$((port + 2))"

if [ "$cmd" = run ]; then
    trap 'exit 0' INT TERM
    wait                  # until Ctrl-C or SIGTERM; the EXIT trap stops the servers
else
    trap - EXIT           # started: leave them running until "stop"
fi
