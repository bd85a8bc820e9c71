#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Join cohort's genetlink multicast group "events" with a raw netlink
socket; print "joined" or the error's name (EPERM for a caller without
CAP_NET_ADMIN where the kernel restricts the group). Exit 0 either way,
1 if the family or group could not be found."""
import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NLM_F_REQUEST = 1


def attrs(buf):
    """(type, payload) of each netlink attribute in buf."""
    while len(buf) >= 4:
        ln, typ = struct.unpack("HH", buf[:4])
        if ln < 4:
            return
        yield typ & 0x3fff, buf[4:ln]
        buf = buf[(ln + 3) & ~3:]


def attr(typ, payload):
    ln = 4 + len(payload)
    return struct.pack("HH", ln, typ) + payload + b"\0" * ((4 - ln % 4) % 4)


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    body = struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + \
        attr(CTRL_ATTR_FAMILY_NAME, b"cohort\0")
    s.send(struct.pack("IHHII", 16 + len(body), GENL_ID_CTRL, NLM_F_REQUEST,
                       1, 0) + body)
    reply = s.recv(65536)
    grp = None
    for typ, val in attrs(reply[20:]):
        if typ != CTRL_ATTR_MCAST_GROUPS:
            continue
        for _, g in attrs(val):
            d = dict(attrs(g))
            if d.get(CTRL_ATTR_MCAST_GRP_NAME, b"").rstrip(b"\0") == b"events":
                grp = struct.unpack("I", d[CTRL_ATTR_MCAST_GRP_ID])[0]
    if grp is None:
        print("no events group")
        return 1
    try:
        s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
        print("joined")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
