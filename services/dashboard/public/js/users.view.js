// @ts-check
// Benutzer: for admins of the embedded sign-in, the people who may sign in — list, create (the
// one-time password is shown once), disable and enable, a new one-time password, delete. It asks the
// provider's admin API (/auth/users, docs/auth.md) with the session; the API answers admins only and
// keeps the last admin who can sign in. With an external provider (Keycloak) the API is not there and
// the list says so.
import { usersApi as call } from './api.js';
import { $, $input, $select, closest } from './dom.js';
import { escapeHtml } from './format.js';

/** @import { View } from './view.js' */

/**
 * @typedef {{ username: string, name: string, role: string, amt?: string, tenant?: string, privileged?: boolean,
 *   mustChangePassword: boolean, disabled?: boolean, createdAt: string }} UserRow
 */

const roleNames = /** @type {Record<string, string>} */ ({ planner: 'Sozialplanung', amt: 'Amt', admin: 'Administration' });

/** @param {string} text @param {boolean} [isError] */
function say(text, isError = false) {
  const box = $('users-message');
  box.textContent = text;
  box.classList.toggle('error', isError);
}

/** @param {string} username @param {string} password */
function showPassword(username, password) {
  const box = $('users-message');
  box.classList.remove('error');
  box.innerHTML = `Einmalpasswort für <strong>${escapeHtml(username)}</strong>: <code id="users-password">${escapeHtml(password)}</code> — nur jetzt sichtbar; bitte sicher weitergeben. Bei der ersten Anmeldung wird ein neues Passwort verlangt.`;
}

/** @param {UserRow[]} users */
function table(users) {
  const rows = users
    .map((u) => {
      const state = u.disabled ? '<span class="error">deaktiviert</span>' : u.mustChangePassword ? 'Einmalpasswort offen' : 'aktiv';
      const user = escapeHtml(u.username);
      return `<tr data-user="${user}"><td><code>${user}</code></td><td>${escapeHtml(u.name)}</td><td>${escapeHtml(roleNames[u.role] ?? u.role)}${u.amt ? `, Amt ${escapeHtml(u.amt)}` : ''}${u.privileged ? ' (kleine Fallzahlen)' : ''}</td><td>${state}</td>
        <td><button type="button" class="button" data-action="${u.disabled ? 'enable' : 'disable'}" data-user="${user}">${u.disabled ? 'Aktivieren' : 'Deaktivieren'}</button>
        <button type="button" class="button" data-action="password" data-user="${user}">Neues Einmalpasswort</button>
        <button type="button" class="button" data-action="delete" data-user="${user}">Löschen</button></td></tr>`;
    })
    .join('');
  return `<table class="operations-table" id="users-table"><caption>Benutzer (${users.length})</caption>
    <thead><tr><th scope="col">Benutzername</th><th scope="col">Name</th><th scope="col">Rolle</th><th scope="col">Zustand</th><th scope="col">Aktionen</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

async function load() {
  const out = $('users-result');
  out.textContent = 'Lade …';
  try {
    const { users } = await call('GET', 'auth/users');
    out.innerHTML = table(users);
  } catch (e) {
    out.textContent = `Fehler: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function create() {
  const amt = $input('users-new-amt').value.trim();
  const body = {
    username: $input('users-new-username').value.trim(),
    name: $input('users-new-name').value.trim(),
    role: $select('users-new-role').value,
    ...(amt ? { amt } : {}),
    ...($input('users-new-privileged').checked ? { privileged: true } : {}),
  };
  try {
    const { user, oneTimePassword } = await call('POST', 'auth/users', body);
    /** @type {HTMLFormElement} */ ($('users-new')).reset();
    showPassword(user.username, oneTimePassword);
    await load();
  } catch (e) {
    say(`Nicht angelegt: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

/** @param {string} action @param {string} username */
async function act(action, username) {
  try {
    if (action === 'password') {
      const { oneTimePassword } = await call('POST', `auth/users/${encodeURIComponent(username)}/password`);
      showPassword(username, oneTimePassword);
    } else if (action === 'delete') {
      if (!confirm(`Benutzer ${username} endgültig löschen? Die Anmeldung endet sofort.`)) return;
      await call('DELETE', `auth/users/${encodeURIComponent(username)}`);
      say(`${username} gelöscht.`);
    } else {
      await call('PATCH', `auth/users/${encodeURIComponent(username)}`, { disabled: action === 'disable' });
      say(action === 'disable' ? `${username} deaktiviert: die Anmeldung endet sofort.` : `${username} wieder aktiviert.`);
    }
    await load();
  } catch (e) {
    say(`Nicht geändert: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

/** @type {View} */
export const usersView = {
  bind() {
    $('users-load').addEventListener('click', () => void load());
    $('users-new').addEventListener('submit', () => void create());
    $('users-result').addEventListener('click', (e) => {
      const button = closest(e, 'button[data-action]');
      if (button?.dataset.action && button.dataset.user) void act(button.dataset.action, button.dataset.user);
    });
  },
};
