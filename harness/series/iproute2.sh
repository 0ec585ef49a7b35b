#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build `ip` with the iproute2 series (iproute2/patches) into
# build/iproute2/ip/ip, from Debian 12's iproute2 source package: the
# release the series applies to, with Debian's own patches.
#
# The source comes through a private sources list with its own state
# directory, so that the system's package lists are left as they are.
# The unpacked tree is a git repository: base, then one commit per patch
# (git am), which `make series` and the series gate use too.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
apt=$top/build/apt-src
tree=$top/build/iproute2
version=6.1.0-3

fetch() {
	local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list"
		    -o "Dir::Etc::sourceparts=-"
		    -o "Dir::State::Lists=$apt/lists"
		    -o "Dir::Cache=$apt/cache"
		    -o "APT::Get::List-Cleanup=0"
		    -o "APT::Sandbox::User=root")

	mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/dl"
	echo "deb-src http://deb.debian.org/debian bookworm main" > "$apt/sources.list"
	apt-get -q "${opts[@]}" update > "$apt/update.log"
	(cd "$apt/dl" && apt-get -q "${opts[@]}" source --download-only \
		"iproute2=$version" > "$apt/source.log")
}

unpack() {
	local dsc=$apt/dl/iproute2_$version.dsc

	[ -f "$dsc" ] || fetch
	rm -rf "$tree" "$tree.tmp"
	dpkg-source --no-check -x "$dsc" "$tree.tmp" > /dev/null
	# Debian's patches are applied; its packaging is not iproute2's
	rm -rf "$tree.tmp/debian" "$tree.tmp/.pc"
	mv "$tree.tmp" "$tree"
	git -C "$tree" init -q
	git -C "$tree" add -A -f
	git -C "$tree" -c user.name=base -c user.email=base@localhost \
		commit -q -m "iproute2 $version (Debian bookworm)"
	git -C "$tree" tag base
}

apply_series() {
	local p

	git -C "$tree" reset -q --hard base
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		git -C "$tree" -c user.name=harness -c user.email=harness@localhost \
			am -q --committer-date-is-author-date "$top/iproute2/patches/$p" ||
			{ echo "iproute2: iproute2/patches/$p does not apply" >&2;
			  git -C "$tree" am --abort; exit 1; }
	done < "$top/iproute2/patches/series"
}

series_sum() {
	cat "$top"/iproute2/patches/series "$top"/iproute2/patches/*.patch | sha1sum
}

# After an edit committed inside build/iproute2: write the series back
if [ "${1:-}" = export ]; then
	rm -f "$top"/iproute2/patches/*.patch
	git -C "$tree" format-patch -q --zero-commit --no-signature \
		-o "$top/iproute2/patches" base..HEAD
	{
		echo "# The iproute2 series, in order: git am onto Debian 12's iproute2 $version"
		(cd "$top/iproute2/patches" && ls ./*.patch | sed 's|^\./||')
	} > "$top/iproute2/patches/series"
	series_sum > "$tree/.git/series-sum"
	cat "$top/iproute2/patches/series"
	exit 0
fi

[ -d "$tree/.git" ] && git -C "$tree" rev-parse -q --verify base > /dev/null || unpack

# Rebuild from the series unless the tree already is it (after an edit
# inside build/iproute2, commit it and run harness/series/iproute2.sh export)
want=$(series_sum)
if [ "$(cat "$tree/.git/series-sum" 2> /dev/null)" != "$want" ]; then
	if ! git -C "$tree" diff --quiet HEAD; then
		echo "iproute2: build/iproute2 has uncommitted edits" >&2
		exit 1
	fi
	apply_series
	echo "$want" > "$tree/.git/series-sum"
fi

cd "$tree"
[ -f config.mk ] || ./configure > /dev/null
make -s -j"$(nproc)" SUBDIRS="lib ip" > /dev/null
echo "iproute2: $(./ip/ip -V) with $(git rev-list --count base..HEAD) patches at $tree/ip/ip"
