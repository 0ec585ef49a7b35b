#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Input fuzz of /sys/class/net/<dev>/mirror_to.

Random bytes, very long writes, names with odd characters, embedded NULs
and newlines, and many writers at once: every write either succeeds or
fails with an errno the ABI documents, and afterwards every table lists
distinct live devices, at most 8, and still takes and drops an entry.
Prints kselftest's "TEST: name [ OK ]" lines; run as root in the VM.
"""

import errno
import os
import random
import subprocess
import sys
import time

# Documentation/ABI/testing/sysfs-class-net, mirror_to (root: no EPERM)
DOCUMENTED = {errno.ENODEV, errno.EINVAL, errno.EEXIST, errno.ENOENT,
              errno.EOPNOTSUPP, errno.ELOOP, errno.ENOSPC}
SOURCES = ['fz0', 'fz1', 'fz2']
DESTS = ['fz%d' % i for i in range(3, 14)]
MAX_DEST = 8
failures = 0


def result(name, why):
    global failures
    print('TEST: %-72s [%s]' % (name, 'FAIL' if why else ' OK '))
    if why:
        print('\t' + why[:600])
        failures += 1
    sys.stdout.flush()


def path(dev):
    return '/sys/class/net/%s/mirror_to' % dev


def write(dev, data):
    """One write(2) of data; returns 0 or the errno."""
    fd = os.open(path(dev), os.O_WRONLY)
    try:
        os.write(fd, data)
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def read(dev):
    with open(path(dev), 'rb') as f:
        return f.read()


def consistent():
    """Why the tables are wrong, or '' if they are fine."""
    live = set(os.listdir('/sys/class/net'))
    bad = []
    for dev in SOURCES + DESTS:
        raw = read(dev)
        if not raw.endswith(b'\n') or b'  ' in raw or raw.startswith(b' '):
            bad.append('%s reads %r' % (dev, raw))
            continue
        names = raw.decode().split()
        if len(names) != len(set(names)) or len(names) > MAX_DEST:
            bad.append('%s reads %r' % (dev, raw))
        bad += ['%s names %s, not a device' % (dev, n)
                for n in names if n not in live or n == dev]
    return '; '.join(bad)


def clear():
    for dev in SOURCES + DESTS:
        for name in read(dev).decode().split():
            write(dev, b'-' + name.encode())


def undocumented(outcomes):
    odd = sorted({(e, repr(d)[:80]) for d, e in outcomes
                  if e and e not in DOCUMENTED})
    return ', '.join('%s for %s' % (errno.errorcode.get(e, e), d)
                     for e, d in odd[:8])


def odd_inputs():
    names = [b'fz3', b'+fz3', b'-fz3']
    odd = [b'', b'\n', b'\n\n', b' ', b'+', b'-', b'--fz3', b'++fz3', b'+-fz3',
           b'fz3\n\n', b'fz3 ', b' fz3', b'fz3\tfz4', b'fz3 fz4', b'fz3\nfz4',
           b'\0', b'fz3\0', b'\0fz3', b'fz\x003', b'fz3\0\n', b'.', b'..',
           b'a/b', b'a:b', b'fz3/', b'\xff\xfe', 'f\u00fc\u00df'.encode(),
           b'x' * 15, b'x' * 16, b'-' + b'x' * 15, b'+' + b'x' * 16,
           b'%s%n', b'fz0', b'-fz0', b'lo', b'/sys', b'*', b'fz*']
    return odd + names


def fuzz_single(rounds):
    rnd = random.Random(1)
    out = []
    inputs = odd_inputs()
    for _ in range(rounds):
        kind = rnd.randrange(4)
        if kind == 0:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        elif kind == 1:
            data = rnd.choice(inputs)
        elif kind == 2:
            data = rnd.choice([b'', b'+', b'-']) + \
                rnd.choice(DESTS + SOURCES).encode() + \
                rnd.choice([b'', b'\n', b'\0', b' ', b'\n\n', b'x'])
        else:
            # bytes from the alphabet of names
            alpha = b'fz0123456789+-\n .'
            data = bytes(rnd.choice(alpha) for _ in range(rnd.randrange(20)))
        out.append((data, write(rnd.choice(SOURCES), data)))
    return out


def fuzz_long():
    out = []
    for n in (4095, 4096, 4097, 65536, 1 << 20):
        for fill in (b'x', b'\n', b'\0', b' '):
            data = fill * n
            out.append((data, write('fz0', data)))
        data = b'fz3' + b'\0' * (n - 3)
        out.append((data, write('fz0', data)))
    return out


def writer(seed, seconds):
    """A child: random adds and removes; exits 1 on an undocumented errno."""
    rnd = random.Random(seed)
    end = time.time() + seconds
    while time.time() < end:
        src = rnd.choice(SOURCES)
        data = rnd.choice([b'', b'-']) + rnd.choice(DESTS).encode() + b'\n'
        e = write(src, data)
        if e and e not in DOCUMENTED:
            print('writer %d: %s for %r on %s' %
                  (seed, errno.errorcode.get(e, e), data, src))
            os._exit(1)
        if rnd.randrange(50) == 0:
            consistent_or_die = consistent()
            if consistent_or_die:
                print('writer %d: %s' % (seed, consistent_or_die))
                os._exit(1)
    os._exit(0)


def ip(*args):
    subprocess.run(['ip'] + list(args), check=True)


def main():
    for dev in SOURCES + DESTS:
        ip('link', 'add', dev, 'type', 'dummy')
        ip('link', 'set', dev, 'up')
    try:
        out = fuzz_single(int(os.environ.get('FUZZ_ROUNDS', '3000')))
        why = undocumented(out) or consistent()
        result('fuzz: %d random and odd writes: documented errnos only, '
               'tables sane' % len(out), why)

        out = fuzz_long()
        why = undocumented(out) or consistent()
        if not why and any(e == 0 for _, e in out):
            why = 'a long write succeeded'
        result('fuzz: writes of 4 KiB to 1 MiB fail cleanly', why)

        clear()
        pids = []
        for seed in range(8):
            pid = os.fork()
            if pid == 0:
                writer(seed, float(os.environ.get('FUZZ_SECONDS', '10')))
            pids.append(pid)
        bad = [p for p in pids if os.waitpid(p, 0)[1]]
        why = '%d writers failed' % len(bad) if bad else consistent()
        result('fuzz: 8 concurrent writers: documented errnos, tables sane',
               why)

        # The tables still work: fill one, overflow it, empty it
        clear()
        why = ''
        for d in DESTS[:MAX_DEST]:
            e = write('fz0', d.encode())
            if e:
                why += ' add %s: %s;' % (d, errno.errorcode[e])
        e = write('fz0', DESTS[MAX_DEST].encode())
        if e != errno.ENOSPC:
            why += ' ninth destination: %s;' % errno.errorcode.get(e, e)
        if read('fz0') != (' '.join(DESTS[:MAX_DEST]) + '\n').encode():
            why += ' reads %r;' % read('fz0')
        clear()
        if any(read(d) != b'\n' for d in SOURCES + DESTS):
            why += ' not empty after removing all;'
        result('fuzz: afterwards a table fills to 8, refuses a 9th, empties',
               why)
    finally:
        for dev in SOURCES + DESTS:
            subprocess.run(['ip', 'link', 'del', dev])
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
