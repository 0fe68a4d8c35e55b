#!/usr/bin/env python3
"""ctlabuse: what a local user can throw at bridged's control socket.

    ctlabuse.py SOCKET

Connects and says nothing; sends 1 MiB that never ends; asks for status
and closes before the reply; opens 500 connections at once; holds them
for 4 s (the caller checks meanwhile that root is still answered), then
closes them.  Prints what happened.
"""
import socket
import sys
import time


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def main():
    path = sys.argv[1]
    held = [conn(path)]                          # connects, says nothing
    try:
        big = conn(path)
        held.append(big)
        big.sendall(b"{" + b" " * (1 << 20))     # 1 MiB that never ends
        print("1 MiB sent whole")
    except OSError as e:
        print("1 MiB: cut off:", e)
    mid = conn(path)
    mid.sendall(b'{"cmd": "status"}\n')
    mid.close()                                  # gone before the reply
    refused = 0
    for _ in range(500):                         # 500 at once
        try:
            held.append(conn(path))
        except OSError:
            refused += 1
    print("500 connections tried,", refused, "refused at connect")
    time.sleep(4)
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
