// @ts-check
// Anmeldung: who is signed in (GET /session/me of the platform's session routes, docs/auth.md) and
// the sign-in / sign-out controls in the header. The browser never sees a token: the session is an
// HttpOnly cookie, and the platform hands the person's access token on to the GraphQL API, so every
// query of the page is asked with the signed-in person's rights. Parts of the page marked
// `data-requires-role="admin planner …"` are shown only to those roles (the API refuses the others
// anyway; hiding only spares them a form they cannot use).
import { whoAmI } from './api.js';
import { tenantUrl } from './base.js';
import { $ } from './dom.js';
import { escapeHtml } from './format.js';
import { signInWithSession } from './identity.js';

/** @import { View } from './view.js' */

/** @import { Me } from './api.js' */

/** what each role lets the person see, in the users' words */
const roleLabels = /** @type {Record<string, { label: string, sees: string }>} */ ({
  public: { label: 'Öffentlichkeit', sees: 'veröffentlichte Indikatoren, geschützte Werte verrauscht' },
  planner: { label: 'Sozialplanung', sees: 'alle Indikatoren und Entwürfe' },
  amt: { label: 'Amt', sees: 'veröffentlichte Indikatoren und die des eigenen Amts' },
  admin: { label: 'Administration', sees: 'alle Indikatoren, Betrieb und Benutzer' },
});

/** @type {Me} */
export const me = { signedIn: false, role: 'public' };

function showForRole() {
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-requires-role]'))) {
    el.hidden = !(el.dataset.requiresRole ?? '').split(/\s+/).includes(me.role);
  }
  document.body.dataset.role = me.role;
}

function draw() {
  const box = $('session');
  const role = roleLabels[me.role] ?? { label: me.role, sees: '' };
  if (!me.signedIn) {
    const back = encodeURIComponent(`${location.pathname}${location.hash}`);
    box.innerHTML = `<a id="session-login" class="session-button" href="${tenantUrl('session/login')}?returnTo=${back}">Anmelden</a>`;
    return;
  }
  const amt = me.role === 'amt' && me.amt ? `, Amt ${escapeHtml(me.amt)}` : '';
  box.innerHTML = `<span id="session-who" class="session-who" title="Sie sehen: ${escapeHtml(role.sees)}">Angemeldet: <strong>${escapeHtml(me.name ?? '')}</strong> <span class="badge badge-info" id="session-role">${escapeHtml(role.label)}${amt}</span></span>
    <form method="post" action="${tenantUrl('session/logout')}" class="session-logout"><button id="session-logout" type="submit" class="session-button">Abmelden</button></form>`;
}

/** @type {View} */
export const sessionView = {
  bind() {
    showForRole();
    void whoAmI().then((who) => {
      Object.assign(me, who);
      draw();
      showForRole();
      // the Planungswerkstatt works in the signed-in person's name
      if (me.signedIn) signInWithSession(me);
    });
  },
};
