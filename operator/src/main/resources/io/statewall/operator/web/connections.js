// The connections page: the conntrack table through GET /api/v1/conntrack (its filters, and its
// sorting and paging, both done by the server: the table may hold a million), each row's path when
// the switches carry it, a Delete button per connection (DELETE /api/v1/conntrack by its original tuple).
import { get, del, el } from './api.js';

const PAGE = 50;

export function show(main, signal, setStatus) {
  const field = (name, label, attrs = {}) => el('label', { for: 'ct-' + name }, label,
    el('input', Object.assign({ id: 'ct-' + name, name, size: 14 }, attrs)));
  const proto = el('select', { id: 'ct-proto', name: 'proto' }, ['', 'tcp', 'udp', 'icmp', 'icmpv6'].map(p => el('option', { value: p }, p || 'any')));
  const sort = el('select', { id: 'ct-sort', name: 'sort' }, ['src', 'dst', 'sport', 'dport', 'proto', 'state', 'expires']
    .map(p => el('option', { value: p }, p)));
  const order = el('select', { id: 'ct-order', name: 'order' }, el('option', { value: 'asc' }, 'ascending'),
    el('option', { value: 'desc' }, 'descending'));
  const form = el('form', { class: 'filters', id: 'ct-filters' },
    field('addr', 'Address'), el('label', { for: 'ct-proto' }, 'Protocol', proto),
    field('dport', 'Dest. port', { inputmode: 'numeric', size: 6 }), field('state', 'TCP state', { placeholder: 'ESTABLISHED' }),
    el('label', { for: 'ct-sort' }, 'Sort by', sort), el('label', { for: 'ct-order' }, 'Order', order),
    el('button', { type: 'submit' }, 'Filter'), el('button', { type: 'button', id: 'ct-refresh' }, 'Refresh'));
  const body = el('tbody', { id: 'ct-rows' });
  const info = el('p', { id: 'ct-info', role: 'status' });
  const prev = el('button', { type: 'button', id: 'ct-prev' }, '← Previous');
  const next = el('button', { type: 'button', id: 'ct-next' }, 'Next →');
  let offset = 0;

  const query = () => {
    const q = new URLSearchParams();
    for (const n of ['addr', 'proto', 'dport', 'state', 'sort', 'order']) {
      const v = form.elements[n].value.trim();
      if (v) q.set(n, v);
    }
    q.set('offset', offset); q.set('limit', PAGE);
    return q;
  };

  async function load() {
    try {
      const page = await get('/api/v1/conntrack?' + query(), signal);
      body.replaceChildren(...page.items.map(c => {
        const o = c.original;
        const tuple = new URLSearchParams({ proto: c.protocol, src: o.src, dst: o.dst });
        if (o.sport !== null) tuple.set('sport', o.sport);
        if (o.dport !== null) tuple.set('dport', o.dport);
        const name = `${o.src}${o.sport !== null ? ':' + o.sport : ''} → ${o.dst}${o.dport !== null ? ':' + o.dport : ''}`;
        const button = el('button', { type: 'button', class: 'delete', 'aria-label': 'Delete ' + name, onclick: async () => {
          button.disabled = true;
          try { const r = await del('/api/v1/conntrack?' + tuple); setStatus(`deleted ${r.deleted}`); } catch (e) { setStatus('delete failed: ' + e.message); }
          load();
        } }, 'Delete');
        return el('tr', { class: 'conn', 'data-sport': o.sport, 'data-dport': o.dport, 'data-src': o.src },
          el('td', {}, ['tcp', 'udp', 'icmp'][[6, 17, 1].indexOf(c.protocol)] || String(c.protocol)),
          el('td', { class: 'mono' }, name), el('td', {}, c.tcpState || ''),
          el('td', {}, c.assured ? 'assured' : c.seenReply ? 'seen reply' : 'unreplied'),
          el('td', {}, c.cookie ? 'offloaded' : '-'),
          el('td', { class: 'mono path' }, (c.path || []).map(h => `${h.dpid.replace(/^0+/, '') || '0'}[${h.in}→${h.out}]`).join(' ') || '-'),
          el('td', {}, button));
      }));
      const to = Math.min(page.total, offset + page.items.length);
      info.textContent = page.total ? `${offset + 1}-${to} of ${page.total}` : 'no connections match';
      prev.disabled = offset === 0;
      next.disabled = to >= page.total;
      setStatus('connections: loaded ' + new Date().toLocaleTimeString());
    } catch (e) {
      if (!signal.aborted) info.textContent = 'error: ' + e.message;
    }
  }
  form.addEventListener('submit', e => { e.preventDefault(); offset = 0; load(); });
  sort.addEventListener('change', () => { offset = 0; load(); });
  order.addEventListener('change', () => { offset = 0; load(); });
  form.querySelector('#ct-refresh').addEventListener('click', load);
  prev.addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
  next.addEventListener('click', () => { offset += PAGE; load(); });
  main.append(el('h1', {}, 'Connections'), form, info,
    el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {},
      ['proto', 'original', 'TCP state', 'status', 'switches', 'path', ''].map(h => el('th', { scope: 'col' }, h)))), body)),
    el('p', {}, prev, ' ', next));
  load();
}
