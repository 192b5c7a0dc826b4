#!/usr/bin/python3
"""Rule oracle: sends Ethernet frames (run inside namespace A) to namespace B and reports, per
frame, what B's INPUT decided. B's mangle INPUT counts every packet that reaches the INPUT hook
(it runs before filter), B's security INPUT every packet that filter INPUT accepted (it runs after).

Input (argv[3]): lines 'P hexframe'. Output, per frame: 'R 1' (accepted), 'R 0' (dropped in
INPUT) or 'R -' (never reached INPUT in 2 s).
"""
import socket
import subprocess
import sys
import time

ns_b, ifname, infile = sys.argv[1], sys.argv[2], sys.argv[3]


def counters():
    out = subprocess.run(["ip", "netns", "exec", ns_b, "sh", "-c",
                          "for t in iptables ip6tables; do for x in mangle security; do "
                          "$t-legacy -t $x -L INPUT -v -x -n | sed -n 3p; done; done"],
                         capture_output=True, text=True, timeout=20).stdout.split("\n")
    n = [int(l.split()[0]) if l.strip() else 0 for l in out[:4]]
    return n[0] + n[2], n[1] + n[3]


def main():
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    seen, passed = counters()
    for line in open(infile):
        kind, _, rest = line.strip().partition(" ")
        if kind != "P":
            continue
        sock.send(bytes.fromhex(rest))
        deadline = time.time() + 2.0
        while True:
            time.sleep(0.002)
            s2, p2 = counters()
            if s2 != seen or time.time() > deadline:
                break
        if s2 != seen and p2 == passed:
            # filter and security run in the same softirq: look once more before calling it dropped
            time.sleep(0.01)
            s2, p2 = counters()
        print("R " + ("-" if s2 == seen else "1" if p2 != passed else "0"))
        sys.stdout.flush()
        seen, passed = s2, p2


main()
