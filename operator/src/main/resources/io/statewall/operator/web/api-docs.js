// Swagger UI on this API's own document. The token is the web view's (this tab's sessionStorage,
// the same key), asked for here if the tab has none; every request Swagger UI makes carries it.
const KEY = 'statewall-token';

function start(token) {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger',
    deepLinking: true,
    // no request to the public validator: nothing leaves this origin
    validatorUrl: null,
    requestInterceptor: (req) => { req.headers.Authorization = 'Bearer ' + token; return req; },
    responseInterceptor: (res) => {
      if (res.status === 401 && res.url.endsWith('/api/v1/openapi.json')) {
        sessionStorage.removeItem(KEY);
        ask('that token was refused');
      }
      return res;
    },
  });
}

function ask(message) {
  const form = document.getElementById('login');
  form.hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('token').focus();
}

window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = document.getElementById('token').value.trim();
    sessionStorage.setItem(KEY, t);
    e.target.hidden = true;
    start(t);
  });
  const t = sessionStorage.getItem(KEY);
  if (t) start(t); else ask();
});
