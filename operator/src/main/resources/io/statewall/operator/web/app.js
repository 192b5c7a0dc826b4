// The web view's shell: sign-in (the token once, kept in sessionStorage), the pages by URL fragment.
import { token, setToken, whenUnauthorized, get, ApiError } from './api.js';
import * as network from './network.js';
import * as verdicts from './verdicts.js';
import * as connections from './connections.js';
import * as policy from './policy.js';

const pages = { network, verdicts, connections, policy };
const main = document.getElementById('main');
const status = document.getElementById('status');
const dialog = document.getElementById('login');
let current = null;

function setStatus(s) { status.textContent = s; }

function route() {
  if (current) current.abort();
  current = new AbortController();
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1] || 'network';
  const page = pages[name] || network;
  for (const p of Object.keys(pages)) {
    const a = document.getElementById('nav-' + p);
    if (p === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  if (!token()) { signIn(); return; }
  page.show(main, current.signal, setStatus);
}

function signIn(message) {
  document.getElementById('login-error').textContent = message || '';
  if (!dialog.open) dialog.showModal();
  document.getElementById('token').focus();
}

document.getElementById('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const t = document.getElementById('token').value.trim();
  setToken(t);
  try {
    await get('/api/v1/switches');
    dialog.close();
    document.getElementById('token').value = '';
    route();
  } catch (e) {
    signIn(e instanceof ApiError ? e.message : String(e));
  }
});

whenUnauthorized(message => { if (current) current.abort(); signIn(message); });

// statewall ui --with-token gives the token in the fragment (#token=...): kept, then taken off the URL
const m = location.hash.match(/^#token=([^&]+)/);
if (m) {
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + '#/network');
}
window.addEventListener('hashchange', route);
route();
