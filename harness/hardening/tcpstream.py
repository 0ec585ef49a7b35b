#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A TCP stream with known bytes each way, and its copies checked.

  tcpstream.py server ADDR PORT SIZE
  tcpstream.py client ADDR PORT SIZE
  tcpstream.py compare PCAP PORT SIZE [--csum]

The client sends SIZE bytes, the server checks them and sends SIZE bytes
back, which the client checks. The bytes each way are a pseudo-random
sequence seeded by PORT and the direction, so that a copy carrying a
segment at the wrong offset cannot match.

compare reassembles both directions of the stream from a capture of its
copies (Ethernet, IPv4, one connection on PORT), by sequence number, and
checks that they cover the SIZE bytes each way and match them wherever
segments overlap; with --csum, that every IPv4 and TCP checksum is right
(a copy whose checksum was left to an offload that did not happen has a
wrong one). Prints what it found; exits 1 if anything differs.
"""

import random
import socket
import struct
import sys
import time


def payload(port, to_server, size):
    return random.Random(port * 2 + to_server).randbytes(size)


def recv_exactly(sock, size):
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(65536, size - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def server(addr, port, size):
    with socket.create_server((addr, port)) as lsock:
        lsock.settimeout(60)
        conn, _ = lsock.accept()
        with conn:
            got = recv_exactly(conn, size)
            conn.sendall(payload(port, 0, size))
            conn.shutdown(socket.SHUT_WR)
            recv_exactly(conn, 1)
    if got != payload(port, 1, size):
        print('server: received %d bytes, not the client\'s' % len(got))
        return 1
    return 0


def client(addr, port, size):
    deadline = time.monotonic() + 10
    while True:
        try:
            sock = socket.create_connection((addr, port), timeout=60)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with sock:
        sock.sendall(payload(port, 1, size))
        got = recv_exactly(sock, size)
    if got != payload(port, 0, size):
        print('client: received %d bytes, not the server\'s' % len(got))
        return 1
    return 0


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('<I', data[:4])
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    if struct.unpack(endian + 'I', data[20:24])[0] != 1:
        raise SystemExit('compare: %s is not an Ethernet capture' % path)
    off = 24
    while off + 16 <= len(data):
        caplen, wirelen = struct.unpack(endian + 'II', data[off + 8:off + 16])
        yield data[off + 16:off + 16 + caplen], wirelen
        off += 16 + caplen


def compare(path, port, size, check_csum):
    # by direction (1: to the server): [(seq, payload)], and the ISN
    segs = {0: [], 1: []}
    isn = {}
    bad_csum = truncated = count = 0
    for frame, wirelen in frames(path):
        if len(frame) < wirelen:
            truncated += 1
            continue
        ethertype, = struct.unpack('!H', frame[12:14])
        ip = frame[14:]
        if ethertype == 0x8100:
            ethertype, = struct.unpack('!H', frame[16:18])
            ip = frame[18:]
        if ethertype != 0x0800 or ip[9] != socket.IPPROTO_TCP:
            continue
        ihl = (ip[0] & 0xf) * 4
        total, = struct.unpack('!H', ip[2:4])
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack('!HHI', tcp[:8])
        if port not in (sport, dport):
            continue
        count += 1
        if check_csum:
            pseudo = ip[12:20] + struct.pack('!BBH', 0, 6, len(tcp))
            if csum16(ip[:ihl]) != 0xffff or csum16(pseudo + tcp) != 0xffff:
                bad_csum += 1
        to_server = int(dport == port)
        flags = tcp[13]
        if flags & 0x02:	# SYN
            isn[to_server] = seq
            continue
        data = tcp[(tcp[12] >> 4) * 4:]
        if data:
            segs[to_server].append((seq, data))

    ok = True
    print('compare: %d frames of the connection, %d truncated' %
          (count, truncated))
    for to_server, name in ((1, 'to the server'), (0, 'to the client')):
        if to_server not in isn:
            print('compare: no SYN %s' % name)
            ok = False
            continue
        want = payload(port, to_server, size)
        covered = bytearray(size)
        wrong = again = 0
        for seq, data in segs[to_server]:
            rel = (seq - isn[to_server] - 1) & 0xffffffff
            end = min(rel + len(data), size)
            if rel >= size or data[:end - rel] != want[rel:end]:
                wrong += 1
                continue
            # A segment whose bytes all came before: a retransmission
            # of the stream, or a copy sent twice
            again += all(covered[rel:end])
            covered[rel:end] = b'\1' * (end - rel)
        missing = size - sum(covered)
        print('compare: %s: %d segments (%d carrying only bytes seen '
              'before), %d bytes of %d missing, %d segments with other '
              'bytes' % (name, len(segs[to_server]), again, missing, size,
                         wrong))
        ok = ok and missing == 0 and wrong == 0
    if check_csum:
        print('compare: %d frames with a wrong checksum' % bad_csum)
        ok = ok and bad_csum == 0
    return 0 if ok and truncated == 0 else 1


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'server':
        return server(args[0], int(args[1]), int(args[2]))
    if cmd == 'client':
        return client(args[0], int(args[1]), int(args[2]))
    if cmd == 'compare':
        return compare(args[0], int(args[1]), int(args[2]),
                       '--csum' in args[3:])
    raise SystemExit(__doc__)


if __name__ == '__main__':
    sys.exit(main())
