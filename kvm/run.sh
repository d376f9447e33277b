#!/usr/bin/env bash
# Boots only-docker under QEMU: in this terminal (no command), or in the background as
# a local Docker host (start, stop, status, console, logs, env, ssh).
#
# The kernel and initrd are found relative to this script (../vmlinuz, ../initrd.img),
# so an unpacked release works wherever it is. Only bash, QEMU and coreutils are needed
# (mkfs.ext4 to create a disk; a docker CLI only for the docker context).
#
# In the foreground, a disk image labelled DOCKER is created beside the script on the
# first run and attached: the init mounts it on /var/lib/docker, so images and
# containers survive a reboot. The VM's Docker API is forwarded to localhost:2376 with
# TLS (od.remote=tls), and the init copies the client certificates into certs/ beside
# this script through a virtio-9p share (the lines to paste are printed at start).
#
# In the background (start), each VM has a name and a state directory of its own (see
# state_root below): its disk, certificates, serial log, the pipes to QEMU's monitor
# and to the init's port channel, and the host agent that turns the ports the init
# reports into QEMU forwards on 127.0.0.1.
set -euo pipefail

# The builder replaces the next line with the configured default (config: kernel.cmdline).
# The last console= is /dev/console, where the init and the console container talk.
DEFAULT_CMDLINE='console=tty0 console=ttyS0,115200'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

usage() {
  cat <<EOF
Usage: $(basename "$0") [options] [-- extra qemu arguments]
       $(basename "$0") COMMAND [--name NAME] [options]

Boots only-docker (../vmlinuz and ../initrd.img beside this script) under QEMU.
Without a command, the serial console is in this terminal (quit with Ctrl-a x).

Commands (a VM in the background, a local Docker host):
  start      boot VM NAME in the background; returns once Docker answers over TLS.
             Creates or updates the docker context NAME when a docker CLI is here.
             Ports that containers publish (docker run -p 8080:80) are forwarded to
             127.0.0.1 on this machine by themselves while the container runs.
  stop       press the VM's power button (ACPI) and wait for a clean power-off
             (--timeout SECONDS, default 120); only then is QEMU killed, saying so
  status     running or not, uptime, Docker version, TLS port, forwarded ports
             (--json for a machine); exits 1 when the VM is not running
  console    the VM's serial console in this terminal; detach with Ctrl-] (the VM
             keeps running)
  logs       the serial log of the current (or last) boot (-f to follow it)
  env        DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY exports for VM NAME:
             eval "\$($(basename "$0") env)"
  ssh        a shell in the VM's console over SSH ([-- ssh arguments or a command]);
             needs ssh.authorized_keys in the VM's configuration (see --config) and
             the OpenSSH client here. The VM's host key is remembered in its state
             directory (known_hosts) at the first login
  help       this help

      --name NAME        the VM (default: only-docker); its state is in
                         \${OD_STATE_DIR:-\${XDG_STATE_HOME:-~/.local/state}/only-docker}/NAME
      --timeout SECONDS  how long start waits for Docker (default: 600) and stop for
                         the power-off (default: 120)

Options (no command, and start):
  -m, --memory MB        guest memory in MiB (default: 2048)
  -c, --cpus N           virtual CPUs (default: 2)
      --accel MODE       kvm, tcg or auto (default: auto: KVM when it works, else TCG)
      --disk PATH        the persistent disk image (default: docker.img beside this script,
                         or in the state directory with start); created, sparse, and
                         formatted ext4 labelled DOCKER when missing
      --disk-size SIZE   size of a disk created now (default: 8G)
      --no-disk          no persistent disk: Docker keeps everything in RAM
      --append ARGS      extra kernel command line options (e.g. "od.debug")
      --config FILE      a configuration file (YAML) for the init, passed by QEMU's
                         fw_cfg as opt/org.only-docker/config (it wins over the DOCKER
                         disk's and a config drive's; the kernel command line wins over
                         it); with start, kept for the VM's next starts
      --no-config        with start: forget the configuration file of the last start
      --network NAME     a second network card (eth1) on a virtual segment shared by every
                         VM started with the same NAME, on this machine only (QEMU socket
                         multicast on 127.0.0.1); with start, kept for the VM's next starts
      --no-network       with start: forget the network of the last start
  -p, --port [ADDR:]HOST:GUEST
                         forward a host TCP port to the guest (repeatable), on 127.0.0.1
                         unless ADDR names another address (0.0.0.0: every interface);
                         udp:[ADDR:]HOST:GUEST forwards UDP
      --remote-port PORT the port on localhost for the VM's Docker API over TLS
                         (default: 2376; with start the next free one when it is taken,
                         kept for the VM's next start); the VM is booted with od.remote=tls
      --certs DIR        where the VM puts the client certificates for that API
                         (default: certs beside this script; with start, in the state directory)
      --no-remote        no remote API: no od.remote=tls, port or certificate share
                         (not with start)
      --ssh-port PORT    the port on localhost forwarded to the VM's SSH server (port 22;
                         it runs when the configuration has ssh.authorized_keys)
                         (default: 2222, or the next free one when it is taken; with
                         start kept for the VM's next start; "ssh" finds it by itself)
      --no-ssh           no SSH port forwarded
      --iso [PATH]       boot the ISO (default: ../only-docker.iso) instead of the kernel
                         (not with start)
      --dry-run          print the QEMU command instead of running it
  -h, --help             this help

Environment: QEMU (the qemu-system-x86_64 to run), OD_DIST (where vmlinuz and
initrd.img are, instead of the directory above this script), OD_STATE_DIR (where the
state directories of background VMs are).
EOF
}

die() {
  echo "run.sh: $*" >&2
  exit 1
}

say() {
  echo "run.sh: $*" >&2
}

# ---------------------------------------------------------------------------------
# The command and the options.

command=foreground
case "${1:-}" in
  start | stop | status | console | logs | env | ssh | _agent) command=$1; shift ;;
  help) usage; exit 0 ;;
esac

memory=2048
cpus=2
accel=auto
disk=''
disk_size=8G
use_disk=1
append=''
iso=''
dry_run=0
ports=()
extra=()
remote_port=''
remote=1
ssh_port=''
use_ssh=1
certs=''
config=''
no_config=0
network=''
no_network=0
name=''
timeout=''
json=0
follow=0

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -m | --memory) need_value "$@"; memory=$2; shift 2 ;;
    --memory=*) memory=${1#*=}; shift ;;
    -c | --cpus) need_value "$@"; cpus=$2; shift 2 ;;
    --cpus=*) cpus=${1#*=}; shift ;;
    --accel) need_value "$@"; accel=$2; shift 2 ;;
    --accel=*) accel=${1#*=}; shift ;;
    --disk) need_value "$@"; disk=$2; use_disk=1; shift 2 ;;
    --disk=*) disk=${1#*=}; use_disk=1; shift ;;
    --disk-size) need_value "$@"; disk_size=$2; shift 2 ;;
    --disk-size=*) disk_size=${1#*=}; shift ;;
    --no-disk) use_disk=0; shift ;;
    --append) need_value "$@"; append="$append $2"; shift 2 ;;
    --append=*) append="$append ${1#*=}"; shift ;;
    -p | --port) need_value "$@"; ports+=("$2"); shift 2 ;;
    --port=*) ports+=("${1#*=}"); shift ;;
    --remote-port) need_value "$@"; remote_port=$2; remote=1; shift 2 ;;
    --remote-port=*) remote_port=${1#*=}; remote=1; shift ;;
    --certs) need_value "$@"; certs=$2; shift 2 ;;
    --certs=*) certs=${1#*=}; shift ;;
    --no-remote) remote=0; shift ;;
    --ssh-port) need_value "$@"; ssh_port=$2; use_ssh=1; shift 2 ;;
    --ssh-port=*) ssh_port=${1#*=}; use_ssh=1; shift ;;
    --no-ssh) use_ssh=0; ssh_port=''; shift ;;
    --config) need_value "$@"; config=$2; no_config=0; shift 2 ;;
    --config=*) config=${1#*=}; no_config=0; shift ;;
    --no-config) config=''; no_config=1; shift ;;
    --network) need_value "$@"; network=$2; no_network=0; shift 2 ;;
    --network=*) network=${1#*=}; no_network=0; shift ;;
    --no-network) network=''; no_network=1; shift ;;
    --iso)
      # The path is optional: the next word is taken only when it is not an option.
      if [[ $# -ge 2 && $2 != -* ]]; then iso=$2; shift 2; else iso=default; shift; fi ;;
    --iso=*) iso=${1#*=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    --name) need_value "$@"; name=$2; shift 2 ;;
    --name=*) name=${1#*=}; shift ;;
    --timeout) need_value "$@"; timeout=$2; shift 2 ;;
    --timeout=*) timeout=${1#*=}; shift ;;
    --json) json=1; shift ;;
    -f | --follow) follow=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
done

[[ $memory =~ ^[0-9]+$ ]] || die "--memory takes MiB as a number, not \"$memory\""
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus takes a number, not \"$cpus\""
case "$accel" in kvm | tcg | auto) ;; *) die "--accel takes kvm, tcg or auto, not \"$accel\"" ;; esac
if [[ -n $remote_port ]]; then
  [[ $remote_port =~ ^[1-9][0-9]{0,4}$ && $remote_port -le 65535 ]] || die "--remote-port takes a TCP port number, not \"$remote_port\""
fi
if [[ -n $ssh_port ]]; then
  [[ $ssh_port =~ ^[1-9][0-9]{0,4}$ && $ssh_port -le 65535 ]] || die "--ssh-port takes a TCP port number, not \"$ssh_port\""
fi
[[ -z $timeout || $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout takes seconds, not \"$timeout\""
[[ -z $network || $network =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ ]] || die "--network takes letters, digits, '.', '_' and '-', not \"$network\""

if [[ $command == foreground ]]; then
  [[ -z $name ]] || die "--name is for the commands (start, stop, status, console, logs, env, ssh): see --help"
else
  name=${name:-only-docker}
  # It names a directory, a docker context and a QEMU process: nothing that needs quoting.
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ ]] || die "--name takes letters, digits, '.', '_' and '-', not \"$name\""
  if [[ $command == start ]]; then
    [[ -z $iso ]] || die "--iso is for the foreground boot: start boots the kernel"
    [[ $remote == 1 ]] || die "--no-remote does not go with start: the remote API is how Docker is used from here"
  fi
fi

# Where background VMs keep their state: per user, not beside the release, because a
# VM name is per user like the docker context of the same name (in ~/.docker), and a
# new release unpacked elsewhere should find the same VM, disk and certificates.
# (colima keeps ~/.colima/NAME for the same reasons; XDG's state directory is where
# such data belongs.)
state_root='' state=''
if [[ $command != foreground ]]; then
  state_root=${OD_STATE_DIR:-${XDG_STATE_HOME:-${HOME:?HOME is not set: set OD_STATE_DIR}/.local/state}/only-docker}
  state="$state_root/$name"
fi

# The forward channel's name; the init looks for the same string.
FORWARD_PORT_NAME=org.only-docker.forward

# ---------------------------------------------------------------------------------
# Small helpers on a VM's state directory.

# key=value lines, read without executing anything.
read_vm_env() {
  local key value
  vm_disk='' vm_remote_port='' vm_certs='' vm_started='' vm_dist='' vm_accel='' vm_config='' vm_network='' vm_ssh_port=''
  [[ -f $state/vm.env ]] || return 1
  while IFS='=' read -r key value; do
    case "$key" in
      disk) vm_disk=$value ;;
      remote_port) vm_remote_port=$value ;;
      certs) vm_certs=$value ;;
      started) vm_started=$value ;;
      dist) vm_dist=$value ;;
      accel) vm_accel=$value ;;
      config) vm_config=$value ;;
      network) vm_network=$value ;;
      ssh_port) vm_ssh_port=$value ;;
    esac
  done <"$state/vm.env"
}

# The QEMU of this VM, when it runs: its pid file names a live process whose command
# line holds the state directory (a pid reused by another program does not count).
qemu_pid() {
  local pid
  [[ -f $state/qemu.pid ]] || return 1
  read -r pid <"$state/qemu.pid" 2>/dev/null || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
    [[ $cmdline == *"$state/"* ]] || return 1
  fi
  echo "$pid"
}

# One QMP command on the monitor pipe. Opened read-write, so it never blocks even when
# QEMU is gone. Replies are read by the host agent, the one reader of monitor.out.
qmp_send() {
  printf '%s\n' "$1" 1<>"$state/monitor.in"
}

# ---------------------------------------------------------------------------------
# The host agent: started by `start`, it lives as long as QEMU. It drains the serial
# port into serial.log and applies the init's port lines (see init/forward/) with
# hostfwd_add/hostfwd_remove on QEMU's monitor (QMP over a pipe pair), writing the
# current forwards to $state/ports.

agent_log() {
  printf '%s %s\n' "$(date -u +%FT%TZ)" "$*"
}

# Sends a human monitor command and reads replies until the one with its id (QMP
# events and other replies are passed by). Sets `reply` to its text.
agent_hmp() {
  local id="od-$((++agent_seq))" line
  reply=''
  printf '{"execute":"human-monitor-command","arguments":{"command-line":"%s"},"id":"%s"}\n' "$1" "$id" >&4
  while IFS= read -r -t 10 line <&5; do
    [[ $line == *"\"id\": \"$id\""* ]] || continue
    if [[ $line =~ \"return\":\ \"(.*)\",\ \"id\" ]]; then
      reply=${BASH_REMATCH[1]}
      reply=${reply//\\r/}
      reply=${reply//\\n/ }
      reply=${reply% }
      return 0
    fi
    reply=$line
    return 1
  done
  reply='no answer from the QEMU monitor'
  return 1
}

# Makes the forwards match one `ports` line: the whole set the VM has now.
agent_apply_ports() {
  local -A want=()
  local item key proto port
  for item in "$@"; do
    [[ $item =~ ^(tcp|udp):([0-9]+)$ ]] && want[$item]=1
  done
  for key in "${!forwards[@]}"; do
    [[ -n ${want[$key]:-} ]] && continue
    if [[ ${forwards[$key]} == forwarded ]]; then
      agent_hmp "hostfwd_remove ${key%%:*}:127.0.0.1:${key#*:}" || true
      agent_log "stopped forwarding 127.0.0.1:${key#*:} (${key%%:*}): $reply"
    fi
    unset "forwards[$key]"
  done
  for key in "${!want[@]}"; do
    [[ ${forwards[$key]:-} == forwarded ]] && continue
    proto=${key%%:*} port=${key#*:}
    # A port taken here is tried again with every later line, in case it is freed.
    if agent_hmp "hostfwd_add $proto:127.0.0.1:$port-:$port" && [[ -z $reply ]]; then
      forwards[$key]=forwarded
      agent_log "forwarding 127.0.0.1:$port ($proto) to the VM's port $port"
    else
      [[ ${forwards[$key]:-} == taken ]] || agent_log "127.0.0.1:$port ($proto) is in use on this machine: not forwarded ($reply)"
      forwards[$key]=taken
    fi
  done
  agent_write_ports
}

# $state/ports: one forward a line, "PROTO ADDRESS:PORT GUEST_PORT STATE", the -p ones
# (state "option") first, then TCP and UDP by port.
agent_write_ports() {
  local key
  {
    [[ -f $state/ports.option ]] && cat "$state/ports.option"
    for key in "${!forwards[@]}"; do
      printf '%s 127.0.0.1:%s %s %s\n' "${key%%:*}" "${key#*:}" "${key#*:}" "${forwards[$key]}"
    done | sort -t: -k1,1 -k2,2n
  } >"$state/ports.tmp"
  mv -f "$state/ports.tmp" "$state/ports"
}

agent_main() {
  local line
  # The terminal that ran `start` may close; the VM stays.
  trap '' HUP INT
  declare -gA forwards=()
  agent_seq=0
  # QEMU holds every pipe open read-write, so these opens return at once while it runs,
  # and the reads end (EOF) when it exits.
  cat "$state/serial.out" >>"$state/serial.log" &
  exec 3<"$state/forward.out" 4<>"$state/monitor.in" 5<"$state/monitor.out"
  agent_log "agent $$ for QEMU $(cat "$state/qemu.pid" 2>/dev/null)"
  printf '%s\n' '{"execute":"qmp_capabilities"}' >&4
  agent_write_ports
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    case "$line" in
      'docker '*)
        printf '%s\n' "${line#docker }" >"$state/docker.tmp" && mv -f "$state/docker.tmp" "$state/docker"
        agent_log "Docker answers in the VM: $line" ;;
      ports | 'ports '*)
        # shellcheck disable=SC2086 # the words are the ports
        agent_apply_ports ${line#ports} ;;
      '') ;;
      *) agent_log "a line from the VM that is not understood: $line" ;;
    esac
  done
  agent_log "QEMU has exited"
  forwards=()
  agent_write_ports
  rm -f "$state/docker"
  wait
}

if [[ $command == _agent ]]; then
  agent_main
  exit 0
fi

# ---------------------------------------------------------------------------------
# Commands that only read a VM's state.

need_state() {
  [[ -d $state ]] || die "there is no VM named \"$name\" (in $state_root): \"$(basename "$0") start --name $name\" makes it"
}

print_env() {
  need_state
  read_vm_env || die "$state/vm.env is missing: start the VM once"
  printf 'export DOCKER_HOST=%q\n' "tcp://127.0.0.1:$vm_remote_port"
  printf 'export DOCKER_CERT_PATH=%q\n' "$vm_certs"
  printf 'export DOCKER_TLS_VERIFY=1\n'
  printf '# eval "$(%q env --name %q)" points the docker CLI at VM %s\n' "$self" "$name" "$name"
}

json_string() {
  local text=$1
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  printf '"%s"' "$text"
}

print_status() {
  local pid='' running=0 uptime=0 docker='' api='' proto address guest status first=1
  [[ -d $state ]] || {
    if [[ $json == 1 ]]; then printf '{"name":%s,"exists":false,"running":false}\n' "$(json_string "$name")"; else echo "$name: no such VM (in $state_root)"; fi
    return 1
  }
  read_vm_env || true
  if pid=$(qemu_pid); then running=1; fi
  if [[ $running == 1 && -n $vm_started ]]; then uptime=$(($(date +%s) - vm_started)); fi
  if [[ $running == 1 && -f $state/docker ]]; then read -r docker api <"$state/docker" || true; fi
  if [[ $json == 1 ]]; then
    printf '{"name":%s,"exists":true,"running":%s' "$(json_string "$name")" "$([[ $running == 1 ]] && echo true || echo false)"
    [[ $running == 1 ]] && printf ',"pid":%s,"uptimeSeconds":%s' "$pid" "$uptime"
    printf ',"docker":%s,"apiVersion":%s' "$( [[ -n $docker ]] && json_string "$docker" || echo null)" "$( [[ -n $api ]] && json_string "$api" || echo null)"
    printf ',"remotePort":%s,"sshPort":%s,"stateDir":%s,"disk":%s' "${vm_remote_port:-null}" "${vm_ssh_port:-null}" "$(json_string "$state")" "$(json_string "$vm_disk")"
    printf ',"network":%s' "$( [[ -n $vm_network ]] && json_string "$vm_network" || echo null)"
    printf ',"config":%s,"ports":[' "$( [[ -n $vm_config ]] && json_string "$vm_config" || echo null)"
    if [[ $running == 1 && -f $state/ports ]]; then
      while read -r proto address guest status; do
        [[ $first == 1 ]] || printf ','
        first=0
        printf '{"protocol":"%s","host":"%s","port":%s,"guestPort":%s,"status":"%s"}' "$proto" "${address%:*}" "${address##*:}" "$guest" "$status"
      done <"$state/ports"
    fi
    printf ']}\n'
  else
    if [[ $running == 1 ]]; then
      printf '%s: running (pid %s, up %ss)' "$name" "$pid" "$uptime"
      if [[ -n $docker ]]; then printf ', Docker %s (API %s)' "$docker" "$api"; else printf ', Docker not answering yet'; fi
      printf ', TLS on 127.0.0.1:%s\n' "$vm_remote_port"
    else
      printf '%s: not running\n' "$name"
    fi
    printf '  state: %s\n  disk:  %s\n' "$state" "${vm_disk:-none}"
    [[ -z $vm_config ]] || printf '  config: %s\n' "$vm_config"
    [[ -z $vm_network ]] || printf '  network: %s (eth1)\n' "$vm_network"
    [[ -z $vm_ssh_port ]] || printf '  ssh:   127.0.0.1:%s (%s ssh --name %s)\n' "$vm_ssh_port" "$(basename "$0")" "$name"
    if [[ $running == 1 && -s $state/ports ]]; then
      echo "  ports:"
      while read -r proto address guest status; do
        case "$status" in
          forwarded) status='forwarded while its container runs' ;;
          option) status='forwarded (-p)' ;;
          taken) status='NOT forwarded: the port is in use on this machine' ;;
        esac
        printf '    %s %s -> VM port %s: %s\n' "$proto" "$address" "$guest" "$status"
      done <"$state/ports"
    fi
  fi
  [[ $running == 1 ]]
}

show_logs() {
  need_state
  [[ -f $state/serial.log ]] || die "no serial log in $state yet"
  if [[ $follow == 1 ]]; then exec tail -n +1 -f "$state/serial.log"; fi
  cat "$state/serial.log"
}

# The serial console: what the VM writes comes from serial.log (the agent drains the
# port there, so nothing is lost while nobody is attached); keys go to serial.in one by
# one in raw mode, until Ctrl-] (as in telnet and virsh console) detaches.
attach_console() {
  local key saved='' tail_pid
  need_state
  qemu_pid >/dev/null || die "VM \"$name\" is not running"
  [[ -t 0 ]] || die "console needs a terminal"
  echo "run.sh: the console of VM \"$name\"; detach with Ctrl-] (the VM keeps running)" >&2
  tail -n 40 -f "$state/serial.log" &
  tail_pid=$!
  saved=$(stty -g)
  # shellcheck disable=SC2064 # the saved settings are the ones to restore
  trap "stty '$saved'; kill $tail_pid 2>/dev/null; echo; echo 'run.sh: detached' >&2" EXIT
  stty raw -echo
  exec 6<>"$state/serial.in"
  while IFS= read -r -s -n 1 -d '' key; do
    [[ $key == $'\x1d' ]] && break
    if [[ -z $key ]]; then printf '\0' >&6; else printf '%s' "$key" >&6; fi
    qemu_pid >/dev/null || break
  done
}

# A shell in the console over SSH: the port of the VM's last start; its host key is
# kept in the state directory, accepted at the first login and checked at every later
# one (start forgets it when the VM's keys are new: no disk, or a new disk).
ssh_into_vm() {
  local ssh_cli
  need_state
  read_vm_env || die "$state/vm.env is missing: start the VM once"
  qemu_pid >/dev/null || die "VM \"$name\" is not running: \"$(basename "$0") start --name $name\" first"
  [[ -n $vm_ssh_port ]] || die "VM \"$name\" was started without an SSH port (--no-ssh): start it again without that option"
  ssh_cli=$(command -v ssh) || die "ssh not found: install the OpenSSH client (Debian/Ubuntu: apt-get install openssh-client)"
  exec "$ssh_cli" -p "$vm_ssh_port" -o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$state/known_hosts" root@127.0.0.1 "${extra[@]}"
}

case "$command" in
  env) print_env; exit 0 ;;
  ssh) ssh_into_vm ;;
  status) if print_status; then exit 0; else exit 1; fi ;;
  logs) show_logs; exit 0 ;;
  console) attach_console; exit 0 ;;
esac

# ---------------------------------------------------------------------------------
# stop: the power button, a wait for the power-off, and only then a kill.

stop_vm() {
  local pid waited=0 limit=${timeout:-120}
  need_state
  if ! pid=$(qemu_pid); then
    echo "run.sh: VM \"$name\" is not running"
    return 0
  fi
  say "pressing the power button of VM \"$name\" (QEMU pid $pid); waiting up to ${limit}s for it to power off"
  # Negotiation again is harmless (QEMU answers that it is done already) and makes the
  # power button work even if the agent never got to it.
  qmp_send '{"execute":"qmp_capabilities"}'
  qmp_send '{"execute":"system_powerdown"}'
  while kill -0 "$pid" 2>/dev/null && ((waited < limit * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "VM \"$name\" did not power off within ${limit}s: killing QEMU (pid $pid); the disk was not unmounted cleanly and is checked at the next boot"
    kill "$pid" 2>/dev/null || true
    sleep 2
    kill -9 "$pid" 2>/dev/null || true
  else
    echo "run.sh: VM \"$name\" powered off cleanly after $((waited / 10)).$((waited % 10))s"
  fi
  rm -f "$state/qemu.pid"
}

if [[ $command == stop ]]; then
  stop_vm
  exit 0
fi

# ---------------------------------------------------------------------------------
# Booting: the foreground and start share QEMU's arguments.

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 ||
  die "$qemu not found: install QEMU (Debian/Ubuntu: apt-get install qemu-system-x86)"

# Where the kernel is: OD_DIST, else the directory above this script (dist/ of a
# release), else dist/ of a repository checkout (kvm/run.sh run in place).
dist=${OD_DIST:-$(cd "$here/.." && pwd)}
if [[ -z ${OD_DIST:-} && ! -f $dist/vmlinuz && -f $dist/dist/vmlinuz ]]; then dist=$dist/dist; fi

# Finds mkfs.ext4 also where a user's PATH may not look (it lives in /sbin).
find_mkfs() {
  local dir
  command -v mkfs.ext4 2>/dev/null && return 0
  for dir in /usr/sbin /sbin /usr/local/sbin; do
    [[ -x $dir/mkfs.ext4 ]] && { echo "$dir/mkfs.ext4"; return 0; }
  done
  return 1
}

create_disk() {
  local mkfs
  mkfs=$(find_mkfs) || die "mkfs.ext4 not found, needed to create the disk $disk: install e2fsprogs (apt-get install e2fsprogs), or run with --no-disk"
  say "creating the persistent disk $disk ($disk_size, sparse, ext4 labelled DOCKER)"
  mkdir -p "$(dirname "$disk")"
  truncate -s "$disk_size" "$disk.tmp" || die "cannot create $disk ($disk_size)"
  # Written under a temporary name so an interrupted format never leaves a half disk.
  "$mkfs" -q -F -L DOCKER "$disk.tmp" || { rm -f "$disk.tmp"; die "mkfs.ext4 failed on $disk"; }
  mv "$disk.tmp" "$disk"
  disk_created=1
}
disk_created=0

# KVM is used only when it can actually start a vCPU: on some hosts /dev/kvm opens but
# "-cpu host" aborts (e.g. failing to set MSR 0x10a); that is caught here, before boot.
kvm_works() {
  [[ -r /dev/kvm && -w /dev/kvm ]] || { kvm_problem="/dev/kvm is missing or not accessible"; return 1; }
  local out
  if out=$(echo quit | timeout 20 "$qemu" -accel kvm -cpu host -S -nodefaults -no-user-config \
    -display none -monitor stdio 2>&1 >/dev/null); then
    return 0
  fi
  kvm_problem=$(printf '%s\n' "$out" | grep -v '^QEMU\|^(qemu)' | head -n 1)
  kvm_problem=${kvm_problem:-QEMU could not start a KVM vCPU}
  return 1
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The first port from $1 on that nothing on localhost answers and that is not $2.
free_port_from() {
  local port=$1
  while [[ $port == "${2:-}" ]] || port_in_use "$port"; do
    ((port < 65535)) || return 1
    port=$((port + 1))
  done
  echo "$port"
}

# The --config file, checked now (QEMU's own message would be terse, and come late) and
# made absolute (a later start may run from another directory).
absolute_config() {
  local file=$1 what=$2
  [[ -e $file ]] || die "$what $file does not exist"
  [[ -f $file ]] || die "$what $file is not a regular file"
  [[ -r $file ]] || die "$what $file cannot be read (its permissions)"
  printf '%s/%s\n' "$(cd "$(dirname "$file")" && pwd)" "$(basename "$file")"
}

if [[ $command == start ]] && pid=$(qemu_pid); then
  say "VM \"$name\" is already running (QEMU pid $pid): \"$(basename "$0") status --name $name\" tells more"
  exit 0
fi

# The state of a background VM: its disk and remote port are kept from the last start.
if [[ $command == start ]]; then
  [[ $state != *,* ]] || die "QEMU cannot use a path with a comma: $state (set OD_STATE_DIR)"
  read_vm_env || true
  if [[ $dry_run == 0 ]]; then mkdir -p "$state" && chmod 700 "$state" || die "cannot create the state directory $state"; fi
  if [[ -z $disk ]]; then
    if [[ -n $vm_disk ]]; then
      disk=$vm_disk
    elif [[ $name == only-docker && ! -e $state/docker.img && -f $here/docker.img ]]; then
      # The disk of the foreground boot, from before start existed: its images stay.
      disk=$here/docker.img
      say "using the existing disk $disk (of the foreground boot) for VM \"$name\""
    else
      disk=$state/docker.img
    fi
  fi
  [[ $use_disk == 1 ]] || disk=''
  certs=${certs:-$state/certs}
  # The configuration stays with the VM, like its disk: the next start uses it again.
  if [[ -z $config && $no_config == 0 && -n $vm_config ]]; then
    [[ -e $vm_config ]] || die "the configuration file $vm_config of VM \"$name\" (from its last start) is gone: give --config FILE, or --no-config to start without one"
    config=$vm_config
  fi
  # The network too.
  if [[ -z $network && $no_network == 0 ]]; then network=$vm_network; fi
  if [[ -z $remote_port ]]; then
    # The port of the last start when it is still free, else 2376 or the next free one.
    remote_port=$(free_port_from "${vm_remote_port:-2376}") || die "no free port for the remote API: give one with --remote-port"
  fi
else
  disk=${disk:-$here/docker.img}
  certs=${certs:-$here/certs}
  remote_port=${remote_port:-2376}
fi

# The SSH port: like the remote API's with start (the last start's when still free), and
# the next free one in the foreground too, where a fixed port would stop a second VM.
# lima and colima choose theirs the same way: people use "ssh", not the number.
if [[ $use_ssh == 1 ]]; then
  if [[ -z $ssh_port ]]; then
    ssh_port=$(free_port_from "${vm_ssh_port:-2222}" "$remote_port") || die "no free port for SSH: give one with --ssh-port, or --no-ssh"
  fi
  [[ $ssh_port != "$remote_port" ]] || die "--ssh-port $ssh_port is the remote API's port too: choose another"
fi

if [[ -n $config ]]; then config=$(absolute_config "$config" "--config:") || exit 1; fi

kvm_problem=''
# TCG on one host thread: under multi-threaded TCG Debian's kernel sometimes runs a stale
# translation of code it has just patched (a static key's temporary int3) and panics.
tcg_args=(-accel tcg,thread=single)
case "$accel" in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  tcg) accel_args=("${tcg_args[@]}") ;;
  auto)
    if kvm_works; then
      accel_args=(-accel kvm -cpu host)
    else
      say "KVM is not usable ($kvm_problem); using TCG emulation, which is much slower (--accel to choose)"
      accel_args=("${tcg_args[@]}")
    fi ;;
esac

# User-mode networking (the guest's DHCP client gets 10.0.2.15) with the forwarded
# ports, on 127.0.0.1 unless the user names another address: nothing in the VM should
# face the network by surprise.
nic=user,model=virtio-net-pci
option_ports=''
for port in "${ports[@]}"; do
  proto=tcp
  spec=$port
  case "$spec" in tcp:* | udp:*) proto=${spec%%:*}; spec=${spec#*:} ;; esac
  [[ $spec =~ ^(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}):)?([0-9]+):([0-9]+)$ ]] ||
    die "--port takes [ADDR:]HOST:GUEST (or udp:[ADDR:]HOST:GUEST), not \"$port\""
  address=${BASH_REMATCH[2]:-127.0.0.1}
  nic="$nic,hostfwd=$proto:$address:${BASH_REMATCH[3]}-:${BASH_REMATCH[4]}"
  option_ports+="$proto $address:${BASH_REMATCH[3]} ${BASH_REMATCH[4]} option"$'\n'
done

# The remote API: localhost only on this side (TLS with client certificates guards it
# anyway, but nobody else on the network needs to knock), 2376 in the guest.
if [[ $remote == 1 ]]; then
  nic="$nic,hostfwd=tcp:127.0.0.1:$remote_port-:2376"
fi
# The console's SSH server (port 22; it runs when the configuration has authorized
# keys), on localhost only like the API.
if [[ $use_ssh == 1 ]]; then
  nic="$nic,hostfwd=tcp:127.0.0.1:$ssh_port-:22"
fi

args=(
  "${accel_args[@]}"
  -m "$memory"
  -smp "$cpus"
)
if [[ $command == foreground ]]; then
  args+=(-nographic)
else
  # No screen; the serial port, QEMU's monitor (QMP) and the init's port channel are
  # pipe pairs in the state directory (QEMU reads NAME.in and writes NAME.out).
  args+=(
    -display none
    -name "only-docker-$name"
    -chardev "pipe,id=serial0,path=$state/serial"
    -serial chardev:serial0
    -chardev "pipe,id=monitor0,path=$state/monitor"
    -mon chardev=monitor0,mode=control
    -device virtio-serial-pci
    -chardev "pipe,id=forward0,path=$state/forward"
    -device "virtserialport,chardev=forward0,name=$FORWARD_PORT_NAME"
    -daemonize
    -pidfile "$state/qemu.pid"
  )
fi
# A stable number from a text: the same on every machine and every run (POSIX cksum's CRC).
text_hash() {
  local sum
  sum=$(printf '%s' "$1" | cksum)
  echo "${sum%% *}"
}

# --network NAME: a second card on a virtual Ethernet segment that every VM started with
# the same NAME shares, and nothing else: QEMU's socket netdev sends the frames to a
# multicast group on the loopback (239.255.X.Y:PORT, X.Y and PORT from a hash of NAME),
# so they never leave this machine. QEMU gives every VM the same MAC by default, which
# breaks a shared segment: both cards get one derived from the VM (its name with
# start, its disk in the foreground), 52:54:00:... for the first, 52:54:0d:... for this.
network_args() {
  local net vm group port
  net=$(text_hash "$network")
  vm=$(text_hash "${1:?}")
  group="239.255.$(((net >> 8) & 255)).$((net & 255))"
  port=$((20000 + (net >> 16) % 10000))
  mac_suffix=$(printf '%02x:%02x:%02x' $(((vm >> 16) & 255)) $(((vm >> 8) & 255)) $((vm & 255)))
  nic="$nic,mac=52:54:00:$mac_suffix"
  network_qemu_args=(
    -netdev "socket,id=cluster,mcast=$group:$port,localaddr=127.0.0.1"
    -device "virtio-net-pci,netdev=cluster,mac=52:54:0d:$mac_suffix"
  )
}
network_qemu_args=()
if [[ -n $network ]]; then
  if [[ $command == start ]]; then network_args "vm $name"; elif [[ $use_disk == 1 ]]; then network_args "disk $disk"; else network_args "pid $$"; fi
fi

args+=(-nic "$nic" "${network_qemu_args[@]}")

if [[ -n $iso ]]; then
  [[ $iso == default ]] && iso=$dist/only-docker.iso
  [[ -f $iso ]] || die "the ISO $iso does not exist (build it with \"make iso\")"
  [[ -z ${append// /} ]] || say "--append is ignored with --iso: the ISO's boot menu has the command line"
  args+=(-cdrom "$iso" -boot d)
else
  for file in vmlinuz initrd.img; do
    [[ -f $dist/$file ]] || die "$dist/$file does not exist: run \"make build\" in the repository, or unpack a release and run its dist/kvm/run.sh"
  done
  # Before --append, so that an od.remote=off there still wins (the last one counts).
  if [[ $remote == 1 ]]; then append=" od.remote=tls$append"; fi
  cmdline="$DEFAULT_CMDLINE${append}"
  args+=(-kernel "$dist/vmlinuz" -initrd "$dist/initrd.img" -append "${cmdline# }")
fi

if [[ $use_disk == 1 ]]; then
  if [[ ! -e $disk ]]; then
    if [[ $dry_run == 1 ]]; then
      say "would create $disk ($disk_size, ext4 labelled DOCKER)"
    else
      create_disk
    fi
  fi
  args+=(-drive "file=$disk,format=raw,if=virtio")
fi

# The certificate share: the init finds it by its tag (odcerts) and copies client/
# into it. security_model=none: files are created as the user running QEMU, with the
# modes the guest gives them (key.pem 0600), and no xattrs are needed on this side.
if [[ $remote == 1 ]]; then
  if [[ $dry_run == 0 ]]; then
    mkdir -p "$certs" && chmod 700 "$certs" || die "cannot create the certificate directory $certs (--certs)"
  fi
  certs=$(cd "$certs" 2>/dev/null && pwd || echo "$certs")
  [[ $certs != *,* ]] || die "QEMU cannot share a directory whose path has a comma: $certs (--certs)"
  args+=(-virtfs "local,path=$certs,mount_tag=odcerts,security_model=none,id=odcerts")
fi

# The configuration file by fw_cfg: the init reads it from
# /sys/firmware/qemu_fw_cfg/by_name/opt/org.only-docker/config/raw (the same name is in
# init/config/user-config-sources/fw-cfg-source.ts). A comma in the path is doubled:
# that is how QEMU's option syntax escapes it.
if [[ -n $config ]]; then
  args+=(-fw_cfg "name=opt/org.only-docker/config,file=${config//,/,,}")
fi

args+=("${extra[@]}")

if [[ $dry_run == 1 ]]; then
  printf '%q' "$qemu"
  printf ' %q' "${args[@]}"
  printf '\n'
  exit 0
fi

if [[ $remote == 1 ]] && port_in_use "$remote_port"; then
  # Something already answering there would make QEMU fail with a terse message.
  die "port $remote_port on localhost is in use (another only-docker?): choose another with --remote-port, or --no-remote"
fi
if [[ $use_ssh == 1 ]] && port_in_use "$ssh_port"; then
  die "port $ssh_port on localhost is in use: choose another with --ssh-port, or --no-ssh"
fi

if [[ $command == foreground ]]; then
  if [[ $remote == 1 ]]; then
    [[ -z $iso ]] || say "with --iso the boot menu's command line counts: add od.remote=tls there for the remote API"
    say "the VM's Docker API will be on localhost:$remote_port (TLS); once it has booted, from this machine:"
    printf 'run.sh:   export DOCKER_HOST=tcp://localhost:%s DOCKER_CERT_PATH=%q DOCKER_TLS_VERIFY=1\n' "$remote_port" "$certs" >&2
  fi
  if [[ $use_ssh == 1 ]]; then
    say "SSH into the console (with ssh.authorized_keys in the configuration): ssh -p $ssh_port root@127.0.0.1"
  fi
  say "only-docker's serial console follows; quit with Ctrl-a x"
  # exec: QEMU takes this process's place, so a signal to it reaches QEMU.
  exec "$qemu" "${args[@]}"
fi

# ---------------------------------------------------------------------------------
# start: QEMU in the background, the agent beside it, then a wait for Docker.

for pipe in serial monitor forward; do
  rm -f "$state/$pipe.in" "$state/$pipe.out"
  mkfifo -m 600 "$state/$pipe.in" "$state/$pipe.out" || die "cannot make the pipes in $state"
done
rm -f "$state/docker" "$state/qemu.pid" "$state/ports"
: >"$state/serial.log"
printf '%s' "$option_ports" >"$state/ports.option"
{
  echo "disk=$disk"
  echo "remote_port=$remote_port"
  echo "certs=$certs"
  echo "started=$(date +%s)"
  echo "dist=$dist"
  echo "accel=${accel_args[1]}"
  echo "config=$config"
  echo "network=$network"
  echo "ssh_port=$ssh_port"
} >"$state/vm.env"
# The SSH host keys live on the DOCKER disk: without one they are new at each boot, and
# a new disk has none yet. The key remembered for the last boot would only make ssh
# refuse the new one as an attack.
if [[ $use_disk == 0 || $disk_created == 1 ]]; then rm -f "$state/known_hosts"; fi

started_ms=$(date +%s%N)
say "starting VM \"$name\" in the background (state in $state)"
# -daemonize: QEMU detaches (a session of its own) once its devices are set up, so an
# error in the arguments still comes back here.
if ! "$qemu" "${args[@]}" >"$state/qemu.log" 2>&1; then
  cat "$state/qemu.log" >&2
  die "QEMU did not start (its output above, and in $state/qemu.log)"
fi
pid=$(qemu_pid) || die "QEMU started but left no running process (see $state/qemu.log)"

# The agent in a session of its own too, so that closing this terminal leaves it.
agent=("$self" _agent --name "$name")
if command -v setsid >/dev/null 2>&1; then agent=(setsid "${agent[@]}"); fi
OD_STATE_DIR=$state_root nohup "${agent[@]}" </dev/null >>"$state/agent.log" 2>&1 &
echo $! >"$state/agent.pid"

# Ready when the init reports Docker on the port channel (it does so once the remote
# API serves its final certificate) and, with a docker CLI, when that CLI gets an answer
# over TLS through the context.
limit=${timeout:-600}
docker_cli=$(command -v docker || true)
context_done=0
say "waiting up to ${limit}s for Docker in the VM (serial log: $(basename "$0") logs --name $name)"
while :; do
  if ! qemu_pid >/dev/null; then
    tail -n 30 "$state/serial.log" >&2 || true
    die "QEMU exited during the boot (the serial log's end above; all of it in $state/serial.log)"
  fi
  # The init's own word that the boot failed (its emergency shell is on the console):
  # no point waiting on.
  if [[ $(<"$state/serial.log") == *'{"od":"boot","status":"failed"'* ]]; then
    tail -n 30 "$state/serial.log" >&2 || true
    die "the boot of VM \"$name\" failed (the serial log's end above); it still runs with the init's emergency shell: \"$(basename "$0") console --name $name\" to look, \"stop\" to end it"
  fi
  elapsed_ms=$((($(date +%s%N) - started_ms) / 1000000))
  ((elapsed_ms < limit * 1000)) || die "Docker did not answer within ${limit}s; the VM is still running: see \"$(basename "$0") logs --name $name\", or \"stop\""
  if [[ -s $state/docker ]]; then
    [[ -n $docker_cli ]] || break
    if [[ $context_done == 0 ]]; then
      endpoint="host=tcp://127.0.0.1:$remote_port,ca=$certs/ca.pem,cert=$certs/cert.pem,key=$certs/key.pem"
      if "$docker_cli" context inspect "$name" >/dev/null 2>&1; then
        "$docker_cli" context update "$name" --docker "$endpoint" >/dev/null || die "docker context update $name failed"
      else
        "$docker_cli" context create "$name" --description "only-docker VM $name (run.sh)" --docker "$endpoint" >/dev/null || die "docker context create $name failed"
      fi
      context_done=1
    fi
    "$docker_cli" --context "$name" version >/dev/null 2>&1 && break
  fi
  sleep 0.5
done

read -r docker_version api_version <"$state/docker" || true
elapsed_ms=$((($(date +%s%N) - started_ms) / 1000000))
echo "run.sh: VM \"$name\" is up: Docker ${docker_version:-?} (API ${api_version:-?}) answers on 127.0.0.1:$remote_port over TLS, $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s after start"
if [[ -n $docker_cli ]]; then
  echo "  docker --context $name ps                  the docker context $name (or: docker context use $name)"
fi
echo "  eval \"\$($self env --name $name)\"   DOCKER_HOST and the certificates for this shell"
echo "  docker run -d -p 8080:80 IMAGE   published ports appear on 127.0.0.1 here by themselves"
if [[ $use_ssh == 1 ]]; then
  echo "  $(basename "$0") ssh --name $name   a shell in the console over SSH (127.0.0.1:$ssh_port; needs ssh.authorized_keys in the configuration)"
fi
echo "  $(basename "$0") status|console|logs|stop --name $name"
