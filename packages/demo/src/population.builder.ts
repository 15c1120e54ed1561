// REAL Köln population 2005–2012 (Offene Daten Köln) → area-statistic records per Stadtteil and year.
// Only Stadtteile are delivered; city and Bezirk values are roll-ups. The file's own city and Bezirk
// rows are kept in the parsed table so tests can check that the roll-up reproduces them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot, parseCsv } from '@sp/spatial';
import { z } from 'zod';
import { areaStatistic, type AreaStatisticRecord, type Observation } from './area-statistic.js';

export const POPULATION_SOURCE = 'Stadt Köln, Amt für Stadtentwicklung und Statistik – Offene Daten Köln';

const LONG_FILE = 'data/koeln/statistik/koeln_bevoelkerung_2005-2012_stadt_bezirke_stadtteile_long.csv';
const AGE_2012_FILE = 'data/koeln/statistik/koeln_2012_einwohner_altersgruppen_stadtteile.csv';
const PUPILS_2012_FILE = 'data/koeln/statistik/koeln_2012_schueler_allgemeinbildend_stadtteile.csv';

const longRowSchema = z.object({
  tab_id: z.string().regex(/^\d{3}$/),
  jahr: z.string().regex(/^\d{4}$/),
  raum_id: z.string().regex(/^\d{3}$/),
  zei_id: z.string().regex(/^\d+$/),
  zeile: z.string(),
  zahl: z.coerce.number().nonnegative(),
});

/** (table, line) of the long file → measure and dimensions of the record. */
const MAPPING: Record<string, { measure: string; dims?: Record<string, string>; derived?: true }> = {
  '005/10': { measure: 'einwohner' },
  '010/10': { measure: 'einwohner_geschlecht', dims: { geschlecht: 'm' } },
  '010/20': { measure: 'einwohner_geschlecht', dims: { geschlecht: 'w' } },
  ...Object.fromEntries(
    ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'].map((alter, i) => [
      `020/${(i + 1) * 10}`,
      { measure: 'einwohner_alter', dims: { alter } },
    ]),
  ),
  // 030/10 (Einwohner mit Migrationshintergrund) = 030/20 + 030/50: parsed for checks, not delivered twice
  '030/10': { measure: 'einwohner_mit_mh', derived: true },
  '030/20': { measure: 'einwohner_migration', dims: { status: 'deutsch_mit_mh' } },
  '030/50': { measure: 'einwohner_migration', dims: { status: 'auslaendisch' } },
  '030/30': { measure: 'aussiedler' },
  '030/40': { measure: 'eingebuergerte' },
  ...Object.fromEntries(
    ['afrika', 'amerika', 'asien', 'eu', 'tuerkei', 'uebriges_europa', 'sonstige'].map((region, i) => [`030/${(i + 6) * 10}`, { measure: 'auslaender_herkunft', dims: { region } }]),
  ),
  ...Object.fromEntries(
    ['ledig', 'verheiratet', 'verwitwet', 'geschieden', 'verpartnert'].map((familienstand, i) => [`040/${(i + 1) * 10}`, { measure: 'einwohner_familienstand', dims: { familienstand } }]),
  ),
  '050/10': { measure: 'einwohner_wohnstatus', dims: { wohnstatus: 'hauptwohnung' } },
  '050/20': { measure: 'einwohner_wohnstatus', dims: { wohnstatus: 'nebenwohnung' } },
  '060/10': { measure: 'einwohner_konfession', dims: { konfession: 'evangelisch' } },
  '060/20': { measure: 'einwohner_konfession', dims: { konfession: 'katholisch' } },
  '060/30': { measure: 'einwohner_konfession', dims: { konfession: 'sonstige' } },
};

export type RaumKind = 'STADT' | 'STADTBEZIRK' | 'STADTTEIL';

/** One parsed cell of the long file, with the area in the platform's codes ("0", "1".."9", "101".."909"). */
export interface PopulationCell {
  year: string;
  areaLevel: RaumKind;
  areaCode: string;
  measure: string;
  dimensions: Record<string, string>;
  value: number;
  /** a total the file repeats although it is the sum of other lines; not delivered */
  derived: boolean;
}

export class DemoDataError extends Error {
  override readonly name = 'DemoDataError';
  constructor(
    readonly code: 'FILE_UNREADABLE' | 'ROW_INVALID',
    message: string,
  ) {
    super(message);
  }
}

function read(dataRoot: string, rel: string): string {
  const p = join(dataRoot, rel);
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    throw new DemoDataError('FILE_UNREADABLE', `cannot read ${p}: ${(e as Error).message}; set SP_SHARED_DATA to the shared data root`);
  }
}

/** raum_id '000' → city "0"; '001'..'009' → Bezirk "1".."9"; '101'..'909' → Stadtteil. */
export function areaOfRaumId(raumId: string): { areaLevel: RaumKind; areaCode: string } {
  if (raumId === '000') return { areaLevel: 'STADT', areaCode: '0' };
  if (raumId.startsWith('00')) return { areaLevel: 'STADTBEZIRK', areaCode: raumId.slice(2) };
  return { areaLevel: 'STADTTEIL', areaCode: raumId };
}

/** Every mapped cell of the long file (city, Bezirke and Stadtteile). */
export function readPopulationCells(dataRoot: string = defaultDataRoot()): PopulationCell[] {
  const rows = parseCsv(read(dataRoot, LONG_FILE));
  return rows.map((raw, i) => {
    const r = longRowSchema.safeParse(raw);
    if (!r.success) throw new DemoDataError('ROW_INVALID', `${LONG_FILE} row ${i + 2}: ${r.error.issues[0]!.path.join('.')} ${r.error.issues[0]!.message}`);
    const m = MAPPING[`${r.data.tab_id}/${r.data.zei_id}`];
    if (!m) throw new DemoDataError('ROW_INVALID', `${LONG_FILE} row ${i + 2}: unknown table/line ${r.data.tab_id}/${r.data.zei_id} (${r.data.zeile})`);
    return { year: r.data.jahr, ...areaOfRaumId(r.data.raum_id), measure: m.measure, dimensions: { ...(m.dims ?? {}) }, value: r.data.zahl, derived: m.derived === true };
  });
}

const AGE_GROUPS_2012: Record<string, string> = {
  '0 - 2': '0-3',
  '3 - 5': '3-6',
  '6 - 14': '6-15',
  '15 - 17': '15-18',
  '18 - 20': '18-21',
  '21 - 34': '21-35',
  '35 - 59': '35-60',
  '60 - 64': '60-65',
  '65 - 74': '65-75',
  '75 - 79': '75-80',
  '80 u. älter': '80+',
};
const SCHULFORMEN: Record<string, string> = {
  'darunter Grundschule': 'grundschule',
  'darunter Hauptschule': 'hauptschule',
  'darunter Realschule': 'realschule',
  'darunter Gymnasium': 'gymnasium',
  'darunter Gesamtschule': 'gesamtschule',
  'darunter Förderschule': 'foerderschule',
};
const count = z.coerce.number().int().nonnegative();

/** 2012 finer age groups (incl. 80+) per Stadtteil, from the separate 2012 file. */
export function readAgeGroups2012(dataRoot: string = defaultDataRoot()): Map<string, { total: number; observations: Observation[] }> {
  const out = new Map<string, { total: number; observations: Observation[] }>();
  parseCsv(read(dataRoot, AGE_2012_FILE)).forEach((row, i) => {
    const code = row['Nr.']!.trim();
    const observations = Object.entries(AGE_GROUPS_2012).map(([col, alter]) => {
      const v = count.safeParse(row[col]);
      if (!v.success) throw new DemoDataError('ROW_INVALID', `${AGE_2012_FILE} row ${i + 2} column "${col}": not a count`);
      return { measure: 'einwohner_altersgruppe', dimensions: { alter }, value: v.data };
    });
    out.set(code, { total: count.parse(row['Einwohner insgesamt']), observations });
  });
  return out;
}

/** 2012 pupils at general schools located in the Stadtteil, by school type ("sonstige" = total − listed types). */
export function pupilRecords2012(dataRoot: string = defaultDataRoot()): AreaStatisticRecord[] {
  return parseCsv(read(dataRoot, PUPILS_2012_FILE)).map((row) => {
    const total = count.parse(row['Schüler/-innen an allgemeinbildenden Schulen']);
    const observations: Observation[] = Object.entries(SCHULFORMEN).map(([col, schulform]) => ({ measure: 'schueler_allgemeinbildend', dimensions: { schulform }, value: count.parse(row[col]) }));
    const rest = total - observations.reduce((s, o) => s + o.value, 0);
    if (rest > 0) observations.push({ measure: 'schueler_allgemeinbildend', dimensions: { schulform: 'sonstige' }, value: rest });
    return areaStatistic({ dataset: 'schueler', areaLevel: 'STADTTEIL', areaCode: row['Nr.']!.trim(), period: '2012', observations, synthetic: false, source: POPULATION_SOURCE });
  });
}

/**
 * Population records: dataset "bevoelkerung", one per Stadtteil and year 2005–2012, with einwohner,
 * einwohner_geschlecht, einwohner_alter, einwohner_migration, aussiedler, eingebuergerte,
 * auslaender_herkunft, einwohner_familienstand, einwohner_wohnstatus, einwohner_konfession, and for
 * 2012 also einwohner_altersgruppe (finer groups incl. 80+). Cells missing in the source stay missing.
 */
export function populationRecords(dataRoot: string = defaultDataRoot()): AreaStatisticRecord[] {
  const byKey = new Map<string, { code: string; year: string; obs: Observation[] }>();
  for (const c of readPopulationCells(dataRoot)) {
    if (c.areaLevel !== 'STADTTEIL' || c.derived) continue;
    const k = `${c.areaCode}|${c.year}`;
    const e = byKey.get(k) ?? { code: c.areaCode, year: c.year, obs: [] };
    e.obs.push({ measure: c.measure, dimensions: c.dimensions, value: c.value });
    byKey.set(k, e);
  }
  const ages2012 = readAgeGroups2012(dataRoot);
  return [...byKey.values()]
    .sort((a, b) => a.year.localeCompare(b.year) || a.code.localeCompare(b.code))
    .map((e) =>
      areaStatistic({
        dataset: 'bevoelkerung',
        areaLevel: 'STADTTEIL',
        areaCode: e.code,
        period: e.year,
        synthetic: false,
        source: POPULATION_SOURCE,
        observations: e.year === '2012' ? [...e.obs, ...(ages2012.get(e.code)?.observations ?? [])] : e.obs,
      }),
    );
}
