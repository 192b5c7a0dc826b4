package io.statewall.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The policy the in-process controller runs in a bench: a network FORWARD rule set of a given size
 * shaped like a real firewall (state rules, jumps into per-service user chains, per-host service
 * allowances, block lists, multiport and ICMP rules), in which the generator's traffic (TCP to
 * port 80 inside 10.0.0.0/8, see {@link EmulatedNetwork}) matches only the last rule but one: every
 * SYN walks the whole set, including the user chains it jumps into, before it is accepted.
 */
public final class BenchPolicy {
  private static final int[] SERVICES = {22, 25, 53, 110, 143, 443, 465, 587, 993, 995, 3306, 5432, 6379, 8080, 8443};
  private static final int CHAINS = 10;
  private static final int PER_CHAIN = 20;

  /** The seed of the policy the bench runs (in-process, and written by {@code bench --write-policy}). */
  public static final long SEED = 42;

  private BenchPolicy() {}

  /**
   * {@code rules} rules in iptables-save format (at least 4: the state rules, the accept and the
   * final reject). Deterministic for a seed.
   */
  public static String forwardRules(int rules, long seed) {
    if (rules < 4) {
      throw new IllegalArgumentException("the bench policy needs at least 4 rules, got " + rules);
    }
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    // rules left for the body: 2 state rules at the top, the accept and the reject at the end
    int body = rules - 4;
    int chains = Math.min(CHAINS, body / (PER_CHAIN + 2));
    for (int c = 0; c < chains; c++) {
      sb.append(":svc").append(c).append(" - [0:0]\n");
    }
    sb.append("-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n");
    sb.append("-A FORWARD -m conntrack --ctstate INVALID -j DROP\n");
    int n = 0;
    for (int c = 0; c < chains; c++) {
      // the bench's TCP enters these chains (10.0.0.0/8) and returns from them unmatched
      sb.append("-A FORWARD -p tcp -d 10.0.0.0/8 -j svc").append(c).append('\n');
      for (int i = 0; i < PER_CHAIN; i++) {
        sb.append("-A svc").append(c).append(" -s 192.168.").append(r.nextInt(256))
            .append(".0/24 -p tcp --dport ").append(service(r)).append(" -j ACCEPT\n");
      }
      sb.append("-A svc").append(c).append(" -j RETURN\n");
      n += PER_CHAIN + 2;
    }
    while (n < body) {
      int kind = r.nextInt(100);
      String host = "192.168." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      if (kind < 35) {
        sb.append("-A FORWARD -s ").append(host).append(" -p tcp --dport ").append(service(r))
            .append(" -m state --state NEW -j ACCEPT\n");
      } else if (kind < 60) {
        sb.append("-A FORWARD -s 172.").append(16 + r.nextInt(16)).append('.').append(r.nextInt(256))
            .append(".0/24 -j DROP\n");
      } else if (kind < 70) {
        sb.append("-A FORWARD -p udp --dport ").append(1024 + r.nextInt(60000)).append(" -j ACCEPT\n");
      } else if (kind < 85) {
        sb.append("-A FORWARD -d 100.").append(64 + r.nextInt(64)).append('.').append(r.nextInt(256))
            .append('.').append(1 + r.nextInt(254)).append(" -p tcp --dport ").append(service(r))
            .append(" -j ACCEPT\n");
      } else if (kind < 95) {
        sb.append("-A FORWARD -s ").append(host).append(" -p tcp -m multiport --dports 80,443,8080 -j ACCEPT\n");
      } else {
        sb.append("-A FORWARD -s ").append(host).append("/32 -p icmp --icmp-type echo-request -j ACCEPT\n");
      }
      n++;
    }
    sb.append("-A FORWARD -s 10.0.0.0/8 -d 10.0.0.0/8 -p tcp --dport 80 -m state --state NEW -j ACCEPT\n");
    sb.append("-A FORWARD -p tcp -j REJECT --reject-with tcp-reset\n");
    return sb.append("COMMIT\n").toString();
  }

  /**
   * Writes {@code network.rules} and {@code policy.yaml} into {@code dir}; returns the policy file.
   * With no rules, an open policy: no rule set anywhere, so everything is accepted (and tracked).
   */
  public static Path write(Path dir, int rules, long seed) {
    if (rules == 0) {
      try {
        return Files.writeString(dir.resolve("policy.yaml"), "# open: no rule set, every chain accepts\nhosts: []\n");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the bench policy into " + dir, e);
      }
    }
    try {
      Files.writeString(dir.resolve("network.rules"), forwardRules(rules, seed));
      Path policy = dir.resolve("policy.yaml");
      Files.writeString(policy, "network:\n  rules: network.rules\n");
      return policy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bench policy into " + dir, e);
    }
  }

  private static int service(Random r) {
    return SERVICES[r.nextInt(SERVICES.length)];
  }
}
