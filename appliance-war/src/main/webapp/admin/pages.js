// The console's import, RADIUS clients, API clients and admin accounts pages. Loaded after console.js,
// whose helpers ($, call, attempt, say, cell, button, clear, when, show) and session it uses.
'use strict';

/** Report rows drawn for every item up to this many; past it, only the items that were not imported. */
const REPORT_ROWS_ALL = 1000;
const IMPORT_TYPES = {'pskc': 'application/pskc+xml', 'oath-csv': 'text/csv', 'yubikey-csv': 'text/csv'};

PAGES.push('import', 'radius', 'clients', 'admins');
Object.assign(LOADERS, {
  import: async () => { },
  radius: () => loadRadiusClients(),
  clients: () => loadApiClients(),
  admins: () => loadAdmins()
});

/** Fills a table from a list, or says it is empty; {@code fill} adds one item's cells to its row. */
function fillTable(id, items, columns, emptyText, fill) {
  const tbody = $(id).tBodies[0];
  clear(tbody, columns, emptyText);
  if (items.length) tbody.replaceChildren();
  for (const item of items) fill(tbody.insertRow(), item);
}

/** A "Delete NAME" button that asks first, calls DELETE, says so and reloads the page's list. */
function deleteButton(name, question, path, reload) {
  return button('Delete ' + name, async () => {
    if (!confirm(question)) return;
    await call('DELETE', path + '/' + encodeURIComponent(name));
    say('Deleted ' + name + '.');
    await reload();
  }, 'danger');
}

/** Shows a one-time secret box with these values (element id to text); its Done button calls hideOnce. */
function showOnce(boxId, values) {
  for (const [id, value] of Object.entries(values)) {
    const e = $(id);
    if (e.tagName === 'INPUT') e.value = value; else e.textContent = value;
  }
  $(boxId).hidden = false;
}

function hideOnce(boxId) {
  const box = $(boxId);
  for (const input of box.querySelectorAll('input')) input.value = '';
  for (const strong of box.querySelectorAll('strong')) strong.textContent = '';
  box.hidden = true;
}

/** On submit, runs {@code action}; when it succeeds, resets the form and says what it answered. */
function onSubmit(formId, action) {
  $(formId).addEventListener('submit', event => {
    event.preventDefault();
    attempt(async () => {
      const message = await action();
      $(formId).reset();
      say(message);
    });
  });
}

// ---- import

function guessFormat() {
  const file = $('import-file').files[0];
  if (!file) return;
  const name = file.name.toLowerCase();
  if (name.endsWith('.xml') || name.endsWith('.pskc')) $('import-format').value = 'pskc';
  else if (name.endsWith('.csv') && $('import-format').value === 'pskc') $('import-format').value = 'oath-csv';
  protectionChanged();
}

function protectionChanged() {
  const pskc = $('import-format').value === 'pskc';
  $('import-protection').disabled = !pskc;
  $('import-secret').disabled = !pskc || $('import-protection').value === 'none';
}

/** A header value: as is when plain ASCII, else RFC 8187 (UTF-8, percent-encoded), as the import endpoint reads it. */
function headerValue(text) {
  return /^[\x20-\x7e]*$/.test(text) ? text : "UTF-8''" + encodeURIComponent(text);
}

/** Shows the phase and how far it is; a null value shows a bar that only says "busy". */
function importProgress(phase, value, max, text) {
  $('import-progress-box').hidden = false;
  $('import-phase').textContent = phase;
  const bar = $('import-progress');
  bar.max = max;
  if (value === null) bar.removeAttribute('value'); else bar.value = value;
  $('import-progress-text').textContent = text;
}

/**
 * Uploads the file with XMLHttpRequest (for its upload progress), then reads the answer's JSON lines as they come:
 * counts of checked items, then the report or a problem.
 */
function runImport(event) {
  event.preventDefault();
  const file = $('import-file').files[0];
  const format = $('import-format').value;
  const params = new URLSearchParams({format, dryRun: $('import-dry-run').checked, replace: $('import-replace').checked});
  const xhr = new XMLHttpRequest();
  xhr.open('POST', API + '/import?' + params);
  xhr.setRequestHeader('Content-Type', IMPORT_TYPES[format]);
  xhr.setRequestHeader('X-CSRF-Token', session.csrfToken);
  // A user list goes first in the body, its length in a header: the appliance reads it, then streams the file.
  const users = $('import-users').files[0];
  if (users) xhr.setRequestHeader('X-Assign-Users-Length', users.size);
  const secret = $('import-secret').value;
  if (format === 'pskc' && secret && $('import-protection').value !== 'none') {
    xhr.setRequestHeader($('import-protection').value === 'key' ? 'X-Import-Key' : 'X-Import-Password', headerValue(secret));
  }
  $('import-secret').value = '';
  $('import-summary').textContent = '';
  $('import-summary').className = '';
  $('import-report').hidden = true;
  $('import-form').querySelector('button').disabled = true;
  let read = 0;
  let last = null;
  const lines = () => {
    const text = xhr.responseText;
    let end;
    while (xhr.status === 200 && (end = text.indexOf('\n', read)) >= 0) {
      last = JSON.parse(text.substring(read, end));
      read = end + 1;
      if (last.items !== undefined) {
        importProgress('Checking and writing', last.checked, Math.max(1, last.items),
          last.checked + ' of ' + last.items + ' items');
      }
    }
  };
  xhr.upload.onprogress = e => {
    if (e.lengthComputable) importProgress('Uploading', e.loaded, e.total, Math.round(100 * e.loaded / e.total) + ' %');
  };
  xhr.upload.onload = () => importProgress('Reading the file', null, 1, '');
  xhr.onprogress = lines;
  xhr.onloadend = () => {
    $('import-form').querySelector('button').disabled = false;
    if (xhr.status === 401) {
      session = null;
      show('login', 'Your session has ended. Please log in again.');
      return;
    }
    if (xhr.status !== 200) {
      let detail = 'the appliance did not answer';
      try {
        const p = JSON.parse(xhr.responseText);
        detail = p.detail || p.title;
      } catch (e) {
        if (xhr.status) detail = 'HTTP ' + xhr.status;
      }
      importFailed(detail);
      return;
    }
    lines();
    if (last && last.report) showReport(last.report, last.warnings);
    else importFailed(last && last.problem ? last.problem.detail || last.problem.title : 'the answer ended early');
  };
  importProgress('Uploading', 0, Math.max(1, file.size), '0 %');
  xhr.send(users ? new Blob([users, file]) : file);
}

function importFailed(detail) {
  $('import-progress-box').hidden = true;
  $('import-summary').className = 'error';
  $('import-summary').textContent = 'Import failed, nothing was imported: ' + detail;
  say('Import failed.');
}

function showReport(r, warnings) {
  $('import-progress-box').hidden = true;
  $('import-summary').textContent = (r.dryRun ? 'Dry run, nothing written. Would be: ' : 'Done: ') + r.imported + ' imported, '
    + r.replaced + ' replaced, ' + r.skipped + ' skipped (serial exists), ' + r.failed + ' failed.'
    + (warnings && warnings.length ? ' User list: ' + warnings.join('; ') + '.' : '');
  say(r.dryRun ? 'Dry run done.' : 'Import done.');
  const all = r.results.length <= REPORT_ROWS_ALL;
  const shown = r.results.map((item, i) => ({...item, n: i + 1}))
    .filter(item => all || item.status === 'failed' || item.status === 'skipped');
  fillTable('import-report', shown, 5, 'The file held no token.', (row, item) => {
    [item.n, item.serial, item.position, item.status, item.reason].forEach(v => cell(row, v));
    if (item.status === 'failed') row.className = 'failed';
  });
  if (!all) {
    $('import-summary').textContent += ' The table lists the ' + shown.length + ' items that were not imported or replaced.';
  }
  $('import-report').hidden = false;
}

// ---- RADIUS clients

async function loadRadiusClients() {
  fillTable('radius-table', await call('GET', '/radius-clients'), 5, 'No RADIUS client yet.', (row, c) => {
    [c.name, c.address, c.requireMessageAuthenticator ? 'yes' : 'no', when(c.createdAt)].forEach(v => cell(row, v));
    cell(row, '').appendChild(deleteButton(c.name, 'Delete RADIUS client ' + c.name + '? Its requests will be dropped.',
      '/radius-clients', loadRadiusClients));
  });
}

async function createRadiusClient() {
  const r = await call('POST', '/radius-clients', {name: $('radius-name').value, address: $('radius-address').value,
    secret: $('radius-secret').value, requireMessageAuthenticator: $('radius-require-ma').checked});
  if (r.secret) showOnce('radius-created', {'radius-created-name': r.client.name, 'radius-created-secret': r.secret});
  await loadRadiusClients();
  if (r.secret) $('radius-created-secret').focus();
  return 'Added RADIUS client ' + r.client.name + '.';
}

// ---- API clients

async function loadApiClients() {
  fillTable('clients-table', await call('GET', '/api-clients'), 5, 'No API client.', (row, c) => {
    [c.name, c.role, c.yubicoId, when(c.createdAt)].forEach(v => cell(row, v));
    cell(row, '').appendChild(deleteButton(c.name, 'Delete API client ' + c.name + '? Its key will be refused at once.',
      '/api-clients', loadApiClients));
  });
}

async function createApiClient() {
  const body = {name: $('clients-name').value, role: $('clients-role').value};
  if (body.role === 'yubico') body.requireSignature = $('clients-require-signature').checked;
  const c = await call('POST', '/api-clients', body);
  showOnce('clients-created', {'clients-created-name': c.name, 'clients-created-id': c.yubicoId || '',
    'clients-created-key': c.apiKey || c.yubicoKey});
  $('clients-created-yubico').hidden = !c.yubicoId;
  await loadApiClients();
  $('clients-created-key').focus();
  return 'Created API client ' + c.name + '.';
}

// ---- admin accounts

async function loadAdmins() {
  const admins = await call('GET', '/admins');
  const names = $('admins-password-name');
  names.replaceChildren(...admins.map(a => new Option(a.username === session.admin ? a.username + ' (you)' : a.username,
    a.username)));
  passwordTargetChanged();
  fillTable('admins-table', admins, 4, 'No admin account.', (row, a) => {
    [a.username, a.user, when(a.createdAt)].forEach(v => cell(row, v));
    const actions = cell(row, a.username === session.admin ? 'you' : '');
    if (a.username !== session.admin) {
      actions.appendChild(deleteButton(a.username, 'Delete admin account ' + a.username + '? Their console sessions end.',
        '/admins', loadAdmins));
    }
  });
}

async function createAdmin() {
  const a = await call('POST', '/admins', {username: $('admins-name').value, password: $('admins-password').value,
    user: $('admins-user').value});
  await loadAdmins();
  return 'Created admin account ' + a.username + ' (second factor: the tokens of ' + a.user + ').';
}

/** One's own password needs the current one too. */
function passwordTargetChanged() {
  const own = $('admins-password-name').value === session.admin;
  $('admins-password-own').hidden = !own;
  $('admins-password-current').required = own;
}

async function setAdminPassword() {
  const name = $('admins-password-name').value;
  const body = {password: $('admins-password-new').value};
  if (name === session.admin) body.currentPassword = $('admins-password-current').value;
  await call('PUT', '/admins/' + encodeURIComponent(name) + '/password', body);
  return name === session.admin ? 'Your password is changed; your other console sessions have ended.'
    : 'Set the password of ' + name + '; their console sessions have ended.';
}

// ---- wiring

document.addEventListener('DOMContentLoaded', () => {
  $('import-form').addEventListener('submit', runImport);
  $('import-file').addEventListener('change', guessFormat);
  $('import-format').addEventListener('change', protectionChanged);
  $('import-protection').addEventListener('change', protectionChanged);
  onSubmit('radius-form', createRadiusClient);
  onSubmit('clients-form', createApiClient);
  onSubmit('admins-form', createAdmin);
  onSubmit('admins-password-form', setAdminPassword);
  $('admins-password-name').addEventListener('change', passwordTargetChanged);
  $('admins-password-form').addEventListener('reset', () => setTimeout(passwordTargetChanged)); // after the reset
  $('radius-created-done').addEventListener('click', () => hideOnce('radius-created'));
  $('clients-created-done').addEventListener('click', () => hideOnce('clients-created'));
});
