// The network page: switches, links and hosts as an SVG graph (a small force layout), redrawn from
// each snapshot the server pushes. A link seen before and missing now is drawn down (dashed, red).
import { live, el } from './api.js';

const W = 1000, H = 600;
const positions = new Map();      // node id -> {x, y}, kept across snapshots so the graph stays put
const knownLinks = new Map();     // link key -> link, every link seen since the page opened

const linkKey = l => [l.a.dpid + ':' + l.a.port, l.b.dpid + ':' + l.b.port].sort().join('|');

function layout(nodes, edges, rounds) {
  nodes.forEach((n, i) => {
    if (!positions.has(n.id)) {
      const a = (2 * Math.PI * i) / Math.max(1, nodes.length);
      positions.set(n.id, { x: W / 2 + 250 * Math.cos(a), y: H / 2 + 200 * Math.sin(a) });
    }
  });
  const k = Math.sqrt((W * H) / Math.max(1, nodes.length)) * 0.6;
  for (let r = 0; r < rounds; r++) {
    const t = 20 * (1 - r / rounds) + 1;
    const d = new Map(nodes.map(n => [n.id, { x: 0, y: 0 }]));
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const p = positions.get(nodes[i].id), q = positions.get(nodes[j].id);
        let dx = p.x - q.x, dy = p.y - q.y;
        const dist = Math.max(1, Math.hypot(dx, dy)), f = (k * k) / dist;
        dx = (dx / dist) * f; dy = (dy / dist) * f;
        d.get(nodes[i].id).x += dx; d.get(nodes[i].id).y += dy;
        d.get(nodes[j].id).x -= dx; d.get(nodes[j].id).y -= dy;
      }
    }
    for (const [a, b] of edges) {
      const p = positions.get(a), q = positions.get(b);
      if (!p || !q) continue;
      let dx = p.x - q.x, dy = p.y - q.y;
      const dist = Math.max(1, Math.hypot(dx, dy)), f = (dist * dist) / k;
      dx = (dx / dist) * f; dy = (dy / dist) * f;
      d.get(a).x -= dx; d.get(a).y -= dy; d.get(b).x += dx; d.get(b).y += dy;
    }
    for (const n of nodes) {
      const p = positions.get(n.id), m = d.get(n.id), len = Math.max(1, Math.hypot(m.x, m.y));
      p.x = Math.min(W - 60, Math.max(60, p.x + (m.x / len) * Math.min(len, t)));
      p.y = Math.min(H - 40, Math.max(40, p.y + (m.y / len) * Math.min(len, t)));
    }
  }
}

function draw(svg, table, s) {
  // a switch's own interface (its LOCAL port, a negative number here) speaks too: drawn apart, beside its switch
  const local = s.hosts.filter(h => h.attachment.port < 0);
  // an address learned at a port that is now a link's end is a switch's own interface heard before
  // discovery found the link (a veth sends IPv6 ND when it comes up), not a host behind it
  const linkEnds = new Set(s.links.flatMap(l => [l.a.dpid + ':' + l.a.port, l.b.dpid + ':' + l.b.port]));
  s = Object.assign({}, s, { hosts: s.hosts.filter(h => h.attachment.port >= 0
    && !linkEnds.has(h.attachment.dpid + ':' + h.attachment.port)) });
  const names = new Map(s.switches.map(w => [w.dpid, w.name || w.dpid]));
  for (const l of s.links) knownLinks.set(linkKey(l), l);
  const up = new Set(s.links.map(linkKey));
  const nodes = [
    ...s.switches.map(w => ({ id: 'sw:' + w.dpid, sw: w })),
    ...s.hosts.map(h => ({ id: 'host:' + h.mac, host: h })),
  ];
  const edges = [
    ...[...knownLinks.values()].map(l => ['sw:' + l.a.dpid, 'sw:' + l.b.dpid]),
    ...s.hosts.map(h => ['host:' + h.mac, 'sw:' + h.attachment.dpid]),
  ];
  for (const h of local) {
    nodes.push({ id: 'local:' + h.mac, host: h });
    edges.push(['local:' + h.mac, 'sw:' + h.attachment.dpid]);
  }
  const fresh = nodes.some(n => !positions.has(n.id));
  layout(nodes, edges, fresh ? 300 : 0);
  const pos = id => positions.get(id) || { x: W / 2, y: H / 2 };

  const links = [...knownLinks.entries()]
    .filter(([, l]) => names.has(l.a.dpid) && names.has(l.b.dpid))
    .map(([key, l]) => {
      const p = pos('sw:' + l.a.dpid), q = pos('sw:' + l.b.dpid);
      const ends = [names.get(l.a.dpid), names.get(l.b.dpid)].sort().join(' ');
      const isUp = up.has(key);
      return el('line', { class: 'link' + (isUp ? '' : ' down'), x1: p.x, y1: p.y, x2: q.x, y2: q.y,
        'data-ends': ends, 'data-state': isUp ? 'up' : 'down' },
      el('title', {}, `${names.get(l.a.dpid)} port ${l.a.port} - ${names.get(l.b.dpid)} port ${l.b.port}: ${isUp ? 'up' : 'down'}`));
    });
  const attaches = [...s.hosts.map(h => ['host:' + h.mac, h]), ...local.map(h => ['local:' + h.mac, h])].map(([id, h]) => {
    const p = pos(id), q = pos('sw:' + h.attachment.dpid);
    return el('line', { class: 'attach' + (id.startsWith('local:') ? ' local' : ''), x1: p.x, y1: p.y, x2: q.x, y2: q.y });
  });
  const locals = local.map(h => {
    const p = pos('local:' + h.mac), at = names.get(h.attachment.dpid) || h.attachment.dpid;
    const label = `the LOCAL port of ${at}: ${h.addresses.join(', ') || h.mac} (${h.mac})`;
    return el('g', { class: 'node local-host', tabindex: 0, role: 'img', 'aria-label': label, 'data-local': at,
      transform: `translate(${p.x},${p.y})` },
    el('circle', { r: 8 }), el('text', { 'text-anchor': 'middle', y: 22, class: 'small' }, 'LOCAL ' + at), el('title', {}, label));
  });
  const switches = s.switches.map(w => {
    const p = pos('sw:' + w.dpid), entries = s.connectionEntries[w.dpid] || 0;
    const label = `switch ${w.name || w.dpid}, ${w.version}, ${entries} connection entries`;
    return el('g', { class: 'node switch', tabindex: 0, role: 'img', 'aria-label': label, 'data-switch': w.name || w.dpid,
      transform: `translate(${p.x},${p.y})` },
    el('rect', { x: -34, y: -16, width: 68, height: 32, rx: 5 }),
    el('text', { 'text-anchor': 'middle', y: 4 }, w.name || w.dpid.slice(-4)),
    el('text', { 'text-anchor': 'middle', y: 30, class: 'small' }, `${w.version.replace('OF_', 'OF ')} · ${entries}`),
    el('title', {}, label));
  });
  const hosts = s.hosts.map(h => {
    const p = pos('host:' + h.mac), name = h.addresses.find(a => !a.includes(':')) || h.addresses[0] || h.mac;
    const label = `host ${h.addresses.join(', ') || h.mac} (${h.mac}) at ${names.get(h.attachment.dpid) || h.attachment.dpid} port ${h.attachment.port}`;
    return el('g', { class: 'node host', tabindex: 0, role: 'img', 'aria-label': label, 'data-host': name,
      transform: `translate(${p.x},${p.y})` },
    el('circle', { r: 12 }), el('text', { 'text-anchor': 'middle', y: 28 }, name), el('title', {}, label));
  });
  svg.replaceChildren(...links, ...attaches, ...switches, ...hosts, ...locals);
  svg.setAttribute('data-updated', String(Date.now()));
  svg.setAttribute('data-links-down', String([...knownLinks.keys()].filter(k => !up.has(k)).length));

  const localOf = dpid => local.filter(h => h.attachment.dpid === dpid).flatMap(h => h.addresses);
  table.replaceChildren(el('thead', {}, el('tr', {}, ['switch', 'dpid', 'OpenFlow', 'role', 'ready', 'flow entries',
    'connection entries', 'packet-ins/s', 'LOCAL port hosts', 'ports down'].map(h => el('th', { scope: 'col' }, h)))),
  el('tbody', {}, s.switches.map(w => el('tr', { 'data-switch': w.name || w.dpid },
    el('td', {}, w.name || ''), el('td', { class: 'mono' }, w.dpid), el('td', { class: 'version' }, w.version),
    el('td', { class: 'role' }, w.role || '-'), el('td', {}, w.ready ? 'yes' : 'no'),
    el('td', { class: 'flow-entries' }, w.flowEntries === null ? '…' : String(w.flowEntries)),
    el('td', {}, String(s.connectionEntries[w.dpid] || 0)),
    el('td', { class: 'packet-in-rate' }, w.packetInRate === null ? '…' : String(w.packetInRate)),
    el('td', { class: 'mono local' }, localOf(w.dpid).join(', ') || '-'),
    el('td', {}, w.ports.filter(p => !p.up).map(p => p.name || p.number).join(', ') || '-')))));
}

export function show(main, signal, setStatus) {
  const svg = el('svg', { class: 'graph', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-label': 'Network graph' });
  const table = el('table', { id: 'switch-table' });
  const events = el('ul', { class: 'events', 'aria-label': 'Changes' });
  main.append(el('h1', {}, 'Network'),
    el('p', { class: 'legend' }, 'Boxes are switches (OpenFlow version · statewall\'s connection entries), circles hosts, small grey circles a switch\'s own (LOCAL port) interface; a dashed red line is a link that went down. Tab through the nodes for details.'),
    svg, el('h2', {}, 'Switches'), el('div', { class: 'table-wrap' }, table), el('h2', {}, 'Changes'), events);
  live('/api/v1/events/network', (name, s) => {
    if (name !== 'network') return;
    draw(svg, table, s);
    if (s.causes.length) {
      events.prepend(el('li', {}, new Date(s.at).toLocaleTimeString() + ' ' + s.causes.join(', ')));
      while (events.children.length > 50) events.lastChild.remove();
    }
  }, signal, st => setStatus('network: ' + st));
}
