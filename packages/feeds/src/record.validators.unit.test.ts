import { anAreaStatistic, aGoal, aMeasure, aMilestone, anOffer, aScenario, aStatusReport } from '@sp/events/testing';
import type { RecordType } from '@sp/events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { Taxonomy } from './taxonomy.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx = (amt: string): ValidationContext => ({
  amt,
  catalogue: FeedCatalogue.load(),
  taxonomy: Taxonomy.load(),
  spatial: fixtureSpatialChecks(),
  now: new Date('2025-06-15T00:00:00Z'),
});

function errorsOf(recordType: RecordType, value: unknown, amt = 'statistik') {
  const r = validateRecords(recordType, [{ row: 0, value }], ctx(amt));
  return r.ok ? [] : r.errors;
}

describe('validateRecords', () => {
  it("checks a scenario: its areas, the movers' age bands and shares, a facility's capacity or offer; only the planning staff deliver it", () => {
    expect(errorsOf('scenario', aScenario(), 'planung')).toEqual([]);
    const housing = aScenario().housingAreas[0]!;
    const broken = aScenario({
      key: 'Neubau Süd',
      housingAreas: [
        {
          ...housing,
          areaCode: '999',
          occupancy: 0,
          ageProfile: [
            { band: '6-0', share: 0.3 },
            { band: '25-45', share: 0.5 },
          ],
        },
      ],
      facilities: [
        { change: 'open', norm: 'kita_plaetze_1_6', offerKey: null, capacity: null, areaCode: '101', year: 2017 },
        { change: 'close', norm: 'kita_plaetze_1_6', offerKey: null, capacity: null, areaCode: '101', year: 2017 },
      ],
    });
    // structure first (key, occupancy), then the semantic checks of what is well-formed
    expect(errorsOf('scenario', broken, 'planung').map((e) => e.field)).toEqual(expect.arrayContaining(['key', 'housingAreas[0].occupancy']));
    const semantic = errorsOf('scenario', { ...broken, key: 'neubau_sued', housingAreas: [{ ...broken.housingAreas[0]!, occupancy: 2 }] }, 'planung');
    expect(semantic).toMatchObject([
      { field: 'housingAreas[0].areaCode', code: 'UNKNOWN_AREA' },
      { field: 'housingAreas[0].ageProfile[0].band', code: 'INVALID_VALUE' },
      { field: 'housingAreas[0].ageProfile', code: 'INVALID_VALUE', accepted: 'shares that add up to 1' },
      { field: 'facilities[0].capacity', code: 'MISSING_FIELD' },
      { field: 'facilities[1].offerKey', code: 'MISSING_FIELD' },
    ]);
    // the delivery service checks the rights against the catalogue: scenarios are the planning staff's
    const catalogue = FeedCatalogue.load();
    expect(catalogue.mayDeliver('planung', 'scenario')).toBe(true);
    expect(catalogue.mayDeliver('jugendamt', 'scenario')).toBe(false);
  });

  it('names the listed measure, dimension or value a typo was meant to be', () => {
    const [dash] = errorsOf('area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohner_alter', dimensions: { alter: '0\u20133' }, value: 1 }] }));
    expect(dash).toMatchObject({ message: expect.stringContaining('did you mean "0-3"'), accepted: expect.stringContaining('0-3 | 3-6') });
    const [measure] = errorsOf('area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohnerr', dimensions: {}, value: 1 }] }));
    expect(measure).toMatchObject({ message: expect.stringContaining('did you mean "einwohner"'), accepted: expect.stringContaining('einwohner_alter') });
  });

  it('holds planning areas to their validity: a Sozialraum dissolved in 2019 is no area of a measure planned for 2025', () => {
    const areas = [{ level: 'SOZIALRAUM', code: 'chorweiler' }];
    expect(errorsOf('measure', aMeasure({ areas }), 'planung')).toMatchObject([{ code: 'AREA_NOT_VALID', field: 'areas[0].code', value: 'chorweiler' }]);
    expect(errorsOf('measure', aMeasure({ areas, plannedStart: '2015-01-01', plannedEnd: '2016-12-31' }), 'planung')).toEqual([]);
    expect(errorsOf('goal', aGoal({ areas }), 'planung')).toMatchObject([{ code: 'AREA_NOT_VALID', field: 'areas[0].code' }]);
  });

  it('goal v2: target values per area and year need the indicator, one per area and year, known areas and plausible years', () => {
    const t = (code: string, year: number, value = 10) => ({ area: { level: 'STADTTEIL', code }, year, value });
    expect(errorsOf('goal', aGoal({ targetDirection: 'decrease', targets: [t('609', 2025), t('609', 2030), t('101', 2025)] }), 'planung')).toEqual([]);
    expect(errorsOf('goal', aGoal({ targets: [t('609', 2025), t('609', 2025, 11)] }), 'planung')).toMatchObject([
      { code: 'DUPLICATE_TARGET', field: 'targets[1].year', message: expect.stringMatching(/targets\[0\]/) },
    ]);
    expect(errorsOf('goal', aGoal({ indicator: null, targets: [t('609', 2025)] }), 'planung')).toMatchObject([{ code: 'MISSING_FIELD', field: 'indicator' }]);
    expect(errorsOf('goal', aGoal({ targets: [t('999', 2025)] }), 'planung')).toMatchObject([{ field: 'targets[0].area.code' }]);
    expect(errorsOf('goal', aGoal({ targets: [t('609', 1800)] }), 'planung')).toMatchObject([{ code: 'OUT_OF_RANGE', field: 'targets[0].year' }]);
    expect(errorsOf('goal', { ...aGoal(), targetDirection: 'sideways' }, 'planung')).toMatchObject([{ field: 'targetDirection' }]);
  });
  it('measure v2: an approved amount per budget line is optional, not negative and plausible', () => {
    expect(errorsOf('measure', aMeasure({ budget: [{ year: 2025, planned: 100, spent: 0, approved: 80 }] }), 'planung')).toEqual([]);
    expect(errorsOf('measure', aMeasure({ budget: [{ year: 2025, planned: 100, spent: 0, approved: -1 }] }), 'planung')).toMatchObject([{ code: 'NEGATIVE_COUNT', field: 'budget[0].approved' }]);
    expect(errorsOf('measure', aMeasure({ budget: [{ year: 2025, planned: 100, spent: 0, approved: 1e300 }] }), 'planung')).toMatchObject([{ code: 'OUT_OF_RANGE', field: 'budget[0].approved' }]);
    // a v1-shaped line (no approved) is still a valid delivery
    expect(errorsOf('measure', { ...aMeasure(), budget: [{ year: 2025, planned: 100, spent: 0 }] }, 'planung')).toEqual([]);
  });
  it('refuses implausible dates and amounts', () => {
    expect(errorsOf('offer', anOffer({ validFrom: '0001-01-01' }), 'jugendamt')).toMatchObject([{ code: 'BAD_DATE', field: 'validFrom' }]);
    expect(errorsOf('offer', anOffer({ capacity: { value: 1e12, unit: 'plaetze' } }), 'jugendamt')).toMatchObject([{ code: 'OUT_OF_RANGE', field: 'capacity.value' }]);
    expect(errorsOf('measure', aMeasure({ budget: [{ year: 3_000_000_000, planned: 1, spent: 0, approved: null }] }), 'planung')).toMatchObject([{ code: 'OUT_OF_RANGE', field: 'budget[0].year' }]);
    expect(errorsOf('measure', aMeasure({ budget: [{ year: 2025, planned: 1e300, spent: 0, approved: null }] }), 'planung')).toMatchObject([{ code: 'OUT_OF_RANGE', field: 'budget[0].planned' }]);
    // long fields may hold line breaks, short ones not
    expect(errorsOf('measure', aMeasure({ description: 'Zeile 1\nZeile 2\tmit Tab' }), 'planung')).toEqual([]);
    expect(errorsOf('measure', aMeasure({ title: 'Zeile 1\nZeile 2' }), 'planung')).toMatchObject([{ code: 'CONTROL_CHARACTER', field: 'title' }]);
  });

  it('accepts valid records of every type and normalises them', () => {
    expect(errorsOf('area-statistic', anAreaStatistic())).toEqual([]);
    expect(errorsOf('offer', anOffer(), 'jugendamt')).toEqual([]);
    const details = {
      openingHours: 'Mo–Fr 9–16 Uhr',
      languages: ['de', 'tr'],
      accessibility: { wheelchair: 'yes' },
      contact: { phone: '+49 221 221-0', email: 'info@example.org', website: 'https://example.org/' },
    };
    expect(errorsOf('offer', { ...anOffer(), ...details }, 'jugendamt')).toEqual([]);
    expect(errorsOf('goal', aGoal(), 'planung')).toEqual([]);
    expect(errorsOf('measure', aMeasure(), 'planung')).toEqual([]);
    expect(errorsOf('milestone', aMilestone(), 'planung')).toEqual([]);
    expect(errorsOf('status-report', aStatusReport(), 'planung')).toEqual([]);
    const r = validateRecords('offer', [{ row: 0, value: { ...anOffer(), offerType: 'Offener Treff', targetGroups: ['Senior*innen'], subtype: undefined, validTo: undefined } }], ctx('jugendamt'));
    expect(r.ok && r.records[0]!.record).toMatchObject({ offerType: 'offener_treff', targetGroups: ['senioren'], subtype: null, validTo: null });
  });

  it('derives the key of an area statistic when it is missing', () => {
    const { key: _key, ...rest } = anAreaStatistic();
    const r = validateRecords('area-statistic', [{ row: 0, value: rest }], ctx('statistik'));
    expect(r.ok && r.records[0]!.record.key).toBe('bevoelkerung|STADTTEIL|101|2012');
  });

  it.each([
    ['WRONG_TYPE', 'area-statistic', { ...anAreaStatistic(), version: '1' }, 'version', '1'],
    ['MISSING_FIELD', 'area-statistic', { ...anAreaStatistic(), synthetic: undefined }, 'synthetic', null],
    ['UNKNOWN_FIELD', 'area-statistic', { ...anAreaStatistic(), colour: 'red' }, 'colour', 'red'],
    ['UNKNOWN_AREA', 'area-statistic', anAreaStatistic({ areaCode: '999' }), 'areaCode', '999'],
    ['UNKNOWN_AREA_LEVEL', 'area-statistic', anAreaStatistic({ areaLevel: 'KIEZ' }), 'areaLevel', 'KIEZ'],
    ['BAD_PERIOD', 'area-statistic', anAreaStatistic({ period: '2012-13' }), 'period', '2012-13'],
    ['FUTURE_PERIOD', 'area-statistic', anAreaStatistic({ period: '2031' }), 'period', '2031'],
    ['NEGATIVE_COUNT', 'area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohner', dimensions: {}, value: -1 }] }), 'observations[0].value', -1],
    [
      'DUPLICATE_OBSERVATION',
      'area-statistic',
      anAreaStatistic({
        observations: [
          { measure: 'einwohner', dimensions: {}, value: 1 },
          { measure: 'einwohner', dimensions: {}, value: 2 },
        ],
      }),
      'observations[1].measure',
      'einwohner',
    ],
    ['DATASET_NOT_ALLOWED', 'area-statistic', anAreaStatistic({ dataset: 'sgb2' }), 'dataset', 'sgb2'],
    ['UNKNOWN_DATASET', 'area-statistic', anAreaStatistic({ dataset: 'pizza' }), 'dataset', 'pizza'],
    ['KEY_MISMATCH', 'area-statistic', { ...anAreaStatistic(), key: 'x' }, 'key', 'x'],
    ['BAD_PERIOD', 'area-statistic', anAreaStatistic({ period: '0000' }), 'period', '0000'],
    ['BAD_PERIOD', 'area-statistic', anAreaStatistic({ period: '1949' }), 'period', '1949'],
    ['AREA_NOT_VALID', 'area-statistic', anAreaStatistic({ period: '1960' }), 'areaCode', '101'],
    ['LEVEL_NOT_READ', 'area-statistic', anAreaStatistic({ areaLevel: 'STADTBEZIRK', areaCode: '1' }), 'areaLevel', 'STADTBEZIRK'],
    ['OUT_OF_RANGE', 'area-statistic', { ...anAreaStatistic(), version: 3_000_000_000 }, 'version', 3_000_000_000],
    ['OUT_OF_RANGE', 'area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohner', dimensions: {}, value: Number.POSITIVE_INFINITY }] }), 'observations[0].value', 'Infinity'],
    ['OUT_OF_RANGE', 'area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohner', dimensions: {}, value: 1e300 }] }), 'observations[0].value', 1e300],
    ['FRACTIONAL_COUNT', 'area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohner', dimensions: {}, value: 770035.5 }] }), 'observations[0].value', 770035.5],
    ['UNKNOWN_MEASURE', 'area-statistic', anAreaStatistic({ observations: [{ measure: 'einwohnerr', dimensions: {}, value: 1 }] }), 'observations[0].measure', 'einwohnerr'],
    [
      'UNKNOWN_DIMENSION',
      'area-statistic',
      anAreaStatistic({ observations: [{ measure: 'einwohner_alter', dimensions: { alterr: '0-3' }, value: 1 }] }),
      'observations[0].dimensions.alterr',
      'alterr',
    ],
    [
      'UNKNOWN_DIMENSION_VALUE',
      'area-statistic',
      anAreaStatistic({ observations: [{ measure: 'einwohner_alter', dimensions: { alter: '0\u20133' }, value: 1 }] }),
      'observations[0].dimensions.alter',
      '0\u20133',
    ],
    ['TEXT_TOO_LONG', 'area-statistic', anAreaStatistic({ source: 'x'.repeat(501) }), 'source', `${'x'.repeat(200)}…`],
    ['CONTROL_CHARACTER', 'area-statistic', anAreaStatistic({ source: 'Amt\u000015' }), 'source', 'Amt\u000015'],
    ['CONTROL_CHARACTER', 'area-statistic', anAreaStatistic({ source: 'Amt \u001b[31m15' }), 'source', 'Amt \u001b[31m15'],
    ['CONTROL_CHARACTER', 'area-statistic', anAreaStatistic({ source: 'Amt \ud80015' }), 'source', 'Amt \ud80015'],
  ] as const)('%s for an area statistic', (code, recordType, value, field, received) => {
    const errors = errorsOf(recordType, value);
    expect(errors).toContainEqual(expect.objectContaining({ code, row: 0, field, value: received }));
    for (const e of errors) expect(e.accepted.length).toBeGreaterThan(0);
  });

  it.each([
    ['OUTSIDE_CITY', { ...anOffer(), location: { lat: 52.52, lon: 13.4 } }, 'location'],
    ['INVALID_COORDINATES', { ...anOffer(), location: { lat: 150, lon: 6.9 } }, 'location'],
    ['UNKNOWN_OFFER_TYPE', { ...anOffer(), offerType: 'pizzeria' }, 'offerType'],
    ['UNKNOWN_SUBTYPE', { ...anOffer(), offerType: 'schule', subtype: 'zauberschule' }, 'subtype'],
    ['UNKNOWN_TARGET_GROUP', { ...anOffer(), targetGroups: ['familien_mit_kindern', 'aliens'] }, 'targetGroups[1]'],
    ['CAPACITY_WITHOUT_UNIT', { ...anOffer(), capacity: { value: 20 } }, 'capacity.unit'],
    ['UNKNOWN_CAPACITY_UNIT', { ...anOffer(), capacity: { value: 20, unit: 'liter' } }, 'capacity.unit'],
    ['NEGATIVE_COUNT', { ...anOffer(), capacity: { value: -3, unit: 'plaetze' } }, 'capacity.value'],
    ['INVALID_VALUE', { ...anOffer(), reach: 'WELT' }, 'reach'],
    ['BAD_DATE', { ...anOffer(), validFrom: '01.08.2020' }, 'validFrom'],
    ['UNKNOWN_AMT', { ...anOffer(), amt: 'finanzamt' }, 'amt'],
    // offer v2 details
    ['INVALID_VALUE', { ...anOffer(), languages: ['de', 'Türkisch'] }, 'languages[1]'],
    ['INVALID_VALUE', { ...anOffer(), languages: ['de', 'de'] }, 'languages'],
    ['INVALID_VALUE', { ...anOffer(), accessibility: { wheelchair: 'ja' } }, 'accessibility.wheelchair'],
    ['INVALID_VALUE', { ...anOffer(), contact: { email: 'info at example.org' } }, 'contact.email'],
    ['INVALID_VALUE', { ...anOffer(), contact: { phone: 'ruf an' } }, 'contact.phone'],
    ['INVALID_VALUE', { ...anOffer(), contact: { website: 'javascript:alert(1)' } }, 'contact.website'],
    ['UNKNOWN_FIELD', { ...anOffer(), contact: { fax: '0221 1' } }, 'contact.fax'],
  ] as const)('%s for an offer', (code, value, field) => {
    expect(errorsOf('offer', value, 'jugendamt')).toContainEqual(expect.objectContaining({ code, row: 0, field }));
  });

  it('hints at swapped coordinates', () => {
    const [e] = errorsOf('offer', { ...anOffer(), location: { lat: 6.9573, lon: 50.9285 } }, 'jugendamt');
    expect(e).toMatchObject({ code: 'OUTSIDE_CITY' });
    expect(e!.message).toMatch(/swapped/);
  });

  it('checks planning records', () => {
    expect(errorsOf('goal', aGoal({ areas: [{ level: 'STADTTEIL', code: '000' }] }), 'planung')).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_AREA', field: 'areas[0].code' }));
    expect(errorsOf('goal', { ...aGoal(), status: 'dreaming' }, 'planung')).toContainEqual(expect.objectContaining({ code: 'INVALID_VALUE', field: 'status' }));
    expect(errorsOf('measure', aMeasure({ plannedEnd: '2024-01-01' }), 'planung')).toContainEqual(expect.objectContaining({ code: 'BAD_DATE', field: 'plannedEnd' }));
    expect(errorsOf('milestone', aMilestone({ plannedQuarter: null }), 'planung')).toContainEqual(expect.objectContaining({ code: 'MISSING_FIELD' }));
    expect(errorsOf('milestone', aMilestone({ plannedQuarter: '2025-Q5' }), 'planung')).toContainEqual(expect.objectContaining({ code: 'BAD_PERIOD' }));
    expect(errorsOf('status-report', { ...aStatusReport(), progressPercent: 120 }, 'planung')).toContainEqual(expect.objectContaining({ code: 'OUT_OF_RANGE', field: 'progressPercent' }));
  });

  it('rejects the whole batch when one record is bad, naming each bad row', () => {
    const r = validateRecords(
      'area-statistic',
      [
        { row: 0, value: anAreaStatistic() },
        { row: 1, value: anAreaStatistic({ areaCode: '999' }) },
        { row: 2, value: anAreaStatistic({ areaCode: '102', period: 'soon' }) },
        { row: 3, value: anAreaStatistic() },
      ],
      ctx('statistik'),
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => [e.row, e.code])).toEqual([
      [1, 'UNKNOWN_AREA'],
      [2, 'BAD_PERIOD'],
      [3, 'DUPLICATE_KEY'],
    ]);
  });

  it('reports an empty batch', () => {
    const r = validateRecords('offer', [], ctx('jugendamt'));
    expect(!r.ok && r.errors[0]!.code).toBe('EMPTY_BATCH');
  });
});

describe('published values (area-statistic v3: valueKind, unit, denominator)', () => {
  // the Köln feed catalogue plus a published share and a signed change of the Bevölkerung
  const yaml = readFileSync(new URL('../catalogue/feeds.yaml', import.meta.url), 'utf8').replace(
    '      einwohner: {}\n',
    '      einwohner: {}\n      sgb2_anteil: { kind: share }\n      einwohner_diff: { kind: change, unit: Personen }\n',
  );
  const published = { ...ctx('statistik'), catalogue: FeedCatalogue.parse(yaml) };
  const check = (observations: unknown[]) => {
    const r = validateRecords('area-statistic', [{ row: 0, value: anAreaStatistic({ observations: observations as never }) }], published);
    return r.ok ? { ok: true as const, observations: r.records[0]!.record.observations } : { ok: false as const, errors: r.errors };
  };

  it('accepts a share in % or as a fraction and a negative change, each with unit and denominator', () => {
    const r = check([
      { measure: 'sgb2_anteil', dimensions: {}, value: 0.125, valueKind: 'SHARE', unit: 'fraction', denominator: 800 },
      { measure: 'einwohner_diff', dimensions: {}, value: -42, valueKind: 'CHANGE', unit: 'Personen', denominator: 1200 },
      { measure: 'einwohner', dimensions: {}, value: 27515 },
    ]);
    expect(r.ok).toBe(true);
    expect(r.ok && r.observations).toMatchObject([
      { measure: 'sgb2_anteil', value: 0.125, valueKind: 'SHARE', unit: 'fraction', denominator: 800 },
      { measure: 'einwohner_diff', value: -42, valueKind: 'CHANGE', unit: 'Personen', denominator: 1200 },
      { measure: 'einwohner', value: 27515 },
    ]);
    expect(check([{ measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE', unit: '%', denominator: null }]).ok).toBe(true);
  });

  it("refuses a value of the wrong kind, a share out of its unit's range, a missing or unknown unit and a denominator that is no count", () => {
    const errors = (o: unknown) => {
      const r = check([o]);
      return r.ok ? [] : r.errors.map((e) => ({ code: e.code, field: e.field }));
    };
    // a share delivered as a count, a count delivered as a share
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: 12 })).toEqual([{ code: 'VALUE_KIND_MISMATCH', field: 'observations[0].valueKind' }]);
    expect(errors({ measure: 'einwohner', dimensions: {}, value: 12, valueKind: 'SHARE', unit: '%' })).toEqual([{ code: 'VALUE_KIND_MISMATCH', field: 'observations[0].valueKind' }]);
    // a count stays non-negative and carries no unit
    expect(errors({ measure: 'einwohner', dimensions: {}, value: -1 })).toEqual([{ code: 'NEGATIVE_COUNT', field: 'observations[0].value' }]);
    expect(errors({ measure: 'einwohner', dimensions: {}, value: 1, unit: '%' })).toEqual([{ code: 'INVALID_VALUE', field: 'observations[0].unit' }]);
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE', unit: 'fraction' })).toEqual([{ code: 'OUT_OF_RANGE', field: 'observations[0].value' }]);
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: -1, valueKind: 'SHARE', unit: '%' })).toEqual([{ code: 'OUT_OF_RANGE', field: 'observations[0].value' }]);
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE', unit: 'Prozent' })).toEqual([{ code: 'UNKNOWN_UNIT', field: 'observations[0].unit' }]);
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE' })).toEqual([{ code: 'MISSING_FIELD', field: 'observations[0].unit' }]);
    expect(errors({ measure: 'einwohner_diff', dimensions: {}, value: -3, valueKind: 'CHANGE', unit: 'EUR' })).toEqual([{ code: 'UNKNOWN_UNIT', field: 'observations[0].unit' }]);
    expect(errors({ measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE', unit: '%', denominator: 2.5 })).toEqual([
      { code: 'FRACTIONAL_COUNT', field: 'observations[0].denominator' },
    ]);
    expect(errors({ measure: 'einwohner_diff', dimensions: {}, value: -3, valueKind: 'CHANGE', unit: 'Personen', denominator: -5 })).toEqual([
      { code: 'NEGATIVE_COUNT', field: 'observations[0].denominator' },
    ]);
  });
});
