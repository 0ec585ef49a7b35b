#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The reverse of tree.sh, for after an edit inside build/linux: write the
# commits base..HEAD back as patches/ (mail files without the new files)
# and the new files to their kernel paths in this repository.
#
# A file the series adds is added whole by one commit and changed by no
# later one, so that the file at its kernel path here is the file that
# is built: a commit that changes such a file is refused (squash the
# change into the commit that adds it: git rebase -i base).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$top/build/linux
git_t() { git -C "$tree" "$@"; }

# Refuse before writing anything: mail files edited since tree.sh took
# them, which this would overwrite
if [ "$(cat "$top"/patches/series "$top"/patches/*.patch | sha1sum)" != \
     "$(cat "$tree/.git/series-mail-sum" 2> /dev/null)" ]; then
	echo "export: patches/ changed since tree.sh last ran: run it first," \
		"then redo the edit in build/linux" >&2
	exit 1
fi
declare -A adder=()
for c in $(git_t rev-list --reverse base..HEAD); do
	for f in $(git_t diff-tree --no-commit-id -r --name-only "$c"); do
		if [ -n "${adder[$f]:-}" ]; then
			echo "export: $(git_t log -1 --format='%h ("%s")' "$c") changes $f," \
				"which ${adder[$f]} adds: squash it there" >&2
			exit 1
		fi
	done
	for f in $(git_t diff-tree --no-commit-id -r --diff-filter=A --name-only "$c"); do
		adder[$f]=$(git_t log -1 --format=%h "$c")
	done
done
# A new file edited here since tree.sh last assembled the tree is the
# truth: keep it, unless the tree changed it to something else too
tip=$(cat "$tree/.git/series-tip" 2> /dev/null || echo base)
keep=()
for f in "${!adder[@]}"; do
	was=$(git_t rev-parse -q --verify "$tip:$f" || true)
	[ -f "$top/$f" ] && [ "$(git_t hash-object "$top/$f")" != "$was" ] || continue
	now=$(git_t rev-parse "HEAD:$f")
	if [ "$now" != "$was" ] && [ "$now" != "$(git_t hash-object "$top/$f")" ]; then
		echo "export: $f changed both here and in build/linux since" \
			"tree.sh last ran: merge by hand" >&2
		exit 1
	fi
	keep+=("$f")
done

rm -f "$top"/patches/*.patch
{
	echo "# The series, in order: mail file, then the new files it adds."
	n=0
	for c in $(git_t rev-list --reverse base..HEAD); do
		n=$((n + 1))
		added=$(git_t diff-tree --no-commit-id -r --diff-filter=A --name-only "$c")
		excludes=()
		for f in $added; do
			excludes+=(":(exclude)$f")
			[[ " ${keep[*]} " == *" $f "* ]] && continue
			mkdir -p "$top/$(dirname "$f")"
			git_t show "$c:$f" > "$top/$f"
			[ "$(git_t ls-tree "$c" -- "$f" | cut -d' ' -f1)" = 100755 ] &&
				chmod +x "$top/$f"
		done
		name=$(printf '%04d-%s.patch' $n "$(git_t log -1 --format=%f "$c" | cut -c1-52)")
		{
			git_t format-patch -1 --stdout --zero-commit --no-signature \
				"$c" | sed -n '1,/^---$/p'
			git_t diff --stat=72 "$c^" "$c" -- . "${excludes[@]}"
			echo
			git_t diff "$c^" "$c" -- . "${excludes[@]}"
		} > "$top/patches/$name"
		echo "$name" $added
	done
} > "$top/patches/series.new"
mv "$top/patches/series.new" "$top/patches/series"
cat "$top/patches/series"
# What it wrote is the tree's: the next export may overwrite it
cat "$top"/patches/series "$top"/patches/*.patch | sha1sum > "$tree/.git/series-mail-sum"
