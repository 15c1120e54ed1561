// @ts-check
// The Sozialatlas in plain language: life situations (Lebenslagen) a citizen starts from, each
// standing for the target groups (and where it is that narrow, the offer types) of the registry
// taxonomy (packages/feeds/catalogue/taxonomy.yaml), and the German words for the codes of offer v2
// (languages, wheelchair access). No DOM: src/sozialatlas.unit.test.ts imports it.

/**
 * @typedef {object} Lebenslage
 * @property {string} code
 * @property {string} label what a citizen would say, in plain German
 * @property {string[]} targetGroups offers for at least one of them
 * @property {string[]} [offerTypes] only these types (where the situation asks for one kind of help)
 */

/** @type {readonly Lebenslage[]} */
export const lebenslagen = [
  { code: 'alleinerziehend', label: 'Ich bin alleinerziehend', targetGroups: ['alleinerziehende'] },
  { code: 'familie', label: 'Wir sind eine Familie mit Kindern', targetGroups: ['familien_mit_kindern', 'kinder', 'alleinerziehende'] },
  { code: 'jung', label: 'Ich bin jung und suche Freizeit, Rat oder Hilfe', targetGroups: ['jugendliche', 'kinder_und_jugendliche'] },
  { code: 'alter', label: 'Ich bin älter und möchte Kontakt oder Hilfe im Alltag', targetGroups: ['senioren'] },
  { code: 'pflege', label: 'Ich pflege jemanden oder brauche Pflege', targetGroups: ['pflegebeduerftige', 'pflegende_angehoerige'] },
  { code: 'behinderung', label: 'Ich lebe mit einer Behinderung', targetGroups: ['menschen_mit_behinderung'] },
  { code: 'neu', label: 'Ich bin neu in Deutschland', targetGroups: ['gefluechtete', 'menschen_mit_migrationsgeschichte'] },
  { code: 'arbeit', label: 'Ich suche Arbeit', targetGroups: ['arbeitslose'] },
  { code: 'schulden', label: 'Ich habe Schulden oder Geldsorgen', targetGroups: ['verschuldete'] },
  { code: 'wohnung', label: 'Ich habe keine Wohnung', targetGroups: ['wohnungslose'] },
  { code: 'gewalt', label: 'Ich erlebe Gewalt', targetGroups: ['gewaltbetroffene_frauen'] },
  { code: 'sucht', label: 'Ich habe ein Suchtproblem', targetGroups: ['suchtkranke'] },
];

/** German names of the ISO 639 codes offers state (offer v2 `languages`). */
/** @type {Record<string, string>} */
export const languageLabels = {
  de: 'Deutsch',
  en: 'Englisch',
  tr: 'Türkisch',
  ar: 'Arabisch',
  fa: 'Persisch (Farsi)',
  uk: 'Ukrainisch',
  ru: 'Russisch',
  pl: 'Polnisch',
  ro: 'Rumänisch',
  bg: 'Bulgarisch',
  fr: 'Französisch',
  es: 'Spanisch',
  it: 'Italienisch',
  el: 'Griechisch',
  ku: 'Kurdisch',
  sq: 'Albanisch',
  sr: 'Serbisch',
  hr: 'Kroatisch',
  so: 'Somali',
  ti: 'Tigrinya',
  gsg: 'Deutsche Gebärdensprache',
};

/** @param {string} code */
export const languageLabel = (code) => languageLabels[code] ?? code;

/** Wheelchair access as the API names it (enum Wheelchair), in plain German. */
/** @type {Record<string, string>} */
export const wheelchairLabels = {
  YES: 'Mit dem Rollstuhl zugänglich',
  LIMITED: 'Mit dem Rollstuhl teilweise zugänglich',
  NO: 'Nicht mit dem Rollstuhl zugänglich',
};

/** Radius choices of the distance search, in metres. */
export const radiusChoices = [500, 1000, 2000, 5000];

/**
 * What the user chose in the search form.
 * @typedef {object} AtlasChoice
 * @property {string} lebenslage a Lebenslage code or ''
 * @property {string} targetGroup a target-group code or ''
 * @property {string} offerType an offer-type code or ''
 * @property {string} language a language code or ''
 * @property {{ level: string, code: string } | null} area
 * @property {{ lat: number, lon: number } | null} point the point picked on the map (or the chosen area's centre)
 * @property {number} radius metres; 0 = any distance
 */

/**
 * The variables of the search (`SozialatlasOffers`): a target group chosen by hand narrows the
 * Lebenslage's groups; a radius without a point searches without distance.
 * @param {AtlasChoice} c
 */
export function searchVariables(c) {
  const lage = lebenslagen.find((l) => l.code === c.lebenslage);
  const targetGroups = c.targetGroup ? [c.targetGroup] : lage ? [...lage.targetGroups] : null;
  const offerTypes = c.offerType ? [c.offerType] : lage?.offerTypes ? [...lage.offerTypes] : null;
  return {
    offerTypes,
    targetGroups,
    languages: c.language ? [c.language] : null,
    // a distance search replaces the area: "near me" is the question, not the Stadtteil
    area: c.point && c.radius > 0 ? null : c.area,
    near: c.point && c.radius > 0 ? { lat: c.point.lat, lon: c.point.lon, radiusMeters: c.radius } : null,
  };
}

/**
 * A distance in plain German: "350 m", "1,2 km".
 * @param {number} metres
 */
export function formatDistance(metres) {
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${(metres / 1000).toLocaleString('de-DE', { maximumFractionDigits: 1 })} km`;
}
