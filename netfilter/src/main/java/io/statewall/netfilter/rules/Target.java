package io.statewall.netfilter.rules;

/** What a rule does when it matches: the closed set of targets statewall supports. */
public sealed interface Target {

  /** Appends the target as iptables-save prints it (" -j ACCEPT", " -g chain"...). */
  void save(StringBuilder sb);

  /**
   * Why statewall cannot enforce this target in an enforced table (raw, filter), or null when it
   * can: such a rule loads and prints, and a policy that would enforce it is refused.
   */
  default String unenforced() {
    return null;
  }

  /** ACCEPT, DROP and RETURN: the kernel's standard verdicts. */
  enum Standard implements Target {
    ACCEPT, DROP, RETURN;

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -j ").append(name());
    }
  }

  /** {@code -j CHAIN} (jump: RETURN comes back) or {@code -g CHAIN} (goto: it does not). */
  record Jump(String chain, boolean isGoto) implements Target {
    @Override
    public void save(StringBuilder sb) {
      sb.append(isGoto ? " -g " : " -j ");
      SaveWriter.word(sb, chain);
    }
  }

  /** {@code -j REJECT --reject-with TYPE}; {@code type} is the canonical name iptables prints. */
  record Reject(String type) implements Target {
    @Override
    public void save(StringBuilder sb) {
      sb.append(" -j REJECT --reject-with ").append(type);
    }
  }

  /** {@code -j LOG}: records the packet and continues with the next rule. */
  record Log(String prefix, int level, int flags) implements Target {
    static final int TCP_SEQ = 1;
    static final int TCP_OPT = 2;
    static final int IP_OPT = 4;
    static final int UID = 8;
    static final int MACDECODE = 0x20;

    @Override
    public void save(StringBuilder sb) {
      sb.append(" -j LOG");
      if (!prefix.isEmpty()) {
        sb.append(" --log-prefix ").append(Quoting.save(prefix));
      }
      if (level != 4) {
        sb.append(" --log-level ").append(level);
      }
      if ((flags & TCP_SEQ) != 0) {
        sb.append(" --log-tcp-sequence");
      }
      if ((flags & TCP_OPT) != 0) {
        sb.append(" --log-tcp-options");
      }
      if ((flags & IP_OPT) != 0) {
        sb.append(" --log-ip-options");
      }
      if ((flags & UID) != 0) {
        sb.append(" --log-uid");
      }
      if ((flags & MACDECODE) != 0) {
        sb.append(" --log-macdecode");
      }
    }
  }

  /**
   * The raw table's {@code -j CT --helper NAME}, {@code -j CT --notrack} and {@code -j NOTRACK}:
   * sets the connection template and continues.
   */
  record Ct(String helper, boolean notrack, boolean notrackAlias) implements Target {
    @Override
    public void save(StringBuilder sb) {
      if (notrackAlias) {
        sb.append(" -j NOTRACK");
        return;
      }
      sb.append(" -j CT");
      if (notrack) {
        sb.append(" --notrack");
      }
      if (helper != null) {
        sb.append(" --helper ").append(Quoting.save(helper));
      }
    }
  }

  /**
   * A target that rewrites packets or marks (NAT, MARK, CONNMARK, TOS, DSCP, TTL, HL, TCPMSS,
   * CHECKSUM, CONNSECMARK): read, checked and printed as iptables does, never executed.
   *
   * @param options the options exactly as iptables-save prints them, with a leading blank or empty
   * @param terminal true for the NAT targets, which end the walk of their chain (NF_ACCEPT)
   * @param why what enforcing it would need, for the refusal message
   */
  record Rewrite(String name, String options, boolean terminal, String why) implements Target {
    @Override
    public void save(StringBuilder sb) {
      sb.append(" -j ").append(name).append(options);
    }

    @Override
    public String unenforced() {
      return why;
    }
  }
}
