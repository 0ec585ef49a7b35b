#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make series: write the mailable series to build/series/, a cover letter
# (patches/cover-letter) and one numbered patch per commit of build/linux,
# and the iproute2 series to build/series-iproute2/ likewise.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)

# series REPO OUT LETTER [FORMAT-PATCH ARGS...]: REPO's commits base..HEAD
# as numbered patches in OUT, the cover letter's subject and blurb from
# LETTER (its first line, then from its third)
series() {
	local repo=$1 out=$2 letter=$3

	shift 3
	rm -rf "$out"
	mkdir -p "$out"
	git -C "$repo" format-patch -q --cover-letter --zero-commit \
		--base=base "$@" -o "$out" base..HEAD
	python3 - "$out/0000-cover-letter.patch" "$letter" <<'PY'
import sys
path, letter = sys.argv[1:]
subject, _, body = open(letter).read().split('\n', 2)
text = open(path).read()
text = text.replace('*** SUBJECT HERE ***', subject)
text = text.replace('*** BLURB HERE ***\n', body)
open(path, 'w').write(text)
PY
	ls "$out"
}

series "$top/build/linux" "$top/build/series" "$top/patches/cover-letter"

# The iproute2 series, on Debian 12's iproute2 (iproute2.sh builds the tree)
"$top/harness/series/iproute2.sh" > /dev/null
series "$top/build/iproute2" "$top/build/series-iproute2" \
	"$top/iproute2/cover-letter" --subject-prefix="PATCH iproute2-next"
