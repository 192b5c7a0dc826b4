package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.rules.Cidr;
import io.statewall.netfilter.rules.IpSets;
import io.statewall.netfilter.rules.RuleFileReader;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleSyntaxException;
import io.statewall.netfilter.rules.TableName;
import io.statewall.netfilter.rules.TextFile;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the policy YAML (DESIGN.md §1) and the rule files it names (relative to it), and returns a
 * compiled {@link Policy}. Every error names the file and line; nothing half-loaded is returned.
 */
public final class PolicyLoader {
  /** Linux's nf_conntrack_ftp takes at most 8 ports. */
  static final int MAX_FTP_PORTS = 8;
  private static final Map<String, Integer> ETHERTYPE_NAMES = Map.of("pppoe-discovery", 0x8863,
      "pppoe-session", 0x8864, "roce", 0x8915, "mpls", 0x8847, "macsec", 0x88E5, "ptp", 0x88F7, "eapol", 0x888E,
      "local-experimental", 0x88B5, "wol", 0x0842);
  private static final Set<Integer> HANDLED_ETHERTYPES = Set.of(0x0800, 0x86DD, 0x0806, 0x88CC);

  private final RuleFileReader reader;

  public PolicyLoader() {
    this(new RuleFileReader());
  }

  public PolicyLoader(RuleFileReader reader) {
    this.reader = reader;
  }

  public Policy load(Path file) throws PolicyException {
    String text;
    try {
      text = TextFile.read(file);
    } catch (NoSuchFileException e) {
      throw new PolicyException(file.toString(), 0, 0, null, "no such file");
    } catch (IOException e) {
      throw new PolicyException(file.toString(), 0, 0, null, "cannot read: " + e.getMessage());
    }
    return parse(file, text);
  }

  /** Parses policy text as if read from {@code file} (rule files are resolved next to it). */
  public Policy parse(Path file, String text) throws PolicyException {
    return parse(file.toString(), text, PolicyFiles.nextTo(file));
  }

  /**
   * Parses policy text called {@code name} in messages, its rule files read from {@code files} only
   * (the operator API passes the files sent with the policy: nothing is read from disk).
   */
  public Policy parse(String name, String text, PolicyFiles files) throws PolicyException {
    return new Parse(name, files).run(text);
  }

  /** One load: the policy's name for messages and where its rule files come from. */
  private final class Parse {
    private final PolicyFiles files;
    private final String name;
    private IpSets sets = IpSets.NONE;

    Parse(String name, PolicyFiles files) {
      this.files = files;
      this.name = name;
    }

    Policy run(String text) throws PolicyException {
      Optional<Node> root;
      try {
        LoadSettings settings = LoadSettings.builder().setLabel(name).setAllowDuplicateKeys(false).build();
        root = new Compose(settings).composeString(text);
      } catch (MarkedYamlEngineException e) {
        String kind = RuleFileKind.describe(text);
        if (kind != null) {
          throw new PolicyException(name, 1, 1, null, "this is " + kind + ", not a policy: expected a policy YAML "
              + "(a mapping with hosts, network, helpers, offload) that names rule files (rules: FILE)");
        }
        Mark m = e.getProblemMark().orElse(e.getContextMark().orElse(null));
        throw new PolicyException(name, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, null,
            "not valid YAML: " + e.getProblem());
      } catch (YamlEngineException e) {
        throw new PolicyException(name, 0, 0, null, "not valid YAML: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        // snakeyaml-engine 2.10 throws this, unmarked, for a bad tag such as "!~%e" (found by fuzzing)
        throw new PolicyException(name, 0, 0, null, "not valid YAML: " + e.getMessage());
      }
      if (root.isEmpty() || !(root.get() instanceof MappingNode)) {
        String kind = RuleFileKind.describe(text);
        if (kind != null) {
          throw new PolicyException(name, 1, 1, null, "this is " + kind + ", not a policy: expected a policy YAML "
              + "(a mapping with hosts, network, helpers, offload) that names rule files (rules: FILE)");
        }
      }
      if (root.isEmpty()) {
        throw new PolicyException(name, 1, 1, null, "an empty policy: expected a mapping with hosts, network, helpers, offload");
      }
      Map<String, Node> top = mapping(root.get(), Set.of("hosts", "network", "helpers", "offload",
          "unenforced-tables", "ethertypes", "gateways", "ipsets"));
      if (top.containsKey("ipsets")) {
        sets = ipsets(top.get("ipsets"));
      }
      List<Host> hosts = top.containsKey("hosts") ? hosts(top.get("hosts")) : List.of();
      RuleSet net = null;
      RuleSet net6 = null;
      if (top.containsKey("network")) {
        Map<String, Node> n = mapping(top.get("network"), Set.of("rules", "rules6"));
        net = ruleFile(n.get("rules"), Family.IPV4);
        net6 = ruleFile(n.get("rules6"), Family.IPV6);
      }
      List<Integer> ftp = List.of();
      if (top.containsKey("helpers")) {
        Map<String, Node> h = mapping(top.get("helpers"), Set.of("ftp"));
        if (h.containsKey("ftp")) {
          ftp = ports(h.get("ftp"));
        }
      }
      int idle = 60;
      if (top.containsKey("offload")) {
        Map<String, Node> o = mapping(top.get("offload"), Set.of("idle-timeout"));
        if (o.containsKey("idle-timeout")) {
          idle = integer(o.get("idle-timeout"), 1, 65535, "an idle timeout in seconds, 1-65535");
        }
      }
      List<String> warnings = new ArrayList<>(Enforceability.check(name, ruleSets(hosts, net, net6),
          unenforcedTables(top.get("unenforced-tables"))));
      Set<Integer> ethertypes = top.containsKey("ethertypes") ? ethertypes(top.get("ethertypes")) : Set.of();
      if (!ethertypes.isEmpty()) {
        warnings.add(name + ": frames of these ethertypes cross the network unfiltered (no rule sees them): "
            + String.join(", ", ethertypes.stream().sorted().map(t -> String.format("0x%04x", t)).toList()));
      }
      List<IpAddress> gateways = top.containsKey("gateways")
          ? gateways(top.get("gateways")) : List.of();
      if (net6 == null) {
        List<String> open = hosts.stream().filter(h -> h.rules() != null && h.rules6() == null).map(Host::id).toList();
        if (!open.isEmpty()) {
          warnings.add(name + ": IPv6 is left open (no rules6, so IPv6 is accepted as with empty ip6tables) for hosts: "
              + String.join(", ", open));
        }
        if (net != null) {
          warnings.add(name + ": IPv6 is left open across the network: network has rules but no rules6");
        }
      }
      return Policy.compiled(name, hosts, net, net6, ftp, idle, warnings, new LinkLayer(ethertypes, gateways));
    }

    private Set<TableName> unenforcedTables(Node n) throws PolicyException {
      Set<TableName> out =
          EnumSet.noneOf(TableName.class);
      if (n == null) {
        return out;
      }
      for (Node i : n instanceof SequenceNode sn ? sn.getValue() : List.of(n)) {
        String s = scalar(i, "a table name: nat, mangle or security");
        TableName t = TableName.byLabel(s);
        if (t == null || t.enforced()) {
          throw error(i, s, "a table statewall does not enforce: nat, mangle or security");
        }
        out.add(t);
      }
      return out;
    }

    private List<RuleSet> ruleSets(List<Host> hosts, RuleSet net, RuleSet net6) {
      List<RuleSet> out = new ArrayList<>();
      for (Host h : hosts) {
        out.add(h.rules());
        out.add(h.rules6());
      }
      out.add(net);
      out.add(net6);
      out.removeIf(Objects::isNull);
      return out;
    }

    private PolicyException error(Node n, String token, String expected) {
      Optional<Mark> m = n.getStartMark();
      return new PolicyException(name, m.map(x -> x.getLine() + 1).orElse(0), m.map(x -> x.getColumn() + 1).orElse(0),
          token, "expected " + expected);
    }

    private Map<String, Node> mapping(Node n, Set<String> allowed) throws PolicyException {
      if (!(n instanceof MappingNode mn)) {
        throw error(n, scalarText(n), "a mapping with keys " + String.join(", ", new TreeSet<>(allowed)));
      }
      Map<String, Node> out = new LinkedHashMap<>();
      for (NodeTuple t : mn.getValue()) {
        String k = scalar(t.getKeyNode(), "a key");
        if (!allowed.contains(k)) {
          throw error(t.getKeyNode(), k, "one of the keys " + String.join(", ", new TreeSet<>(allowed)));
        }
        if (out.put(k, t.getValueNode()) != null) {
          throw error(t.getKeyNode(), k, "each key once (duplicate key)");
        }
      }
      return out;
    }

    private String scalarText(Node n) {
      return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private String scalar(Node n, String expected) throws PolicyException {
      if (!(n instanceof ScalarNode s)) {
        throw error(n, null, expected);
      }
      return s.getValue();
    }

    private int integer(Node n, int min, int max, String expected) throws PolicyException {
      String s = scalar(n, expected);
      try {
        int v = Integer.parseInt(s.trim());
        if (v >= min && v <= max) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below with the token
      }
      throw error(n, s, expected);
    }

    private List<Integer> ports(Node n) throws PolicyException {
      List<Node> items = n instanceof SequenceNode sn ? sn.getValue() : List.of(n);
      if (items.size() > MAX_FTP_PORTS) {
        throw error(n, null, "at most " + MAX_FTP_PORTS + " FTP ports (as nf_conntrack_ftp)");
      }
      List<Integer> out = new ArrayList<>();
      for (Node i : items) {
        out.add(integer(i, 1, 65535, "a TCP port 1-65535"));
      }
      return out;
    }

    /** Ethertypes as numbers (0x88b5, 34997) or the few names people write. */
    private Set<Integer> ethertypes(Node n) throws PolicyException {
      List<Node> items = n instanceof SequenceNode sn ? sn.getValue() : List.of(n);
      Set<Integer> out = new TreeSet<>();
      for (Node i : items) {
        String s = scalar(i, "an ethertype").trim().toLowerCase(Locale.ROOT);
        Integer t = ETHERTYPE_NAMES.get(s);
        if (t == null) {
          try {
            t = s.startsWith("0x") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s);
          } catch (NumberFormatException e) {
            t = -1;
          }
        }
        if (t < 0x0600 || t > 0xFFFF) {
          throw error(i, s, "an ethertype 0x0600-0xffff or one of " + String.join(", ", new TreeSet<>(ETHERTYPE_NAMES.keySet())));
        }
        if (HANDLED_ETHERTYPES.contains(t)) {
          throw error(i, s, "an ethertype statewall does not already handle (ARP, IPv4, IPv6 and LLDP are always handled)");
        }
        out.add(t);
      }
      return out;
    }

    private List<IpAddress> gateways(Node n) throws PolicyException {
      List<Node> items = n instanceof SequenceNode sn ? sn.getValue() : List.of(n);
      List<IpAddress> out = new ArrayList<>();
      for (Node i : items) {
        String s = scalar(i, "a gateway's address").trim();
        IpAddress a;
        try {
          a = s.isEmpty() || s.contains("/") ? null : IpAddress.parse(s);
        } catch (RuntimeException e) {
          a = null;
        }
        if (a == null) {
          throw error(i, s, "a gateway's IPv4 or IPv6 address such as 10.0.0.254");
        }
        out.add(a);
      }
      return out;
    }

    private List<Host> hosts(Node n) throws PolicyException {
      if (!(n instanceof SequenceNode sn)) {
        throw error(n, scalarText(n), "a list of hosts (- address: ...)");
      }
      List<Host> out = new ArrayList<>();
      Map<Cidr, String> owners = new HashMap<>();
      Set<String> ids = new HashSet<>();
      for (Node item : sn.getValue()) {
        Map<String, Node> h = mapping(item, Set.of("name", "address", "addresses", "rules", "rules6"));
        Node addrNode = h.containsKey("address") ? h.get("address") : h.get("addresses");
        if (addrNode == null || (h.containsKey("address") && h.containsKey("addresses"))) {
          throw error(item, null, "one 'address' (an address, a CIDR, or a list of them) per host");
        }
        List<Node> addrItems = addrNode instanceof SequenceNode s ? s.getValue() : List.of(addrNode);
        if (addrItems.isEmpty()) {
          throw error(addrNode, null, "at least one address");
        }
        List<Cidr> addrs = new ArrayList<>();
        for (Node a : addrItems) {
          String text = scalar(a, "an IPv4 or IPv6 address or CIDR");
          Cidr c = Cidr.parse(text.trim());
          if (c == null) {
            throw error(a, text, "an IPv4 or IPv6 address or CIDR such as 10.0.0.1 or 10.0.0.0/24");
          }
          if (owners.containsKey(c)) {
            throw error(a, text, "an address no other host has (already host " + owners.get(c) + ")");
          }
          addrs.add(c);
        }
        String id = h.containsKey("name") ? scalar(h.get("name"), "a host name") : scalar(addrItems.get(0), "");
        if (!ids.add(id)) {
          throw error(item, id, "a host name used once");
        }
        for (Cidr c : addrs) {
          owners.put(c, id);
        }
        out.add(new Host(id, addrs, ruleFile(h.get("rules"), Family.IPV4), ruleFile(h.get("rules6"), Family.IPV6)));
      }
      return out;
    }

    /** {@code ipsets: [FILE, ...]}: ipset save files, read in order into one set of sets. */
    private IpSets ipsets(Node n) throws PolicyException {
      Map<String, String> texts = new LinkedHashMap<>();
      for (Node i : n instanceof SequenceNode sn ? sn.getValue() : List.of(n)) {
        String rel = scalar(i, "the path of an ipset save file");
        texts.put(files.label(rel), text(i, rel, "an ipset save file"));
      }
      try {
        return IpSets.read(texts);
      } catch (RuleSyntaxException e) {
        throw new PolicyException(e);
      }
    }

    private String text(Node n, String rel, String what) throws PolicyException {
      try {
        return files.read(rel);
      } catch (NoSuchFileException e) {
        throw error(n, rel, "a readable " + what + " (" + e.getMessage() + ")");
      } catch (IOException e) {
        throw error(n, rel, "a readable " + what + " (" + e.getMessage() + ")");
      } catch (InvalidPathException e) {
        throw error(n, rel, "the path of " + what + " (" + e.getReason() + ")");
      }
    }

    private RuleSet ruleFile(Node n, Family fam) throws PolicyException {
      if (n == null) {
        return null;
      }
      String rel = scalar(n, "the path of a rule file");
      String text = text(n, rel, fam.tool() + "-save rule file");
      try {
        return reader.parse(files.label(rel), text, fam, sets);
      } catch (RuleSyntaxException e) {
        throw new PolicyException(e);
      }
    }
  }
}
