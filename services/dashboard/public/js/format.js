// @ts-check
// German number formatting, colour palettes and the German labels of codes the API returns.

/** @type {Map<number, Intl.NumberFormat>} */
const nf = new Map();
/**
 * 27515 → "27.515", 12.345 → "12,3" (digits chosen by magnitude unless given).
 * @param {number | null | undefined} v
 * @param {number} [digits]
 * @returns {string}
 */
export function formatNumber(v, digits) {
  if (v == null || !Number.isFinite(v)) return '–';
  const d = digits ?? (Math.abs(v) >= 1000 ? 0 : Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 1 : 2);
  let f = nf.get(d);
  if (!f) {
    f = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 0, maximumFractionDigits: d });
    nf.set(d, f);
  }
  return f.format(v);
}

/**
 * A value with its unit: "12,3 %", "27.515 Personen".
 * @param {number | null | undefined} v
 * @param {string | null | undefined} unit
 */
export function formatValue(v, unit) {
  if (v == null || !Number.isFinite(v)) return '–';
  const u = unitLabel(unit);
  if (!u) return formatNumber(v);
  return u === '%' || u === '‰' ? `${formatNumber(v)} ${u}` : `${formatNumber(v)} ${u}`;
}

/**
 * A rate's uncertainty in words (docs/uncertainty-and-typology.md): "95-%-KI 10,2–14,5 %" and
 * "kleine Fallzahl"; empty when the figure has neither (counts, withheld figures).
 * @param {{ lower: number, upper: number, level: number } | null | undefined} interval
 * @param {boolean | null | undefined} smallNumber
 * @param {string | null | undefined} unit
 */
export function formatUncertainty(interval, smallNumber, unit) {
  const parts = [];
  if (interval) {
    const u = unitLabel(unit);
    parts.push(`${formatNumber(interval.level * 100, 0)}-%-KI ${formatNumber(interval.lower)}–${formatNumber(interval.upper)}${u ? ` ${u}` : ''}`);
  }
  if (smallNumber) parts.push('kleine Fallzahl');
  return parts.join(' · ');
}

/**
 * @param {string | null | undefined} unit
 * @returns {string}
 */
export function unitLabel(unit) {
  if (!unit) return '';
  // the registry's capacity units (taxonomy codes) too: "plaetze" → "Plätze"
  /** @type {Record<string, string>} */
  const map = {
    percent: '%',
    prozent: '%',
    per_mille: '‰',
    promille: '‰',
    persons: 'Personen',
    personen: 'Personen',
    count: '',
    anzahl: '',
    plaetze: 'Plätze',
    betten: 'Betten',
    stunden: 'Stunden',
    faelle: 'Fälle',
    quadratmeter: 'm²',
    angebote: 'Angebote',
  };
  return map[String(unit).toLowerCase()] ?? unit;
}

/**
 * Colour-blind-safe sequential palettes (ColorBrewer, Cynthia Brewer, Penn State) for 1–7 classes.
 * Darker always means more of the indicator; which palette tells the polarity: blue–green for
 * neutral or positive indicators, yellow–brown where more means more burden.
 */
/** @type {Record<number, string[]>} */
const YlGnBu = {
  2: ['#a1dab4', '#2c7fb8'],
  3: ['#edf8b1', '#7fcdbb', '#2c7fb8'],
  4: ['#ffffcc', '#a1dab4', '#41b6c4', '#225ea8'],
  5: ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'],
  6: ['#ffffcc', '#c7e9b4', '#7fcdbb', '#41b6c4', '#2c7fb8', '#253494'],
  7: ['#ffffcc', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#0c2c84'],
};
/** @type {Record<number, string[]>} */
const YlOrBr = {
  2: ['#fec44f', '#d95f0e'],
  3: ['#fff7bc', '#fec44f', '#d95f0e'],
  4: ['#ffffd4', '#fed98e', '#fe9929', '#cc4c02'],
  5: ['#ffffd4', '#fed98e', '#fe9929', '#d95f0e', '#993404'],
  6: ['#ffffd4', '#fee391', '#fec44f', '#fe9929', '#d95f0e', '#993404'],
  7: ['#ffffd4', '#fee391', '#fec44f', '#fe9929', '#ec7014', '#cc4c02', '#8c2d04'],
};
/** Diverging purple–orange for standard-deviation classes (below / above the mean). */
/** @type {Record<number, string[]>} */
const PuOr = {
  2: ['#f1a340', '#998ec3'],
  3: ['#f1a340', '#f7f7f7', '#998ec3'],
  4: ['#e66101', '#fdb863', '#b2abd2', '#5e3c99'],
  5: ['#e66101', '#fdb863', '#f7f7f7', '#b2abd2', '#5e3c99'],
  6: ['#b35806', '#f1a340', '#fee0b6', '#d8daeb', '#998ec3', '#542788'],
  7: ['#b35806', '#f1a340', '#fee0b6', '#f7f7f7', '#d8daeb', '#998ec3', '#542788'],
};

/**
 * @param {number} classes
 * @param {{ polarity?: string, diverging?: boolean }} [options]
 * @returns {string[]}
 */
export function palette(classes, { polarity = 'NEUTRAL', diverging = false } = {}) {
  const n = Math.max(1, Math.min(7, classes));
  if (n === 1) return [diverging ? '#f7f7f7' : polarity === 'NEGATIVE' ? '#fe9929' : '#41b6c4'];
  if (diverging) {
    // n is 2…7 here: every palette has it
    const p = /** @type {string[]} */ (PuOr[n]);
    // for a burden indicator the orange side is the high side
    return polarity === 'NEGATIVE' ? [...p].reverse() : p;
  }
  return /** @type {string[]} */ ((polarity === 'NEGATIVE' ? YlOrBr : YlGnBu)[n]);
}

/**
 * Readable text colour on a fill.
 * @param {string} hex
 */
export function textOn(hex) {
  const n = parseInt(hex.slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#1a1a1a' : '#ffffff';
}

export const noDataColour = '#d4d4d4';

/** The levels' labels as the API names them (areaLevels), set once at start. */
/** @type {Map<string, string>} */
const levelLabels = new Map();

/** @param {readonly { name: string, label: string }[]} levels the API's areaLevels */
export function setLevelLabels(levels) {
  levelLabels.clear();
  for (const l of levels) levelLabels.set(l.name, l.label);
}

/**
 * German plurals of the words cities name their levels with, by word ending (Stadtteil →
 * Stadtteile, Sozialraum → Sozialräume, Wohnplatz → Wohnplätze); the label itself otherwise.
 * @type {[string, string][]}
 */
const pluralEndings = [
  ['viertel', 'viertel'],
  ['raum', 'räume'],
  ['platz', 'plätze'],
  ['stadt', 'städte'],
  ['bezirk', 'bezirke'],
  ['teil', 'teile'],
  ['gebiet', 'gebiete'],
  ['quartier', 'quartiere'],
  ['gemeinde', 'gemeinden'],
];

/** @param {string} label e.g. "Sozialraumgebiet (Lebenswerte Veedel)" */
export function pluralOf(label) {
  const [word = '', ...rest] = label.split(' ');
  const ending = pluralEndings.find(([one]) => word.toLowerCase().endsWith(one));
  if (!ending) return label;
  const plural = word.slice(0, word.length - ending[0].length) + ending[1];
  // the ending may be the whole word (Hamburg's „Bezirk“): its capital stays
  const cased = word[0] === word[0]?.toUpperCase() ? (plural[0]?.toUpperCase() ?? '') + plural.slice(1) : plural;
  return [cased, ...rest].join(' ');
}

/**
 * The German names of a level for one area and for many, from the API's label (levels are a
 * city's data: another city has others); the level's code when the API has not named it.
 * @param {string} level
 */
export function levelLabel(level) {
  const one = levelLabels.get(level) ?? level;
  return { one, many: one === 'Stadt' ? one : pluralOf(one) };
}

/** Offer types and target groups of the registry taxonomy (packages/feeds/catalogue/taxonomy.yaml). */
/** @type {Record<string, string>} */
export const offerTypeLabels = {
  kita: 'Kita',
  kindertagespflege: 'Kindertagespflege',
  spielplatz: 'Spielplatz',
  jugendzentrum: 'Jugendzentrum',
  kinderheim: 'Kinderheim',
  familienzentrum: 'Familienzentrum',
  schule: 'Schule',
  hochschule: 'Hochschule',
  buecherei: 'Bücherei',
  museum: 'Museum',
  krankenhaus: 'Krankenhaus',
  seniorenheim: 'Seniorenheim / Pflegeheim',
  ambulanter_pflegedienst: 'Ambulanter Pflegedienst',
  tagespflege: 'Tagespflege',
  buergerzentrum: 'Bürgerzentrum',
  offener_treff: 'Offener Treff',
  park: 'Park',
  sportanlage: 'Sportanlage',
  sportverein: 'Sportverein',
  religionsgemeinschaft: 'Kirchengemeinde / Religionsgemeinschaft',
  verein: 'Verein',
  selbsthilfegruppe: 'Selbsthilfegruppe',
  arbeitslosenberatung: 'Arbeitslosenberatung',
  schuldnerberatung: 'Schuldnerberatung',
  familienberatung: 'Familienberatung',
  sexualberatung: 'Sexualberatung',
  migrationsberatung: 'Migrationsberatung',
  pflegeberatung: 'Pflegeberatung',
  verbraucherzentrale: 'Verbraucherzentrale',
  hilfetelefon: 'Hilfetelefon',
  frauenhaus: 'Frauenhaus',
  obdachlosenhilfe: 'Obdachlosenhilfe',
  integrationsangebot: 'Integrationsangebot',
};

/** The subtypes of the taxonomy's offer types (today those of `schule`), by code. */
/** @type {Record<string, string>} */
export const subtypeLabels = {
  grundschule: 'Grundschule',
  hauptschule: 'Hauptschule',
  realschule: 'Realschule',
  gymnasium: 'Gymnasium',
  gesamtschule: 'Gesamtschule',
  sekundarschule: 'Sekundarschule',
  foerderschule: 'Förderschule',
  berufskolleg: 'Berufskolleg',
  waldorfschule: 'Freie Waldorfschule',
  zweiter_bildungsweg: '2. Bildungsweg',
};

/**
 * An offer's kind in words: "Schule (Grundschule)"; the subtype is the taxonomy's code, never shown
 * as such (a code the page does not know keeps its letters, without underscores).
 * @param {string} offerType
 * @param {string | null | undefined} subtype
 * @param {(type: string, sub: string) => string} [join] how type and subtype are written together
 */
export function offerKindLabel(offerType, subtype, join = (type, sub) => `${type} (${sub})`) {
  const type = offerTypeLabels[offerType] ?? offerType;
  if (!subtype) return type;
  return join(type, subtypeLabels[subtype] ?? subtype.replace(/_/g, ' '));
}

/** @type {Record<string, string>} */
export const targetGroupLabels = {
  alle: 'Alle Bürger*innen',
  familien_mit_kindern: 'Familien mit Kindern',
  alleinerziehende: 'Alleinerziehende',
  kinder: 'Kinder (unter 14)',
  kinder_und_jugendliche: 'Kinder und Jugendliche',
  jugendliche: 'Jugendliche und junge Erwachsene',
  senioren: 'Senior*innen',
  menschen_mit_behinderung: 'Menschen mit Behinderung',
  pflegebeduerftige: 'Pflegebedürftige',
  pflegende_angehoerige: 'Pflegende Angehörige',
  gefluechtete: 'Geflüchtete',
  menschen_mit_migrationsgeschichte: 'Menschen mit Migrationsgeschichte',
  arbeitslose: 'Arbeitslose',
  wohnungslose: 'Wohnungslose',
  frauen: 'Frauen',
  gewaltbetroffene_frauen: 'Von Gewalt betroffene Frauen',
  verschuldete: 'Verschuldete Haushalte',
  suchtkranke: 'Suchtkranke',
};

/** The tenant's Ämter by code (the API's `authorities`: its feed catalogue), set once the page has them. */
const amtLabels = new Map();

/** @param {readonly { code: string, name: string }[]} authorities the API's authorities */
export function setAmtLabels(authorities) {
  amtLabels.clear();
  for (const a of authorities) amtLabels.set(a.code, a.name);
}

/**
 * An Amt's name in the tenant's feed catalogue; a code the API does not name (or a name already) as given.
 * @param {string} code
 */
export const amtLabel = (code) => amtLabels.get(code) ?? code;

/** @type {Record<string, string>} */
// grey: a measure proposed or cancelled, which the controlling does not judge
export const trafficLightLabels = { green: 'im Plan', yellow: 'gefährdet', red: 'kritisch', grey: 'ohne Bewertung' };

/** @type {Record<string, string>} */
export const measureStatusLabels = {
  proposed: 'vorgeschlagen',
  decided: 'beschlossen',
  in_progress: 'in Umsetzung',
  completed: 'abgeschlossen',
  cancelled: 'abgebrochen',
};

/**
 * "2012" → "2012", "2012-Q3" → "3. Quartal 2012", "2012-07" → "07/2012".
 * @param {string} p
 * @returns {string}
 */
export function periodLabel(p) {
  const q = /^(\d{4})-Q([1-4])$/.exec(p);
  if (q) return `${q[2]}. Quartal ${q[1]}`;
  const m = /^(\d{4})-(\d{2})$/.exec(p);
  if (m) return `${m[2]}/${m[1]}`;
  return p;
}

/**
 * The last day of a period, the day whose areas a map of the period shows: "2019" → "2019-12-31",
 * "2023-Q2" → "2023-06-30", "2024-02" → "2024-02-29"; null for anything else.
 * @param {string | null | undefined} p
 * @returns {string | null}
 */
export function periodEnd(p) {
  const m = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/.exec(p ?? '');
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) * 3 : m[3] ? Number(m[3]) : 12;
  // day 0 of the next month is the last day of this one
  const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * "2025-03-31" → "31.03.2025"; "–" when there is no date.
 * @param {string | null | undefined} iso
 */
export function formatDate(iso) {
  if (!iso) return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/** @type {Record<string, string>} */
const htmlEntities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe to put into HTML (element content and quoted attribute values).
 * @param {unknown} s
 */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}
