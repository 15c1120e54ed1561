// Real Köln population: the delivered Stadtteil records roll up to exactly the city and Bezirk rows
// the source file publishes, for every year and every line.
import { rollUp, type AreaRef } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { areaStatisticRecordSchema } from './area-statistic.js';
import { populationRecords, pupilRecords2012, readAgeGroups2012, readPopulationCells } from './population.builder.js';

const cells = readPopulationCells();
const records = populationRecords();
const parentOf = (a: AreaRef): AreaRef | undefined => (a.level === 'STADTTEIL' ? { level: 'STADTBEZIRK', code: a.code[0]! } : a.level === 'STADTBEZIRK' ? { level: 'STADT', code: '0' } : undefined);
const value = (r: (typeof records)[number], measure: string, dims: Record<string, string> = {}) =>
  r.observations.filter((o) => o.measure === measure && Object.entries(dims).every(([k, v]) => o.dimensions[k] === v)).reduce((s, o) => s + o.value, 0);

describe('Köln population records (real)', () => {
  it('delivers one record per Stadtteil and year 2005–2012, valid and not synthetic', () => {
    expect(records).toHaveLength(86 * 8);
    expect(new Set(records.map((r) => r.key)).size).toBe(records.length);
    for (const r of records) {
      expect(areaStatisticRecordSchema.safeParse(r).success).toBe(true);
      expect(r).toMatchObject({ dataset: 'bevoelkerung', areaLevel: 'STADTTEIL', synthetic: false });
    }
    expect(records[0]!.key).toBe('bevoelkerung|STADTTEIL|101|2005');
  });

  it('has 1,044,555 inhabitants in 2012 and 27,515 in Altstadt/Süd (101)', () => {
    const y2012 = records.filter((r) => r.period === '2012');
    expect(y2012.reduce((s, r) => s + value(r, 'einwohner'), 0)).toBe(1_044_555);
    expect(value(y2012.find((r) => r.areaCode === '101')!, 'einwohner')).toBe(27_515);
    expect(cells.find((c) => c.areaLevel === 'STADT' && c.year === '2012' && c.measure === 'einwohner')?.value).toBe(1_044_555);
  });

  it('city total = sum of Bezirke = sum of Stadtteile, for every year and every line of the file', () => {
    const published = new Map(cells.map((c) => [`${c.year}|${c.areaLevel}|${c.areaCode}|${c.measure}|${JSON.stringify(c.dimensions)}`, c.value]));
    const series = new Map<string, { level: string; code: string; value: number }[]>();
    for (const c of cells) {
      if (c.areaLevel !== 'STADTTEIL') continue;
      const k = `${c.year}|${c.measure}|${JSON.stringify(c.dimensions)}`;
      series.set(k, [...(series.get(k) ?? []), { level: c.areaLevel, code: c.areaCode, value: c.value }]);
    }
    let checked = 0;
    const mismatches: string[] = [];
    for (const [k, stt] of series) {
      const [year, measure, dims] = k.split('|');
      for (const agg of rollUp(stt, parentOf).filter((a) => a.level !== 'STADTTEIL')) {
        const pub = published.get(`${year}|${agg.level}|${agg.code}|${measure}|${dims}`);
        if (pub === undefined) continue; // a cell the file does not publish (see below)
        checked++;
        if (pub !== agg.value) mismatches.push(`${k} ${agg.level} ${agg.code}: file ${pub}, sum ${agg.value}`);
      }
      // the city also equals the sum of the file's own Bezirk rows
      const bezirke = [...'123456789'].map((b) => published.get(`${year}|STADTBEZIRK|${b}|${measure}|${dims}`));
      const city = published.get(`${year}|STADT|0|${measure}|${dims}`);
      if (city !== undefined && bezirke.every((b) => b !== undefined)) expect(bezirke.reduce((s, b) => s! + b!, 0)).toBe(city);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(8 * 10 * 35); // 8 years × (city + 9 Bezirke) × ~37 lines
    for (const year of ['2005', '2006', '2007', '2008', '2009', '2010', '2011', '2012']) {
      expect(published.get(`${year}|STADT|0|einwohner|{}`)).toBe(records.filter((r) => r.period === year).reduce((s, r) => s + value(r, 'einwohner'), 0));
    }
  });

  it('is internally consistent: sex, age and residence status add up to the total; migration splits add up', () => {
    for (const r of records) {
      const ew = value(r, 'einwohner');
      expect(value(r, 'einwohner_geschlecht'), r.key).toBe(ew);
      expect(value(r, 'einwohner_alter'), r.key).toBe(ew);
      expect(value(r, 'einwohner_wohnstatus'), r.key).toBe(ew);
      expect(value(r, 'auslaender_herkunft'), r.key).toBe(value(r, 'einwohner_migration', { status: 'auslaendisch' }));
    }
    const mhTotal = cells.filter((c) => c.measure === 'einwohner_mit_mh' && c.areaLevel === 'STADTTEIL');
    expect(mhTotal).toHaveLength(86 * 8);
    for (const c of mhTotal) {
      const r = records.find((x) => x.areaCode === c.areaCode && x.period === c.year)!;
      expect(value(r, 'einwohner_migration')).toBe(c.value);
      expect(r.observations.some((o) => o.measure === 'einwohner_mit_mh')).toBe(false); // derived, not delivered
    }
  });

  it('adds the 2012 finer age groups (with 80+) that match the long file', () => {
    const ages = readAgeGroups2012();
    expect(ages.size).toBe(86);
    for (const r of records.filter((x) => x.period === '2012')) {
      expect(value(r, 'einwohner_altersgruppe'), r.areaCode).toBe(value(r, 'einwohner'));
      expect(value(r, 'einwohner_altersgruppe', { alter: '0-3' })).toBe(value(r, 'einwohner_alter', { alter: '0-3' }));
      expect(r.observations.some((o) => o.measure === 'einwohner_altersgruppe' && o.dimensions.alter === '80+')).toBe(true);
    }
    expect(records.filter((x) => x.period === '2011').some((r) => value(r, 'einwohner_altersgruppe') > 0)).toBe(false);
  });

  it('delivers 2012 pupils per Stadtteil with school types summing to the total', () => {
    const pupils = pupilRecords2012();
    expect(pupils).toHaveLength(86);
    const p102 = pupils.find((p) => p.areaCode === '102')!;
    expect(value(p102, 'schueler_allgemeinbildend')).toBe(1340);
    expect(value(p102, 'schueler_allgemeinbildend', { schulform: 'sonstige' })).toBe(265);
  });
});
