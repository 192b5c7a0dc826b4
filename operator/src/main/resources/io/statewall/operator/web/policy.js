// The policy page: each rule with the packets and bytes it matched (as iptables -L -v, from
// GET /api/v1/policy/counters), a dry-run form (PUT /api/v1/policy?dry-run=true: which tracked
// connections a pasted policy would cut), a trace form (GET /api/v1/trace) and the running policy.
import { get, put, el } from './api.js';

function where(r) { return `${r.file.split('/').pop()}:${r.line}`; }

function hitRow(r) {
  return el('tr', { class: 'hit', 'data-where': where(r), 'data-packets': r.packets },
    el('td', { class: 'num' }, String(r.packets)), el('td', { class: 'num' }, String(r.bytes)),
    el('td', { class: 'mono' }, where(r)), el('td', { class: 'mono' }, r.text));
}

function chainTable(c) {
  const rows = c.rules.length ? c.rules.map(hitRow) : [el('tr', {}, el('td', { colspan: 4 }, 'no rules'))];
  return el('div', { class: 'table-wrap' }, el('table', { class: 'hits', 'data-chain': c.table + '/' + c.chain },
    el('caption', {}, `${c.table} ${c.chain}` + (c.policy ? ` (policy ${c.policy})` : '')),
    el('thead', {}, el('tr', {}, ['pkts', 'bytes', 'where', 'rule'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows)));
}

function counters(sets) {
  return sets.map(set => el('section', { class: 'ruleset', 'data-ruleset': set.name },
    el('h3', {}, `${set.name} (${set.file})`), ...set.chains.map(chainTable)));
}

function dryRunForm(sets, signal) {
  const files = el('div', { id: 'dr-files' });
  const addFile = (name = '', text = '') => {
    const i = files.children.length;
    files.append(el('fieldset', { class: 'dr-file' }, el('legend', {}, 'Rule file'),
      el('label', { for: 'dr-name-' + i }, 'Name', el('input', { id: 'dr-name-' + i, class: 'dr-name', value: name, size: 24 })),
      el('label', { for: 'dr-text-' + i }, 'Rules (iptables-save)',
        el('textarea', { id: 'dr-text-' + i, class: 'dr-text', rows: 8, cols: 80, spellcheck: 'false' }, text))));
  };
  // the running rule files, to edit: the names a policy's YAML gives them
  const seen = new Set();
  for (const s of sets) {
    const name = s.file.split('/').pop();
    if (!seen.has(name)) { seen.add(name); addFile(name, s.text); }
  }
  const yaml = el('textarea', { id: 'dr-policy', rows: 6, cols: 80, spellcheck: 'false',
    placeholder: 'hosts:\n  - address: 10.0.0.1\n    rules: servers.rules' });
  const out = el('div', { id: 'dr-out', role: 'status' });
  const form = el('form', { id: 'dry-run-form' },
    el('label', { for: 'dr-policy' }, 'Policy (YAML, naming the rule files below)', yaml), files,
    el('p', {}, el('button', { type: 'button', id: 'dr-add', onclick: () => addFile() }, 'Add a rule file'), ' ',
      el('button', { type: 'submit', id: 'dr-submit' }, 'Dry run')), out);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { name: 'dry-run.yaml', policy: yaml.value, files: {} };
    for (const f of files.querySelectorAll('.dr-file')) {
      const n = f.querySelector('.dr-name').value.trim();
      if (n) body.files[n] = f.querySelector('.dr-text').value;
    }
    out.textContent = 'checking…';
    try {
      const r = await put('/api/v1/policy?dry-run=true', body);
      const rows = r.noLongerAccepted.map(c => el('tr', { class: 'cut' }, el('td', { class: 'mono' }, c.connection),
        el('td', {}, c.direction), el('td', {}, c.verdict),
        el('td', { class: 'mono' }, c.rule ? (c.rule.line > 0 ? `${c.rule.file.split('/').pop()}:${c.rule.line} ` : '') + c.rule.text : '')));
      out.replaceChildren(el('p', { id: 'dr-summary' }, `${r.noLongerAccepted.length} tracked connections would be cut, `
        + `${r.entriesRemoved.length} offloaded connections would lose their switch entries`
        + (r.warnings.length ? '; ' + r.warnings.join('; ') : '') + '. Nothing was changed.'),
      rows.length ? el('div', { class: 'table-wrap' }, el('table', { id: 'dr-cut' }, el('thead', {}, el('tr', {},
        ['connection', 'direction', 'verdict', 'rule'].map(h => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows))) : '');
    } catch (err) {
      out.replaceChildren(el('p', { class: 'error', id: 'dr-error' }, 'error: ' + err.message));
    }
  });
  return form;
}

export function show(main, signal, setStatus) {
  const text = el('pre', { id: 'policy-text' }, 'loading…');
  const hits = el('div', { id: 'policy-hits' }, 'loading…');
  const dry = el('div', { id: 'policy-dry-run' });
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
  const refresh = el('button', { type: 'button', id: 'hits-refresh' }, 'Refresh counters');
  const loadHits = () => get('/api/v1/policy/counters', signal).then(sets => hits.replaceChildren(...counters(sets)))
    .catch(e => { if (!signal.aborted) hits.textContent = 'error: ' + e.message; });
  refresh.addEventListener('click', loadHits);
  main.append(el('h1', {}, 'Policy'),
    el('h2', {}, 'Rules and their counters'),
    el('p', { class: 'legend' }, 'Packets and bytes each rule matched, as iptables -L -v: counted where the controller judged a packet. '
      + 'Packets of offloaded connections are forwarded by the switches and counted there, not here.', ' ', refresh),
    hits, el('h2', {}, 'Dry run a policy'), dry, el('h2', {}, 'Trace a packet'), form, out, el('h2', {}, 'Running policy'), text);
  loadHits();
  get('/api/v1/policy', signal).then(p => {
    text.textContent = p.text;
    dry.replaceChildren(dryRunForm(p.ruleSets, signal));
    setStatus('policy: ' + p.source);
  }).catch(e => { if (!signal.aborted) text.textContent = 'error: ' + e.message; });
}
