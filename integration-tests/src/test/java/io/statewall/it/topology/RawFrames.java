package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * Hand-made Ethernet frames sent from inside a Mininet host through a raw packet socket, as a
 * misbehaving host would. Uses Debian's {@code /usr/bin/python3} and only its standard library
 * (the harness image has no scapy).
 */
final class RawFrames {

  /** Sends argv[2:] (hex frames) out of argv[1], in order. */
  private static final String SEND = String.join("\n",
      "import socket, sys",
      "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
      "s.bind((sys.argv[1], 0))",
      "for h in sys.argv[2:]:",
      "    s.send(bytes.fromhex(h))",
      "print('sent', len(sys.argv) - 2)");

  /**
   * Sends argv[2:] out of argv[1], then waits for the next genuine statewall probe to arrive from
   * the switch (OUI 0a:57:17 at offset 38) and at once sends it back three ways: unchanged, and
   * re-addressed (signature kept) to claim it left s2 port 3 or s3 port 1.
   */
  private static final String SEND_AND_TAMPER = String.join("\n",
      "import socket, sys",
      "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88cc))",
      "s.bind((sys.argv[1], 0x88cc))",
      "for h in sys.argv[2:]:",
      "    s.send(bytes.fromhex(h))",
      "s.settimeout(12)",
      "while True:",
      "    f, addr = s.recvfrom(2048)",
      "    if addr[2] != 4 and len(f) >= 86 and f[38:41] == bytes.fromhex('0a5717'):",
      "        break",
      "def claim(dpid, port):",
      "    return f[:17] + dpid.to_bytes(8, 'big') + f[25:28] + port.to_bytes(4, 'big') + f[32:]",
      "for v in (f, claim(2, 3), claim(3, 1)):",
      "    s.send(v)",
      "print('sent', len(sys.argv) - 2 + 3)");

  /** How many frames {@link #sendThenTamperWithAGenuineProbe} sends besides the given ones. */
  static final int TAMPERED = 3;

  private RawFrames() {}

  static void send(Host host, List<byte[]> frames) {
    run(host, SEND, frames, frames.size());
  }

  /** Sends {@code frames}, then {@value #TAMPERED} tampered copies of the next genuine probe. */
  static void sendThenTamperWithAGenuineProbe(Host host, List<byte[]> frames) {
    run(host, SEND_AND_TAMPER, frames, frames.size() + TAMPERED);
  }

  private static void run(Host host, String script, List<byte[]> frames, int expected) {
    StringBuilder cmd = new StringBuilder("/usr/bin/python3 - " + host.interfaceName());
    for (byte[] f : frames) {
      cmd.append(' ').append(HexFormat.of().formatHex(f));
    }
    cmd.append(" <<'EOF'\n").append(script).append("\nEOF\n");
    ExecResult r = host.exec(cmd.toString(), Duration.ofSeconds(20));
    assertThat(r.stdout()).as("frames sent from %s: %s", host.name(), r)
        .contains("sent " + expected);
  }

  /** A broadcast ARP request from {@code host} asking who has {@code target}. */
  static byte[] arpRequest(Host host, String target) {
    byte[] mac = MacAddress.of(host.mac()).getBytes();
    return ByteBuffer.allocate(42)
        .put(MacAddress.BROADCAST.getBytes()).put(mac).putShort((short) 0x0806)
        .putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
        .putShort((short) 1)
        .put(mac).put(IPv4Address.of(host.ip()).getBytes())
        .put(new byte[6]).put(IPv4Address.of(target).getBytes())
        .array();
  }

  /**
   * An LLDP frame as an ordinary LLDP speaker sends it (chassis by MAC, port by name, TTL), with no
   * statewall signature.
   */
  static byte[] foreignLldp(Host host) {
    byte[] mac = MacAddress.of(host.mac()).getBytes();
    return ByteBuffer.allocate(60)
        .put(MacAddress.of("01:80:c2:00:00:0e").getBytes()).put(mac).putShort((short) 0x88cc)
        .putShort(tlv(1, 7)).put((byte) 4).put(mac)
        .putShort(tlv(2, 5)).put((byte) 5).put("eth0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .putShort(tlv(3, 2)).putShort((short) 120)
        .putShort(tlv(0, 0))
        .array();
  }

  private static short tlv(int type, int length) {
    return (short) (type << 9 | length);
  }

  /** True if {@code frame} is an ARP request for {@code target}. */
  static boolean isArpRequestFor(byte[] frame, String target) {
    if (frame.length < 42 || (frame[12] & 0xFF) != 0x08 || (frame[13] & 0xFF) != 0x06
        || frame[21] != 1) {
      return false;
    }
    byte[] tpa = new byte[4];
    System.arraycopy(frame, 38, tpa, 0, 4);
    return IPv4Address.of(tpa).equals(IPv4Address.of(target));
  }
}
