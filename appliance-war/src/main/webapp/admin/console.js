// The console: plain JavaScript over the console JSON API (/api/v1/console), which authenticates by
// the session cookie. The CSRF token comes with the session and goes back on every state change.
'use strict';

const API = '/api/v1/console';
const PAGES = ['login', 'dashboard', 'users', 'audit'];
/** What a page loads when it is shown; pages.js adds its pages to PAGES and here. */
const LOADERS = {dashboard: () => loadDashboard(), users: () => search(), audit: () => loadAudit()};
const AUDIT_PAGE_SIZE = 50;
const VALIDATIONS_SHOWN = 10;
const COLOURS = ['#0b5cad', '#a4161a', '#2d7d2d', '#8a4baf', '#b86e00', '#00798c', '#5c6670', '#c2185b'];
let session = null;
let auditOffset = 0;
let currentUser = null;
let currentToken = null;

const $ = id => document.getElementById(id);

/** A console API call; a 401 means the session is gone, so the login page comes back. */
async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (session && method !== 'GET') headers['X-CSRF-Token'] = session.csrfToken;
  const r = await fetch(API + path, {method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 401 && path !== '/session') {
    session = null;
    show('login', 'Your session has ended. Please log in again.');
    throw new Error('not logged in');
  }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(problem(r.status, data));
  return data;
}

/** What an application/problem+json answer says, for the admin: its title and its detail. */
function problem(status, data) {
  if (!data || !(data.title || data.detail)) return 'HTTP ' + status;
  return [data.title, data.detail].filter(Boolean).join(': ');
}

function say(message) {
  $('status').textContent = message;
}

/**
 * Runs an action, and says what went wrong instead of failing silently: in {@code errorBox} (an
 * alert next to the controls) when given, else in the status line.
 */
async function attempt(action, errorBox) {
  if (errorBox) errorBox.textContent = '';
  try {
    await action();
  } catch (e) {
    if (e.message === 'not logged in') return;
    if (errorBox) errorBox.textContent = 'Failed: ' + e.message; else say('Failed: ' + e.message);
  }
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  row.appendChild(td);
  return td;
}

function button(label, onClick, className, errorBox) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener('click', () => attempt(onClick, errorBox));
  return b;
}

/**
 * A deletion's second step, in the page: the question and two buttons in {@code box}. Only
 * {@code yesLabel} runs {@code action}; Cancel takes the question away and gives the focus back.
 */
function askFirst(box, question, yesLabel, action, errorBox) {
  const opener = document.activeElement;
  const p = document.createElement('p');
  p.textContent = question;
  p.tabIndex = -1;
  const close = () => {
    box.hidden = true;
    box.replaceChildren();
  };
  box.replaceChildren(p, button(yesLabel, async () => {
    close();
    await action();
  }, 'danger', errorBox), button('Cancel', () => {
    close();
    if (opener) opener.focus();
  }, 'secondary'));
  box.hidden = false;
  p.focus();
}

function clear(tbody, colspan, emptyText) {
  tbody.replaceChildren();
  const row = tbody.insertRow();
  const td = cell(row, emptyText);
  td.colSpan = colspan;
  return row;
}

function when(instant) {
  return new Date(instant).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// ---- pages

function show(page, message) {
  const loggedIn = page !== 'login';
  $('nav').hidden = !loggedIn;
  for (const p of PAGES) $(p + '-page').hidden = p !== page;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === '#' + page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  say(message || '');
  if (page === 'login') {
    $('login-form').reset();
    $('login-username').focus();
  }
}

async function route() {
  const page = (location.hash || '#dashboard').substring(1);
  if (!session) {
    try {
      session = await call('GET', '/session');
    } catch (e) {
      session = null;
    }
  }
  if (!session) {
    show('login');
    return;
  }
  $('whoami').textContent = 'Logged in as ' + session.admin;
  const target = PAGES.includes(page) && page !== 'login' ? page : 'dashboard';
  show(target);
  // The new page starts at its top, and its heading takes the focus, so keyboard and screen reader users know the
  // page changed.
  window.scrollTo(0, 0);
  $(target + '-title').focus({preventScroll: true});
  await attempt(LOADERS[target]);
}

async function login(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const body = {username: $('login-username').value, password: $('login-password').value, code: $('login-code').value};
  const r = await fetch(API + '/session', {method: 'POST', headers: {'Content-Type': 'application/json'},
    credentials: 'same-origin', body: JSON.stringify(body)});
  $('login-password').value = '';
  $('login-code').value = '';
  if (!r.ok) {
    $('login-error').textContent = 'Login failed: the name, password or code is not right.';
    return;
  }
  session = await r.json();
  if (location.hash === '' || location.hash === '#login') location.hash = '#dashboard'; else await route();
}

async function logout() {
  await attempt(() => call('DELETE', '/session'));
  session = null;
  // No hashchange: routing would run again and clear the message.
  history.replaceState(null, '', '#login');
  show('login', 'You are logged out.');
}

// ---- dashboard

async function loadDashboard() {
  const d = await call('GET', '/dashboard?hours=' + encodeURIComponent($('dashboard-hours').value));
  $('data-store').textContent = d.dataStore;
  drawChart(d);
  const totals = new Map();
  for (const m of d.perMinute) {
    const key = m.entryPoint + ' ' + m.result;
    totals.set(key, (totals.get(key) || 0) + m.count);
  }
  const tbody = $('totals').tBodies[0];
  clear(tbody, 3, 'No validations in the period.');
  if (totals.size) tbody.replaceChildren();
  for (const [key, count] of [...totals.entries()].sort()) {
    const row = tbody.insertRow();
    const [entryPoint, result] = key.split(' ');
    cell(row, entryPoint);
    cell(row, result);
    cell(row, count);
  }
  const locked = $('locked').tBodies[0];
  clear(locked, 4, 'No token is locked.');
  if (d.lockedTokens.length) locked.replaceChildren();
  for (const t of d.lockedTokens) {
    const row = locked.insertRow();
    cell(row, t.serial);
    cell(row, t.user);
    cell(row, t.failCount);
    cell(row, '').appendChild(button('Unlock ' + t.serial, async () => {
      await call('POST', '/tokens/' + encodeURIComponent(t.serial) + '/unlock');
      say('Unlocked ' + t.serial + '.');
      await loadDashboard();
    }));
  }
  const failures = $('failures').tBodies[0];
  clear(failures, 6, 'No failed validations.');
  if (d.recentFailures.length) failures.replaceChildren();
  for (const e of d.recentFailures) {
    const row = failures.insertRow();
    [when(e.at), e.username, e.serial, e.reason, e.entryPoint, e.source].forEach(v => cell(row, v));
  }
}

/** One line per entry point and result, per minute over the period, drawn as SVG. */
function drawChart(d) {
  const NS = 'http://www.w3.org/2000/svg';
  // 16 units of text are 12 CSS px or more: the drawing is never narrower than 608 px (console.css).
  const W = 800, H = 240, L = 48, B = 28, T = 12, R = 10;
  const minutes = Math.max(1, Math.round((d.to - d.from) / 60000));
  const series = new Map();
  let max = 1;
  for (const m of d.perMinute) {
    const key = m.entryPoint + ' ' + m.result;
    if (!series.has(key)) series.set(key, new Map());
    series.get(key).set(m.minute, m.count);
    max = Math.max(max, m.count);
  }
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Validations per minute over the last ' + Math.round(minutes / 60)
    + ' hours; the table below gives the totals');
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  const x = t => L + (t - d.from) / (d.to - d.from) * (W - L - R);
  const y = v => H - B - v / max * (H - B - T);
  el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#5c6670'});
  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#5c6670'});
  el('text', {x: L - 4, y: T + 10, 'text-anchor': 'end', 'font-size': 16}, String(max));
  el('text', {x: L - 4, y: H - B, 'text-anchor': 'end', 'font-size': 16}, '0');
  el('text', {x: L, y: H - 6, 'font-size': 16}, when(d.from).substring(11, 16));
  el('text', {x: W - R, y: H - 6, 'text-anchor': 'end', 'font-size': 16}, 'now');
  const legend = document.createElement('ul');
  legend.className = 'legend';
  let i = 0;
  const first = Math.floor(d.from / 60000) * 60000;
  for (const [key, counts] of [...series.entries()].sort()) {
    const colour = COLOURS[i++ % COLOURS.length];
    const points = [];
    for (let t = first; t <= d.to; t += 60000) points.push(x(Math.max(t, d.from)) + ',' + y(counts.get(t) || 0));
    el('polyline', {points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2});
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour;
    li.append(swatch, key);
    legend.appendChild(li);
  }
  $('chart').replaceChildren(svg, legend);
}

// ---- users and tokens

async function search(event) {
  if (event) event.preventDefault();
  const names = await call('GET', '/users?limit=100&search=' + encodeURIComponent($('search-text').value));
  const list = $('user-list');
  list.replaceChildren();
  for (const name of names) {
    const li = document.createElement('li');
    li.appendChild(button(name, () => openUser(name)));
    list.appendChild(li);
  }
  if (!names.length) {
    const li = document.createElement('li');
    li.textContent = 'No user found.';
    list.appendChild(li);
  }
}

async function createUser(event) {
  event.preventDefault();
  await attempt(async () => {
    const name = $('new-username').value;
    await call('POST', '/users', {username: name});
    $('new-username').value = '';
    say('Created user ' + name + '.');
    await openUser(name);
  });
}

/** Shows a user and their tokens; {@code serial}, when given, is the token open below the table. */
async function openUser(name, serial) {
  const u = await call('GET', '/users/' + encodeURIComponent(name));
  if (currentUser !== u.username) $('delete-user-confirm').hidden = true;
  currentUser = u.username;
  $('user-detail').hidden = false;
  $('user-title').textContent = 'User ' + u.username;
  const tbody = $('tokens').tBodies[0];
  clear(tbody, 8, 'No token yet.');
  if (u.tokens.length) tbody.replaceChildren();
  for (const t of u.tokens) {
    const row = tbody.insertRow();
    row.id = 'token-' + t.serial;
    [t.serial, t.type, t.publicId || t.destination, !t.enabled ? 'disabled' : t.locked ? 'locked' : 'active', t.pinSet ? 'set' : 'none',
      t.failCount, t.description].forEach(v => cell(row, v));
    const actions = cell(row, '');
    const act = (verb) => async () => {
      await call('POST', '/tokens/' + encodeURIComponent(t.serial) + '/' + verb);
      say(t.serial + ': ' + verb + ' done.');
      await openUser(u.username, currentToken && currentToken.serial);
    };
    // Short labels keep the column narrow; a screen reader hears the serial too ("Manage TOTP1234").
    const action = (label, onClick) => {
      const b = button(label, onClick, 'secondary', $('user-error'));
      b.setAttribute('aria-label', label + ' ' + t.serial);
      return b;
    };
    actions.appendChild(action(t.enabled ? 'Disable' : 'Enable', act(t.enabled ? 'disable' : 'enable')));
    if (t.locked || t.failCount > 0) actions.appendChild(action('Unlock', act('unlock')));
    actions.appendChild(action('Manage', async () => {
      await showToken(t);
      $('token-title').focus();
    }));
  }
  const open = u.tokens.find(t => t.serial === serial);
  if (open) await showToken(open); else closeToken();
}

async function deleteUser() {
  if (!currentUser) return;
  const name = currentUser;
  askFirst($('delete-user-confirm'), 'Delete user ' + name + ' and all their tokens? This cannot be undone.',
    'Yes, delete user ' + name, async () => {
      await call('DELETE', '/users/' + encodeURIComponent(name));
      say('Deleted user ' + name + '.');
      currentUser = null;
      closeToken();
      $('user-detail').hidden = true;
      hideEnrolled();
      await search();
    }, $('user-error'));
}

/** Shows the enrollment fields of the chosen type; the others are disabled, so they are neither checked nor sent. */
function enrollType() {
  const type = $('enroll-type').value;
  for (const group of document.querySelectorAll('#enroll-form .group')) {
    const shown = group.dataset.types.split(' ').includes(type);
    group.hidden = !shown;
    group.disabled = !shown;
  }
}

async function enroll(event) {
  event.preventDefault();
  await attempt(async () => {
    const body = {user: currentUser};
    for (const field of $('enroll-form').elements) {
      if (!field.name || field.matches(':disabled') || !field.value) continue;
      body[field.name] = field.name === 'digits' ? Number(field.value) : field.value;
    }
    const t = await call('POST', '/tokens', body);
    // The YubiKey's AES key and the PIN leave the form; the type stays for the next one.
    $('enroll-form').reset();
    $('enroll-type').value = body.type;
    enrollType();
    if (t.otpauthUri) {
      $('enrolled-serial').textContent = t.serial;
      $('enrolled-qr').src = 'data:image/png;base64,' + t.qrPng;
      $('enrolled-uri').value = t.otpauthUri;
      $('enrolled').hidden = false;
    } else {
      hideEnrolled();
    }
    say('Enrolled ' + t.serial + (t.destination ? ', codes go to ' + t.destination : '') + '.');
    await openUser(currentUser);
    if (t.otpauthUri) $('enrolled-uri').focus();
  }, $('enroll-error'));
}

/** The seed leaves the page as soon as the admin is done with it. */
function hideEnrolled() {
  $('enrolled').hidden = true;
  $('enrolled-qr').removeAttribute('src');
  $('enrolled-uri').value = '';
  $('enrolled-serial').textContent = '';
}

// ---- one token: PIN, resynchronisation, recent validations, deletion

async function showToken(t) {
  if (!currentToken || currentToken.serial !== t.serial) {
    $('pin-form').reset();
    $('resync-form').reset();
    $('delete-token-confirm').hidden = true;
    $('token-error').textContent = '';
  }
  currentToken = t;
  $('token-detail').hidden = false;
  $('token-title').textContent = 'Token ' + t.serial + ' (' + t.type + ', PIN ' + (t.pinSet ? 'set' : 'not set') + ')';
  $('pin-remove').hidden = !t.pinSet;
  $('resync-form').hidden = t.type !== 'totp' && t.type !== 'hotp';
  const events = await call('GET', '/audit?action=VALIDATE&limit=' + VALIDATIONS_SHOWN + '&serial=' + encodeURIComponent(t.serial));
  const tbody = $('token-validations').tBodies[0];
  clear(tbody, 5, 'No validation yet.');
  if (events.length) tbody.replaceChildren();
  for (const e of events) {
    const row = tbody.insertRow();
    [when(e.at), e.result, e.reason, e.entryPoint, e.source].forEach(v => cell(row, v));
  }
}

function closeToken() {
  currentToken = null;
  $('token-detail').hidden = true;
  $('delete-token-confirm').hidden = true;
  $('pin-form').reset();
  $('resync-form').reset();
}

/** A change to the open token, then the user's view again with the token still open. */
async function changeToken(method, verb, body, done) {
  const serial = currentToken.serial;
  await call(method, '/tokens/' + encodeURIComponent(serial) + '/' + verb, body);
  say(serial + ': ' + done + '.');
  await openUser(currentUser, serial);
}

async function setPin(event) {
  event.preventDefault();
  await attempt(async () => {
    const pin = $('pin-value').value;
    $('pin-value').value = '';
    await changeToken('PUT', 'pin', {pin}, 'PIN set');
  }, $('token-error'));
}

async function resync(event) {
  event.preventDefault();
  await attempt(async () => {
    await changeToken('POST', 'resync', {code1: $('resync-code1').value, code2: $('resync-code2').value}, 'resynchronised');
    $('resync-form').reset();
  }, $('token-error'));
}

function deleteToken() {
  const serial = currentToken.serial;
  askFirst($('delete-token-confirm'), 'Delete token ' + serial + ' of ' + currentUser + '? It will accept no code again.',
    'Yes, delete token ' + serial, async () => {
      await call('DELETE', '/tokens/' + encodeURIComponent(serial));
      say('Deleted ' + serial + '.');
      await openUser(currentUser);
      $('user-title').focus();
    }, $('token-error'));
}

// ---- audit

function auditQuery() {
  const params = new URLSearchParams();
  for (const field of $('audit-form').elements) {
    if (!field.name || !field.value) continue;
    // datetime-local has no zone: the form says UTC.
    params.set(field.name, field.type === 'datetime-local' ? new Date(field.value + 'Z').toISOString() : field.value);
  }
  return params;
}

async function loadAudit() {
  const params = auditQuery();
  $('audit-csv').href = API + '/audit.csv?' + params;
  params.set('offset', auditOffset);
  params.set('limit', AUDIT_PAGE_SIZE);
  const events = await call('GET', '/audit?' + params);
  const tbody = $('audit-table').tBodies[0];
  clear(tbody, 9, 'Nothing matches.');
  if (events.length) tbody.replaceChildren();
  for (const e of events) {
    const row = tbody.insertRow();
    [when(e.at), e.actor, e.action, e.username, e.serial, e.result, e.reason, e.entryPoint, e.source].forEach(v => cell(row, v));
  }
  $('audit-page-number').textContent = 'Page ' + (auditOffset / AUDIT_PAGE_SIZE + 1);
  $('audit-prev').disabled = auditOffset === 0;
  $('audit-next').disabled = events.length < AUDIT_PAGE_SIZE;
}

// ---- wiring

document.addEventListener('DOMContentLoaded', () => {
  // The skip link moves the focus only: as a plain #main link it would change the hash, and so the page.
  document.querySelector('.skip').addEventListener('click', e => { e.preventDefault(); $('main').focus(); });
  $('login-form').addEventListener('submit', e => attempt(() => login(e)));
  $('logout').addEventListener('click', logout);
  $('dashboard-form').addEventListener('submit', e => { e.preventDefault(); attempt(loadDashboard); });
  $('search-form').addEventListener('submit', e => attempt(() => search(e)));
  $('create-user-form').addEventListener('submit', createUser);
  $('delete-user').addEventListener('click', () => attempt(deleteUser, $('user-error')));
  $('enroll-type').addEventListener('change', enrollType);
  $('enroll-form').addEventListener('submit', enroll);
  $('pin-form').addEventListener('submit', setPin);
  $('pin-remove').addEventListener('click', () => attempt(() => changeToken('PUT', 'pin', {pin: null}, 'PIN removed'), $('token-error')));
  $('resync-form').addEventListener('submit', resync);
  $('delete-token').addEventListener('click', () => attempt(deleteToken, $('token-error')));
  $('token-close').addEventListener('click', closeToken);
  $('enrolled-done').addEventListener('click', hideEnrolled);
  $('audit-form').addEventListener('submit', e => { e.preventDefault(); auditOffset = 0; attempt(loadAudit); });
  $('audit-prev').addEventListener('click', () => { auditOffset = Math.max(0, auditOffset - AUDIT_PAGE_SIZE); attempt(loadAudit); });
  $('audit-next').addEventListener('click', () => { auditOffset += AUDIT_PAGE_SIZE; attempt(loadAudit); });
  window.addEventListener('hashchange', route);
  enrollType();
  route();
});
