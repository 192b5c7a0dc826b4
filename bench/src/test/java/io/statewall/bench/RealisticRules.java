package io.statewall.bench;

import io.statewall.netfilter.packet.Packet;
import java.util.Random;

/**
 * Generated rule files shaped like real firewalls: loopback and state rules first, then per-host
 * service allowances, /24 block lists, destination rules, multiport services and a few user chains,
 * a LOG and a DROP policy at the end.
 */
final class RealisticRules {
  private static final int[] SERVICES = {22, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995, 3306, 5432, 6379, 8080, 8443};

  private RealisticRules() {}

  static String filter(int rules, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    int chains = 20;
    for (int c = 0; c < chains; c++) {
      sb.append(":svc").append(c).append(" - [0:0]\n");
    }
    sb.append("-A INPUT -i lo -j ACCEPT\n");
    sb.append("-A INPUT -m conntrack --ctstate INVALID -j DROP\n");
    int n = 2;
    int perChain = 30;
    for (int c = 0; c < chains; c++, n++) {
      sb.append("-A INPUT -p tcp -d 10.").append(200 + c).append(".0.0/16 -j svc").append(c).append('\n');
      for (int i = 0; i < perChain; i++, n++) {
        sb.append("-A svc").append(c).append(" -s 10.").append(r.nextInt(200)).append('.').append(r.nextInt(256))
            .append(".0/24 -p tcp --dport ").append(SERVICES[r.nextInt(SERVICES.length)]).append(" -j ACCEPT\n");
      }
      sb.append("-A svc").append(c).append(" -j RETURN\n");
      n++;
    }
    while (n < rules - 2) {
      int kind = r.nextInt(100);
      String src = "10." + r.nextInt(200) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      if (kind < 40) {
        sb.append("-A INPUT -s ").append(src).append(" -p tcp --dport ").append(SERVICES[r.nextInt(SERVICES.length)])
            .append(" -m state --state NEW -j ACCEPT\n");
      } else if (kind < 70) {
        sb.append("-A INPUT -s 172.").append(16 + r.nextInt(16)).append('.').append(r.nextInt(256)).append(".0/24 -j DROP\n");
      } else if (kind < 80) {
        sb.append("-A INPUT -p udp --dport ").append(1024 + r.nextInt(60000)).append(" -j ACCEPT\n");
      } else if (kind < 90) {
        sb.append("-A INPUT -d 10.100.").append(r.nextInt(256)).append('.').append(1 + r.nextInt(254))
            .append(" -p tcp --dport ").append(SERVICES[r.nextInt(SERVICES.length)]).append(" -j ACCEPT\n");
      } else if (kind < 95) {
        sb.append("-A INPUT -s ").append(src).append(" -p tcp -m multiport --dports 80,443,8080 -j ACCEPT\n");
      } else {
        sb.append("-A INPUT -s ").append(src).append("/32 -p icmp --icmp-type echo-request -j ACCEPT\n");
      }
      n++;
    }
    sb.append("-A INPUT -m limit --limit 5/min -j LOG --log-prefix \"drop: \"\n");
    sb.append("-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n");
    return sb.append("COMMIT\n").toString();
  }

  /** Packets over the same address space: some hit rules, most walk to the end as scans would. */
  static Packet[] packets(int count, long seed) {
    Random r = new Random(seed);
    Packet[] out = new Packet[count];
    for (int i = 0; i < count; i++) {
      String src = r.nextInt(4) == 0 ? "172." + (16 + r.nextInt(16)) + "." + r.nextInt(256) + "." + r.nextInt(256)
          : "10." + r.nextInt(200) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      String dst = r.nextInt(3) == 0 ? "10." + (200 + r.nextInt(20)) + ".1.1" : "10.100." + r.nextInt(256) + ".1";
      Packet.Builder b = Packet.builder().addresses(src, dst);
      if (r.nextInt(5) == 0) {
        b.udp(1024 + r.nextInt(60000), 1024 + r.nextInt(60000));
      } else {
        b.tcp(1024 + r.nextInt(60000), SERVICES[r.nextInt(SERVICES.length)], Packet.TCP_SYN);
      }
      out[i] = b.build();
    }
    return out;
  }
}
