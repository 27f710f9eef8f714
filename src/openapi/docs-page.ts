/**
 * GET /docs: interactive API docs, as `prefect server start` has at /docs. A small self-contained page
 * (no CDN, no static assets): it reads /api/openapi.json, lists the operations by tag, shows each
 * request body's JSON Schema, and sends a request from the browser ("Try it") with the page's own
 * credentials (add an Authorization header when the server requires one).
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prefect-edge API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:16px 24px;background:#1f2937;color:#fff}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;opacity:.8}main{padding:16px 24px;max-width:1100px}
input#q,input#auth{padding:6px 8px;border:1px solid #ccc;border-radius:4px;width:320px;margin:0 8px 12px 0}
h2{font-size:16px;margin:20px 0 6px;text-transform:capitalize}
details{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:4px 0}
summary{cursor:pointer;padding:6px 10px;font-family:ui-monospace,monospace}
.m{display:inline-block;width:64px;font-weight:700}.GET{color:#2563eb}.POST{color:#16a34a}
.PUT{color:#b45309}.PATCH{color:#7c3aed}.DELETE{color:#dc2626}
.body{padding:8px 12px;border-top:1px solid #eee}pre{background:#f3f4f6;padding:8px;overflow:auto;max-height:320px}
textarea{width:100%;min-height:90px;font-family:ui-monospace,monospace}button{margin-top:6px}
</style>
</head>
<body>
<header><h1>prefect-edge API</h1><p>Prefect's REST API on Cloudflare Workers &middot; <a style="color:#93c5fd" href="api/openapi.json">openapi.json</a></p></header>
<main>
<input id="q" placeholder="Filter operations, e.g. flow_runs/filter" autofocus>
<input id="auth" placeholder="Authorization header (optional)">
<div id="ops">Loading&hellip;</div>
</main>
<script>
const base = new URL('api', location.href.replace(/docs\\/?$/, '')).href;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
function render(doc, filter) {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const key = method.toUpperCase() + ' ' + path;
    if (filter && !key.toLowerCase().includes(filter.toLowerCase())) continue;
    (byTag[op.tags[0]] ??= []).push({ method: method.toUpperCase(), path, op });
  }
  const html = Object.keys(byTag).sort().map((tag) => '<h2>' + esc(tag.replace(/_/g, ' ')) + '</h2>' + byTag[tag].map(({ method, path, op }) => {
    const schema = op.requestBody?.content['application/json'].schema;
    return '<details data-method="' + method + '" data-path="' + esc(path) + '"><summary><span class="m ' + method + '">' + method + '</span>' + esc(path) + '</summary><div class="body">'
      + (op.parameters.length ? '<p>Path parameters: ' + op.parameters.map((p) => '<code>' + esc(p.name) + '</code>').join(', ') + '</p>' : '')
      + (schema ? '<p>Request body (JSON Schema):</p><pre>' + esc(JSON.stringify(schema, null, 2)) + '</pre>' : '')
      + '<p>Try it: path</p><input class="path" style="width:100%" value="' + esc(path) + '">'
      + (method === 'GET' || method === 'DELETE' ? '' : '<p>Body</p><textarea class="req">{}</textarea>')
      + '<br><button>Send</button><pre class="res" hidden></pre></div></details>';
  }).join('')).join('');
  document.getElementById('ops').innerHTML = html || '<p>No operation matches.</p>';
}
document.addEventListener('click', async (e) => {
  if (e.target.tagName !== 'BUTTON') return;
  const d = e.target.closest('details');
  const out = d.querySelector('.res');
  const headers = { 'content-type': 'application/json' };
  const auth = document.getElementById('auth').value.trim();
  if (auth) headers.authorization = auth;
  const body = d.querySelector('.req')?.value;
  out.hidden = false; out.textContent = '…';
  try {
    const res = await fetch(base + d.querySelector('.path').value, { method: d.dataset.method, headers, body });
    const text = await res.text();
    let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
    out.textContent = res.status + ' ' + res.statusText + '\\n\\n' + shown;
  } catch (err) { out.textContent = String(err); }
});
fetch(base + '/openapi.json', { headers: document.getElementById('auth').value ? { authorization: document.getElementById('auth').value } : {} })
  .then((r) => r.ok ? r.json() : Promise.reject(new Error(r.status + ' ' + r.statusText)))
  .then((doc) => { render(doc, ''); document.getElementById('q').addEventListener('input', (e) => render(doc, e.target.value)); })
  .catch((err) => { document.getElementById('ops').textContent = 'Could not load openapi.json: ' + err.message + ' (if the server requires credentials, this page needs them too)'; });
</script>
</body>
</html>
`;
