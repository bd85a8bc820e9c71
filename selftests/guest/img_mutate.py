#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile process images: mutate a good image in ways a parser must
refuse, fixing the END record's CRC so that the checks behind it are
reached. Variant INDEX (one of eight kinds, INDEX % 8; the same for the
same INDEX and SEED) is written to OUT and its kind printed. Variants of
kind 0 (a bit of a field flipped) and 4 (a record dropped) may still be
valid images; every other kind must be refused. One at a time: a guest's
/tmp is memory, and an image can be large.

    img_mutate.py IMAGE OUT INDEX [SEED]
    img_mutate.py --summary IMAGE      per-kind VMA and page counts
    img_mutate.py --try IMAGE OUT COUNT SEED TIMEOUT CMD...

--try writes variants 0..COUNT-1 to OUT in turn and runs CMD OUT on each
(cohortctl restore --detach): a variant that restores is killed (its PID
from "as process N"); one of a refusable kind that restores, a run that
outlasts TIMEOUT seconds and a refusal that gives no reason are counted
bad. It prints "tried=N restored=N bad=N" last.
"""
import os
import random
import re
import signal
import subprocess
import struct
import sys
import zlib

HDR = 16
END = 0xFFFF
PAGES = 11
VMA = 10


def records(data):
    """[(offset, type, len)] of every record, END last."""
    out, off = [], HDR
    while off + 8 <= len(data):
        t, n = struct.unpack_from("<II", data, off)
        out.append((off, t, n))
        if t == END:
            break
        off += 8 + n + (-n & 7)
    return out


def fix_end(data):
    """Recompute the END record of a (mutated) image, if it has one."""
    recs = records(bytes(data))
    if not recs or recs[-1][1] != END:
        return data
    off = recs[-1][0]
    crc = zlib.crc32(bytes(data[:off]))
    struct.pack_into("<IIQ", data, off + 8, crc, len(recs) - 1, off)
    return data


def mutate(data, rnd, kind):
    data = bytearray(data)
    recs = records(bytes(data))
    meta = [r for r in recs if r[1] not in (PAGES, END)]
    if kind == 0:  # a bit of a record's fields
        off, t, n = rnd.choice(meta)
        i = off + 8 + rnd.randrange(max(n, 1))
        data[i] ^= 1 << rnd.randrange(8)
    elif kind == 1:  # a record's length
        off, t, n = rnd.choice(recs[:-1])
        struct.pack_into("<I", data, off + 4, rnd.choice(
            [x for x in (0, 1, n - 1, n + 8, n + 4096, 0xFFFFFFFF,
                         rnd.getrandbits(32)) if x != n]))
    elif kind == 2:  # a record's type
        off, t, n = rnd.choice(recs[:-1])
        struct.pack_into("<I", data, off, rnd.choice(
            [x for x in (0, 14, 99, PAGES, VMA, 1, rnd.getrandbits(32))
             if x != t]))
    elif kind == 3:  # cut short
        return bytes(data[:rnd.randrange(len(data))])
    elif kind == 4:  # a record dropped
        off, t, n = rnd.choice(recs[:-1])
        end = off + 8 + n + (-n & 7)
        data = data[:off] + data[end:]
    elif kind == 5:  # a record repeated
        off, t, n = rnd.choice(recs[:-1])
        end = off + 8 + n + (-n & 7)
        data = data[:end] + data[off:end] + data[end:]
    elif kind == 6:  # a 64-bit field of a VMA or PAGES header set wild
        cand = [r for r in recs if r[1] in (VMA, PAGES)]
        off, t, n = rnd.choice(cand)
        i = off + 8 + 8 * rnd.randrange(2)
        struct.pack_into("<Q", data, i, rnd.choice(
            [0, 1 << 47, (1 << 64) - 4096, rnd.getrandbits(64)]))
    else:  # header version or magic
        data[rnd.randrange(HDR)] ^= 0xFF
        return bytes(data)
    return bytes(fix_end(data))


def summary(path):
    data = open(path, "rb").read()
    kinds = {1: "anon", 2: "shared-anon", 3: "file", 4: "shared-file",
             5: "vdso", 6: "vvar"}
    vmas, pages = [], 0
    for off, t, n in records(data):
        if t == VMA:
            s, e, _, k = struct.unpack_from("<QQQI", data, off + 8)
            vmas.append((s, e, kinds.get(k, "?")))
        elif t == PAGES:
            pages += struct.unpack_from("<QI", data, off + 8)[1]
    print(f"vmas {len(vmas)} pages {pages} bytes {len(data)}")
    for s, e, k in vmas:
        print(f"  {s:#x}-{e:#x} {k}")


def try_all(image, out, count, seed, timeout, cmd):
    data = open(image, "rb").read()
    restored = bad = 0
    for i in range(count):
        kind = i % 8
        with open(out, "wb") as f:
            f.write(mutate(data, random.Random(seed * 100003 + i), kind))
        try:
            r = subprocess.run(cmd + [out], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            bad += 1
            print(f"# hung: variant {i} (kind {kind})")
            continue
        err = r.stderr.decode(errors="replace").strip()
        if r.returncode == 0:
            restored += 1
            m = re.search(r" as process (\d+) ", err)
            if m:
                os.kill(int(m.group(1)), signal.SIGKILL)
            if kind not in (0, 4) or not m:
                bad += 1
                print(f"# restored: variant {i} (kind {kind}): {err}")
        elif not err:
            bad += 1
            print(f"# refused without a reason: variant {i} (kind {kind})")
    os.unlink(out)
    print(f"tried={count} restored={restored} bad={bad}")


def main():
    if sys.argv[1] == "--summary":
        summary(sys.argv[2])
        return
    if sys.argv[1] == "--try":
        a = sys.argv[2:]
        try_all(a[0], a[1], int(a[2]), int(a[3]), float(a[4]), a[5:])
        return
    image, out, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rnd = random.Random(seed * 100003 + index)
    data = open(image, "rb").read()
    kind = index % 8
    with open(out, "wb") as f:
        f.write(mutate(data, rnd, kind))
    print(kind)


if __name__ == "__main__":
    main()
