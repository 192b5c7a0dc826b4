// The verdicts page: drops and rejects as they happen, newest first, with the deciding rule's
// file:line; filtered by address on the server (the stream is reopened with ?addr=).
import { live, el } from './api.js';

const MAX_ROWS = 500;

const ep = (a, p) => (a || '?') + (p === null || p === undefined ? '' : ':' + p);

function row(v) {
  const rule = v.rule;
  const where = rule ? (rule.line > 0 ? `${rule.file}:${rule.line}` : rule.text) : (v.reason || '');
  return el('tr', { class: 'verdict', 'data-src': v.src, 'data-dst': v.dst, 'data-dport': v.dport },
    el('td', {}, new Date(v.at).toLocaleTimeString()),
    el('td', { class: 'verdict-' + v.verdict }, v.verdict),
    el('td', {}, v.proto),
    el('td', { class: 'mono' }, ep(v.src, v.sport) + ' → ' + ep(v.dst, v.dport)),
    el('td', {}, v.state || ''),
    el('td', { class: 'mono rule', title: rule ? rule.ruleSet + ': ' + rule.text : '' }, where),
    el('td', { class: 'mono' }, rule ? rule.text : ''));
}

export function show(main, signal, setStatus) {
  const body = el('tbody', { id: 'verdict-rows' });
  let sub = null;
  const input = el('input', { id: 'verdict-addr', name: 'addr', type: 'text', inputmode: 'decimal', placeholder: '10.0.0.1', size: 20 });
  const open = () => {
    if (sub) sub.abort();
    sub = new AbortController();
    signal.addEventListener('abort', () => sub.abort(), { once: true });
    body.replaceChildren();
    const addr = input.value.trim();
    live('/api/v1/events/verdicts' + (addr ? '?addr=' + encodeURIComponent(addr) : ''), (name, v) => {
      const r = name === 'more' ? el('tr', { class: 'more' }, el('td', { colspan: 7 }, `${v.more} more not shown (over the rate)`)) : row(v);
      body.prepend(r);
      while (body.children.length > MAX_ROWS) body.lastChild.remove();
    }, sub.signal, st => setStatus('verdicts: ' + st));
  };
  const form = el('form', { class: 'filters', onsubmit: e => { e.preventDefault(); open(); } },
    el('label', { for: 'verdict-addr' }, 'Address (either end)', input),
    el('button', { type: 'submit', id: 'verdict-apply' }, 'Filter'));
  main.append(el('h1', {}, 'Verdicts'),
    el('p', { class: 'legend' }, 'Drops and rejects, newest first; at most 50 a second are sent, then a count of the rest.'),
    form, el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {},
      ['time', 'verdict', 'proto', 'packet', 'state', 'rule', 'text'].map(h => el('th', { scope: 'col' }, h)))), body)));
  open();
}
