// The policy page: the running policy as iptables-save prints it, and a trace form (GET /api/v1/trace).
import { get, el } from './api.js';

export function show(main, signal, setStatus) {
  const text = el('pre', { id: 'policy-text' }, 'loading…');
  const out = el('pre', { id: 'trace-out' });
  const field = (name, label, value = '') => el('label', { for: 'tr-' + name }, label, el('input', { id: 'tr-' + name, name, value, size: 14 }));
  const form = el('form', { class: 'filters', id: 'trace-form' },
    field('src', 'Source'), field('dst', 'Destination'), field('proto', 'Protocol', 'tcp'),
    field('sport', 'Src. port'), field('dport', 'Dest. port'), el('button', { type: 'submit' }, 'Trace'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const n of ['src', 'dst', 'proto', 'sport', 'dport']) {
      const v = form.elements[n].value.trim();
      if (v) q.set(n, v);
    }
    try {
      const t = await get('/api/v1/trace?' + q, signal);
      const rule = t.decidedBy ? (t.decidedBy.line > 0 ? `${t.decidedBy.file}:${t.decidedBy.line} ` : '') + t.decidedBy.text : '';
      out.textContent = [`verdict     ${t.verdict}`, `state       ${t.state}`, `decided by  ${rule}`,
        ...t.chains.map(c => `  ${c.ruleSet} ${c.table}/${c.chain}: ${c.verdict}${c.rule ? ' (' + c.rule.file + ':' + c.rule.line + ')' : ''}`),
        `path        ${(t.path || []).map(h => `${h.dpid}[${h.in}->${h.out}]`).join(' ') || '-'}`].join('\n');
    } catch (err) { out.textContent = 'error: ' + err.message; }
  });
  main.append(el('h1', {}, 'Policy'), el('h2', {}, 'Trace a packet'), form, out, el('h2', {}, 'Running policy'), text);
  get('/api/v1/policy', signal).then(p => { text.textContent = p.text; setStatus('policy: ' + p.source); })
    .catch(e => { if (!signal.aborted) text.textContent = 'error: ' + e.message; });
}
