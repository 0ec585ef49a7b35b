#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.sh OBJDIR [--shell] [SCRIPT [ARGS...]]: boot the kernel built in
# OBJDIR under QEMU with the host's root read-only over virtio-9p (as
# virtme-ng does), its modules at /lib/modules, and no NIC. Runs SCRIPT as
# root in the VM, streams its output and exits with its status; with
# --shell, then gives a shell on this terminal.
#
# A VM that panics, WARNs (panic_on_warn) or hangs past VM_TIMEOUT
# seconds fails, with its console kept in OBJDIR/console.log.
# VM_PANIC_ON_WARN=0 lets it run on past a WARN (the debug run scans the
# console instead); VM_CONSOLE=FILE keeps the console there instead, so
# that two VMs can boot one kernel at once; VM_NICS=1 adds two pairs of virtio-net NICs, each pair
# joined by a QEMU hub (MACs 52:54:00:12:00:00..03; 00-01 and 02-03).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
obj=$(cd "$1" && pwd)
shift
log=${VM_CONSOLE:-$obj/console.log}
timeout=${VM_TIMEOUT:-1800}

# One host thread runs both vCPUs in turn: with a thread per vCPU
# (thread=multi), QEMU 7.2 let a vCPU run code another had just patched
# through int3 (text_poke_bp(), a static key turning on), an "Oops:
# int3" in netif_rx_internal() seen once in a topology case
accel="-accel tcg,thread=single -cpu max"
# KVM hangs guests in decompression on some hosts: only with VM_KVM=1
[ "${VM_KVM:-0}" = 1 ] && accel="-accel kvm -cpu host"
# VM_ICOUNT=1: the guest's clock counts instructions (1 ns each), so that
# rates measured inside are instructions per frame, whatever the host does
[ "${VM_ICOUNT:-0}" = 1 ] && accel="-accel tcg,thread=single -cpu max -icount shift=0,sleep=off"

mods=()
if [ -d "$obj/modroot/lib/modules" ]; then
	mods=(-fsdev "local,id=mods,path=$obj/modroot/lib/modules,security_model=none,readonly=on"
	      -device virtio-9p-pci,fsdev=mods,mount_tag=modules)
fi

nics=()
if [ "${VM_NICS:-0}" = 1 ]; then
	for i in 0 1 2 3; do
		nics+=(-netdev "hubport,id=nic$i,hubid=$((i / 2))"
		       -device "virtio-net-pci,netdev=nic$i,mac=52:54:00:12:00:0$i,romfile=")
	done
fi

interactive=0
if [ "${1:-}" = --shell ]; then
	shift
	[ -t 0 ] || { echo "vm: --shell needs a terminal" >&2; exit 2; }
	interactive=1
fi
[ $# -gt 0 ] || [ $interactive = 1 ] || { echo "vm: nothing to run" >&2; exit 2; }

cmdline="console=ttyS0 root=/dev/root rootfstype=9p"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=512000 ro"
# loglevel=5: warnings reach the console; WARN(), lockdep and RCU
# reports are KERN_WARNING, and the debug run's scan must see them
cmdline+=" panic=-1 panic_on_warn=${VM_PANIC_ON_WARN:-1} oops=panic loglevel=5"
cmdline+=" init=$top/harness/vm/vm-init -- $interactive $top $(pwd)"
# Each argument in base64; an empty one as "-", which base64 never is
for a in "$@"; do
	a=$(printf %s "$a" | base64 -w0)
	cmdline+=" ${a:--}"
done

# Two sockets of one core: the lean kernel has no ACPI, and SeaBIOS's MP
# table lists one CPU per socket, so "-smp 2" alone boots one CPU. The
# icount benchmark keeps the one CPU it was measured with.
# VM_CPUS=1 boots one.
smp="${VM_CPUS:-2},sockets=${VM_CPUS:-2},cores=1,threads=1"
[ "${VM_ICOUNT:-0}" = 1 ] && smp=2
qemu=(qemu-system-x86_64 $accel -smp "$smp" -m 2G -no-reboot -nic none
      -kernel "$obj/arch/x86/boot/bzImage" -append "$cmdline"
      -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
      -device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
      -fsdev "local,id=project,path=$top,security_model=none,readonly=on,multidevs=remap"
      -device virtio-9p-pci,fsdev=project,mount_tag=project
      "${mods[@]}" "${nics[@]}")

if [ $interactive = 1 ]; then
	exec "${qemu[@]}" -nographic
fi

set +e
timeout --foreground -k 10 "$timeout" "${qemu[@]}" -display none -serial stdio \
	-monitor none < /dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" | sed -u '/^mirror-vm: /d'
qrc=${PIPESTATUS[0]}
set -e
status=$(sed -n 's/^mirror-vm: exit status \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$status" ]; then
	if [ "$qrc" = 124 ]; then
		echo "vm: timed out after ${timeout}s; console in $log" >&2
	else
		echo "vm: the VM died (panic or WARN?); console in $log" >&2
	fi
	exit 1
fi
exit "$status"
