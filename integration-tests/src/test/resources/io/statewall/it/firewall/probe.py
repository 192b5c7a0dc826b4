"""Traffic probes and small servers for the firewall integration tests, run in Mininet hosts.

Every probe prints one outcome word (and sometimes details) so that a test can compare what the
kernel's netfilter and statewall did with the same traffic:
  connected / refused / unreachable:ERRNO / dropped / reply / data:N
'dropped' covers both a timeout and EPERM: a host whose own OUTPUT chain drops a packet learns it at
once (EPERM), while a packet the network drops simply never arrives.
"""
import errno
import os
import socket
import sys
import threading
import time


def classify(e):
    if isinstance(e, socket.timeout):
        return 'dropped'
    code = getattr(e, 'errno', None)
    if code in (errno.ECONNREFUSED, errno.ECONNRESET):
        return 'refused'
    if code == errno.EPERM:
        return 'dropped'
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPROTO, errno.ENOPROTOOPT):
        return 'unreachable:' + errno.errorcode[code]
    return 'error:' + (errno.errorcode.get(code, str(code)) if code else type(e).__name__)


def tcp(host, port, sport=0, timeout=2.0, send=None):
    """Connects (from sport if given); on success reads what the server says until EOF."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sport:
        s.bind(('', sport))
    s.settimeout(timeout)
    try:
        s.connect((host, port))
    except OSError as e:
        return classify(e)
    data = b''
    try:
        if send:
            s.sendall(send.encode().decode('unicode_escape').encode())
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    finally:
        s.close()
    return 'connected' + (' data:%d' % len(data) if data else '')


def udp(host, port, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        s.send(b'ping')
        s.recv(2048)
        return 'reply'
    except OSError as e:
        return classify(e)
    finally:
        s.close()


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('', port))
    print('listening', flush=True)
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def tcp_counter(port):
    """Accepts connections and prints 'accepted FROM' for each (to see whether anything got in)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('', port))
    s.listen(16)
    print('listening', flush=True)
    while True:
        c, peer = s.accept()
        print('accepted %s:%d' % peer, flush=True)
        try:
            c.sendall(b'hello\n')
        finally:
            c.close()


class FakeFtpSession(threading.Thread):
    """Answers like an FTP server; RETR connects back from port 20 to the last PORT/EPRT address."""

    def __init__(self, conn, own_ip):
        super().__init__(daemon=True)
        self.conn = conn
        self.own_ip = own_ip
        self.target = None
        self.passive = None

    def reply(self, text):
        self.conn.sendall((text + '\r\n').encode())

    def run(self):
        self.reply('220 statewall fake ftp')
        buf = b''
        while True:
            chunk = self.conn.recv(4096)
            if not chunk:
                return
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                self.command(line.decode(errors='replace').strip())

    def command(self, line):
        verb, _, arg = line.partition(' ')
        verb = verb.upper()
        if verb == 'PORT':
            f = [int(x) for x in arg.split(',')]
            # what a kernel that wraps would open: the port cut to 16 bits
            self.target = ('%d.%d.%d.%d' % tuple(f[:4]), (f[4] * 256 + f[5]) & 0xffff)
            self.reply('200 PORT ok')
        elif verb == 'EPRT':
            d = arg[0]
            _, af, addr, port, _ = arg.split(d)
            self.target = (addr, int(port) & 0xffff)
            self.reply('200 EPRT ok')
        elif verb in ('PASV', 'EPSV'):
            ls = socket.socket()
            ls.bind((self.own_ip, 0))
            ls.listen(4)
            ls.settimeout(15)
            self.passive = ls
            p = ls.getsockname()[1]
            threading.Thread(target=self.serve_passive, args=(ls,), daemon=True).start()
            if verb == 'PASV':
                self.reply('227 Entering Passive Mode (%s,%d,%d)' % (self.own_ip.replace('.', ','), p >> 8, p & 255))
            else:
                self.reply('229 Entering Extended Passive Mode (|||%d|)' % p)
        elif verb == 'RETR' and self.target:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.own_ip, 20))
            s.settimeout(2)
            try:
                s.connect(self.target)
                s.sendall(b'data\n')
                s.close()
                self.reply('226 sent')
            except OSError as e:
                s.close()
                self.reply('425 ' + classify(e))
        elif verb == 'QUIT':
            self.reply('221 bye')
        else:
            self.reply('200 ok')

    def serve_passive(self, ls):
        try:
            while True:
                c, peer = ls.accept()
                c.sendall(b'data\n')
                c.close()
        except OSError:
            pass


def fake_ftpd(own_ip, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('', port))
    s.listen(16)
    print('listening', flush=True)
    while True:
        c, _ = s.accept()
        FakeFtpSession(c, own_ip).start()


def ftp_client(server, port, commands):
    """Sends commands on one control connection and prints each reply's code.

    'WAIT:FILE' pauses until FILE exists; 'LISTEN:P' listens on P for an active data connection;
    'DATA' connects to the last 227/229 address; 'ACCEPT' accepts on the listening socket.
    """
    c = socket.create_connection((server, port), timeout=5)
    f = c.makefile('rb')
    print('reply HELLO ' + f.readline().decode().strip()[:3], flush=True)
    listener = None
    passive = None
    for cmd in commands:
        if cmd.startswith('WAIT:'):
            deadline = time.time() + 30
            while not os.path.exists(cmd[5:]) and time.time() < deadline:
                time.sleep(0.05)
            continue
        if cmd.startswith('LISTEN:'):
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(('', int(cmd[7:])))
            listener.listen(4)
            listener.settimeout(4)
            continue
        if cmd == 'DATA':
            print('data ' + tcp(passive[0], passive[1]), flush=True)
            continue
        verb = cmd.split(' ')[0]
        c.sendall((cmd + '\r\n').encode())
        try:
            line = f.readline().decode().strip()
        except OSError as e:
            print('reply %s %s' % (verb, classify(e)), flush=True)
            return
        print('reply %s %s' % (verb, (line[:3] if line else 'eof') + (line[3:] if line.startswith('425') else '')), flush=True)
        if line.startswith('227'):
            nums = [int(x) for x in line[line.index('(') + 1:line.index(')')].split(',')]
            passive = ('%d.%d.%d.%d' % tuple(nums[:4]), nums[4] * 256 + nums[5])
        elif line.startswith('229'):
            passive = (server, int(line[line.index('(') + 4:line.index(')') - 1]))
        if passive and verb in ('PASV', 'EPSV'):
            print('passive %s %d' % passive, flush=True)
    c.close()


def hold(host, port, go_prefix, rounds):
    """One long-lived TCP connection to an echo server: round 1 at once, round N once GO_PREFIX+N exists."""
    s = socket.create_connection((host, port), timeout=3)
    print('connected', flush=True)
    for n in range(1, rounds + 1):
        if n > 1:
            deadline = time.time() + 60
            while not os.path.exists(go_prefix + str(n)) and time.time() < deadline:
                time.sleep(0.05)
        msg = ('round %d\n' % n).encode()
        try:
            s.sendall(msg)
            got = b''
            while len(got) < len(msg):
                chunk = s.recv(64)
                if not chunk:
                    break
                got += chunk
            print('round %d %s' % (n, 'ok' if got == msg else 'eof'), flush=True)
        except OSError as e:
            print('round %d %s' % (n, classify(e)), flush=True)
    s.close()


IP_PKTINFO = 8  # Linux's value; Debian's Python 3.11 does not name it
WATCHED_ETHERTYPES = (0x88b5, 0x8915, 0x9200, 0x8864, 0x8863)


def listen(iface, sender_mac, ports):
    """Prints what this host's applications receive, until a 'marker' datagram arrives.

    A UDP socket per port, bound to any address (so broadcasts and 224.0.0.1 reach it): 'udp PORT
    DST LEN' per datagram, DST being its destination address, after the host's INPUT accepted it.
    Frames of the ethertypes no IP stack reads (RoCE, PPPoE, 0x88B5, a 0x9200 tag) have no INPUT
    chain: a packet socket is their application, so 'frame 0xTYPE' for each from SENDER_MAC.
    'done' once the marker came and the sockets were drained.
    """
    import select
    import struct
    socks = {}
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        s.bind(('', port))
        socks[s] = port
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    raw.bind((iface, 0))
    mac = bytes.fromhex(sender_mac.replace(':', ''))
    print('listening', flush=True)
    deadline = time.time() + 30
    marked = False
    while time.time() < deadline:
        ready, _, _ = select.select(list(socks) + [raw], [], [], 0.3 if marked else 1.0)
        if not ready and marked:
            break
        for s in ready:
            if s is raw:
                f, addr = raw.recvfrom(65535)
                if addr[2] != socket.PACKET_OUTGOING and f[6:12] == mac and len(f) >= 14:
                    t = struct.unpack('!H', f[12:14])[0]
                    if t in WATCHED_ETHERTYPES:
                        print('frame 0x%04x' % t, flush=True)
                continue
            data, anc, _, peer = s.recvmsg(65535, 256)
            dst = '?'
            for level, kind, value in anc:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                    dst = socket.inet_ntoa(value[8:12])
            if data == b'marker':
                marked = True
                continue
            print('udp %d %s %d' % (socks[s], dst, len(data)), flush=True)
    print('done' if marked else 'no marker', flush=True)


def td_server(port, mode, go=None):
    """The server of a teardown sequence: echoes two lines on one connection, then by MODE
    'fin': closes after the client's FIN (FIN both ways, the client closing first);
    'rst': resets the connection (SO_LINGER 0: an RST with the exact sequence number);
    'halfclose': after the client's FIN sends 'after-fin', waits for the file GO, and closes.
    The listener closes at the first connection: a later segment on the tuple finds no socket here."""
    import struct
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('', port))
    s.listen(1)
    print('listening', flush=True)
    c, peer = s.accept()
    s.close()
    print('accepted %s:%d' % peer, flush=True)
    f = c.makefile('rb')
    for _ in range(2):
        c.sendall(f.readline())
    if mode == 'rst':
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        c.close()
        print('reset', flush=True)
        return
    while f.read(4096):
        pass
    if mode == 'halfclose':
        c.sendall(b'after-fin\n')
        deadline = time.time() + 60
        while not os.path.exists(go) and time.time() < deadline:
            time.sleep(0.05)
    c.close()
    print('closed', flush=True)


TCP_FLAGS = 'FSRPAU'


def td_client(server, port, sport, go, mode, marker_port):
    """The client of a teardown sequence, on the host whose rules are tested.

    A raw TCP socket gets a copy of every TCP segment this host's INPUT chain let through (raw
    sockets are served after LOCAL_IN): each one from SERVER:PORT to SPORT is printed as
    'seg FLAGS seq=N ack=N len=N PAYLOAD', FLAGS in the order FSRPAU. Connects from SPORT, 'round 1'
    is echoed, waits for GO, 'round 2' is echoed, then by MODE: 'fin' shuts its side, reads until
    the server's FIN and closes ('end closed'); 'rst' reads until the server's RST ('end reset');
    'halfclose' shuts its side, reads the line the server still sends ('half-closed data:N'), then
    the server's FIN, and closes ('end closed'). Then waits for a
    'marker' datagram on MARKER_PORT and for the capture to fall quiet, and prints 'done'.
    """
    import select
    import struct
    lock = threading.Lock()

    def out(line):
        with lock:
            sys.stdout.write(line + '\n')
            sys.stdout.flush()

    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    marker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    marker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    marker.bind(('', marker_port))
    src = socket.inet_aton(server)
    last = [time.time()]

    def capture():
        while True:
            pkt = raw.recv(65535)
            ihl = (pkt[0] & 15) * 4
            if pkt[12:16] != src:
                continue
            sp, dp, seq, ack, off, flags = struct.unpack('!HHIIBB', pkt[ihl:ihl + 14])
            if sp != port or dp != sport:
                continue
            data = pkt[ihl + (off >> 4) * 4:]
            names = ''.join(n for i, n in enumerate(TCP_FLAGS) if flags & (1 << i))
            last[0] = time.time()
            out('seg %s seq=%d ack=%d len=%d %s' % (names, seq, ack, len(data),
                data[:16].decode('ascii', 'replace').strip()))

    threading.Thread(target=capture, daemon=True).start()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('', sport))
    s.settimeout(10)
    s.connect((server, port))
    f = s.makefile('rb')
    s.sendall(b'round 1\n')
    out('round 1 ' + ('ok' if f.readline() == b'round 1\n' else 'eof'))
    deadline = time.time() + 60
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.05)
    s.sendall(b'round 2\n')
    out('round 2 ' + ('ok' if f.readline() == b'round 2\n' else 'eof'))
    if mode == 'rst':
        try:
            out('end eof' if not s.recv(4096) else 'end data')
        except OSError as e:
            out('end reset' if getattr(e, 'errno', None) == errno.ECONNRESET else 'end ' + classify(e))
    else:
        s.shutdown(socket.SHUT_WR)
        if mode == 'halfclose':
            out('half-closed data:%d' % len(f.readline()))
        while s.recv(4096):
            pass
        s.close()
        out('end closed')
    marker.settimeout(30)
    while marker.recv(2048) != b'marker':
        pass
    marked = time.time()
    while time.time() - max(marked, last[0]) < 0.3:  # the switches may reorder frames of two flows
        time.sleep(0.05)
    out('done')


def main(argv):
    cmd = argv[1]
    if cmd == 'tcp':
        sport = int(argv[4]) if len(argv) > 4 else 0
        print(tcp(argv[2], int(argv[3]), sport, send=argv[5] if len(argv) > 5 else None), flush=True)
    elif cmd == 'hold':
        hold(argv[2], int(argv[3]), argv[4], int(argv[5]))
    elif cmd == 'udp':
        print(udp(argv[2], int(argv[3])), flush=True)
    elif cmd == 'udp-echo':
        udp_echo(int(argv[2]))
    elif cmd == 'listen':
        listen(argv[2], argv[3], [int(x) for x in argv[4:]])
    elif cmd == 'tcp-counter':
        tcp_counter(int(argv[2]))
    elif cmd == 'fake-ftpd':
        fake_ftpd(argv[2], int(argv[3]))
    elif cmd == 'td-server':
        td_server(int(argv[2]), argv[3], argv[4] if len(argv) > 4 else None)
    elif cmd == 'td-client':
        td_client(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], int(argv[7]))
    elif cmd == 'ftp':
        ftp_client(argv[2], int(argv[3]), argv[4:])
    else:
        raise SystemExit('unknown probe ' + cmd)


if __name__ == '__main__':
    main(sys.argv)
