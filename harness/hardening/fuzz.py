#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Input fuzz of /sys/class/net/<dev>/mirror_to and of IFLA_MIRROR.

Random bytes, very long writes, names with odd characters, embedded NULs
and newlines; random and malformed IFLA_MIRROR attributes in
RTM_NEWLINK; and many sysfs and netlink writers at once: every request
either succeeds or fails with a documented errno, a failed one changes
nothing, and afterwards every table lists distinct live devices, at most
8, and still takes and drops an entry. Prints kselftest's
"TEST: name [ OK ]" lines; run as root in the VM.
"""

import errno
import functools
import os
import random
import socket
import struct
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

# include/uapi/linux/if_link.h and rtnetlink.h, with this series
RTM_NEWLINK, RTM_GETLINK, NLMSG_ERROR = 16, 18, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
IFLA_EXT_MASK, IFLA_MIRROR = 29, 70
RTEXT_FILTER_SKIP_STATS = 1 << 3
NLA_F_NESTED = 1 << 15
MIRROR_ENTRY, MIRROR_ADD, MIRROR_CHANGE, MIRROR_DEL = 1, 2, 3, 4
ENTRY_IFINDEX, ENTRY_DIRECTION, ENTRY_SNAPLEN, ENTRY_SAMPLE, ENTRY_STATS = \
    1, 2, 3, 4, 5
ENTRY_PRIORITY, ENTRY_RATE, ENTRY_BURST = 6, 7, 8
# An entry as a dump without counters lists it: these options, then the
# priority if one was set
OPTIONS = [ENTRY_IFINDEX, ENTRY_DIRECTION, ENTRY_SNAPLEN, ENTRY_SAMPLE,
           ENTRY_RATE, ENTRY_BURST]
DEFAULT_ENTRY = [3, 0, 1, 0, 0]	# after the ifindex
# Documentation/networking/port-mirroring.rst: the sysfs errnos, and
# ERANGE for an option out of range
DOCUMENTED_NL = DOCUMENTED | {errno.ERANGE}


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
    odd = sorted({(e, repr(d)[:80]) for d, e, _ in outcomes
                  if e and e not in DOCUMENTED})
    return ', '.join('%s for %s' % (errno.errorcode.get(e, e), d)
                     for e, d in odd[:8])


def valid_name(name):
    """dev_valid_name(): isspace() is the kernel's, with 0xa0."""
    return (0 < len(name) < 16 and name not in (b'.', b'..') and
            not any(c in b'/: \t\n\v\f\r\xa0' for c in name))


def expect(dev, data, table):
    """The errno the spec gives a write of data to dev's mirror_to, when
    dev's destinations are table (a list, updated on success): the
    attribute's errors in the order Documentation/ABI lists them."""
    if not data:
        return 0        # sysfs does not call the attribute for 0 bytes
    if data.endswith(b'\n'):
        data = data[:-1]
    remove = data[:1] == b'-'
    if data[:1] in (b'+', b'-'):
        data = data[1:]
    if b'\0' in data or not valid_name(data):
        return errno.EINVAL
    if not os.path.exists(b'/sys/class/net/' + data):
        return errno.ENODEV
    name = data.decode()
    if remove:
        if name not in table:
            return errno.ENOENT
        table.remove(name)
        return 0
    if name == dev:
        return errno.EINVAL
    if read_type(name) != read_type(dev):
        return errno.EOPNOTSUPP
    if name in table:
        return errno.EEXIST
    if len(table) >= MAX_DEST:
        return errno.ENOSPC
    table.append(name)
    return 0


def read_type(dev):
    with open('/sys/class/net/%s/type' % dev) as f:
        return f.read()


def mismatches(outcomes):
    """The writes whose errno is not the one expect() gives."""
    bad = [(d, e, w) for d, e, w in outcomes if e != w]
    return ', '.join('%s for %r (want %s)' % (errno.errorcode.get(e, e),
                                               d[:40], errno.errorcode.get(w, w))
                     for d, e, w in bad[:6])


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
    """(data, errno, expected errno) of each write."""
    rnd = random.Random(1)
    out = []
    inputs = odd_inputs()
    tables = {dev: read(dev).decode().split() for dev in SOURCES}
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
        dev = rnd.choice(SOURCES)
        want = expect(dev, data, tables[dev])
        out.append((data, write(dev, data), want))
    why = ['%s reads %r, want %r' % (dev, read(dev).decode(), tables[dev])
           for dev in SOURCES if read(dev).decode().split() != tables[dev]]
    return out, '; '.join(why)


def fuzz_long():
    out = []
    for n in (4095, 4096, 4097, 65536, 1 << 20):
        for fill in (b'x', b'\n', b'\0', b' '):
            data = fill * n
            out.append((data, write('fz0', data), errno.EINVAL))
        data = b'fz3' + b'\0' * (n - 3)
        out.append((data, write('fz0', data), errno.EINVAL))
    return out


def writer(seed, seconds):
    """A child: random adds and removes, half of them over netlink, with
    options; exits 1 on an undocumented errno."""
    rnd = random.Random(seed)
    rtnl = Rtnl()
    end = time.time() + seconds
    while time.time() < end:
        src = rnd.choice(SOURCES)
        dst = rnd.choice(DESTS)
        if rnd.randrange(2):
            data = rnd.choice([b'', b'-']) + dst.encode() + b'\n'
            e = write(src, data)
        else:
            kind = rnd.choice([MIRROR_ADD, MIRROR_CHANGE, MIRROR_DEL])
            data = nla(ENTRY_IFINDEX, u32(ifindex(dst)))
            if kind != MIRROR_DEL:
                data += nla(ENTRY_SNAPLEN, u32(rnd.choice([0, 64, 128])))
            data = nla(NLA_F_NESTED | kind, data)
            e = rtnl.set(src, data)
        if e and e not in DOCUMENTED_NL:
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


@functools.lru_cache(maxsize=None)
def ifindex(dev):
    """No device is deleted and made again while the fuzz runs."""
    with open('/sys/class/net/%s/ifindex' % dev) as f:
        return int(f.read())


def nla(kind, payload):
    """A netlink attribute, padded to 4 bytes."""
    size = 4 + len(payload)
    return struct.pack('HH', size, kind) + payload + b'\0' * (-size % 4)


def attrs(data):
    """The (type, payload) of each attribute in data."""
    out = []
    while len(data) >= 4:
        size, kind = struct.unpack('HH', data[:4])
        if size < 4:
            break
        out.append((kind & 0x3fff, data[4:size]))
        data = data[(size + 3) & ~3:]
    return out


class Rtnl:
    """RTM_NEWLINK requests with IFLA_MIRROR, and the table they left."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.seq = 0
        self.last = b''

    def request(self, kind, index, body):
        self.seq += 1
        ifi = struct.pack('BxHiII', socket.AF_UNSPEC, 0, index, 0, 0)
        msg = ifi + body
        self.sock.send(struct.pack('IHHII', 16 + len(msg), kind,
                                   NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
                       + msg)
        while True:
            reply = self.sock.recv(1 << 16)
            kind, = struct.unpack('H', reply[4:6])
            if kind == NLMSG_ERROR:
                return -struct.unpack('i', reply[16:20])[0], None
            # a reply to RTM_GETLINK, then its ack
            self.last = reply[32:struct.unpack('I', reply[:4])[0]]

    def set(self, dev, mirror):
        """The errno of an RTM_NEWLINK carrying mirror as IFLA_MIRROR."""
        return self.request(RTM_NEWLINK, ifindex(dev),
                            nla(NLA_F_NESTED | IFLA_MIRROR, mirror))[0]

    def table(self, dev):
        """dev's entries, their OPTIONS each."""
        self.last = b''
        self.request(RTM_GETLINK, ifindex(dev),
                     nla(IFLA_EXT_MASK, struct.pack('I', RTEXT_FILTER_SKIP_STATS)))
        table = []
        for kind, payload in attrs(self.last):
            if kind != IFLA_MIRROR:
                continue
            for _, entry in attrs(payload):
                table.append(tuple(struct.unpack('I', v)[0]
                                   for _, v in attrs(entry)))
        return table


def u32(v):
    return struct.pack('I', v & 0xffffffff)


def valid_request(rnd, indexes):
    """One well-formed request, with options in range, and what it asks:
    (kind, ifindex, {option: value})."""
    kind = rnd.choice([MIRROR_ADD, MIRROR_CHANGE, MIRROR_DEL])
    index = rnd.choice(indexes)
    entry = nla(ENTRY_IFINDEX, u32(index))
    opts = {}
    if kind != MIRROR_DEL:
        for attr, values in ((ENTRY_DIRECTION, [1, 2, 3]),
                             (ENTRY_SNAPLEN, [0, 64, 128, 65535]),
                             (ENTRY_SAMPLE, [1, 2, (1 << 31) - 1]),
                             (ENTRY_PRIORITY, [0, 1, 0x10003, (1 << 32) - 1]),
                             (ENTRY_RATE, [0, 1, 1000, 10 ** 7]),
                             (ENTRY_BURST, [0, 1, 50, (1 << 32) - 1])):
            if rnd.randrange(2):
                opts[attr] = rnd.choice(values)
                entry += nla(attr, u32(opts[attr]))
    return nla(NLA_F_NESTED | kind, entry), (kind, index, opts)


def link_types():
    """The link type of each device, by ifindex."""
    types = {}
    for dev in os.listdir('/sys/class/net'):
        if os.path.isdir('/sys/class/net/' + dev):	# not bonding_masters
            types[ifindex(dev)] = read_type(dev)
    return types


def expect_nl(src, requests, table, types):
    """The errno the rst gives well-formed requests to src whose entries
    are table, their OPTIONS each; and the table after them: they apply
    in order, all or nothing. types: link_types()."""
    new = [list(entry) for entry in table]
    own = ifindex(src)
    for kind, index, opts in requests:
        if index not in types:
            return errno.ENODEV, table
        found = [e for e in new if e[0] == index]
        if kind == MIRROR_ADD:
            if index == own:
                return errno.EINVAL, table
            if types[index] != types[own]:
                return errno.EOPNOTSUPP, table
            if found:
                return errno.EEXIST, table
            if len(new) >= MAX_DEST:
                return errno.ENOSPC, table
            found = [[index] + DEFAULT_ENTRY]
            new += found
        elif not found:
            return errno.ENOENT, table
        elif kind == MIRROR_DEL:
            new.remove(found[0])
            continue
        entry = found[0]
        for attr, value in opts.items():
            if attr != ENTRY_PRIORITY:
                entry[OPTIONS.index(attr)] = value
            elif len(entry) > len(OPTIONS):
                entry[len(OPTIONS)] = value
            else:
                entry.append(value)
    return 0, [tuple(entry) for entry in new]


def random_request(rnd, indexes):
    """An IFLA_MIRROR payload, valid or not, sometimes malformed; and
    the requests it makes when well-formed, else None."""
    values = [0, 1, 2, 3, 4, 63, 64, 65535, 65536, (1 << 31) - 1, 1 << 31,
              10 ** 7, 10 ** 7 + 1, (1 << 32) - 1] + indexes
    if rnd.randrange(2):
        # well-formed requests, so that the fuzz gets past the policy
        reqs = [valid_request(rnd, indexes)
                for _ in range(rnd.randrange(1, 4))]
        return b''.join(r for r, _ in reqs), [asked for _, asked in reqs]
    out = b''
    for _ in range(rnd.randrange(1, 5)):
        entry = b''
        for _ in range(rnd.randrange(0, 5)):
            kind = rnd.choice([ENTRY_IFINDEX] * 4 + list(range(0, 10)))
            pick = rnd.randrange(10)
            if pick < 7:
                payload = u32(rnd.choice(values))
            elif pick < 8:
                payload = bytes(rnd.randrange(256)
                                for _ in range(rnd.randrange(9)))
            elif pick < 9:
                payload = nla(rnd.choice([1, NLA_F_NESTED | 1]),
                              u32(rnd.choice(values)))
            else:
                payload = struct.pack('Q', rnd.choice(values))
            entry += nla(kind, payload)
        # Requests are nests: the flag is left out in a few
        kind = rnd.choice([MIRROR_ADD] * 3 + [MIRROR_CHANGE, MIRROR_DEL] * 2
                          + [MIRROR_ENTRY, 0, 5])
        req = nla(kind | (NLA_F_NESTED if rnd.randrange(8) else 0), entry)
        if rnd.randrange(10) == 0:
            # a length that runs past the message, or under a header
            req = struct.pack('H', rnd.choice([2, len(req) + 4, 0xffff])) + req[2:]
        out += req
    return out, None


def fuzz_netlink(rounds):
    """Why requests were answered wrongly, or ''; how many succeeded, and
    how many were well-formed (each checked against expect_nl())."""
    rnd = random.Random(2)
    rtnl = Rtnl()
    indexes = [ifindex(d) for d in SOURCES + DESTS] + [1, 999999]
    # No device comes or goes during the fuzz: read them once, not for
    # each request (20 sysfs reads, 80 ms a request on the debug VM)
    types = link_types()
    bad, ok, modelled = [], 0, 0
    for _ in range(rounds):
        src = rnd.choice(SOURCES)
        before = rtnl.table(src)
        req, asked = random_request(rnd, indexes)
        e = rtnl.set(src, req)
        after = rtnl.table(src)
        if e == 0:
            ok += 1
        if asked is not None:
            modelled += 1
            want, table = expect_nl(src, asked, before, types)
            if (e, after) != (want, table):
                bad.append('%s (want %s) for %s: %s, want %s' %
                           (errno.errorcode.get(e, e),
                            errno.errorcode.get(want, want), asked, after,
                            table))
        elif e and e not in DOCUMENTED_NL:
            bad.append('%s for %s' % (errno.errorcode.get(e, e), req.hex()))
        elif e and after != before:
            bad.append('%s changed %s: %s' % (errno.errorcode.get(e, e), src,
                                              req.hex()))
        if rnd.randrange(20) == 0:
            clear()
    return '; '.join(bad[:4]), ok, modelled


def main():
    for dev in SOURCES + DESTS:
        ip('link', 'add', dev, 'type', 'dummy')
        ip('link', 'set', dev, 'up')
    try:
        out, tables = fuzz_single(int(os.environ.get('FUZZ_ROUNDS', '3000')))
        print('fuzz: %d of %d writes succeeded' %
              (sum(1 for _, e, _ in out if not e), len(out)))
        why = undocumented(out) or mismatches(out) or tables or consistent()
        result('fuzz: %d random and odd writes: each its errno, tables as '
               'expected' % len(out), why)

        out = fuzz_long()
        why = undocumented(out) or mismatches(out) or consistent()
        result('fuzz: writes of 4 KiB to 1 MiB fail cleanly', why)

        clear()
        rounds = int(os.environ.get('FUZZ_ROUNDS', '3000'))
        why, ok, modelled = fuzz_netlink(rounds)
        print('fuzz: %d of %d IFLA_MIRROR requests succeeded; %d '
              'well-formed ones checked against the model' %
              (ok, rounds, modelled))
        why = why or consistent()
        if not why and not ok:
            why = 'no request succeeded: the fuzz stopped at the policy'
        result('fuzz: random and malformed IFLA_MIRROR requests: each '
               'well-formed one its errno and table, a malformed one a '
               'documented errno and no change', why)

        clear()
        pids = []
        for seed in range(8):
            pid = os.fork()
            if pid == 0:
                writer(seed, float(os.environ.get('FUZZ_SECONDS', '10')))
            pids.append(pid)
        bad = [p for p in pids if os.waitpid(p, 0)[1]]
        why = '%d writers failed' % len(bad) if bad else consistent()
        result('fuzz: 8 concurrent sysfs and netlink writers: documented '
               'errnos, tables sane', why)

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
