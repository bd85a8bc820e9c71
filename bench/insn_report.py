#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest instructions per round trip, from qemu_insn.so dumps.

  insn_report.py NAME N1 N2 DIR

DIR holds, for each node i of 1 and 2: kallsyms.i (the guest's
/proc/kallsyms) and the dumps {kern,tcp}.{N1,N2}.i, each taken over a
run of that many round trips. Per round trip = (count at N2 - count at N1)
/ (N2 - N1), which cancels what every run costs once (starting the
program, the exec that starts it). Prints '#' lines with the functions
that differ most, then one line:
  BENCH NAME kernel_insn=K tcp_insn=T kernel_node1=.. ... ratio=K/T
"""
import bisect
import collections
import os
import sys


def symbols(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in "tTwW" and int(p[0], 16):
                addrs.append(int(p[0], 16))
                names.append(p[2] + (" " + p[3] if len(p) > 3 else ""))
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def load(path, syms):
    addrs, names = syms
    c = collections.Counter()
    with open(path) as f:
        for line in f:
            a, n = line.split()
            a, n = int(a, 16), int(n)
            if a < 0xffff800000000000:
                c["[user space]"] += n
                continue
            i = bisect.bisect_right(addrs, a) - 1
            c[names[i] if i >= 0 else "[kernel, unknown]"] += n
    return c


def per_rt(d, mode, n1, n2, i, syms):
    a = load(os.path.join(d, f"{mode}.{n1}.{i}"), syms)
    b = load(os.path.join(d, f"{mode}.{n2}.{i}"), syms)
    return {k: (b[k] - a[k]) / (n2 - n1) for k in set(a) | set(b)}


def main():
    name, n1, n2, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    tot = {}
    for i in (1, 2):
        syms = symbols(os.path.join(d, f"kallsyms.{i}"))
        k = per_rt(d, "kern", n1, n2, i, syms)
        t = per_rt(d, "tcp", n1, n2, i, syms)
        tot[i] = (sum(k.values()), sum(t.values()))
        print(f"# {name} node {i}: kernel {tot[i][0]:.0f}, tcp {tot[i][1]:.0f} "
              "instructions per round trip; most different functions:")
        keys = sorted(set(k) | set(t),
                      key=lambda s: -abs(k.get(s, 0) - t.get(s, 0)))
        for s in keys[:12]:
            print(f"#   {k.get(s, 0):9.0f} {t.get(s, 0):9.0f}  {s}")
    kern = tot[1][0] + tot[2][0]
    tcp = tot[1][1] + tot[2][1]
    print(f"BENCH {name} kernel_insn={kern:.0f} tcp_insn={tcp:.0f} "
          f"kernel_node1={tot[1][0]:.0f} tcp_node1={tot[1][1]:.0f} "
          f"kernel_node2={tot[2][0]:.0f} tcp_node2={tot[2][1]:.0f} "
          f"ratio={kern / tcp:.2f}")


if __name__ == "__main__":
    main()
