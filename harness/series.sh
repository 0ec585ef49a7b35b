#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make series: write the mailable series to build/series/, a cover letter
# (patches/cover-letter) and one numbered patch per commit of build/linux,
# and the iproute2 series to build/series-iproute2/ likewise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/series
git_t() { git -C "$top/build/linux" "$@"; }

rm -rf "$out"
mkdir -p "$out"
git_t format-patch -q --cover-letter --zero-commit --base=base \
	-o "$out" base..HEAD
# Fill the cover letter's subject and blurb from patches/cover-letter
cover=$out/0000-cover-letter.patch
subject=$(head -n 1 "$top/patches/cover-letter")
python3 - "$cover" "$subject" "$top/patches/cover-letter" <<'PY'
import sys
path, subject, blurb = sys.argv[1:]
text = open(path).read()
body = open(blurb).read().split('\n', 2)[2]
text = text.replace('*** SUBJECT HERE ***', subject)
text = text.replace('*** BLURB HERE ***\n', body)
open(path, 'w').write(text)
PY
ls "$out"

# The iproute2 series, on Debian 12's iproute2 (iproute2.sh builds the
# tree), with its own cover letter (iproute2/cover-letter)
out=$top/build/series-iproute2
"$top/harness/iproute2.sh" > /dev/null
rm -rf "$out"
mkdir -p "$out"
git -C "$top/build/iproute2" format-patch -q --cover-letter --zero-commit \
	--base=base --subject-prefix="PATCH iproute2-next" -o "$out" base..HEAD
python3 - "$out/0000-cover-letter.patch" "$(head -n 1 "$top/iproute2/cover-letter")" \
	"$top/iproute2/cover-letter" <<'PY'
import sys
path, subject, blurb = sys.argv[1:]
text = open(path).read()
body = open(blurb).read().split('\n', 2)[2]
text = text.replace('*** SUBJECT HERE ***', subject)
text = text.replace('*** BLURB HERE ***\n', body)
open(path, 'w').write(text)
PY
ls "$out"
