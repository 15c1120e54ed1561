// @ts-check
// Betrieb: for admins, how the platform's consumers of the event log are doing — dead letters and
// retries per consumer, and the dead letters themselves (events a projection could not apply and
// set aside so it could go on; docs/engineering.md, "Poison events"). Shown after an admin signed in
// (session.view.js); the query goes with the session, the API answers admins only.
import { describeError, gql, queries } from './api.js';
import { $ } from './dom.js';
import { escapeHtml } from './format.js';

/** @import { View } from './view.js' */
/** @import { Operations } from './api.js' */

const consumerNames = /** @type {Record<string, string>} */ ({ aggregator: 'Indikatoren', registry: 'Infrastruktur', controlling: 'Controlling', scenarios: 'Szenarien' });

/** @param {Operations['operations']} ops */
function table(ops) {
  const consumers = ops.consumers
    .map(
      (c) =>
        `<tr><td>${escapeHtml(consumerNames[c.groupId] ?? c.groupId)} <code>${escapeHtml(c.groupId)}</code></td><td class="num">${c.deadLettered}</td><td class="num">${c.retries}</td><td>${c.failing ? `<span class="error">${escapeHtml(c.failing)}</span>` : 'läuft'}</td></tr>`,
    )
    .join('');
  const letters = ops.deadLetters
    .map(
      (d) =>
        `<tr><td>${escapeHtml(new Date(d.deadAt).toLocaleString('de-DE'))}</td><td><code>${escapeHtml(d.groupId)}</code></td><td><code>${escapeHtml(d.topic)}/${d.partition}@${escapeHtml(d.offset)}</code></td><td><code>${escapeHtml(d.key)}</code></td><td>${escapeHtml(d.error)}</td></tr>`,
    )
    .join('');
  return `<table class="operations-table"><caption>Verbraucher seit dem Start</caption>
      <thead><tr><th scope="col">Projektion</th><th scope="col">zurückgestellt</th><th scope="col">Wiederholungen</th><th scope="col">Zustand</th></tr></thead>
      <tbody>${consumers}</tbody></table>
    <table class="operations-table"><caption>Zurückgestellte Ereignisse (${ops.deadLetterCount}, neueste zuerst)</caption>
      <thead><tr><th scope="col">zurückgestellt am</th><th scope="col">Projektion</th><th scope="col">Position</th><th scope="col">Schlüssel</th><th scope="col">Fehler</th></tr></thead>
      <tbody>${letters || '<tr><td colspan="5">keine</td></tr>'}</tbody></table>`;
}

async function load() {
  const out = $('operations-result');
  out.textContent = 'Lade …';
  try {
    const data = await gql(queries.operations, { limit: 100 });
    out.innerHTML = table(data.operations);
  } catch (e) {
    out.textContent = `Fehler: ${describeError(e)}`;
  }
}

/** @type {View} */
export const operationsView = {
  bind() {
    $('operations-form').addEventListener('submit', () => void load());
  },
};
