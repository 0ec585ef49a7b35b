#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Assemble build/linux: the base kernel (Debian's linux-source-6.12, or the
# git tree in $KERNEL_SRC) with the series on top, one git commit per patch.
#
# The series is patches/series: one line per patch, naming its mail file
# (message and diff to existing files) and the new files it adds, which live
# as plain files at their kernel paths in this repository. A new file is
# added whole by its patch and changed by no other: the file here is the
# file that is built, and the place to edit it.
#
# The commits are built in a private index, so the work tree is only
# rewritten where a file really changed: an edit of net/core/mirror.c
# recompiles mirror.o and nothing else.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$top/build/linux
tarball=/usr/src/linux-source-6.12.tar.xz

git_t() { git -C "$tree" "$@"; }

make_base() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		echo "tree: base is $KERNEL_SRC (HEAD)"
		git clone -q --shared "$KERNEL_SRC" "$tree"
		git_t tag base HEAD
		return
	fi
	[ -f "$tarball" ] || { echo "tree: $tarball missing (apt-get install linux-source-6.12)" >&2; exit 1; }
	echo "tree: unpacking $tarball"
	mkdir -p "$tree"
	tar -C "$tree" --strip-components=1 -xJf "$tarball"
	git_t init -q
	git_t config core.autocrlf false
	git_t config gc.auto 0
	git_t add -A -f  # Debian's top .gitignore ignores everything
	git_t -c user.name=base -c user.email=base@localhost \
		commit -q -m "Linux $(make -s -C "$tree" kernelversion) (Debian linux-source-6.12)"
	git_t tag base
}

[ -d "$tree/.git" ] || make_base

index=$tree/.git/series-index
export GIT_INDEX_FILE=$index
git_t read-tree base
parent=$(git_t rev-parse base)
mail=$(mktemp -d)
trap 'rm -rf "$mail" "$index"' EXIT

new_files=$(sed -n '/^[^#]/s/^[^ ]*//p' "$top/patches/series" | tr ' ' '\n' | sed '/^$/d')
while read -r patch files; do
	case "$patch" in ''|'#'*) continue ;; esac
	git mailinfo "$mail/msg" "$mail/diff" < "$top/patches/$patch" > "$mail/info"
	if [ -s "$mail/diff" ]; then
		# Only whole files: a diff to a new file would hide its code
		for f in $(git_t apply --numstat "$mail/diff" | cut -f3); do
			if grep -qxF "$f" <<< "$new_files"; then
				echo "tree: patches/$patch changes $f, which the series" \
					"adds whole: edit $f itself" >&2
				exit 1
			fi
		done
		git_t apply --cached "$mail/diff" ||
			{ echo "tree: patches/$patch does not apply" >&2; exit 1; }
	fi
	for f in $files; do
		blob=$(git_t hash-object -w "$top/$f")
		mode=100644
		[ -x "$top/$f" ] && mode=100755
		git_t update-index --add --cacheinfo "$mode,$blob,$f"
	done
	subject=$(sed -n 's/^Subject: //p' "$mail/info")
	author=$(sed -n 's/^Author: //p' "$mail/info")
	email=$(sed -n 's/^Email: //p' "$mail/info")
	date=$(sed -n 's/^Date: //p' "$mail/info")
	parent=$( { printf '%s\n\n' "$subject"; cat "$mail/msg"; } |
		GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
		GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
		git_t commit-tree "$(git_t write-tree)" -p "$parent")
done < "$top/patches/series"

unset GIT_INDEX_FILE
if ! git_t diff --quiet HEAD; then
	echo "tree: build/linux has uncommitted edits; commit them and run" \
		"harness/series/export.sh, or drop them (git -C build/linux reset --hard)" >&2
	exit 1
fi
# Say so when replacing commits that tree.sh did not make
head=$(git_t rev-parse HEAD)
made=$tree/.git/series-tip
if [ "$head" != "$parent" ]; then
	[ "$head" = "$(git_t rev-parse base)" ] || [ "$head" = "$(cat "$made" 2> /dev/null)" ] ||
		echo "tree: build/linux was at ${head:0:12} (see its reflog)"
	git_t reset -q --hard "$parent"
fi
echo "$parent" > "$made"
# What export.sh must not overwrite unseen: the mail files taken here
cat "$top"/patches/series "$top"/patches/*.patch | sha1sum > "$tree/.git/series-mail-sum"
echo "tree: $(git_t log -1 --format=%s base) + $(git_t rev-list --count base..HEAD) patches at $tree"
