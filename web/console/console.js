// turnroom's operator console: plain DOM, no framework. Every change is a
// POST with the session's CSRF token in X-CSRF-Token (the server also
// checks Origin). Text from the server goes in through textContent only.
'use strict';
let csrf = '';
let timer = null;
const hist = [];
const $ = (id) => document.getElementById(id);

async function post(path, fields) {
  const r = await fetch(path, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
    body: new URLSearchParams(fields || {}).toString(),
  });
  return { ok: r.ok, status: r.status, text: await r.text() };
}

function showApp(me) {
  csrf = me.csrf;
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = me.name + (me.realm ? ' [' + me.realm + ']' : '');
  tick();
  timer = setInterval(tick, 1000);
}

function showLogin() {
  clearInterval(timer);
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('who').textContent = '';
}

function card(k, v) {
  const d = document.createElement('div');
  d.className = 'card';
  const b = document.createElement('b');
  b.textContent = v;
  d.append(b, document.createTextNode(k));
  return d;
}

function draw() {
  const c = $('graph'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...hist.map((h) => Math.max(h.a, h.m)));
  [['a', '#36c'], ['m', '#3a3']].forEach(([k, color]) => {
    g.strokeStyle = color;
    g.beginPath();
    hist.forEach((h, i) => {
      const x = c.width - (hist.length - 1 - i) * (c.width / 600);
      const y = c.height - 4 - (h[k] / max) * (c.height - 8);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
  });
}

// The sum of every series of a metric (all label sets).
function total(m, name) {
  let t = 0;
  for (const [k, v] of Object.entries(m)) {
    if (k === name || k.startsWith(name + '{')) t += Number(v) || 0;
  }
  return t;
}

let last = null;
async function tick() {
  const [r, rm] = await Promise.all([
    fetch('/api/status', { credentials: 'same-origin' }),
    fetch('/api/metrics', { credentials: 'same-origin' }),
  ]);
  if (r.status === 401) return showLogin();
  if (!r.ok || !rm.ok) return;
  const s = await r.json();
  const m = await rm.json();
  const now = { t: Date.now(), b: total(m, 'turnroom_relayed_bytes_total'),
    p: total(m, 'turnroom_relayed_packets_total') };
  const dt = last ? Math.max(0.001, (now.t - last.t) / 1000) : 1;
  const rate = (k) => (last ? Math.max(0, Math.round((now[k] - last[k]) / dt)) : 0);
  last = now;
  const shown = [
    ['relayed bytes/s', rate('b')], ['relayed packets/s', rate('p')],
    ['auth failures', total(m, 'turnroom_auth_failures_total')],
    ['TLS handshakes failed', total(m, 'turnroom_tls_handshakes_failed_total')],
    ...Object.entries(s),
  ];
  $('cards').replaceChildren(...shown.map(([k, v]) => card(k, v)));
  hist.push({ a: Number(s.allocations) || 0, m: Number(s.room_members) || 0 });
  if (hist.length > 600) hist.shift();
  draw();
}

async function loadSessions() {
  const r = await fetch('/api/sessions', { credentials: 'same-origin' });
  const t = await r.text();
  const f = $('filter').value;
  $('sess').textContent = t.split('\n').filter((l) => !f || l.includes(f)).join('\n');
}

async function loadUsers() {
  const r = await fetch('/api/users', { credentials: 'same-origin' });
  if (!r.ok) { $('u-msg').textContent = await r.text(); return; }
  const u = await r.json();
  $('ulist').replaceChildren(...u.users.map((x) => {
    const tr = document.createElement('tr');
    const del = document.createElement('button');
    del.textContent = 'Delete';
    del.onclick = async () => {
      const res = await post('/api/user-delete', { name: x.name, realm: x.realm });
      $('u-msg').textContent = res.text;
      loadUsers();
    };
    [x.name, x.realm].forEach((v) => { const td = document.createElement('td'); td.textContent = v; tr.append(td); });
    const td = document.createElement('td'); td.append(del); tr.append(td);
    return tr;
  }));
  $('alist').replaceChildren(...u.admins.map((x) => {
    const li = document.createElement('li');
    li.textContent = x.name + (x.realm ? ' [' + x.realm + ']' : ' (every realm)');
    return li;
  }));
}

async function loadConfig() {
  const r = await fetch('/api/config', { credentials: 'same-origin' });
  if (!r.ok) { $('r-msg').textContent = await r.text(); return; }
  const rows = await r.json();
  const f = $('cfilter').value;
  $('clist').replaceChildren(...rows.filter((o) => !f || o.name.includes(f)).map((o) => {
    const tr = document.createElement('tr');
    [o.name, o.value, o.reload ? 'on reload' : 'restart'].forEach((v) => {
      const td = document.createElement('td'); td.textContent = v; tr.append(td);
    });
    return tr;
  }));
}

document.querySelectorAll('nav button').forEach((b) => {
  b.onclick = () => {
    document.querySelectorAll('nav button').forEach((o) => o.classList.toggle('on', o === b));
    document.querySelectorAll('#app section').forEach((s) => { s.hidden = s.id !== b.dataset.tab; });
    if (b.dataset.tab === 'sessions') loadSessions();
    if (b.dataset.tab === 'users') loadUsers();
    if (b.dataset.tab === 'config') loadConfig();
  };
});

$('login').onsubmit = async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await post('/api/login', { name: f.get('name'), password: f.get('password') });
  if (!r.ok) { $('login-msg').textContent = r.text; return; }
  e.target.reset();
  $('login-msg').textContent = '';
  showApp(JSON.parse(r.text));
};
$('logout').onclick = async () => { await post('/api/logout'); showLogin(); };
$('filter').oninput = loadSessions;
$('disc').onsubmit = async (e) => {
  e.preventDefault();
  const r = await post('/api/disconnect', { user: new FormData(e.target).get('user') });
  $('disc-msg').textContent = r.text;
  loadSessions();
};
$('uadd').onsubmit = async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await post('/api/user-add', Object.fromEntries(f));
  $('u-msg').textContent = r.text;
  if (r.ok) e.target.reset();
  loadUsers();
};
$('reload').onclick = async () => {
  $('r-msg').textContent = (await post('/api/reload')).text;
  loadConfig();
};
$('cfilter').oninput = loadConfig;

fetch('/api/me', { credentials: 'same-origin' }).then(async (r) => {
  if (r.ok) showApp(await r.json()); else showLogin();
});
