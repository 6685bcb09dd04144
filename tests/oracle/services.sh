#!/usr/bin/env bash
# Start or stop the real engines that the differential tests (pytest -m oracle) ask.
#
# Everything listens on 127.0.0.1 or on unix sockets under STATE_DIR, and all state (registry
# storage, containerd root/state, logs, pid files) lives in STATE_DIR. See
# shared/reference/oracle.md for where each command comes from. Needs root (containerd unpacks
# with the overlayfs snapshotter) and the Debian packages
#   docker-registry skopeo containerd runc docker.io apache2-utils curl
#
# Usage:
#   tests/oracle/services.sh start [--with-dockerd] [STATE_DIR]
#   tests/oracle/services.sh stop [STATE_DIR]
#   tests/oracle/services.sh status [STATE_DIR]
#
# STATE_DIR defaults to $PULLSIM_ORACLE_STATE, else /tmp/pullsim-oracle. `start` waits until
# every service answers, then writes STATE_DIR/oracle.env (KEY=value lines) for the tests:
#   PULLSIM_ORACLE_STATE            the state directory
#   PULLSIM_ORACLE_REGISTRY         127.0.0.1:5055, plain HTTP, no auth
#   PULLSIM_ORACLE_AUTH_REGISTRY    127.0.0.1:5056, plain HTTP, htpasswd basic auth
#   PULLSIM_ORACLE_AUTH_USER / PULLSIM_ORACLE_AUTH_PASSWORD   its credentials (random password)
#   PULLSIM_ORACLE_CONTAINERD_SOCK  containerd's gRPC socket (for ctr --address)
#   PULLSIM_ORACLE_DOCKERD_SOCK     dockerd's API socket (only with --with-dockerd)
#   PULLSIM_ORACLE_DOCKERD_LOG      dockerd's --debug log (only with --with-dockerd; the dockerd
#                                   oracle reads which child a failed pull had chosen from it)
# Ports can be changed with PULLSIM_ORACLE_PORT and PULLSIM_ORACLE_AUTH_PORT.
#
# By hand, from the repository root (as root):
#   tests/oracle/services.sh start
#   set -a; . /tmp/pullsim-oracle/oracle.env; set +a
#   .venv/bin/python -m pytest -m oracle
#   tests/oracle/services.sh stop
# `stop` ends only the processes whose pids `start` recorded, unmounts anything left under
# STATE_DIR and removes STATE_DIR.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

log() { printf 'services.sh: %s\n' "$*" >&2; }

REGISTRY_PORT=${PULLSIM_ORACLE_PORT:-5055}
AUTH_PORT=${PULLSIM_ORACLE_AUTH_PORT:-5056}
AUTH_USER=oracle

# wait_for DESCRIPTION LOGFILE PIDFILE COMMAND...: retry COMMAND for up to 30 s, failing early
# (with the log's tail) if the service's process has died.
wait_for() {
    local what=$1 logfile=$2 pidfile=$3
    shift 3
    local i
    for i in $(seq 1 300); do
        if "$@" >/dev/null 2>&1; then
            log "$what is ready"
            return 0
        fi
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            log "$what exited; last lines of $logfile:"
            tail -n 30 "$logfile" >&2 || true
            return 1
        fi
        sleep 0.1
    done
    log "$what did not become ready in 30 s; last lines of $logfile:"
    tail -n 30 "$logfile" >&2 || true
    return 1
}

# spawn NAME COMMAND...: run COMMAND detached (own session, no stdin), log to STATE/NAME.log,
# pid to STATE/NAME.pid.
spawn() {
    local name=$1
    shift
    setsid "$@" </dev/null >"$STATE/$name.log" 2>&1 &
    echo $! >"$STATE/$name.pid"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_status_is() {
    local want=$1 url=$2
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = "$want" ]
}

write_registry_config() {
    local file=$1 port=$2 data=$3 auth=$4
    {
        echo "version: 0.1"
        echo "log: {level: info, fields: {service: registry}}"
        echo "storage:"
        echo "  cache: {blobdescriptor: inmemory}"
        echo "  filesystem: {rootdirectory: $data}"
        echo "  delete: {enabled: true}"
        echo "http: {addr: 127.0.0.1:$port, headers: {X-Content-Type-Options: [nosniff]}}"
        echo "health: {storagedriver: {enabled: false}}"
        if [ -n "$auth" ]; then
            echo "auth: {htpasswd: {realm: oracle-realm, path: $auth}}"
        fi
    } >"$file"
}

start_registries() {
    local port
    for port in "$REGISTRY_PORT" "$AUTH_PORT"; do
        if ! port_free "$port"; then
            log "127.0.0.1:$port is already in use (another registry still running?)"
            return 1
        fi
    done
    mkdir -p "$STATE/registry-data" "$STATE/registry-auth-data"
    write_registry_config "$STATE/registry.yml" "$REGISTRY_PORT" "$STATE/registry-data" ""
    spawn registry /usr/bin/docker-registry serve "$STATE/registry.yml"

    AUTH_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '+/=')
    htpasswd -Bbn "$AUTH_USER" "$AUTH_PASSWORD" >"$STATE/htpasswd"
    write_registry_config "$STATE/registry-auth.yml" "$AUTH_PORT" "$STATE/registry-auth-data" \
        "$STATE/htpasswd"
    spawn registry-auth /usr/bin/docker-registry serve "$STATE/registry-auth.yml"

    wait_for "registry 127.0.0.1:$REGISTRY_PORT" "$STATE/registry.log" "$STATE/registry.pid" \
        http_status_is 200 "http://127.0.0.1:$REGISTRY_PORT/v2/"
    wait_for "auth registry 127.0.0.1:$AUTH_PORT" "$STATE/registry-auth.log" \
        "$STATE/registry-auth.pid" http_status_is 401 "http://127.0.0.1:$AUTH_PORT/v2/"
    curl -sf -o /dev/null --max-time 2 -u "$AUTH_USER:$AUTH_PASSWORD" \
        "http://127.0.0.1:$AUTH_PORT/v2/" || { log "auth registry rejects its credentials"; return 1; }
}

start_containerd() {
    local dir=$STATE/containerd
    mkdir -p "$dir/root" "$dir/state" "$dir/opt"
    cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
    spawn containerd containerd --config "$dir/config.toml"
    wait_for containerd "$STATE/containerd.log" "$STATE/containerd.pid" \
        ctr --address "$dir/containerd.sock" version
}

start_dockerd() {
    mkdir -p "$STATE/dockerd-data" "$STATE/dockerd-exec"
    spawn dockerd /usr/sbin/dockerd --debug --storage-driver=vfs --iptables=false \
        --ip6tables=false --bridge=none \
        --insecure-registry "127.0.0.1:$REGISTRY_PORT" --insecure-registry "127.0.0.1:$AUTH_PORT" \
        -H "unix://$STATE/dockerd.sock" --data-root "$STATE/dockerd-data" \
        --exec-root "$STATE/dockerd-exec" --pidfile "$STATE/dockerd.pidfile" \
        --containerd "$STATE/containerd/containerd.sock"
    wait_for dockerd "$STATE/dockerd.log" "$STATE/dockerd.pid" \
        curl -sf --max-time 2 --unix-socket "$STATE/dockerd.sock" http://localhost/_ping
}

write_env() {
    local tmp=$STATE/oracle.env.tmp
    {
        echo "PULLSIM_ORACLE_STATE=$STATE"
        echo "PULLSIM_ORACLE_REGISTRY=127.0.0.1:$REGISTRY_PORT"
        echo "PULLSIM_ORACLE_AUTH_REGISTRY=127.0.0.1:$AUTH_PORT"
        echo "PULLSIM_ORACLE_AUTH_USER=$AUTH_USER"
        echo "PULLSIM_ORACLE_AUTH_PASSWORD=$AUTH_PASSWORD"
        echo "PULLSIM_ORACLE_CONTAINERD_SOCK=$STATE/containerd/containerd.sock"
        if [ "$WITH_DOCKERD" = 1 ]; then
            echo "PULLSIM_ORACLE_DOCKERD_SOCK=$STATE/dockerd.sock"
            echo "PULLSIM_ORACLE_DOCKERD_LOG=$STATE/dockerd.log"
        fi
    } >"$tmp"
    mv "$tmp" "$STATE/oracle.env"
}

do_start() {
    if [ "$(id -u)" != 0 ]; then
        log "must run as root (containerd mounts overlayfs snapshots)"
        return 1
    fi
    local cmd
    for cmd in docker-registry htpasswd curl containerd ctr; do
        command -v "$cmd" >/dev/null || { log "missing $cmd (apt-get install docker-registry apache2-utils curl containerd)"; return 1; }
    done
    if [ -e "$STATE/oracle.env" ]; then
        log "$STATE/oracle.env exists: services already started? run '$0 stop $STATE' first"
        return 1
    fi
    mkdir -p "$STATE"
    STATE=$(cd "$STATE" && pwd -P)
    # On any failure, undo what was started.
    set -E
    trap 'log "start failed; stopping what was started"; do_stop_processes
          rm -rf "${STATE:?}"/*.pid; rmdir "$STATE" 2>/dev/null || true' ERR
    start_registries
    start_containerd
    if [ "$WITH_DOCKERD" = 1 ]; then
        command -v dockerd >/dev/null || { log "missing dockerd (apt-get install docker.io)"; false; }
        start_dockerd
    fi
    write_env
    trap - ERR
    log "env file: $STATE/oracle.env"
    echo "$STATE/oracle.env"
}

# Stop in reverse order of dependencies: dockerd before containerd.
do_stop_processes() {
    local name pid i
    for name in dockerd containerd registry-auth registry; do
        [ -f "$STATE/$name.pid" ] || continue
        pid=$(cat "$STATE/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for i in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                log "$name ($pid) ignored SIGTERM for 10 s; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$STATE/$name.pid"
    done
}

do_stop() {
    [ -d "$STATE" ] || { log "no state directory $STATE: nothing to stop"; return 0; }
    STATE=$(cd "$STATE" && pwd -P)
    do_stop_processes
    # containerd unmounts its snapshots itself; be safe before deleting its root.
    local mnt
    for mnt in $(awk -v dir="$STATE/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts |
        sort -r); do
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
    rm -f "$STATE/oracle.env"
    # Remove the directory only if it is ours (it holds our registry config).
    if [ "${PULLSIM_ORACLE_KEEP_STATE:-0}" != 1 ] && [ "$STATE" != / ] \
        && [ -f "$STATE/registry.yml" ]; then
        rm -rf "$STATE"
    fi
    log "stopped"
}

do_status() {
    local name pid
    for name in registry registry-auth containerd dockerd; do
        if [ -f "$STATE/$name.pid" ] && pid=$(cat "$STATE/$name.pid") && kill -0 "$pid" 2>/dev/null; then
            echo "$name: running (pid $pid)"
        else
            echo "$name: not running"
        fi
    done
}

[ $# -ge 1 ] || usage
ACTION=$1
shift
WITH_DOCKERD=0
STATE=${PULLSIM_ORACLE_STATE:-/tmp/pullsim-oracle}
while [ $# -gt 0 ]; do
    case $1 in
        --with-dockerd) WITH_DOCKERD=1 ;;
        -h | --help) usage ;;
        -*) log "unknown option $1"; usage ;;
        *) STATE=$1 ;;
    esac
    shift
done

case $ACTION in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    *) usage ;;
esac
