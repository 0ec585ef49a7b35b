#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build.sh [--src DIR] [--obj DIR] [--lax] NAME FRAGMENT...: build
# build/linux (or DIR) into build/obj-NAME (or DIR) with a config made of
# allnoconfig plus the fragments (later ones win), and install any modules
# under the object dir's modroot. Every symbol the fragments set must
# take, unless --lax and the tree predates it.
#
# ccache is keyed on the compiler's arguments with paths made relative to
# the object dir: trees laid out alike (source at ../linux from the
# objects) share their cache, also across clones of this project.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/build/linux
obj=""
lax=0
while [ $# -gt 0 ]; do
	case $1 in
	--src) src=$2; shift 2 ;;
	--obj) obj=$2; shift 2 ;;
	--lax) lax=1; shift ;;
	*) break ;;
	esac
done
name=$1
shift
obj=${obj:-$top/build/obj-$name}
mkdir -p "$obj"
obj=$(cd "$obj" && pwd)

rm -f "$obj/source-tree"
cat "$@" > "$obj/fragment.new"
if ! cmp -s "$obj/fragment.new" "$obj/fragment" || [ ! -f "$obj/.config" ]; then
	KCONFIG_ALLCONFIG=$obj/fragment.new \
		make -s -C "$src" O="$obj" allnoconfig
	mv "$obj/fragment.new" "$obj/fragment"
	# Every symbol the fragments set must have taken; with --lax, but
	# for those the tree does not define
	grep -h '^CONFIG_[A-Z0-9_]*=' "$obj/fragment" | while IFS= read -r line; do
		grep -qx -- "$line" "$obj/.config" && continue
		sym=${line%%=*}
		[ $lax = 1 ] && ! grep -rqx --include='Kconfig*' \
			"config ${sym#CONFIG_}" "$src" && continue
		echo "build: $name: $line did not take" >&2
		exit 1
	done
fi
rm -f "$obj/fragment.new"

cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"
# Kbuild passes the source tree as an absolute path; relative to the base
# directory, ccache hashes the same for every clone of this project (CI's
# too). __FILE__ is then relative as well: map it back as Kbuild does.
export CCACHE_BASEDIR=$top/build
kcflags="-fmacro-prefix-map=$(realpath --relative-to="$obj" "$src")/="
export KBUILD_BUILD_USER=mirror KBUILD_BUILD_HOST=harness
make -s -C "$src" O="$obj" -j"$(nproc)" CC="$cc" KCFLAGS="$kcflags" \
	LOCALVERSION= bzImage modules
rm -rf "$obj/modroot"
if grep -q '=m$' "$obj/.config"; then
	make -s -C "$src" O="$obj" LOCALVERSION= \
		INSTALL_MOD_PATH="$obj/modroot" modules_install
fi
# The sources the objects are of, when they are a commit's (gates.sh
# starts its builds from a copy of =y's objects)
if git -C "$src" diff --quiet HEAD 2> /dev/null; then
	git -C "$src" rev-parse 'HEAD^{tree}' > "$obj/source-tree"
fi
echo "build: $name: $(make -s -C "$src" O="$obj" LOCALVERSION= kernelrelease)" \
	"$obj/arch/x86/boot/bzImage"
