#!/usr/bin/env python3
"""ntpjunk: what an NTP server must never answer, sent at a rate.

    ntpjunk.py SERVER PORT COUNT RATE

Cycles through packets that are not valid client requests (mode 6 and 7,
responses, symmetric and broadcast modes, short, odd-length, version 0
and 5, extension fields whose lengths lie, oversized junk), COUNT in all at
about RATE per second, from one socket, and counts what comes back.
Prints one line: sent=N received=R maxlen=L.  None of these deserves an
answer, so every reply counts against the server: 0 is expected.
"""
import select
import socket
import struct
import sys
import time


def hdr(li_vn_mode, rest=b""):
    b = bytes([li_vn_mode]) + bytes(47)
    return (b + rest)


def ext(ftype, flen, body_len):
    return struct.pack("!HH", ftype, flen) + bytes(body_len)


JUNK = [
    ("mode6", bytes([(2 << 3) | 6, 2, 0, 1]) + bytes(8)),
    ("mode6-48", bytes([(2 << 3) | 6, 2, 0, 1]) + bytes(44)),
    ("monlist", bytes([(2 << 3) | 7, 0, 3, 42]) + bytes(44)),
    ("monlist-192", bytes([(2 << 3) | 7, 0, 3, 42]) + bytes(188)),
    ("mode4", hdr((4 << 3) | 4)),
    ("mode1", hdr((4 << 3) | 1)),
    ("mode5", hdr((4 << 3) | 5)),
    ("mode0", hdr((4 << 3) | 0)),
    ("short47", hdr((4 << 3) | 3)[:47]),
    ("short1", bytes([(4 << 3) | 3])),
    ("odd50", hdr((4 << 3) | 3, bytes(2))),
    ("v0", hdr((0 << 3) | 3)),
    ("v5", hdr((5 << 3) | 3)),
    ("v7", hdr((7 << 3) | 3)),
    # extension fields whose length is not what is there
    ("ext-len-long", hdr((4 << 3) | 3, ext(0x0104, 400, 28))),
    ("ext-len-zero", hdr((4 << 3) | 3, ext(0x0104, 0, 28))),
    ("ext-len-short", hdr((4 << 3) | 3, ext(0x0104, 8, 28))),
    ("ext-len-odd", hdr((4 << 3) | 3, ext(0x0104, 30, 28))),
    ("ext-trunc", hdr((4 << 3) | 3, ext(0x0104, 32, 28)[:20])),
    ("oversized", hdr((4 << 3) | 3, bytes(1400))),
]


def main():
    server, port, count, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.setblocking(False)
    got = maxlen = 0
    per = {}
    t0 = time.monotonic()
    for i in range(count):
        name, pkt = JUNK[i % len(JUNK)]
        s.sendto(pkt, (server, port))
        while True:
            try:
                data = s.recv(65536)
            except BlockingIOError:
                break
            got += 1
            maxlen = max(maxlen, len(data))
        due = t0 + (i + 1) / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data = s.recv(65536)
        got += 1
        maxlen = max(maxlen, len(data))
    print("sent=%d received=%d maxlen=%d kinds=%d elapsed_s=%.1f" %
          (count, got, maxlen, len(JUNK), time.monotonic() - t0))


if __name__ == "__main__":
    main()
