#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The checks netdev's CI runs on a submission, on the series in
# build/linux (base..HEAD). Prints one "gate: pass|fail NAME" line per
# check, details above it; exits 1 if any failed.
#
#   series       make series' patches apply to the base as git am applies
#                them and give the series' tree; the iproute2 series too
#   checkpatch   checkpatch.pl --strict on every patch
#   kernel-doc   kernel-doc -Wall on the new and changed C files, and a
#                kernel-doc comment on every non-static function the
#                series adds
#   rst          the new rst parses without a message (docutils) and is in
#                the networking toctree
#   abi          the series removes no line of Documentation/ABI, and
#                get_abi.pl finds the new entries
#   sparse, W=1  no warning on a line the series adds, in the objects it
#                touches (C=2 W=1)
#   spec         rt_link.yaml validates against its schema
#                (netlink-raw.yaml) and loads as ynl loads it
#   build        the test kernel with CONFIG_NET_MIRROR=y, =m and =n
#                (=n from a copy of =y's objects: build_from), and =y
#                for i386 on the lean config (config/lean.config)
#   bisect       every prefix of the series builds, with =y and =n from
#                copies of the =y and =n kernels' objects and =m from the
#                debug kernel's, newest first: each builds what it and
#                the prefixes after it changed; a prefix without the
#                option, whose headers are the base's and so a full
#                build, on the lean config
#
# GATES="checkpatch kernel-doc ..." runs some only. BUILT="y m" names the
# modes make check has built (and reported) already: their VMs may be
# running, so they are not rebuilt here. Prints "time: NAME SECONDS" per
# gate.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$top/build/linux
# Debian's python3, which has the packages deps.sh installed (ply)
export PATH=/usr/bin:/bin:$PATH
cfg=$top/harness/kernels/config
git_t() { git -C "$tree" "$@"; }
failed=0

gate() {
	if [ "$1" = pass ]; then
		echo "gate: pass $2"
	else
		echo "gate: fail $2"
		failed=1
	fi
}

# want GATE: whether to run GATE; also prints the time the last one took
want() {
	[ -z "${gate_name:-}" ] || echo "time: gate $gate_name|$((SECONDS - gate_t0))"
	gate_name=
	[[ " ${GATES:-series checkpatch kernel-doc rst abi spec sparse build bisect} " == *" $1 "* ]] ||
		return 1
	gate_name=$1 gate_t0=$SECONDS
}

# Files the series adds or changes, by extension
changed() { git_t diff --name-only --diff-filter=AM base..HEAD -- "$@"; }

# added_lines: "file:line" for every line the series adds
added_lines() {
	git_t diff -U0 base..HEAD | awk '
		/^\+\+\+ b\// { file = substr($0, 7) }
		/^@@/ {
			split($3, a, ",")
			start = substr(a[1], 2); n = (a[2] == "") ? 1 : a[2]
			for (i = 0; i < n; i++) print file ":" start + i
		}'
}

# worktree DIR REV: DIR, a worktree of build/linux at REV; switching REV
# rewrites only the files that differ
worktree() {
	local src=$1 rev

	rev=$(git_t rev-parse "$2") || return 1	# build/linux's, not src's
	[ -d "$src" ] || git_t worktree add -q --detach "$src" "$rev" || return 1
	git -C "$src" checkout -q --detach "$rev"
}

# y_fragments MODE: the =y kernel's config fragments (kernel.sh), with
# CONFIG_NET_MIRROR=MODE: a build from a copy of its objects then
# compiles only what MODE changes (a fragment left out, as bench.config
# was in session 7, recompiles most of the kernel: 26 minutes for =n)
y_fragments() {
	"$top/harness/kernels/kernel.sh" --fragments y |
		sed "s|/mirror-y\.config|/mirror-$1.config|"
}

# build_from NAME REV SEED AT FRAGMENT...: build REV with the config the
# fragments make, the sources in build/NAME/linux (a worktree) and the
# objects in build/NAME/obj, which start as a copy of SEED, the objects
# of a build of HEAD that ran with its objects at build/obj-AT. make
# then compiles only what REV and the config change: each build after
# the first in a dir is incremental, and a prefix compiles what its
# patch changed. The build runs in a mount namespace with the two dirs
# mounted over build/linux and build/obj-AT, so that every command is
# the one the copied objects were built with (a new path would rebuild
# objtool, and with it every object); a VM booted from SEED meanwhile
# sees SEED. Skipped when a build there of the same sources and config
# succeeded.
build_from() {
	local name=$1 rev=$2 seed=$3 at=$4 dir=$top/build/$1 stamp

	shift 4
	stamp="$(git_t rev-parse "$rev^{tree}") $at $(cat "$@" | sha1sum | cut -c1-12)"
	grep -qxF -- "$stamp" "$dir/built" 2> /dev/null && return 0
	if [ ! -d "$dir/obj" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		worktree "$dir/linux" HEAD || return 1
		# The copy's objects are newer than every source, and those
		# that REV changes are rewritten below: only those recompile.
		# A copy of objects built from other sources would be wrong.
		find "$dir/linux" -path "$dir/linux/.git" -prune -o -type f \
			-print0 | xargs -0 touch -h -d @1
		if [ "$(cat "$seed/source-tree" 2> /dev/null)" = \
		     "$(git_t rev-parse 'HEAD^{tree}')" ]; then
			cp -a "$seed" "$dir/obj-new" || return 1
		else
			mkdir "$dir/obj-new"	# compiled from scratch
		fi
		mv "$dir/obj-new" "$dir/obj"
	fi
	worktree "$dir/linux" "$rev" || return 1
	rm -f "$dir/obj/fragment"	# a new config for the new sources
	mkdir -p "$top/build/obj-$at"
	unshare --mount --propagation private sh -c '
		top=$0 dir=$1 at=$2 && shift 2 &&
		mount --bind "$dir/linux" "$top/build/linux" &&
		mount --bind "$dir/obj" "$top/build/obj-$at" &&
		cd "$top/build/linux" && "$top/harness/kernels/build.sh" --lax "$at" "$@"' \
		"$top" "$dir" "$at" "$@" > /dev/null || return 1
	echo "$stamp" >> "$dir/built"
}

# am_tree REPO DIR: the tree that DIR's numbered patches give, applied in
# order to REPO's base as git am applies them (git mailinfo, then git
# apply), in an index of its own: no checkout of the whole tree
am_tree() {
	local repo=$1 dir=$2 p tmp

	tmp=$(mktemp -d)
	(
		export GIT_INDEX_FILE=$tmp/index
		git -C "$repo" read-tree base || exit 1
		for p in $(ls "$dir"/[0-9]*.patch | grep -v /0000-); do
			git mailinfo "$tmp/msg" "$tmp/diff" < "$p" > "$tmp/info" &&
			grep -q '^Subject: ' "$tmp/info" &&
			git -C "$repo" apply --cached "$tmp/diff" ||
				{ echo "series: $p does not apply"; exit 1; }
		done
		git -C "$repo" write-tree
	)
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

if want series; then
	# make series' output, applied to the base, is the series; likewise
	# the iproute2 series on Debian's iproute2 (iproute2.sh)
	ok=fail
	"$top/harness/series/series.sh" > /dev/null &&
		got=$(am_tree "$tree" "$top/build/series") &&
		[ "$got" = "$(git_t rev-parse 'HEAD^{tree}')" ] && ok=pass
	gate $ok "make series applies to the base as git am applies it"
	ok=fail
	ip2=$top/build/iproute2
	got=$(am_tree "$ip2" "$top/build/series-iproute2") &&
		[ "$got" = "$(git -C "$ip2" rev-parse 'HEAD^{tree}')" ] && ok=pass
	gate $ok "make series' iproute2 series applies to iproute2 6.1.0 as git am applies it"
fi

if want checkpatch; then
	out=$(mktemp -d)
	git_t format-patch -q -o "$out" base..HEAD
	ok=pass
	for p in "$out"/*.patch; do
		if ! "$tree/scripts/checkpatch.pl" --strict --terse --show-types \
			--root="$tree" "$p"; then
			ok=fail
		fi
	done
	rm -rf "$out"
	gate $ok "checkpatch --strict on every patch"
	# The iproute2 series but its uapi update, a verbatim copy of the
	# kernel's header as iproute2 takes them
	ok=pass
	out=$(mktemp -d)
	git -C "$top/build/iproute2" format-patch -q -o "$out" base..HEAD
	for p in "$out"/*.patch; do
		git apply --numstat "$p" | grep -qv '	include/uapi/' || continue
		"$tree/scripts/checkpatch.pl" --strict --terse --show-types \
			--no-tree "$p" || ok=fail
	done
	rm -rf "$out"
	gate $ok "checkpatch --strict on the iproute2 series"
fi

if want kernel-doc; then
	ok=pass
	# Warnings the base already had (by message, as lines move) are not
	# the series'
	kdoc() { "$tree/scripts/kernel-doc" -none -Wall "$1" 2>&1 | sed 's/^[^ ]*: //'; }
	tmp=$(mktemp -d)
	[ -n "$(changed '*.c')" ] || { echo "kernel-doc: no C file to check"; ok=fail; }
	for f in $(changed '*.c' '*.h'); do
		mkdir -p "$tmp/$(dirname "$f")"
		git_t show "base:$f" > "$tmp/$f" 2> /dev/null || : > "$tmp/$f"
		comm -13 <(kdoc "$tmp/$f" | sort) <(kdoc "$tree/$f" | sort) |
			sed "s|^|$f: |" | grep . && ok=fail
	done
	rm -rf "$tmp"
	# Every non-static function the series defines needs a kernel-doc
	for f in $(changed '*.c'); do
		for fn in $(git_t diff -U0 base..HEAD -- "$f" |
			sed -n 's/^+\([a-z_][a-z0-9_ *]*[ *]\)\([a-z0-9_]*\)(.*/\1 \2/p' |
			grep -v '^static' | awk '{ print $NF }'); do
			grep -q "^ \* $fn\(()\)\? - " "$tree/$f" ||
				{ echo "$f: $fn() has no kernel-doc"; ok=fail; }
		done
	done
	gate $ok "kernel-doc on the new and changed files"
fi

if want rst; then
	ok=pass
	[ -n "$(git_t diff --name-only --diff-filter=A base..HEAD -- 'Documentation/*.rst')" ] ||
		{ echo "rst: the series adds no rst"; ok=fail; }
	for f in $(changed 'Documentation/*.rst'); do
		# Sphinx roles are not docutils': only check the series' own files
		git_t diff --quiet --diff-filter=A base..HEAD -- "$f" && continue
		rst2pseudoxml --halt=info --report=info "$tree/$f" > /dev/null || ok=fail
		name=$(basename "$f" .rst)
		grep -qx "   $name" "$tree/$(dirname "$f")/index.rst" ||
			{ echo "$f is not in its toctree"; ok=fail; }
	done
	gate $ok "new rst parses and is in its toctree"
fi

if want abi; then
	ok=pass
	# An entry the series adds must not take another's lines
	git_t diff base..HEAD -- Documentation/ABI | grep '^-[^-]' && ok=fail
	git_t diff base..HEAD -- Documentation/ABI | grep -q '^+What:' ||
		{ echo "abi: the series adds no ABI entry"; ok=fail; }
	for what in $(git_t diff base..HEAD -- Documentation/ABI |
			sed -n 's|^+What:[[:space:]]*||p'); do
		"$tree/scripts/get_abi.pl" --dir "$tree/Documentation/ABI" \
			search "^${what//\//\\/}\$" 2> /dev/null | grep -q "^${what}" ||
			{ echo "get_abi.pl does not find $what"; ok=fail; }
	done
	gate $ok "the ABI entries: none removed, the new ones found"
fi

if want spec; then
	# As the kernel's ynl tools load it (tools/net/ynl/lib/nlspec.py),
	# which validates it against the schema with jsonschema; and
	# explicitly, should nlspec ever make the schema optional
	ok=fail
	(cd "$tree" && python3 - <<-EOF) && ok=pass
	import sys, yaml, jsonschema
	sys.path.insert(0, 'tools/net/ynl/lib')
	from nlspec import SpecFamily
	spec = 'Documentation/netlink/specs/rt_link.yaml'
	schema = 'Documentation/netlink/netlink-raw.yaml'
	jsonschema.validate(yaml.safe_load(open(spec)), yaml.safe_load(open(schema)))
	SpecFamily(spec, schema)
	EOF
	gate $ok "rt_link.yaml validates against netlink-raw.yaml"
fi

if want sparse; then
	ok=pass
	src=$tree obj=$top/build/obj-sparse
	objs=$(changed 'net/*.c' 'drivers/*.c' | sed 's/\.c$/.o/')
	mkdir -p "$obj"
	cat "$cfg/vm.config" "$cfg/mirror-y.config" > "$obj/fragment"
	if [ -n "$objs" ] &&
	   KCONFIG_ALLCONFIG=$obj/fragment make -s -C "$src" O="$obj" \
		allnoconfig > /dev/null &&
	   make -s -C "$src" O="$obj" -j"$(nproc)" prepare > /dev/null; then
		# Compile them afresh, so that W=1 and sparse report every
		# time (ccache replays the compiler's warnings)
		(cd "$obj" && rm -f $objs)
		make -s -C "$src" O="$obj" -j"$(nproc)" C=2 W=1 \
			CC="$(command -v ccache > /dev/null && echo ccache) gcc" $objs \
			> "$obj/sparse-w1.log" 2>&1 || ok=fail
		sed -i "s|$src/||" "$obj/sparse-w1.log"
		grep -F -f <(added_lines | sed 's/$/:/') "$obj/sparse-w1.log" &&
			ok=fail
	else
		ok=fail
	fi
	gate $ok "sparse (C=2) and W=1: no warning on a line the series adds"
fi

if want build; then
	for mode in y m n; do
		# make check built and reported these; their VMs use them
		[[ " ${BUILT:-} " == *" $mode "* ]] && continue
		# =n builds from the =y objects; make check then boots it
		if [ $mode = n ]; then
			build=(build_from gate-n HEAD "$top/build/obj-y" y $(y_fragments n))
		else
			build=("$top/harness/kernels/kernel.sh" "$mode")
		fi
		if "${build[@]}" > /dev/null; then
			gate pass "builds with CONFIG_NET_MIRROR=$mode"
		else
			gate fail "builds with CONFIG_NET_MIRROR=$mode"
		fi
	done
	# 32-bit: u64_stats with a seqcount, 64-bit division and atomics
	# as i386 has them; no VM boots it
	if ARCH=i386 "$top/harness/kernels/build.sh" --obj "$top/build/gate-i386" \
		i386 "$cfg/lean.config" "$cfg/mirror-y.config" > /dev/null; then
		gate pass "builds for i386 with CONFIG_NET_MIRROR=y"
	else
		gate fail "builds for i386 with CONFIG_NET_MIRROR=y"
	fi
fi

if want bisect; then
	# Prefixes newest first: a prefix differs from the one after it by
	# a patch, and the first from HEAD by what the later ones change,
	# so that each build dir compiles little. A prefix without the
	# option builds once, on the =y config.
	kernel=(-- . ':!Documentation' ':!tools' ':!MAINTAINERS')
	commits=($(git_t rev-list --reverse base..HEAD))
	declare -A said=()
	for ((i = ${#commits[@]} - 1; i >= 0; i--)); do
		c=${commits[i]}
		prev=$(git_t rev-parse "$c~1")
		if git_t diff --quiet "$prev" "$c" "${kernel[@]}"; then
			said[$c]="pass (no kernel source)"
		elif git_t diff --quiet "$c" HEAD "${kernel[@]}"; then
			said[$c]="pass (the whole series' sources: built above)"
		else
			ok=pass built=""
			modes="y n m"
			git_t grep -q 'config NET_MIRROR$' "$c" -- net/Kconfig ||
				modes=lean
			for mode in $modes; do
				case $mode in
				lean) seed=/nonexistent at=lean
				      frags=("$cfg/lean.config") ;;
				y|n) seed=$top/build/obj-y at=y
				     [ $mode = n ] && [ -d "$top/build/gate-n/obj" ] &&
					seed=$top/build/gate-n/obj
				     frags=($(y_fragments $mode)) ;;
				m)   seed=$top/build/obj-m at=m
				     frags=($("$top/harness/kernels/kernel.sh" --fragments m)) ;;
				esac
				if build_from "bisect-$mode" "$c" "$seed" "$at" "${frags[@]}"; then
					built+=" =$mode"
					[ $mode = lean ] && built=" on lean.config"
				else
					ok=fail built+=" =$mode FAILED"
				fi
			done
			said[$c]="$ok ($(echo $built))"
		fi
	done
	n=0
	for c in "${commits[@]}"; do
		n=$((n + 1))
		what="patch $n builds alone: $(git_t log -1 --format=%s "$c")"
		gate "${said[$c]%% *}" "$what ${said[$c]#* }"
	done
fi

want none
exit $failed
