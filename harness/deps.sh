#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what building, booting and testing need, from Debian 12's
# packages, if it is missing.
set -euo pipefail

pkgs=(
	# the base kernel and building it
	linux-source-6.12 xz-utils gcc make flex bison bc libelf-dev
	libssl-dev ccache git python3 kmod cpio
	# the VM, and the tools the tests use inside it (the VM's root is ours)
	qemu-system-x86 iproute2 iputils-ping tcpdump util-linux procps ethtool
	# the gates: sparse, docutils for the rst, ply and git for checkpatch's SPDX check
	sparse python3-docutils python3-ply python3-git
	# the spec gate: ynl's loader validates rt_link.yaml with jsonschema
	python3-jsonschema
	# make bench: the chart, the peers (clang builds the BPF one in the VM)
	gnuplot-nox nftables clang
	# the iproute2 series on Debian's source package (iproute2.sh), and
	# the selftest's netlink cases (jq; ynl needs python3-yaml)
	dpkg-dev pkg-config libmnl-dev jq python3-yaml
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2> /dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
	--no-install-recommends "${missing[@]}"
