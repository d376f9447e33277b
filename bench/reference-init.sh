#!/bin/sh
# The boot benchmark's reference /init: the boot the only-docker init does, step by
# step, written the way a plain busybox shell init would do it (one command after the
# other, the docker CLI for everything, polling with sleep). It is put in an initrd that
# is otherwise byte for byte the real one (bench/), and prints the same event
# lines as the real init (init/README.md) so one parser reads both boots.
#
# Not a product: no supervision, no error recovery beyond carrying on.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

# Milliseconds since power-on, from /proc/uptime (hundredths); 0 before /proc is there.
now_ms() {
  if read -r up _ 2>/dev/null </proc/uptime; then
    # "1$frac - 100" keeps a fraction like "08" from being read as octal.
    echo $((${up%.*} * 1000 + (1${up#*.} - 100) * 10))
  else
    echo 0
  fi
}

say() { echo "reference-init: $*"; }

step_start() {
  step_name=$1
  step_t0=$(now_ms)
  echo "{\"od\":\"step\",\"name\":\"$1\",\"status\":\"start\"}"
}

step_end() {
  echo "{\"od\":\"step\",\"name\":\"$step_name\",\"status\":\"${1:-done}\",\"ms\":$(($(now_ms) - step_t0))}"
}

boot_t0=$(now_ms)
say "reference shell init running as PID $$"

step_start mountPseudoFilesystems
mount -t proc -o nosuid,nodev,noexec proc /proc
# The clock comes from /proc: the few ms before it was mounted are not counted.
[ "$step_t0" = 0 ] && step_t0=$(now_ms) && boot_t0=$step_t0
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=666,gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mkdir -p /var/log /tmp
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup
step_end

step_start protectInit
echo -1000 >/proc/1/oom_score_adj
step_end

step_start loadModules
modules=/lib/modules/$(uname -r)
loaded=0
failed=0
if [ -r "$modules/only-docker.load" ]; then
  while read -r module; do
    case $module in '' | '#'*) continue ;; esac
    if insmod "$modules/$module" 2>/dev/null; then
      loaded=$((loaded + 1))
    else
      failed=$((failed + 1))
    fi
  done <"$modules/only-docker.load"
  say "kernel $(uname -r): $loaded modules loaded, $failed not (already there or no device)"
  step_end
else
  step_end skipped
fi

# The same rule as the real init's (init/steps/mount-system-image.ts): with a system
# image, Docker's binaries are in it and the first segment links into its mount point;
# an unpacked initrd has neither the image nor the mount point, and there is nothing to do.
step_start mountSystemImage
if [ ! -e /usr/lib/only-docker/system.img ] && [ ! -d /usr/lib/only-docker/system ]; then
  step_end skipped
elif mount -t squashfs -o ro,nodev,nosuid,loop /usr/lib/only-docker/system.img /usr/lib/only-docker/system; then
  step_end
else
  say "cannot mount the system image: Docker is not there"
  step_end failed
fi

step_start setHostname
hostname "$(cat /etc/hostname 2>/dev/null || echo only-docker)"
step_end

step_start loopbackUp
ip link set lo up
step_end

step_start mountDockerDisk
if disk=$(findfs LABEL=DOCKER 2>/dev/null) && mount -t ext4 "$disk" /var/lib/docker; then
  say "Docker's disk $disk mounted on /var/lib/docker"
  step_end
else
  say "no disk labelled DOCKER: Docker keeps everything in RAM"
  step_end skipped
fi

step_start startDockerd
ulimit -n 1048576
ulimit -u unlimited
env -i PATH="$PATH" DOCKER_RAMDISK=1 HOME=/ dockerd >>/var/log/docker.log 2>&1 &
echo -500 >/proc/$!/oom_score_adj
until ready=$(docker version --format '{{.Server.Version}} {{.Server.APIVersion}}' 2>/dev/null); do
  sleep 0.1
done
echo "{\"od\":\"docker\",\"status\":\"ready\",\"version\":\"${ready% *}\",\"apiVersion\":\"${ready#* }\"}"
step_end

step_start loadBundledImages
for archive in /usr/share/only-docker/images/*.tar; do
  [ -f "$archive" ] && docker load -q -i "$archive"
done
step_end

# The bundled images are tagged with the release version, which os-release carries.
. /etc/os-release
net=/run/only-docker/net
step_start runDhcp
dhcp_t0=$(now_ms)
mkdir -p "$net"
# The flags of the init's DHCP container (init/net/dhcp-container.ts).
docker run -d --name dhcp --restart unless-stopped --net host --cap-add NET_ADMIN \
  -e DHCP_INTERFACE=eth0 -e "DHCP_STATE_DIR=$net" -e "DHCP_HOSTNAME=$(hostname)" \
  --label io.only-docker.role=dhcp -v "$net:$net" "only-docker/dhcp:$VERSION_ID" >/dev/null
waited=0
until [ -f "$net/lease.json" ] || [ $waited -ge 600 ]; do
  sleep 0.1
  waited=$((waited + 1))
done
if [ -f "$net/lease.json" ]; then
  ln -sfn "$net/resolv.conf" /etc/resolv.conf
  ip=$(sed -n 's/.*"ip": *"\([^"]*\)".*/\1/p' "$net/lease.json")
  interface=$(sed -n 's/.*"interface": *"\([^"]*\)".*/\1/p' "$net/lease.json")
  echo "{\"od\":\"dhcp\",\"status\":\"bound\",\"interface\":\"$interface\",\"ip\":\"$ip\",\"ms\":$(($(now_ms) - dhcp_t0))}"
  step_end
else
  say "no DHCP lease within 60 s"
  step_end failed
fi

# The console container on the serial console: cttyhack opens the terminal the kernel's
# console is on (ttyS0) and makes it the controlling tty, in a new session (setsid).
tty=$(sed 's/.* //' /sys/class/tty/console/active 2>/dev/null)
step_start startConsole
# Like the init: kernel messages below errors go to dmesg only from now on, so container
# start-up (veth, bridge) does not fill the console the prompt appears on.
echo 4 >/proc/sys/kernel/printk
# The flags of the init's console container (init/supervise/console-container.ts).
(
  while :; do
    rm -f /run/console.cid
    setsid cttyhack docker run --name console --rm -it --cidfile /run/console.cid \
      -e TERM=xterm --label "io.only-docker.console=${tty:-console}" \
      --privileged --net host --pid host \
      -v /var/run/docker.sock:/var/run/docker.sock \
      -v /dev:/dev \
      -v /var/lib/docker:/var/lib/docker \
      -v /root:/root \
      -v /usr/bin/docker:/usr/local/bin/docker:ro \
      "only-docker/console:$VERSION_ID"
    sleep 1
  done
) &
# Running once runc has its state directory (files only: no docker CLI in the way).
waited=0
until [ -s /run/console.cid ] && [ -d "/run/docker/runtime-runc/moby/$(cat /run/console.cid)" ] || [ $waited -ge 600 ]; do
  sleep 0.1
  waited=$((waited + 1))
done
echo "{\"od\":\"console\",\"status\":\"ready\",\"tty\":\"${tty:-console}\",\"ms\":$(($(now_ms) - boot_t0)),\"image\":\"only-docker/console:$VERSION_ID\"}"
step_end

echo "{\"od\":\"boot\",\"status\":\"done\",\"ms\":$(($(now_ms) - boot_t0))}"

# PID 1 must never exit; wait also reaps the children this shell started.
while :; do
  wait
  sleep 60
done
