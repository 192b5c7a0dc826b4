package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.Random;

/** Random rule files and packets over a small address and port space, so that rules often match. */
final class RandomRules {
  private final Random rnd;

  RandomRules(long seed) {
    this.rnd = new Random(seed);
  }

  private <T> T pick(T[] a) {
    return a[rnd.nextInt(a.length)];
  }

  private static final String[] HOSTS = {"10.0.0.1", "10.0.0.2", "10.0.1.1", "10.0.1.2", "10.1.0.1", "192.168.0.9"};
  private static final int[] PORTS = {20, 21, 22, 53, 80, 443, 1024, 8080};

  private String addr() {
    String h = pick(HOSTS);
    int len = new int[] {32, 32, 24, 16, 8, 0}[rnd.nextInt(6)];
    return h + "/" + len;
  }

  private int port() {
    return PORTS[rnd.nextInt(PORTS.length)];
  }

  /** A filter table with 3 built-in and up to 3 user chains; jumps only go "down", so no loops. */
  String filterFile(int rulesPerChain) {
    StringBuilder sb = new StringBuilder("*filter\n");
    String[] builtins = {"INPUT", "FORWARD", "OUTPUT"};
    int users = rnd.nextInt(4);
    for (String b : builtins) {
      sb.append(':').append(b).append(rnd.nextBoolean() ? " ACCEPT" : " DROP").append(" [0:0]\n");
    }
    for (int u = 0; u < users; u++) {
      sb.append(":u").append(u).append(" - [0:0]\n");
    }
    for (String b : builtins) {
      rules(sb, b, rulesPerChain, 0, users);
    }
    for (int u = 0; u < users; u++) {
      rules(sb, "u" + u, rulesPerChain, u + 1, users);
    }
    return sb.append("COMMIT\n").toString();
  }

  private void rules(StringBuilder sb, String chain, int max, int firstJumpable, int users) {
    int n = rnd.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      sb.append("-A ").append(chain);
      if (rnd.nextInt(3) == 0) {
        sb.append(rnd.nextInt(6) == 0 ? " ! -s " : " -s ").append(addr());
      }
      if (rnd.nextInt(3) == 0) {
        sb.append(rnd.nextInt(6) == 0 ? " ! -d " : " -d ").append(addr());
      }
      if (rnd.nextInt(8) == 0 && !chain.equals("OUTPUT")) {
        sb.append(rnd.nextBoolean() ? " -i eth0" : " -i lo");
      }
      int proto = rnd.nextInt(5);
      if (proto == 1 || proto == 2) {
        String p = proto == 1 ? "tcp" : "udp";
        sb.append(" -p ").append(p);
        if (rnd.nextBoolean()) {
          sb.append(rnd.nextInt(5) == 0 ? " ! --dport " : " --dport ").append(port());
        }
        if (rnd.nextInt(4) == 0) {
          int lo = port();
          sb.append(" --sport ").append(lo).append(':').append(lo + rnd.nextInt(2000));
        }
        if (proto == 1 && rnd.nextInt(5) == 0) {
          sb.append(rnd.nextBoolean() ? " --syn" : " --tcp-flags SYN,ACK ACK");
        }
        if (rnd.nextInt(6) == 0) {
          sb.append(" -m multiport --dports ").append(port()).append(',').append(port()).append(",1000:2000");
        }
      } else if (proto == 3) {
        sb.append(" -p icmp");
        if (rnd.nextBoolean()) {
          sb.append(" --icmp-type ").append(rnd.nextBoolean() ? "echo-request" : "3/" + rnd.nextInt(4));
        }
      } else if (proto == 4 && rnd.nextBoolean()) {
        sb.append(" ! -p tcp");
      }
      if (rnd.nextInt(3) == 0) {
        sb.append(rnd.nextInt(5) == 0 ? " -m state ! --state " : " -m state --state ")
            .append(pick(new String[] {"NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID", "NEW,UNTRACKED"}));
      }
      if (rnd.nextInt(10) == 0) {
        sb.append(" -m conntrack --ctstatus ASSURED");
      }
      if (rnd.nextInt(10) == 0) {
        sb.append(" -m length --length 0:").append(40 + rnd.nextInt(100));
      }
      if (rnd.nextInt(10) == 0) {
        sb.append(" -m iprange --src-range 10.0.0.1-10.0.1.1");
      }
      if (rnd.nextInt(12) == 0) {
        sb.append(" -f");
      }
      if (rnd.nextInt(12) == 0) {
        sb.append(" -m comment --comment c");
      }
      int t = rnd.nextInt(10);
      if (t < 2) {
        sb.append(" -j ACCEPT");
      } else if (t < 4) {
        sb.append(" -j DROP");
      } else if (t == 4) {
        sb.append(" -j REJECT");
      } else if (t == 5) {
        sb.append(" -j LOG --log-prefix L").append(i);
      } else if (t == 6) {
        sb.append(" -j RETURN");
      } else if (t <= 8 && firstJumpable < users) {
        int to = firstJumpable + rnd.nextInt(users - firstJumpable);
        sb.append(rnd.nextBoolean() ? " -j u" : " -g u").append(to);
      }
      sb.append('\n');
    }
  }

  Packet packet() {
    String s = pick(HOSTS);
    String d = pick(HOSTS);
    Packet.Builder b = Packet.builder().addresses(s, d).ipLength(20 + rnd.nextInt(200))
        .fragment(rnd.nextInt(20) == 0).dstMac(rnd.nextInt(10) == 0 ? 0xFFFF_FFFF_FFFFL : 0x0200_0000_0001L);
    switch (rnd.nextInt(4)) {
      case 0 -> b.tcp(rnd.nextBoolean() ? port() : 1024 + rnd.nextInt(3000), port(), rnd.nextInt(64));
      case 1 -> b.udp(rnd.nextBoolean() ? port() : 1024 + rnd.nextInt(3000), port());
      case 2 -> b.icmp(rnd.nextBoolean() ? 8 : 3, rnd.nextInt(4));
      default -> b.protocol(47);
    }
    return b.build();
  }

  ConnInfo conn(Packet p) {
    CtState st = pick(CtState.values());
    if (st == CtState.INVALID || st == CtState.UNTRACKED) {
      return st == CtState.INVALID ? ConnInfo.NOT_TRACKED_YET : ConnInfo.UNTRACKED;
    }
    return new ConnInfo.Of(st, rnd.nextBoolean() ? CtDirection.ORIGINAL : CtDirection.REPLY, rnd.nextInt(16),
        p.src(), p.dst(), p.dst(), p.src(), p.protocol(), rnd.nextBoolean() ? "ftp" : null);
  }

  static IpAddress ip(String s) {
    return IpAddress.parse(s);
  }
}
