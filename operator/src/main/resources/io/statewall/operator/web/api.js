// The API as the page talks to it: the token from sessionStorage as a bearer token on every request,
// and server-sent events read with fetch (EventSource cannot send an Authorization header).
const KEY = 'statewall-token';

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export function token() { return sessionStorage.getItem(KEY); }
export function setToken(t) { sessionStorage.setItem(KEY, t); }
export function forgetToken() { sessionStorage.removeItem(KEY); }

let onUnauthorized = () => {};
export function whenUnauthorized(f) { onUnauthorized = f; }

async function check(r) {
  if (r.ok) return r;
  let message = r.statusText;
  try { message = (await r.json()).error || message; } catch (e) { /* not JSON */ }
  if (r.status === 401) { forgetToken(); onUnauthorized(message); }
  throw new ApiError(r.status, message);
}

function headers(extra) {
  return Object.assign({ Authorization: 'Bearer ' + (token() || '') }, extra);
}

export async function get(path, signal) {
  const r = await check(await fetch(path, { headers: headers({ Accept: 'application/json' }), cache: 'no-store', signal }));
  return r.json();
}

export async function del(path) {
  const r = await check(await fetch(path, { method: 'DELETE', headers: headers({ Accept: 'application/json' }) }));
  return r.json();
}

export async function put(path, body) {
  const r = await check(await fetch(path, { method: 'PUT', headers: headers({ Accept: 'application/json',
    'Content-Type': 'application/json' }), body: JSON.stringify(body) }));
  return r.json();
}

/** Reads a stream of server-sent events until aborted, calling onEvent(name, data) for each. */
export async function stream(path, onEvent, signal) {
  const r = await check(await fetch(path, {
    headers: headers({ Accept: 'text/event-stream' }), cache: 'no-store', signal,
  }));
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

/** A stream kept open: reconnects after an error (1 s, then up to 10 s), until the signal aborts. */
export function live(path, onEvent, signal, onState) {
  let wait = 1000;
  (async () => {
    while (!signal.aborted) {
      try {
        onState('live');
        await stream(path, (n, d) => { wait = 1000; onEvent(n, d); }, signal);
        onState('reconnecting');
      } catch (e) {
        if (signal.aborted) return;
        onState(e.status === 401 ? 'signed out' : 'reconnecting: ' + e.message);
        if (e.status === 401) return;
      }
      await new Promise(res => setTimeout(res, wait));
      wait = Math.min(wait * 2, 10000);
    }
  })();
}

/** An element with attributes and children (strings become text: nothing is parsed as HTML). */
export function el(tag, attrs = {}, ...children) {
  const svg = ['svg', 'g', 'rect', 'circle', 'line', 'text', 'title'].includes(tag);
  const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}
