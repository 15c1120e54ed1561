// @ts-check
// Tabellenansicht: the current map as a real table (caption, column headers, one row header per
// area holding a button that selects it), sortable by name, number or value; with facilities shown,
// a second table lists them.
import { $, closest } from './dom.js';
import { syncControls } from './controls.view.js';
import { escapeHtml, formatNumber, levelLabel, offerKindLabel, offerTypeLabels, periodLabel, targetGroupLabels } from './format.js';
import { coarseLevel, current, state } from './state.js';

/** @import { Area, Row } from './state.js' */
/** @import { View } from './view.js' */

/** Table order: by name, code or value; the header buttons switch it (aria-sort tells the direction). */
const tableSort = { key: 'code', dir: 1 };

function sortedAreas() {
  /** @param {Area} a */
  const val = (a) => {
    const r = current.rows.get(a.code);
    return r?.status === 'value' && r.value != null ? r.value : null;
  };
  /** @type {Record<string, (a: Area, b: Area) => number>} */
  const comparators = {
    name: (a, b) => a.name.localeCompare(b.name, 'de'),
    code: (a, b) => a.code.localeCompare(b.code, 'de', { numeric: true }),
    // areas without a value stay at the end in either direction
    value: (a, b) => {
      const va = val(a);
      const vb = val(b);
      return va == null ? (vb == null ? 0 : 1) : vb == null ? -1 : tableSort.dir * (va - vb);
    },
  };
  const list = [...current.areas].sort(comparators[tableSort.key]);
  return tableSort.key === 'value' || tableSort.dir === 1 ? list : list.reverse();
}

/**
 * @param {string} key
 * @param {string} label
 * @param {string} [cls]
 */
function sortHeader(key, label, cls = '') {
  const active = tableSort.key === key;
  const aria = active ? ` aria-sort="${tableSort.dir === 1 ? 'ascending' : 'descending'}"` : '';
  const arrow = active ? (tableSort.dir === 1 ? ' ▲' : ' ▼') : '';
  return `<th scope="col"${cls ? ` class="${cls}"` : ''}${aria}><button type="button" class="sort" data-sort="${key}">${escapeHtml(label)}<span aria-hidden="true">${arrow}</span></button></th>`;
}

/** @param {Row | undefined} r */
function describeRowShort(r) {
  if (!r || r.status === 'missing') return 'keine Daten';
  if (r.status === 'suppressed') return 'geschützt';
  if (r.status === 'unscored') return 'nicht bewertet';
  return r.text;
}

function drawTable() {
  const el = $('table-view');
  const level = String(current.level);
  const rows = sortedAreas()
    .map((a) => {
      const r = current.rows.get(a.code);
      const sel = a.code === state.selected;
      const colour = r?.status === 'suppressed' ? null : current.colourOf(r);
      const chip = colour
        ? `<span class="chip" style="background:${colour}" aria-hidden="true"></span>`
        : `<span class="chip" aria-hidden="true" style="background:repeating-linear-gradient(45deg,#5f6670 0 2px,#fff 2px 5px)"></span>`;
      return `<tr${sel ? ' class="selected" aria-selected="true"' : ''}>
        <th scope="row"><button type="button" class="row-select" data-code="${escapeHtml(a.code)}" aria-pressed="${sel}">${escapeHtml(a.name)}</button></th>
        <td>${escapeHtml(a.code)}</td>
        <td>${escapeHtml(a.bezirk?.name ?? (a.level === coarseLevel() ? '–' : ''))}</td>
        <td class="num">${escapeHtml(describeRowShort(r))}</td>
        ${current.uncertaintyHeader ? `<td class="uncertainty">${escapeHtml(r?.status === 'suppressed' ? 'geschützt' : r?.uncertainty || '–')}</td>` : ''}
        <td>${chip}${escapeHtml(r?.classLabel || (r?.status === 'suppressed' ? 'geschützt' : '–'))}</td>
      </tr>`;
    })
    .join('');
  let html = `<div class="table-scroll"><table id="map-table">
    <caption>${escapeHtml(current.title)} – ${levelLabel(level).many}${state.period ? `, ${escapeHtml(periodLabel(state.period))}` : ''}${current.synthetic ? ' (synthetisch)' : ''}</caption>
    <thead><tr>${sortHeader('name', levelLabel(level).one)}${sortHeader('code', 'Nr.')}<th scope="col">${escapeHtml(levelLabel(String(coarseLevel())).one)}</th>${sortHeader('value', current.valueHeader, 'num')}${current.uncertaintyHeader ? `<th scope="col">${escapeHtml(current.uncertaintyHeader)}</th>` : ''}<th scope="col">Klasse</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
  if (state.infraOn) {
    const offerRows = current.offers
      .slice(0, 500)
      .map(
        (o) =>
          `<tr><th scope="row">${escapeHtml(o.name)}</th><td>${escapeHtml(offerKindLabel(o.offerType, o.subtype, (type, sub) => `${type} – ${sub}`))}</td><td>${escapeHtml([o.address?.street, o.address?.postcode].filter(Boolean).join(', '))}</td><td>${escapeHtml(o.targetGroups.map((t) => targetGroupLabels[t] ?? t).join(', '))}</td></tr>`,
      )
      .join('');
    html += `<div class="table-scroll" style="margin-top:12px"><table id="offers-table">
      <caption>Einrichtungen: ${escapeHtml(offerTypeLabels[state.offerType] ?? 'alle Arten')}${state.targetGroup ? `, Zielgruppe ${escapeHtml(targetGroupLabels[state.targetGroup] ?? state.targetGroup)}` : ''} (${formatNumber(current.offers.length, 0)}${current.offers.length > 500 ? ', die ersten 500' : ''})</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Art</th><th scope="col">Adresse</th><th scope="col">Zielgruppen</th></tr></thead>
      <tbody>${offerRows}</tbody></table></div>`;
  }
  el.innerHTML = html;
}

/** @type {View} */
export const tableView = {
  bind(app) {
    $('table-toggle').addEventListener('click', () => {
      state.tableOpen = !state.tableOpen;
      syncControls();
      if (state.tableOpen) {
        drawTable();
        $('table-view').querySelector('caption')?.setAttribute('tabindex', '-1');
      }
    });
    $('table-view').addEventListener('click', (e) => {
      const sort = closest(e, 'button.sort');
      if (sort) {
        const key = String(sort.dataset.sort);
        tableSort.dir = tableSort.key === key ? -tableSort.dir : key === 'value' ? -1 : 1;
        tableSort.key = key;
        drawTable();
        /** @type {HTMLButtonElement | null} */ ($('table-view').querySelector(`button.sort[data-sort="${key}"]`))?.focus();
        return;
      }
      const b = closest(e, 'button.row-select');
      if (!b) return;
      const code = String(b.dataset.code);
      app.select(code);
      /** @type {HTMLButtonElement | null} */ ($('table-view').querySelector(`button.row-select[data-code="${CSS.escape(code)}"]`))?.focus();
    });
  },
  draw() {
    if (state.tableOpen) drawTable();
  },
  select() {
    if (state.tableOpen) drawTable();
  },
};
