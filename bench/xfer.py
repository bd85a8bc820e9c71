#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Copy a file between two guests over TCP, for bench/migrate's CRIU side.

  xfer.py recv PORT FILE        accept one connection, write what it sends
                                to FILE, close when it ends
  xfer.py send HOST PORT FILE   send FILE, wait for the receiver to close;
                                print the milliseconds it took
"""
import socket
import sys
import time


def recv(port, path):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    s, _ = ls.accept()
    with open(path, "wb") as f:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            f.write(b)
    s.close()


def send(host, port, path):
    t0 = time.monotonic()
    s = socket.create_connection((host, port))
    with open(path, "rb") as f:
        s.sendfile(f)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
    print("%.1f" % ((time.monotonic() - t0) * 1000))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "recv":
        recv(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
