#!/usr/bin/python3
"""statewall Mininet agent: runs one Mininet network for a JVM, driven by JSON lines over TCP.

Life cycle: bind a TCP port on the caller's 127.0.0.1, move into a private network namespace, start a
private Open vSwitch (own database, run and log directory, userspace datapath), print
"STATEWALL-AGENT-PORT <port>", serve exactly one client, and tear everything down when that client
disconnects (including when its JVM is killed). Because switches, veths and taps all live in the private
namespace, nothing can collide with the machine's own OVS or with parallel networks, and the kernel
removes every interface when the last process of the namespace exits.

OpenFlow connections leave the private namespace through a relay: each switch connects to its own port
on the private loopback, and the agent forwards the bytes to the real controller from the caller's
namespace. The relay also reads both HELLOs, which gives the negotiated OpenFlow version.

Request:  {"id": 1, "op": "exec", ...}
Response: {"id": 1, "ok": true, "result": {...}} or {"id": 1, "ok": false, "kind": "...", "error": "..."}
"""
import ctypes
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

CLONE_NEWNET = 0x40000000
OF_VERSIONS = {'OpenFlow10': 1, 'OpenFlow11': 2, 'OpenFlow12': 3, 'OpenFlow13': 4, 'OpenFlow14': 5,
               'OpenFlow15': 6}
OUTPUT_LIMIT = 4 * 1024 * 1024  # per stream; bounded memory whatever a command prints
_libc = ctypes.CDLL(None, use_errno=True)


class AgentError(Exception):
    """An error reported to the client with a kind it can map to its own exception."""

    def __init__(self, kind, message, **extra):
        super().__init__(message)
        self.kind = kind
        self.extra = extra


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, '%s: %s' % (what, os.strerror(err)))


def setns(fd):
    _check(_libc.setns(fd, CLONE_NEWNET), 'setns')


def log(msg):
    sys.stderr.write('[agent %.3f] %s\n' % (time.time(), msg))
    sys.stderr.flush()


def run(args, env=None, check=True, timeout=30, stdin_data=None):
    """Runs a short command in the agent's (private) namespace."""
    proc = subprocess.run(args, input=stdin_data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=timeout, universal_newlines=True)
    if check and proc.returncode != 0:
        raise AgentError('command_failed', '%s failed (exit %d): %s' % (
            ' '.join(args), proc.returncode, (proc.stderr or proc.stdout).strip()))
    return proc


class PrivateOvs:
    """ovsdb-server and ovs-vswitchd with their own files, so they never touch the machine's OVS."""

    def __init__(self, state_dir):
        self.dir = os.path.join(state_dir, 'ovs')
        os.makedirs(self.dir, exist_ok=True)
        # Every ovs-* tool (and Mininet's calls to them) finds this instance through these variables.
        for var in ('OVS_RUNDIR', 'OVS_DBDIR', 'OVS_LOGDIR'):
            os.environ[var] = self.dir
        os.environ['OVS_SYSCONFDIR'] = self.dir

    def start(self):
        d = self.dir
        db = os.path.join(d, 'conf.db')
        run(['ovsdb-tool', 'create', db, '/usr/share/openvswitch/vswitch.ovsschema'])
        run(['ovsdb-server', db, '--remote=punix:%s/db.sock' % d, '--pidfile=%s/ovsdb-server.pid' % d,
             '--unixctl=%s/ovsdb-server.ctl' % d, '--log-file=%s/ovsdb-server.log' % d, '--detach',
             '--no-chdir'])
        run(['ovs-vsctl', '--no-wait', 'init'])
        run(['ovs-vswitchd', 'unix:%s/db.sock' % d, '--pidfile=%s/ovs-vswitchd.pid' % d,
             '--unixctl=%s/ovs-vswitchd.ctl' % d, '--log-file=%s/ovs-vswitchd.log' % d, '--detach',
             '--no-chdir'])
        run(['ovs-vsctl', '--timeout=10', 'show'])
        for name in ('ovsdb-server', 'ovs-vswitchd'):
            record_owned(os.path.dirname(d), read_pid(os.path.join(d, name + '.pid')))

    def stop(self):
        for name in ('ovs-vswitchd', 'ovsdb-server'):
            pid = read_pid(os.path.join(self.dir, name + '.pid'))
            if pid:
                kill_and_wait(pid)


def record_owned(state_dir, pid):
    """Notes a process this agent started, with its start time, so a later run can tell it is ours
    (and not a recycled pid) and stop it if this agent was killed before it could."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            start = f.read().rsplit(')', 1)[1].split()[19]
        with open(os.path.join(state_dir, 'owned-pids'), 'a') as f:
            f.write('%d %s\n' % (pid, start))
    except (OSError, IndexError):
        pass


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    """True while pid runs; a zombie (a detached daemon whose reaper is slow) counts as gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def kill_and_wait(pid, grace=2.0):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + grace
    while time.time() < deadline:
        if not alive(pid):
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_group(proc, grace=1.0):
    """Stops a command started with its own session (mnexec -d), children included."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


_count_lock = threading.Lock()


class Relay:
    """Forwards one switch's OpenFlow connections from the private loopback to the real controller."""

    def __init__(self, switch, host_ns_fd, private_ns_fd, target):
        self.switch = switch
        self.host_ns_fd = host_ns_fd
        self.private_ns_fd = private_ns_fd
        self.target = target
        self.version = None
        self.connections = 0  # ever accepted and forwarded
        self.active = 0  # forwarding now
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True, name='relay-' + switch).start()

    def _accept(self):
        while not self.closed:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(down,), daemon=True).start()

    def _connect_upstream(self):
        # A socket belongs to the namespace it was created in: create it in the caller's namespace, from
        # this thread only, then come back.
        setns(self.host_ns_fd)
        try:
            up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            setns(self.private_ns_fd)
        up.settimeout(5)
        up.connect(self.target)
        up.settimeout(None)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return up

    def _serve(self, down):
        down.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            up = self._connect_upstream()
        except OSError:
            down.close()  # the switch retries (max_backoff is 1 s)
            return
        with _count_lock:
            self.connections += 1
            self.active += 1
        hellos = {}
        try:
            t = threading.Thread(target=self._pump, args=(up, down, 'controller', hellos),
                                 daemon=True)
            t.start()
            self._pump(down, up, 'switch', hellos)
            t.join()
        finally:
            with _count_lock:
                self.active -= 1

    def _pump(self, src, dst, side, hellos):
        buf = b''
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if side not in hellos:
                    buf += data
                    if len(buf) >= 8:
                        length = struct.unpack('!H', buf[2:4])[0]
                        if len(buf) >= length:
                            hellos[side] = buf[:length]
                            self._negotiate(hellos)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _negotiate(self, hellos):
        if 'switch' in hellos and 'controller' in hellos:
            a, b = hello_versions(hellos['switch']), hello_versions(hellos['controller'])
            common = a & b
            self.version = max(common) if common else None

    def close(self):
        self.closed = True
        self.listener.close()


def hello_versions(hello):
    """The versions a HELLO offers: its bitmap element if present, else every version up to its own."""
    version, _, length = struct.unpack('!BBH', hello[:4])
    pos = 8
    while pos + 4 <= length:
        etype, elen = struct.unpack('!HH', hello[pos:pos + 4])
        if elen < 4:
            break
        if etype == 1:  # OFPHET_VERSIONBITMAP
            bits = set()
            for i in range(pos + 4, pos + elen - 3, 4):
                word = struct.unpack('!I', hello[i:i + 4])[0]
                for bit in range(32):
                    if word & (1 << bit):
                        bits.add((i - pos - 4) // 4 * 32 + bit)
            return bits
        pos += (elen + 7) // 8 * 8
    return set(range(1, version + 1))


class Agent:
    def __init__(self, state_dir, host_ns_fd, private_ns_fd):
        self.state_dir = state_dir
        self.host_ns_fd = host_ns_fd
        self.private_ns_fd = private_ns_fd
        self.ovs = PrivateOvs(state_dir)
        self.net = None
        self.relays = {}
        self.protocols = None
        self.background = {}
        self.next_bg = 1
        self.lock = threading.Lock()  # Mininet's own structures are not thread safe
        self.out_lock = threading.Lock()

    # ---- helpers -------------------------------------------------------------------------------
    def host(self, name):
        if self.net is None:
            raise AgentError('not_started', 'the network is not started')
        node = self.net.nameToNode.get(name)
        if node is None or node not in self.net.hosts:
            raise AgentError('unknown_host', "unknown host '%s' (hosts: %s)" % (
                name, ', '.join(h.name for h in self.net.hosts)))
        return node

    def switch(self, name):
        if self.net is None:
            raise AgentError('not_started', 'the network is not started')
        node = self.net.nameToNode.get(name)
        if node is None or node not in self.net.switches:
            raise AgentError('unknown_switch', "unknown switch '%s' (switches: %s)" % (
                name, ', '.join(s.name for s in self.net.switches)))
        return node

    def ofctl_version(self):
        versions = [p for p in (self.protocols or 'OpenFlow10').split(',') if p]
        return max(versions, key=lambda p: OF_VERSIONS.get(p, 0))

    # ---- operations ----------------------------------------------------------------------------
    def op_start(self, req):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch
        from mininet.topo import Topo
        from mininet.log import setLogLevel
        from functools import partial
        setLogLevel('warning')
        if self.net is not None:
            raise AgentError('already_started', 'this agent already runs a network')
        t0 = time.time()
        spec = req['topology']
        topo = Topo()
        for h in spec['hosts']:
            topo.addHost(h)
        for s in spec['switches']:
            topo.addSwitch(s)
        for a, b in spec['links']:
            topo.addLink(a, b)
        self.protocols = ','.join(req.get('protocols') or [])
        fail_mode = req.get('failMode', 'secure')
        switch_cls = partial(OVSSwitch, datapath='user', failMode=fail_mode,
                             protocols=self.protocols or None, reconnectms=1000)
        net = Mininet(topo=topo, switch=switch_cls, controller=None, autoSetMacs=True, build=False,
                      waitConnected=False)
        net.build()
        self.net = net
        for node in net.hosts + net.switches:
            record_owned(self.state_dir, node.pid)
        # one controller ('controller'), or several ('controllers': a cluster, every switch lists all)
        targets = req.get('controllers') or ([req['controller']] if req.get('controller') else [])
        for sw in net.switches:
            relays = [Relay(sw.name, self.host_ns_fd, self.private_ns_fd, (c['host'], c['port']))
                      for c in targets]
            self.relays[sw.name] = relays
            sw.start([_RelayTarget(r.port, 'c%d' % i) for i, r in enumerate(relays)])
        for h in net.hosts:
            for intf in h.intfList():
                # Without this the userspace datapath forwards TCP segments with bad checksums.
                h.cmd('ethtool -K %s tx off >/dev/null 2>&1' % intf)
            if not req.get('ipv6', False):
                h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1')
        if req.get('spanningTree'):
            self._enable_rstp(net)
        for sw in net.switches:
            sw.cmd('ip link set %s up' % sw.name)
        result = {
            'hosts': [{'name': h.name, 'ip': h.IP(), 'mac': h.MAC(), 'interface': h.defaultIntf().name}
                      for h in net.hosts],
            'switches': [{'name': s.name, 'dpid': s.dpid} for s in net.switches],
            'startMillis': int((time.time() - t0) * 1000),
        }
        return result

    def _enable_rstp(self, net):
        cmd = ['ovs-vsctl']
        hosts = set(net.hosts)
        for sw in net.switches:
            cmd += ['--', 'set', 'bridge', sw.name, 'rstp_enable=true',
                    'other_config:rstp-forward-delay=4', 'other_config:rstp-hello-time=1',
                    'other_config:rstp-max-age=6']
            for intf in sw.intfList():
                if intf.link is None:
                    continue
                peer = intf.link.intf1 if intf.link.intf2 is intf else intf.link.intf2
                edge = 'true' if peer.node in hosts else 'false'
                # veths report no duplex, so say point-to-point: RSTP then syncs in a handshake
                # instead of waiting out the forward delay.
                cmd += ['--', 'set', 'port', intf.name, 'other_config:rstp-port-admin-edge=' + edge,
                        'other_config:rstp-port-auto-edge=' + edge,
                        'other_config:rstp-admin-p2p-mac=true']
        run(cmd)
        # Ready when every port has settled: forwarding, or discarding as an alternate/backup path.
        deadline = time.time() + 30
        ports = [i.name for sw in net.switches for i in sw.intfList() if i.link is not None]
        while time.time() < deadline:
            status = self._rstp_status(ports)
            if len(status) == len(ports) and all(
                    st == 'Forwarding' or (st == 'Discarding' and role in ('Alternate', 'Backup'))
                    for role, st in status.values()):
                return
            time.sleep(0.1)
        raise AgentError('stp_timeout', 'RSTP did not converge in 30 s: %s' % self._rstp_status(ports))

    def _rstp_status(self, ports):
        out = run(['ovs-vsctl', '--format=json', '--columns=name,rstp_status', 'list', 'port'],
                  check=False).stdout
        try:
            rows = json.loads(out)['data']
        except ValueError:
            return {}
        status = {}
        for name, st in rows:
            if name in ports:
                kv = dict(st[1]) if st and st[0] == 'map' else {}
                status[name] = (kv.get('rstp_port_role'), kv.get('rstp_port_state'))
        return status

    def op_exec(self, req):
        host = self.host(req['host'])
        timeout = float(req.get('timeout', 30))
        proc = host.popen(['bash', '-c', req['cmd']], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = Collector(proc.stdout), Collector(proc.stderr)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out.join(1), err.join(1)
            raise AgentError('timeout', 'command timed out after %.1f s on %s: %s' % (
                timeout, host.name, req['cmd']), stdout=out.text(), stderr=err.text())
        out.join(5), err.join(5)  # a daemon it forked may hold the pipes open: stop waiting
        return {'exitCode': code, 'stdout': out.text(), 'stderr': err.text()}

    def op_start_background(self, req):
        host = self.host(req['host'])
        with self.lock:
            bg_id = self.next_bg
            self.next_bg += 1
        log_base = os.path.join(self.state_dir, 'bg-%d' % bg_id)
        with open(log_base + '.out', 'wb') as o, open(log_base + '.err', 'wb') as e:
            proc = host.popen(['bash', '-c', req['cmd']], stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        record_owned(self.state_dir, proc.pid)
        self.background[bg_id] = (proc, log_base, req['cmd'])
        return {'process': bg_id, 'pid': proc.pid}

    def op_stop_background(self, req):
        entry = self.background.pop(int(req['process']), None)
        if entry is None:
            return {'exitCode': None, 'stdout': '', 'stderr': ''}
        proc, log_base, _ = entry
        if proc.poll() is None:
            kill_group(proc)
        return {'exitCode': proc.returncode, 'stdout': tail(log_base + '.out'),
                'stderr': tail(log_base + '.err')}

    def op_background_status(self, req):
        entry = self.background.get(int(req['process']))
        if entry is None:
            return {'alive': False, 'exitCode': None, 'stdout': '', 'stderr': ''}
        proc, log_base, _ = entry
        code = proc.poll()
        return {'alive': code is None, 'exitCode': code, 'stdout': tail(log_base + '.out'),
                'stderr': tail(log_base + '.err')}

    def op_load_rules(self, req):
        host = self.host(req['host'])
        tool = {'ipv4': 'iptables-restore', 'ipv6': 'ip6tables-restore'}[req.get('family', 'ipv4')]
        proc = host.popen([tool], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(req['rules'].encode(), timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise AgentError('timeout', '%s timed out on %s' % (tool, host.name))
        if proc.returncode != 0:
            raise AgentError('rules_rejected', '%s rejected the rules on %s (exit %d): %s' % (
                tool, host.name, proc.returncode, err.decode(errors='replace').strip()))
        return {}

    def op_ofctl(self, req):
        sw = self.switch(req['switch'])
        args = ['ovs-ofctl', '-O', self.ofctl_version()] + list(req['args'][:1]) + [sw.name] \
            + list(req['args'][1:])
        proc = run(args)
        return {'stdout': proc.stdout}

    def op_switch_status(self, req):
        sw = self.switch(req['switch'])
        relays = self.relays.get(sw.name) or []
        # The relay knows at once; OVS refreshes the Controller table's is_connected only every few
        # seconds. With several controllers: connected to every one of them.
        per = [{'target': '%s:%d' % r.target, 'relay': 'tcp:127.0.0.1:%d' % r.port,
                'connected': r.active > 0 and r.version is not None, 'version': r.version,
                'connections': r.connections} for r in relays]
        return {'connected': bool(per) and all(c['connected'] for c in per),
                'version': per[0]['version'] if per else None,
                'connections': per[0]['connections'] if per else 0,
                'controllers': per}

    def op_vsctl(self, req):
        """ovs-vsctl against this agent's private Open vSwitch (e.g. list controller)."""
        self.switch(req['switch'])  # the network must be up
        return {'stdout': run(['ovs-vsctl', '--timeout=10'] + list(req['args'])).stdout}

    def op_link(self, req):
        a, b = req['a'], req['b']
        for n in (a, b):
            if n not in self.net.nameToNode:
                raise AgentError('unknown_node', "unknown node '%s'" % n)
        if not self.net.linksBetween(self.net.get(a), self.net.get(b)):
            raise AgentError('unknown_link', 'no link between %s and %s' % (a, b))
        with self.lock:
            self.net.configLinkStatus(a, b, 'up' if req['up'] else 'down')
        return {}

    def op_ping_all(self, req):
        timeout = float(req.get('timeout', 2))
        hosts = self.net.hosts
        pairs = [(s, d) for s in hosts for d in hosts if s is not d]
        results = {}

        def ping(src, dst):
            # ping's deadline is whole seconds; it repeats every 0.2 s until one reply or the deadline
            proc = src.popen(['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w',
                              str(max(1, math.ceil(timeout))), dst.IP()],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            results[(src.name, dst.name)] = proc.wait() == 0
        threads = [threading.Thread(target=ping, args=p) for p in pairs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {'hosts': [h.name for h in hosts],
                'reached': [[s.name, d.name] for (s, d) in pairs if results[(s.name, d.name)]]}

    def op_ping(self, req):
        return {'pong': True}

    # ---- teardown ------------------------------------------------------------------------------
    def shutdown(self):
        t0 = time.time()
        for proc, _, _ in list(self.background.values()):
            if proc.poll() is None:
                kill_group(proc)
        self.background.clear()
        for relays in self.relays.values():
            for relay in relays:
                relay.close()
        if self.net is not None:
            for h in self.net.hosts:
                try:
                    h.terminate()
                except Exception:  # best effort: the namespace goes away with us anyway
                    pass
        self.ovs.stop()
        log('torn down in %.2f s' % (time.time() - t0))


class _RelayTarget:
    """What Mininet's OVSSwitch.start needs to know about a controller."""
    protocol = 'tcp'

    def __init__(self, port, name='c0'):
        self.name = name
        self.port = port

    def IP(self):
        return '127.0.0.1'


class Collector:
    """Reads a pipe to its end in a thread, keeping at most OUTPUT_LIMIT bytes."""

    def __init__(self, stream):
        self.chunks = []
        self.size = 0
        self.stream = stream
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            data = os.read(self.stream.fileno(), 65536)
            if not data:
                break
            if self.size < OUTPUT_LIMIT:
                self.chunks.append(data[:OUTPUT_LIMIT - self.size])
                self.size += len(self.chunks[-1])

    def join(self, timeout):
        self.thread.join(timeout)

    def text(self):
        return b''.join(list(self.chunks)).decode('utf-8', errors='replace')


def tail(path, limit=OUTPUT_LIMIT):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode('utf-8', errors='replace')
    except OSError:
        return ''


def serve(agent, conn):
    reader = conn.makefile('r', encoding='utf-8')

    def reply(msg):
        data = (json.dumps(msg) + '\n').encode()
        with agent.out_lock:
            conn.sendall(data)

    def handle(req):
        rid = req.get('id')
        try:
            op = getattr(agent, 'op_' + str(req.get('op')), None)
            if op is None:
                raise AgentError('bad_request', 'unknown operation %r' % req.get('op'))
            reply({'id': rid, 'ok': True, 'result': op(req)})
        except AgentError as e:
            msg = {'id': rid, 'ok': False, 'kind': e.kind, 'error': str(e)}
            msg.update(e.extra)
            reply(msg)
        except Exception as e:  # report, never die: the client decides what to do
            reply({'id': rid, 'ok': False, 'kind': 'internal',
                   'error': '%s: %s' % (type(e).__name__, e), 'trace': traceback.format_exc()})

    for line in reader:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            reply({'id': None, 'ok': False, 'kind': 'bad_request', 'error': 'malformed JSON: %s' % e})
            continue
        if req.get('op') == 'shutdown':
            reply({'id': req.get('id'), 'ok': True, 'result': {}})
            return
        # start runs inline so later requests see the network; the rest run concurrently
        if req.get('op') == 'start':
            handle(req)
        else:
            threading.Thread(target=handle, args=(req,), daemon=True).start()


def main():
    state_dir = sys.argv[1] if len(sys.argv) > 1 else '/tmp/statewall-mininet/agent'
    os.makedirs(state_dir, exist_ok=True)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))  # in the caller's namespace: created before we leave it
    listener.listen(1)
    host_ns_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
    _check(_libc.unshare(CLONE_NEWNET), 'unshare')
    private_ns_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
    with open(os.path.join(state_dir, 'agent.pid'), 'w') as f:
        f.write(str(os.getpid()))
    with open(os.path.join(state_dir, 'netns'), 'w') as f:
        f.write(str(os.fstat(private_ns_fd).st_ino))
    run(['ip', 'link', 'set', 'lo', 'up'])
    agent = Agent(state_dir, host_ns_fd, private_ns_fd)
    try:
        agent.ovs.start()
        print('STATEWALL-AGENT-PORT %d' % listener.getsockname()[1], flush=True)
        listener.settimeout(120)
        conn, _ = listener.accept()
        listener.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        serve(agent, conn)
        log('client gone')
    except Exception as e:
        log('fatal: %s\n%s' % (e, traceback.format_exc()))
    finally:
        agent.shutdown()
        shutil.rmtree(state_dir, ignore_errors=True)
        log('stopped')


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
