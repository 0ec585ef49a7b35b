#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""report.py RAW OUTDIR BASE ROUNDS COUNT: medians, per-copy costs,
copy counts, ratios and targets of the lines guest.sh printed, as
OUTDIR/results.md and a gnuplot script for OUTDIR/results.png."""

import statistics
import sys
from collections import defaultdict

raw, outdir, base, rounds, count = sys.argv[1:]
count = int(count)
runs = defaultdict(list)
copies = defaultdict(list)       # (kernel, config, path): [(got, want)]
queues = defaultdict(list)       # (kernel, config): [[per queue]]
load = []                        # [(config, sent, due, napi, polls)]
for line in open(raw, errors='replace'):
    f = line.split()
    if len(f) == 5 and f[0] == 'RESULT' and f[4].isdigit():
        runs[(f[1], f[2], f[3])].append(int(f[4]))
    elif len(f) == 6 and f[0] == 'COPIES':
        copies[(f[1], f[2], f[3])].append((int(f[4]), int(f[5])))
    elif len(f) >= 3 and f[0] == 'QUEUES':
        queues[(f[1], f[2])].append([int(v) for v in f[3:]])
    elif len(f) == 7 and f[0] == 'LOAD':
        load.append((f[2], *map(int, f[3:])))
med = {k: statistics.median(v) for k, v in runs.items()}

# kernel, config, label, the same path unmirrored, copies per frame
ROWS = [
    ('n', 'none', 'CONFIG_NET_MIRROR=n', None, 0),
    ('y', 'none', 'no mirror configured', None, 0),
    ('y', 'other', 'a mirror on another device only', None, 0),
    ('y', 'mirror-1dest', 'mirrored to 1 destination', 'none', 1),
    ('y', 'mirror-2dest', 'mirrored to 2 destinations', 'none', 2),
    ('y', 'mirror-4dest', 'mirrored to 4 destinations', 'none', 4),
    ('y', 'opt-direction-tx', 'direction tx (rx frames skipped)', 'none',
     (1, 0)),
    ('y', 'opt-sample-skip', 'sample 1000000 (frames skipped)', None, 0),
    ('y', 'opt-rate-skip', 'rate 1 (frames over the rate)', None, 0),
    ('y', 'upper-macvlan', 'no mirror, frames to a macvlan over the source',
     None, 0),
    ('y', 'upper-macvlan-mirror',
     'the macvlan mirrored on receive (its packet tap)', 'upper-macvlan',
     (0, 1)),
    ('y', 'dest-pfifo_fast', 'mirrored, destination with pfifo_fast',
     'none', 1),
    ('y', 'dest-fq_codel', 'mirrored, destination with fq_codel', 'none', 1),
    ('y', 'dest-hook', 'mirrored, destination with an egress hook (pass)',
     'none', 1),
    ('y', 'dest-hook-tc-mirred',
     'tc mirred, destination with an egress hook (pass)', 'none', 1),
    ('n', 'src-pfifo_fast', 'CONFIG_NET_MIRROR=n, source with pfifo_fast',
     None, 0),
    ('y', 'src-pfifo_fast', 'no mirror, source with pfifo_fast', None, 0),
    ('y', 'src-pfifo_fast-mirror',
     'mirrored, source with pfifo_fast (tx: deferred)', 'src-pfifo_fast', 1),
    # (the peers on this source are inserted here: SOURCE_PEERS)
    ('n', 'none-1500', 'CONFIG_NET_MIRROR=n, 1514-byte frames', None, 0),
    ('y', 'none-1500', 'no mirror, 1514-byte frames', None, 0),
    ('y', 'mirror-1dest-1500', 'mirrored, 1514-byte frames', 'none-1500', 1),
    ('y', 'opt-snaplen-1500', 'snaplen 128, 1514-byte frames', 'none-1500',
     1),
    ('y', 'mirror-100-sources', 'mirrored, 100 devices mirrored', 'none', 1),
    ('y', 'mirror-4096-sources', 'mirrored, 4096 devices mirrored', 'none',
     1),
    ('y', 'floor', 'floor: clone, hand to the driver, free', 'none', 1),
    ('y', 'tc-mirred', 'tc matchall mirred (mirror)', 'none', 1),
    ('y', 'nft-dup', 'nft netdev dup', 'none', 1),
    ('y', 'tcpdump-w', 'tcpdump -w /dev/null on the source', 'none', 1),
    ('n', 'none-512', 'CONFIG_NET_MIRROR=n, 514-byte frames', None, 0),
    ('y', 'none-512', 'no mirror, 514-byte frames', None, 0),
    ('y', 'mirror-1dest-512', 'mirrored, 514-byte frames', 'none-512', 1),
    ('y', 'tcpdump-w-512', 'tcpdump -w /dev/null, 514-byte frames',
     'none-512', 1),
    ('y', 'tcpdump-w-1500', 'tcpdump -w /dev/null, 1514-byte frames',
     'none-1500', 1),
    ('n', 'none-unshared', 'CONFIG_NET_MIRROR=n, a new skb per frame',
     None, 0),
    ('y', 'none-unshared', 'no mirror, a new skb per frame', None, 0),
    ('y', 'mirror-unshared', 'mirrored, a new skb per frame',
     'none-unshared', 1),
    ('y', 'bpf-clone-redirect',
     'tc BPF bpf_clone_redirect(), a new skb per frame', 'none-unshared', 1),
    ('n', 'virtio-src', 'CONFIG_NET_MIRROR=n, virtio-net source', None, 0),
    ('y', 'virtio-src', 'no mirror, virtio-net source', None, 0),
    ('y', 'virtio-src-mirror', 'mirrored, virtio-net source (tx: deferred)',
     'virtio-src', 1),
    # (the peers on this source are inserted here: SOURCE_PEERS)
    ('y', 'virtio-dest', 'mirrored to virtio-net (mq, pfifo_fast)', 'none',
     1),
    ('y', 'virtio-dest-tc-mirred', 'tc mirred to virtio-net (mq, pfifo_fast)',
     'none', 1),
    ('y', 'session-erspan',
     'session through an external erspan (remote, id)', 'none', 1),
    ('y', 'tc-tunnel-key-erspan',
     'tc tunnel_key set + mirred into the same external erspan', 'none', 1),
    ('y', 'mirror-erspan-dev', 'mirrored to an erspan device of its own',
     'none', 1),
]
# A TCP stream's packets vary from run to run by more than a copy costs:
# its rows check the copies; the UDP GSO rows, the same every run, give
# the cost per copy
for proto, what, unmirrored in (('tcp', 'TCP stream', None),
                                ('udp-gso', 'UDP GSO', 'udp-gso-none')):
    ROWS += [
        ('n', f'{proto}-none', f'CONFIG_NET_MIRROR=n, {what} (per GSO packet)',
         None, 0),
        ('y', f'{proto}-none', f'no mirror, {what} (per GSO packet)', None, 0),
        ('y', f'{proto}-mirror', f'{what}, mirrored to a GSO destination',
         unmirrored, 1),
        ('y', f'{proto}-mirror-nogso',
         f'{what}, mirrored to a destination without GSO', unmirrored, 1),
        ('y', f'{proto}-tc-mirred', f'{what}, tc mirred to a GSO destination',
         unmirrored, 1),
    ]
# Each peer on the sources with a qdisc, after the source's mirror row:
# tc mirred and nft dup against the source unmirrored, the BPF program
# and the mirror it is compared with against the source sending a new skb
# per frame (guest.sh's peers())
SOURCE_PEERS = (
    ('tc-mirred', 'tc matchall mirred', '', 1),
    ('nft-dup', 'nft netdev dup', '', 1),
    ('unshared', 'no mirror, a new skb per frame', None, 0),
    ('mirror-unshared', 'mirrored, a new skb per frame', '-unshared', 1),
    ('bpf', 'tc BPF bpf_clone_redirect(), a new skb per frame', '-unshared',
     1),
)
for src, what in (('src-pfifo_fast', 'source with pfifo_fast'),
                  ('virtio-src', 'virtio-net source')):
    i = next(i for i, r in enumerate(ROWS) if r[1] == f'{src}-mirror') + 1
    ROWS[i:i] = [('y', f'{src}-{peer}', f'{label}, {what}',
                  None if base is None else src + base, per)
                 for peer, label, base, per in SOURCE_PEERS]
PATHS = ('tx', 'rx')


# The rows get() read since the figure before: a figure's inputs
used = set()


def get(kernel, config, path):
    used.add((kernel, config, path))
    return med.get((kernel, config, path))


def instr(kernel, config, path):
    v = get(kernel, config, path)
    return 1e9 / v if v else None


def per_frame(row, path):
    per = row[4]
    return per[PATHS.index(path)] if isinstance(per, tuple) else per


def per_copy(row, path):
    """Instructions each copy adds over the same path unmirrored."""
    kernel, config, _, base_config, _ = row
    n = per_frame(row, path)
    a, b = instr(kernel, config, path), instr(kernel, base_config, path)
    return (a - b) / n if base_config and n and a and b else None


def valid(kernel, config, path):
    """'ok', 'n/a' (no count) or what went wrong: copies (or frames
    accounted for) and, where counted, their bytes."""
    c = copies.get((kernel, config, path), [])
    c = c + copies.get((kernel, config + '/bytes', path), [])
    if not c:
        return 'n/a'
    bad = [f'{g}/{w}' for g, w in c if g != w]
    return 'ok' if not bad else 'INVALID ' + ' '.join(bad)


def queues_ok(per_run):
    """Each run's copies on both queues, all of them."""
    return all(len(q) == 2 and min(q) > 0 and sum(q) == 2 * (count // 5)
               for q in per_run)


class Figures(list):
    """Figures, each with the rows its value was computed from."""

    def append(self, figure):
        super().append(figure + (frozenset(used),))
        used.clear()


def row_of(config):
    return next(r for r in ROWS if r[0] == 'y' and r[1] == config)


def ratio(a, b):
    return a / b if a and b else None


def targets(path):
    """(figure, value, (op, target), the rows it read)"""
    t = Figures()
    used.clear()
    t.append(('no mirror vs =n: rate', ratio(get('y', 'none', path),
                                             get('n', 'none', path)),
              ('>=', 0.99)))
    t.append(('mirror on another device vs none: rate',
              ratio(get('y', 'other', path), get('y', 'none', path)),
              ('>=', 0.98)))
    for peer, want in (('tc-mirred', 0.6), ('nft-dup', 0.6),
                       ('floor', 1.15)):
        t.append((f'per-copy cost vs {peer}',
                  ratio(per_copy(row_of('mirror-1dest'), path),
                        per_copy(row_of(peer), path)), ('<=', want)))
    t.append(('per-copy cost vs bpf-clone-redirect (a new skb per frame)',
              ratio(per_copy(row_of('mirror-unshared'), path),
                    per_copy(row_of('bpf-clone-redirect'), path)),
              ('<=', 0.8)))
    # Like for like: each peer on the same source, into the same
    # destination; the deferred path (a source with a qdisc, transmit)
    # against 0.8, the direct one against 0.6
    pairs = [(f'{src}-mirror{sfx}', name, f'{src}-{peer}')
             for src, name in (('src-pfifo_fast', 'source with pfifo_fast'),
                               ('virtio-src', 'virtio-net source'))
             for sfx, peer in (('', 'tc-mirred'), ('', 'nft-dup'),
                               ('-unshared', 'bpf'))]
    pairs += [('dest-hook', 'destination with an egress hook',
               'dest-hook-tc-mirred'),
              ('virtio-dest', 'virtio-net destination',
               'virtio-dest-tc-mirred')]
    for config, name, peer in pairs:
        deferred = config.startswith(('src-', 'virtio-src'))
        # the BPF program as on dummy0 (below: no frame to share)
        want = 0.8 if (path == 'tx' and deferred) or 'bpf' in peer else 0.6
        t.append((f'per-copy cost, {name} vs {peer}',
                  ratio(per_copy(row_of(config), path),
                        per_copy(row_of(peer), path)), ('<=', want)))
    t.append(('per-copy cost, UDP GSO to a GSO destination vs tc-mirred',
              ratio(per_copy(row_of('udp-gso-mirror'), path),
                    per_copy(row_of('udp-gso-tc-mirred'), path)),
              ('<=', 0.6)))
    for size, sfx in ((64, ''), (514, '-512'), (1514, '-1500')):
        t.append((f'per-copy cost vs tcpdump -w\'s per frame, {size} bytes',
                  ratio(per_copy(row_of(f'mirror-1dest{sfx}'), path),
                        per_copy(row_of(f'tcpdump-w{sfx}'), path)),
                  ('<=', 0.5)))
    t.append(('direction tx: a received frame vs no mirror: rate',
              ratio(get('y', 'opt-direction-tx', path),
                    get('y', 'none', path)) if path == 'rx' else None,
              ('>=', 0.98)))
    t.append(('sample: a skipped frame vs no mirror: rate',
              ratio(get('y', 'opt-sample-skip', path),
                    get('y', 'none', path)), ('>=', 0.98)))
    t.append(('rate: a frame over the rate vs no mirror: rate',
              ratio(get('y', 'opt-rate-skip', path),
                    get('y', 'none', path)), ('>=', 0.98)))
    t.append(('rate: a frame over the rate vs one sampling skipped: rate',
              ratio(get('y', 'opt-rate-skip', path),
                    get('y', 'opt-sample-skip', path)), ('>=', 1.0)))
    t.append(('snaplen 128 vs whole copy, 1514-byte frames: rate',
              ratio(get('y', 'opt-snaplen-1500', path),
                    get('y', 'mirror-1dest-1500', path)), ('>=', 1.0)))
    for n in (100, 4096):
        t.append((f'{n} mirrored devices vs 1: rate',
                  ratio(get('y', f'mirror-{n}-sources', path),
                        get('y', 'mirror-1dest', path)), ('>=', 0.95)))
    c1, c4 = (per_copy(row_of(f'mirror-{k}dest'), path) for k in (1, 4))
    t.append(('each 2nd-4th copy vs the 1st: cost',
              (4 * c4 - c1) / 3 / c1 if c1 and c4 else None, ('<=', 1.0)))
    return t


def cell(v, fmt):
    return format(v, fmt) if v is not None else 'n/a'


md = []
md.append('# Port mirroring benchmark\n')
md.append(f'Base: {base}; QEMU TCG guest, one vCPU, `-icount shift=0`: '
          'the guest clock advances 1 ns per instruction executed, so a '
          'rate is 10^9 / (instructions per frame), the same on every run '
          'and whatever else the host does (memory and cache costs are not '
          'seen). pktgen on dummy0, 64-byte frames (`pkt_size 60`) unless '
          f'the row says otherwise, {count} frames per run; tx = `xmit_mode '
          'queue_xmit`, rx = `xmit_mode netif_receive`; copies go to '
          f'dummy1 (dummy1-4 for several). Medians of {rounds} rounds, the '
          'two kernels alternating, the rows in an order rotated each '
          'round. The virtio-net rows use the VM\'s virtio-net NICs, each '
          'cabled to another in QEMU; the TCP rows a stream of 16 MiB '
          'from a veth into another netns, the UDP GSO rows 2000 sends of '
          '45 segments of 1400 bytes, their rate in GSO packets per second, '
          'all the guest did for them included, mirrored (direction tx) or '
          'by tc mirred on egress (a stream varies between runs by more '
          'than a copy costs: its rows give no cost per copy); the BPF row '
          'a tc program calling `bpf_clone_redirect()` (JIT-compiled) on '
          'clsact ingress and egress, with pktgen\'s `flag !SHARED`, as '
          'the program may write to the frame, and so its baseline and '
          'the mirror it is compared with; each peer (tc mirred, nft dup, '
          'the BPF program) also on the two sources with a qdisc, and tc '
          'mirred into a destination with a pass-through egress hook, '
          'where the mirror\'s copies also take dev_queue_xmit().\n')
md.append('*instr/copy* is what each copy adds over the same path '
          'unmirrored (the row named in `harness/bench/report.py`), divided '
          'by the copies per frame; *copies* says whether the destinations '
          'sent every copy due in every run (tcpdump: captured every '
          'frame; the sample and rate rows: the entry accounted for every '
          'frame, copied, skipped or over the rate; the snaplen row: '
          'also 128 bytes a copy; a peer on the egress hook of a source '
          'with a qdisc: one copy per frame pktgen offered, as it offers a '
          'frame the qdisc refused again, so that its cost per copy is high '
          'by the share of frames offered again, 1.6% at most seen): '
          'a row that lost copies is marked '
          'INVALID, the targets computed from it read "invalid", and '
          '`make bench` exits 1.\n')
md.append('Reproduce: `make bench` (`ROUNDS=N` for more rounds).\n')
md.append('| configuration | tx kpps | rx kpps | tx instr/frame | '
          'rx instr/frame | tx instr/copy | rx instr/copy | copies | runs | '
          'spread |')
md.append('|---|---|---|---|---|---|---|---|---|---|')
for row in ROWS:
    kernel, config, label = row[:3]
    cells = [cell(get(kernel, config, p) and get(kernel, config, p) / 1000,
                  '.0f') for p in PATHS]
    cells += [cell(instr(kernel, config, p), '.0f') for p in PATHS]
    cells += [cell(per_copy(row, p), '.0f') for p in PATHS]
    v = {p: valid(kernel, config, p) for p in PATHS}
    cells.append(v['tx'] if v['tx'] == v['rx'] else
                 f'tx {v["tx"]}, rx {v["rx"]}')
    n = len(runs.get((kernel, config, 'tx'), []))
    # (max - min) / median over the rounds, the worse path
    spread = max(((max(r) - min(r)) / statistics.median(r)
                  for p in PATHS if (r := runs.get((kernel, config, p)))),
                 default=0)
    md.append(f'| {label} | {" | ".join(cells)} | {n} | {spread:.2%} |')
md.append('')

md.append('Two CPUs sending on dummy0 (pktgen, in a VM with two CPUs '
          'online and without icount, '
          f'{count // 5} frames each), mirrored into dq, a veth with two '
          'queues and an XPS map giving each CPU its own (as a multi-queue '
          'NIC\'s driver sets it): the copies each queue sent, per run. '
          'icount cannot show lock contention; this shows that copies do '
          'not all contend for one queue.\n')
md.append('| destination | copies per queue, each run | spread |')
md.append('|---|---|---|')
for (kernel, config), per_run in sorted(queues.items()):
    ok = queues_ok(per_run)
    label = {'2cpu-mq': 'dq with mq (a qdisc per queue)',
             '2cpu-noqueue': 'dq without a qdisc (copies to the driver)'
             }.get(config, config)
    md.append(f'| {label} | {"; ".join(" + ".join(map(str, q)) for q in per_run)} '
              f'| {"ok" if ok else "INVALID"} |')
md.append('')

md.append('The deferred path under load: pktgen on both CPUs into dummy0 '
          'with pfifo_fast or pfifo (same VM), mirrored to dummy1 and '
          'dummy2. Frames one CPU queues while the other runs the qdisc go '
          'in that run; its copies go out when it returns, 64 at most (a '
          'full run of 64 frames makes 128), the rest through the per-CPU '
          'queue\'s NAPI.\n')
md.append('| source | copies sent / due | through the NAPI | NAPI polls | '
          'copies per poll |')
md.append('|---|---|---|---|---|')
for config, sent, due, napi, polls in load:
    md.append(f'| {config} | {sent} / {due}'
              f'{"" if sent == due else " INVALID"} | {napi} | {polls} | '
              f'{napi / polls if polls else 0:.1f} |')
md.append('')

md.append('| figure | target | tx | rx |')
md.append('|---|---|---|---|')
tt = {path: targets(path) for path in PATHS}
invalid = []
for i, (name, *_) in enumerate(tt['tx']):
    cells = []
    wants = [tt[path][i][2] for path in PATHS]
    for path in PATHS:
        v, (op, want), inputs = tt[path][i][1:]
        bad = sorted(f'{k}:{c} {p}' for k, c, p in inputs
                     if valid(k, c, p).startswith('INVALID'))
        if bad:
            cells.append(f'invalid ({", ".join(bad)} lost copies)')
            invalid.append(f'{name}, {path}')
        elif v is None:
            cells.append('n/a')
        else:
            met = v >= want if op == '>=' else v <= want
            cells.append(f'{v:.3f} ({"met" if met else "missed"})')
    target = (f'{wants[0][0]} {wants[0][1]}' if wants[0] == wants[1] else
              f'{wants[0][0]} {wants[0][1]} (tx), {wants[1][1]} (rx)')
    md.append(f'| {name} | {target} | {cells[0]} | {cells[1]} |')
md.append('')
# The chart again as text, for places that show no PNG (the README)
# The charts leave out the GSO rows: per packet of up to 64 KB, a scale
# that would flatten every other bar
CHART = [r for r in ROWS if not r[1].startswith(('tcp-', 'udp-gso-'))]
md.append('```')
md.append('instructions per frame (shorter is faster); # tx, = rx; '
          'GSO rows in the table only')
top = max((1e9 / v for k, c, *_ in CHART for p in PATHS
           if (v := get(k, c, p))), default=1)
for kernel, config, label, *_ in CHART:
    for path, ch in zip(PATHS, '#='):
        v = get(kernel, config, path)
        if v:
            md.append(f'{label[:40]:40} {path} '
                      f'{ch * round(40 * 1e9 / v / top):40} {1e9 / v:5.0f}')
md.append('```')
md.append('')
open(f'{outdir}/results.md', 'w').write('\n'.join(md) + '\n')

with open(f'{outdir}/results.dat', 'w') as dat:
    for kernel, config, label, *_ in CHART:
        tx, rx = (instr(kernel, config, p) or 0 for p in PATHS)
        dat.write(f'"{label}" {tx:.0f} {rx:.0f}\n')
open(f'{outdir}/results.gp', 'w').write(f'''\
set terminal pngcairo size 1400,700 noenhanced
set output '{outdir}/results.png'
set title 'instructions per frame, median ({base})'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'instructions per frame (lower is better)'
set yrange [0:*]
set xtics rotate by -30 left
set key top left
set bmargin 13
set rmargin 12
plot '{outdir}/results.dat' using 2:xtic(1) title 'tx (queue_xmit)', \\
     '' using 3 title 'rx (netif_receive)'
''')
print(open(f'{outdir}/results.md').read())

# A row that lost copies measured something else than it says: the
# run is no result, whatever the targets read
lost = [f'{row[2]} ({row[0]}), {p}: {v}' for row in ROWS for p in PATHS
        if (v := valid(row[0], row[1], p)).startswith('INVALID')]
lost += [f'copies per queue, {c}' for (k, c), per_run in queues.items()
         if not queues_ok(per_run)]
lost += [f'under load, {c}: {sent}/{due}' for c, sent, due, *_ in load
         if sent != due]
# bench.sh always runs the two-CPU VM: no line from it is no result
lost += [f'no {what} line from the two-CPU run' for what, got in
         (('QUEUES', queues), ('LOAD', load)) if not got]
if lost:
    print('bench: INVALID rows:', *lost, sep='\n  ', file=sys.stderr)
    print(f'bench: targets made invalid: {len(invalid)}', file=sys.stderr)
    sys.exit(1)
