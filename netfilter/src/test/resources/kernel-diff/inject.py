#!/usr/bin/python3
"""Differential oracle: injects Ethernet frames into namespace B (run inside namespace A) and reports
what Linux's conntrack made of each: the -m state counter that moved, whether the frame left B
(a helper may drop it), and after each scenario `conntrack -L` and `conntrack -L expect`.

Input (argv[4]): lines 'S name', 'P hexframe' ('F hexframe' for an IP fragment), 'E'. Output: 'R STATE FWD', 'L line', 'X line', 'END'.
"""
import socket
import subprocess
import sys
import time

ns_b, ifname, dummies, infile = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
STATES = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]


def b_run(cmd):
    return subprocess.run(["ip", "netns", "exec", ns_b, "sh", "-c", cmd],
                          capture_output=True, text=True, timeout=20).stdout


def snapshot():
    cmd = "iptables -L FORWARD -v -x -n; ip6tables -L FORWARD -v -x -n; " + "; ".join(
        "cat /sys/class/net/%s/statistics/tx_packets" % d for d in dummies)
    out = b_run(cmd)
    counts = dict((s, 0) for s in STATES)
    tx = 0
    for line in out.splitlines():
        parts = line.split()
        if "state" in parts and parts[0].isdigit():
            state = parts[parts.index("state") + 1]
            counts[state] = counts.get(state, 0) + int(parts[0])
        elif len(parts) == 1 and parts[0].isdigit():
            tx += int(parts[0])
    return counts, tx


def main():
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    counts, tx = snapshot()
    for line in open(infile):
        line = line.strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        if kind == "S":
            sys.stdout.flush()
        elif kind in ("P", "F"):
            sock.send(bytes.fromhex(rest))
            # a fragment may be held by nf_defrag (no counter moves): wait less for one
            deadline = time.time() + (0.3 if kind == "F" else 2.0)
            while True:
                time.sleep(0.002)
                c2, tx2 = snapshot()
                moved = [s for s in STATES if c2[s] != counts[s]]
                if moved or time.time() > deadline:
                    break
            # a forwarded frame may be counted on the dummy a moment after FORWARD
            if moved and tx2 == tx:
                time.sleep(0.01)
                c2, tx2 = snapshot()
            print("R %s %d" % (moved[0] if moved else "NONE", 1 if tx2 > tx else 0))
            counts, tx = c2, tx2
        elif kind == "E":
            for fam in ("ipv4", "ipv6"):
                for l in b_run("conntrack -L -f %s 2>/dev/null" % fam).splitlines():
                    print("L " + l)
                for l in b_run("conntrack -L expect -f %s 2>/dev/null" % fam).splitlines():
                    print("X " + l)
            b_run("conntrack -F >/dev/null 2>&1; conntrack -F expect >/dev/null 2>&1; "
                  "conntrack -F -f ipv6 >/dev/null 2>&1; iptables -Z; ip6tables -Z")
            counts, tx = snapshot()
            print("END")
            sys.stdout.flush()


main()
