// SYNTHETIC national-scale data set (issue 17, deliver 6) — every figure made up, every record
// `synthetic: true` with `source` naming this generator. Not a test, not real statistics.
//
// 400 fictional Gemeinden (tenants `nat-001` … `nat-400`), each with two area levels (GEMEINDE, one
// area, > SOZIALRAUM labelled "Gebiet", 150–250 areas, ~200 on average; no geometry), and per
// Gebiet and month 2005-01 … 2024-12 (240 months) 60 values in the musterstadt pack's feed catalogue
// (the pack a town is onboarded with, docs/onboarding.md):
//   - sgb2 (Amt jobcenter, monthly, confidential): sgb2_personen by alter [u15, 15-65, 65+] ×
//     geschlecht [m, w, d] (9 values), sgb2_bedarfsgemeinschaften, sgb2_bg_alleinerziehend  → 11
//   - bevoelkerung (Amt statistik, public): einwohner 1, einwohner_geschlecht 3, einwohner_alter 13,
//     einwohner_altersgruppe 11, einwohner_migration 2, aussiedler 1, eingebuergerte 1,
//     auslaender_herkunft 7, einwohner_familienstand 5, einwohner_wohnstatus 2, einwohner_konfession 3 → 49
// The catalogue's bevoelkerung is a yearly dataset (stock on 31.12.); the generator delivers its
// stock every month (the API takes any period) and, in addition, December's stock as the year
// "YYYY" that the yearly indicators (einwohner_u65, the denominator of sgb2_quote) read: 49 more
// values per Gebiet and year. Full size: 400 × ~200 × 60 × 240 ≈ 1.15 billion monthly values
// (+ 400 × ~200 × 49 × 20 ≈ 78 million yearly), ≈ 38.4 + 1.6 million records.
//
// Deterministic: the same --seed gives the same tenants, areas and values (a 32-bit hash of seed,
// tenant, area, period; no Math.random).
//
// As a module (the loader streams deliveries from it without writing files):
//   import { tenantSpec, deliveries } from './generate.mjs'
// As a command (writes the delivery files a tenant's Ämter would send, in the formats the
// ingestion API takes: levels JSON, areas CSV, counts JSON in chunks of ≤ 600 records):
//   node bench/national/generate.mjs --out /tmp/national-data [--tenants 400] [--from 1]
//        [--months 240] [--seed 17] [--areas-only]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export const SOURCE = 'bench/national/generate.mjs (SYNTHETISCH: erfundene Zahlen)';
export const FIRST_YEAR = 2005;
export const MAX_MONTHS = 240;

/** 32-bit mix of integers (murmur3 finaliser over a running state): deterministic, no state. */
export function hash(...xs) {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
const unit = (...xs) => hash(...xs) / 2 ** 32;

export const tenantId = (t) => `nat-${String(t).padStart(3, '0')}`;

/** The tenant's admin body, its levels and its areas (t = 1 … 400). */
export function tenantSpec(t, seed = 17) {
  const id = tenantId(t);
  const areaCount = 150 + (hash(seed, t, 1) % 101); // 150 … 250, mean 200
  const name = `Synthetische Gemeinde ${String(t).padStart(3, '0')}`;
  const areas = Array.from({ length: areaCount }, (_, i) => ({ code: String(i + 1), name: `Gebiet ${i + 1} (synthetisch)` }));
  return {
    id,
    areaCount,
    admin: { id, name, kind: 'gemeinde', reference: 'musterstadt', suppressionThreshold: 3, attribution: 'Synthetische Testdaten (bench/national), keine echten Gebiete' },
    levels: {
      records: [
        { version: 1, level: 'GEMEINDE', label: 'Gemeinde', parentLevel: null, kind: 'hierarchy', coverage: 'complete' },
        { version: 1, level: 'SOZIALRAUM', label: 'Gebiet', parentLevel: 'GEMEINDE', kind: 'hierarchy', coverage: 'complete' },
      ],
    },
    areasCsv: [
      'version,level,code,name,parent,members,validFrom,validTo,geometry,source',
      `1,GEMEINDE,0,${name} (synthetisch),,,2000-01-01,,,${SOURCE}`,
      ...areas.map((a) => `1,SOZIALRAUM,${a.code},${a.name},0,,2000-01-01,,,${SOURCE}`),
    ].join('\n'),
    areas,
  };
}

export function monthOf(m) {
  const y = FIRST_YEAR + Math.floor(m / 12);
  return `${y}-${String((m % 12) + 1).padStart(2, '0')}`;
}

const ALTER = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];
const ALTER_SHARE = [0.03, 0.03, 0.04, 0.05, 0.03, 0.08, 0.15, 0.14, 0.15, 0.07, 0.06, 0.1, 0.07];
const GRUPPE = ['0-3', '3-6', '6-15', '15-18', '18-21', '21-35', '35-60', '60-65', '65-75', '75-80', '80+'];
const GRUPPE_SHARE = [0.03, 0.03, 0.09, 0.03, 0.035, 0.195, 0.33, 0.06, 0.1, 0.04, 0.03];
const HERKUNFT = ['afrika', 'amerika', 'asien', 'eu', 'sonstige', 'tuerkei', 'uebriges_europa'];
const HERKUNFT_SHARE = [0.08, 0.04, 0.2, 0.3, 0.05, 0.18, 0.15];
const FAMILIENSTAND = ['geschieden', 'ledig', 'verheiratet', 'verpartnert', 'verwitwet'];
const FAMILIENSTAND_SHARE = [0.09, 0.42, 0.41, 0.01, 0.07];
const KONFESSION = ['evangelisch', 'katholisch', 'sonstige'];
const KONFESSION_SHARE = [0.2, 0.3, 0.5];
const SGB2_ALTER = ['u15', '15-65', '65+'];
const SGB2_ALTER_SHARE = [0.3, 0.68, 0.02];
const GESCHLECHT = ['m', 'w', 'd'];
const GESCHLECHT_SHARE = [0.49, 0.505, 0.005];

/** Splits a whole number by shares into whole numbers that add up to it (largest remainder). */
function split(total, shares) {
  const raw = shares.map((s) => total * s);
  const out = raw.map(Math.floor);
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i]).sort((a, b) => b[0] - a[0]);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k][1]]++;
  return out;
}
const obs = (measure, values, dim, labels) => values.map((value, i) => ({ measure, dimensions: { [dim]: labels[i] }, value }));

/** The 49 bevoelkerung observations of one Gebiet in month m (0 = 2005-01). */
function population(seed, t, a, m) {
  const base = 800 + (hash(seed, t, a, 2) % 7000);
  const growth = ((hash(seed, t, a, 3) % 41) - 20) / 20000; // −0.1 % … +0.1 % a month
  const einwohner = Math.max(50, Math.round(base * (1 + growth) ** m + (unit(seed, t, a, m, 4) - 0.5) * 10));
  const migration = 0.1 + (hash(seed, t, a, 5) % 30) / 100;
  const auslaendisch = Math.round(einwohner * migration * 0.55);
  return [
    { measure: 'einwohner', dimensions: {}, value: einwohner },
    ...obs('einwohner_geschlecht', split(einwohner, GESCHLECHT_SHARE), 'geschlecht', GESCHLECHT),
    ...obs('einwohner_alter', split(einwohner, ALTER_SHARE), 'alter', ALTER),
    ...obs('einwohner_altersgruppe', split(einwohner, GRUPPE_SHARE), 'alter', GRUPPE),
    ...obs('einwohner_migration', [auslaendisch, Math.round(einwohner * migration * 0.45)], 'status', ['auslaendisch', 'deutsch_mit_mh']),
    { measure: 'aussiedler', dimensions: {}, value: Math.round(einwohner * 0.02) },
    { measure: 'eingebuergerte', dimensions: {}, value: Math.round(einwohner * 0.04) },
    ...obs('auslaender_herkunft', split(auslaendisch, HERKUNFT_SHARE), 'region', HERKUNFT),
    ...obs('einwohner_familienstand', split(einwohner, FAMILIENSTAND_SHARE), 'familienstand', FAMILIENSTAND),
    ...obs('einwohner_wohnstatus', split(einwohner, [0.97, 0.03]), 'wohnstatus', ['hauptwohnung', 'nebenwohnung']),
    ...obs('einwohner_konfession', split(einwohner, KONFESSION_SHARE), 'konfession', KONFESSION),
  ];
}

/** The 11 sgb2 observations of one Gebiet in month m. */
function sgb2(seed, t, a, m, einwohner) {
  const rate = 0.02 + (hash(seed, t, a, 6) % 200) / 1000; // 2 … 22 %
  const season = 1 + 0.03 * Math.sin((2 * Math.PI * (m % 12)) / 12);
  const personen = Math.round(einwohner * rate * season * (0.95 + 0.1 * unit(seed, t, a, m, 7)));
  const byAlter = split(personen, SGB2_ALTER_SHARE);
  const observations = [];
  for (const [i, n] of byAlter.entries())
    for (const [j, v] of split(n, GESCHLECHT_SHARE).entries()) observations.push({ measure: 'sgb2_personen', dimensions: { alter: SGB2_ALTER[i], geschlecht: GESCHLECHT[j] }, value: v });
  const bg = Math.round(personen / 1.9);
  observations.push({ measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: bg }, { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: Math.round(bg * 0.18) });
  return observations;
}

const record = (dataset, code, period, observations) => ({
  key: `${dataset}|SOZIALRAUM|${code}|${period}`,
  version: 1,
  dataset,
  areaLevel: 'SOZIALRAUM',
  areaCode: code,
  period,
  observations,
  synthetic: true,
  source: SOURCE,
});

/**
 * The tenant's count deliveries in the order an office would send them: per quarter one sgb2
 * delivery (Jobcenter) and one bevoelkerung delivery (Statistik) of areas × 3 months (≤ 750
 * records, < 4 MB), then the yearly stocks in chunks of ≤ 1 000 records. Each item:
 * { amt, recordType, body (JSON string), records, values, dataset }.
 */
export function* deliveries(spec, { months = MAX_MONTHS, seed = 17, t } = {}) {
  const tn = t ?? Number(spec.id.slice(4));
  for (let q = 0; q < months; q += 3) {
    const ms = [q, q + 1, q + 2].filter((m) => m < months);
    const bev = [];
    const sg = [];
    for (const m of ms)
      for (const a of spec.areas) {
        const ai = Number(a.code);
        const pop = population(seed, tn, ai, m);
        bev.push(record('bevoelkerung', a.code, monthOf(m), pop));
        sg.push(record('sgb2', a.code, monthOf(m), sgb2(seed, tn, ai, m, pop[0].value)));
      }
    yield item('jobcenter', 'sgb2', sg);
    yield item('statistik', 'bevoelkerung', bev);
  }
  // December's stock as the year (what the catalogue's yearly indicators read); only full years
  const years = [];
  for (let m = 11; m < months; m += 12) years.push(m);
  const yearly = [];
  for (const m of years) for (const a of spec.areas) yearly.push(record('bevoelkerung', a.code, String(FIRST_YEAR + Math.floor(m / 12)), population(seed, tn, Number(a.code), m)));
  for (let i = 0; i < yearly.length; i += 1000) yield item('statistik', 'bevoelkerung', yearly.slice(i, i + 1000));
}
function item(amt, dataset, records) {
  return { amt, dataset, recordType: 'area-statistic', records: records.length, values: records.reduce((n, r) => n + r.observations.length, 0), body: JSON.stringify({ records }) };
}

/** Records and values of one tenant at the given depth, without building them. */
export function sizeOf(spec, months = MAX_MONTHS) {
  const fullYears = Math.floor(months / 12);
  const records = spec.areaCount * (2 * months + fullYears);
  return { records, values: spec.areaCount * (60 * months + 49 * fullYears) };
}

// ── command line: write the files ─────────────────────────────────────────────────────────────────
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      out: { type: 'string' },
      tenants: { type: 'string', default: '400' },
      from: { type: 'string', default: '1' },
      months: { type: 'string', default: String(MAX_MONTHS) },
      seed: { type: 'string', default: '17' },
      'areas-only': { type: 'boolean', default: false },
    },
  });
  if (!args.out) throw new Error('--out DIR is required (the files of 400 full tenants are ~80 GB; try --tenants 1 first)');
  const seed = Number(args.seed);
  const months = Math.min(MAX_MONTHS, Number(args.months));
  const from = Number(args.from);
  let totalRecords = 0;
  let totalValues = 0;
  for (let t = from; t < from + Number(args.tenants); t++) {
    const spec = tenantSpec(t, seed);
    const dir = join(args.out, spec.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'README.txt'),
      `SYNTHETISCH: erfundene Testdaten von ${SOURCE}, seed ${seed}, tenant ${t}. Keine echte Gemeinde, keine echten Zahlen.\n` +
        `POST /admin/tenants tenant.json; then with the Ämter's keys: area-level levels.json, area areas.csv (text/csv), area-statistic counts-*.json in order.\n`,
    );
    writeFileSync(join(dir, 'tenant.json'), JSON.stringify(spec.admin, null, 2));
    writeFileSync(join(dir, 'levels.json'), JSON.stringify(spec.levels, null, 2));
    writeFileSync(join(dir, 'areas.csv'), `${spec.areasCsv}\n`);
    if (!args['areas-only']) {
      let n = 0;
      for (const d of deliveries(spec, { months, seed, t })) {
        writeFileSync(join(dir, `counts-${String(n++).padStart(3, '0')}-${d.amt}-${d.dataset}.json`), d.body);
        totalRecords += d.records;
        totalValues += d.values;
      }
    }
    console.log(`${dir}: ${spec.areaCount} Gebiete`);
  }
  console.log(JSON.stringify({ synthetic: true, seed, tenants: Number(args.tenants), months, records: totalRecords, values: totalValues }));
}
