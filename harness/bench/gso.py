#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The bench's GSO traffic: a TCP stream, or UDP GSO sends.

  gso.py server ADDR PORT
  gso.py client ADDR PORT SIZE
  gso.py udp ADDR PORT COUNT

The server reads until the client shuts its side, then answers one byte
and exits. The client sends SIZE bytes, shuts down, waits for that byte
and prints how long it took, in ns of the guest's clock (under icount,
instructions). udp sends COUNT datagrams of 45 segments of 1400 bytes
each (UDP_SEGMENT: one GSO packet each, the same every run, as no
feedback shapes them) and prints how long that took.
"""

import socket
import sys
import time

CHUNK = 1 << 20
UDP_SEGMENT = 103       # linux/udp.h
UDP_GSO_SIZE = 1400


def server(addr, port):
    with socket.create_server((addr, port)) as ls:
        conn, _ = ls.accept()
        with conn:
            buf = bytearray(CHUNK)
            while conn.recv_into(buf):
                pass
            conn.sendall(b'.')


def client(addr, port, size):
    data = bytes(CHUNK)
    # the server may still be starting
    for _ in range(100):
        try:
            sock = socket.create_connection((addr, port))
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    else:
        sys.exit('bench-tcp: no server')
    with sock:
        start = time.monotonic_ns()
        left = size
        while left > 0:
            left -= sock.send(data[:min(CHUNK, left)])
        sock.shutdown(socket.SHUT_WR)
        if sock.recv(1) != b'.':
            sys.exit('bench-tcp: no answer')
        print(time.monotonic_ns() - start)


def udp(addr, port, count):
    payload = bytes(45 * UDP_GSO_SIZE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_UDP, UDP_SEGMENT, UDP_GSO_SIZE)
        start = time.monotonic_ns()
        for _ in range(count):
            sock.sendto(payload, (addr, port))
        print(time.monotonic_ns() - start)


def main():
    cmd, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == 'server':
        server(addr, port)
    elif cmd == 'client':
        client(addr, port, int(sys.argv[4]))
    else:
        udp(addr, port, int(sys.argv[4]))


if __name__ == '__main__':
    main()
