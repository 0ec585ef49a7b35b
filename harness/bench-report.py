#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench-report.py RAW OUTDIR BASE ROUNDS: medians, ratios and targets of
the RESULT lines bench-guest.sh printed, as OUTDIR/results.md and a
gnuplot script for OUTDIR/results.png."""

import statistics
import sys
from collections import defaultdict

raw, outdir, base, rounds = sys.argv[1:]
runs = defaultdict(list)
for line in open(raw, errors='replace'):
    f = line.split()
    if len(f) == 5 and f[0] == 'RESULT' and f[4].isdigit():
        runs[(f[1], f[2], f[3])].append(int(f[4]))
med = {k: statistics.median(v) for k, v in runs.items()}

ROWS = [
    ('n', 'none', 'CONFIG_NET_MIRROR=n'),
    ('y', 'none', 'no mirror configured'),
    ('y', 'other', 'a mirror on another device only'),
    ('y', 'mirror-1dest', 'mirrored to 1 destination'),
    ('y', 'mirror-2dest', 'mirrored to 2 destinations'),
    ('y', 'mirror-4dest', 'mirrored to 4 destinations'),
    ('y', 'opt-direction-tx', 'direction tx (rx frames skipped)'),
    ('y', 'opt-sample-skip', 'sample 1000000 (frames skipped)'),
    ('n', 'none-1500', 'CONFIG_NET_MIRROR=n, 1514-byte frames'),
    ('y', 'none-1500', 'no mirror, 1514-byte frames'),
    ('y', 'mirror-1dest-1500', 'mirrored, 1514-byte frames'),
    ('y', 'opt-snaplen-1500', 'snaplen 128, 1514-byte frames'),
    ('y', 'mirror-100-sources', 'mirrored, 100 devices mirrored'),
    ('y', 'mirror-4096-sources', 'mirrored, 4096 devices mirrored'),
    ('y', 'tc-mirred', 'tc matchall mirred (mirror)'),
    ('y', 'nft-dup', 'nft netdev dup'),
]
PATHS = ('tx', 'rx')


def get(kernel, config, path):
    return med.get((kernel, config, path))


def ratio(a, b):
    return a / b if a and b else None


def cost(config, path):
    """Nanoseconds a configuration adds per packet over no mirror."""
    p, p0 = get('y', config, path), get('y', 'none', path)
    return 1e9 / p - 1e9 / p0 if p and p0 else None


def targets(path):
    t = []
    t.append(('no mirror vs =n', ratio(get('y', 'none', path),
                                       get('n', 'none', path)), 0.99))
    t.append(('mirror on another device vs none',
              ratio(get('y', 'other', path), get('y', 'none', path)), 0.98))
    for peer in ('tc-mirred', 'nft-dup'):
        t.append((f'mirrored vs {peer}',
                  ratio(get('y', 'mirror-1dest', path),
                        get('y', peer, path)), 1.25))
    t.append(('mirrored vs no mirror',
              ratio(get('y', 'mirror-1dest', path),
                    get('y', 'none', path)), 0.75))
    # Section 7: what the options cost
    t.append(('direction tx: a received frame vs no mirror',
              ratio(get('y', 'opt-direction-tx', path),
                    get('y', 'none', path)) if path == 'rx' else None, 0.98))
    t.append(('sample: a skipped frame vs no mirror',
              ratio(get('y', 'opt-sample-skip', path),
                    get('y', 'none', path)), 0.98))
    t.append(('snaplen 128 vs whole copy, 1514-byte frames',
              ratio(get('y', 'opt-snaplen-1500', path),
                    get('y', 'mirror-1dest-1500', path)), 1.0))
    for n in (100, 4096):
        t.append((f'{n} mirrored devices vs 1',
                  ratio(get('y', f'mirror-{n}-sources', path),
                        get('y', 'mirror-1dest', path)), 0.95))
    c1, c2, c4 = (cost(f'mirror-{k}dest', path) for k in (1, 2, 4))
    if c1 and c2 and c4:
        t.append(('2nd destination cost / 1st', (c2 - c1) / c1, None))
        t.append(('2nd-4th destination cost, each / 1st',
                  (c4 - c1) / 3 / c1, None))
    return t


md = []
md.append('# Port mirroring benchmark\n')
md.append(f'Base: {base}; QEMU TCG guest, 2 vCPUs, `-icount shift=0`: '
          'the guest clock advances 1 ns per instruction executed, so a '
          'rate is 10^9 / (instructions per frame), the same on every run '
          'and whatever else the host does (memory and cache costs are not '
          'seen). pktgen on dummy0, '
          '64-byte frames (`pkt_size 60`), `count` per run as in '
          '`harness/bench-guest.sh`; tx = `xmit_mode queue_xmit`, '
          'rx = `xmit_mode netif_receive`; medians of '
          f'{rounds} rounds, the two kernels alternating.\n')
md.append('Reproduce: `make bench` (`ROUNDS=N` for more rounds).\n')
md.append('| configuration | tx kpps | rx kpps | tx instr/frame | rx instr/frame | runs | spread |')
md.append('|---|---|---|---|---|---|---|')
for kernel, config, label in ROWS:
    cells = []
    for path in PATHS:
        v = get(kernel, config, path)
        cells.append(f'{v / 1000:.0f}' if v else 'n/a')
    for path in PATHS:
        v = get(kernel, config, path)
        cells.append(f'{1e9 / v:.0f}' if v else 'n/a')
    n = len(runs.get((kernel, config, 'tx'), []))
    # (max - min) / median over the rounds, the worse path
    spread = max(((max(v) - min(v)) / statistics.median(v)
                  for p in PATHS if (v := runs.get((kernel, config, p)))),
                 default=0)
    md.append(f'| {label} | {" | ".join(cells)} | {n} | {spread:.2%} |')
md.append('')
md.append('| figure | target | tx | rx |')
md.append('|---|---|---|---|')
tt = {path: targets(path) for path in PATHS}
for i, (name, _, want) in enumerate(tt['tx']):
    cells = []
    for path in PATHS:
        v, w = tt[path][i][1], tt[path][i][2]
        if v is None:
            cells.append('n/a')
        elif name.startswith('2nd'):
            cells.append(f'{v:.2f} ({"met" if v <= 1.0 else "missed"})')
        else:
            cells.append(f'{v:.3f} ({"met" if v >= w else "missed"})')
    target = '<= 1' if want is None else f'>= {want}'
    md.append(f'| {name} | {target} | {cells[0]} | {cells[1]} |')
md.append('')
# The chart again as text, for places that show no PNG (the README)
md.append('```')
md.append('instructions per frame (shorter is faster); # tx, = rx')
top = max((1e9 / v for k, c, _ in ROWS for p in PATHS
           if (v := get(k, c, p))), default=1)
for kernel, config, label in ROWS:
    for path, ch in zip(PATHS, '#='):
        v = get(kernel, config, path)
        if v:
            md.append(f'{label[:34]:34} {path} '
                      f'{ch * round(40 * 1e9 / v / top):40} {1e9 / v:5.0f}')
md.append('```')
md.append('')
open(f'{outdir}/results.md', 'w').write('\n'.join(md) + '\n')

with open(f'{outdir}/results.dat', 'w') as dat:
    for kernel, config, label in ROWS:
        tx, rx = (get(kernel, config, p) or 0 for p in PATHS)
        dat.write(f'"{label}" {tx / 1000:.1f} {rx / 1000:.1f}\n')
open(f'{outdir}/results.gp', 'w').write(f'''\
set terminal pngcairo size 1000,560 noenhanced
set output '{outdir}/results.png'
set title 'pktgen on dummy0, 64-byte frames, median kpps ({base})'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'kpps'
set yrange [0:*]
set xtics rotate by -30 left
set key top right
set bmargin 9
plot '{outdir}/results.dat' using 2:xtic(1) title 'tx (queue_xmit)', \\
     '' using 3 title 'rx (netif_receive)'
''')
print(open(f'{outdir}/results.md').read())
