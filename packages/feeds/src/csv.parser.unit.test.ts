import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { detectDialect, numberShape, parseCsvDelivery, parseNumberCell } from './csv.parser.js';
import { validateRecords } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx = (amt: string) => ({ amt, catalogue: FeedCatalogue.load(), taxonomy: Taxonomy.load(), spatial: fixtureSpatialChecks(), now: new Date('2025-06-15T00:00:00Z') });

describe('CSV deliveries', () => {
  it('refuses a CSV of scenarios, which hold nested lists, naming JSON as what is accepted', () => {
    const r = parseCsvDelivery('scenario', 'key;version;name\nneubau;1;Neubau\n');
    expect(r).toMatchObject({ ok: false, errors: [{ code: 'INVALID_CSV', message: expect.stringContaining('JSON only'), accepted: expect.stringContaining('application/json') }] });
  });

  it('reads numbers with the decimal mark of the file', () => {
    expect(parseNumberCell('1.234,5', ',')).toBe(1234.5);
    expect(parseNumberCell('12,5', ',')).toBe(12.5);
    expect(parseNumberCell('1.234', ',')).toBe(1234);
    expect(parseNumberCell('1.234.567', ',')).toBe(1234567);
    expect(parseNumberCell('1234.5', '.')).toBe(1234.5);
    expect(parseNumberCell('1,234.5', '.')).toBe(1234.5);
    expect(parseNumberCell('1,234.5', ',')).toBeUndefined();
    expect(parseNumberCell('-3', ',')).toBe(-3);
    expect(parseNumberCell('abc', ',')).toBeUndefined();
    expect(parseNumberCell('1,2,3', ',')).toBeUndefined();
    expect(parseNumberCell('12.34.5', ',')).toBeUndefined();
  });

  it('tells what a number cell says about the decimal mark', () => {
    expect(numberShape('1.234,5')).toEqual({ kind: 'decimal', mark: ',' });
    expect(numberShape('1,234.5')).toEqual({ kind: 'decimal', mark: '.' });
    expect(numberShape('12.5')).toEqual({ kind: 'decimal', mark: '.' });
    expect(numberShape('1.234.567')).toEqual({ kind: 'decimal', mark: ',' });
    expect(numberShape('1.234')).toEqual({ kind: 'ambiguous', mark: '.' });
    expect(numberShape('0.234')).toEqual({ kind: 'decimal', mark: '.' });
    expect(numberShape('1234')).toEqual({ kind: 'plain' });
  });

  it('decides one number format per file and refuses mixed or ambiguous numbers', () => {
    const values = (r: ReturnType<typeof parseCsvDelivery>) => (r.ok ? (r.rows[0]!.value as { observations: { value: unknown }[] }).observations.map((o) => o.value) : r.errors);
    const header = 'dataset,areaLevel,areaCode,period,measure,value,version\n';
    const comma = parseCsvDelivery('area-statistic', `${header}bevoelkerung,STADTTEIL,101,2012,einwohner,1.234,1\n`);
    expect(comma.ok ? [] : comma.errors).toMatchObject([{ row: 2, field: 'value', value: '1.234', code: 'AMBIGUOUS_NUMBER' }]);
    expect(comma.ok ? '' : comma.errors[0]!.message).toMatch(/1\.234 .* or as 1234 /);
    // another number of the file settles it
    expect(values(parseCsvDelivery('area-statistic', `${header}bevoelkerung,STADTTEIL,101,2012,einwohner,1.234,1\nbevoelkerung,STADTTEIL,101,2012,aussiedler,12.5,1\n`))).toEqual([1.234, 12.5]);
    const semi = 'dataset;areaLevel;areaCode;period;measure;value;version\n';
    expect(values(parseCsvDelivery('area-statistic', `${semi}bevoelkerung;STADTTEIL;101;2012;einwohner;1,234.5;1\n`))).toEqual([1234.5]);
    const mixed = parseCsvDelivery('area-statistic', `${semi}bevoelkerung;STADTTEIL;101;2012;einwohner;1,234.5;1\nbevoelkerung;STADTTEIL;101;2012;aussiedler;12,5;1\n`);
    expect(mixed.ok ? [] : mixed.errors).toMatchObject([{ code: 'AMBIGUOUS_NUMBER', row: 2, field: 'value' }]);
    // German Excel: "1.234" in a ";" file is 1234
    expect(values(parseCsvDelivery('area-statistic', `${semi}bevoelkerung;STADTTEIL;101;2012;einwohner;27.515;1\n`))).toEqual([27515]);
  });

  it('reads published shares and signed changes (valueKind, unit, denominator; area-statistic v3), empty cells leave a count', () => {
    const csv =
      'dataset;areaLevel;areaCode;period;measure;value;valueKind;unit;denominator;version\n' +
      'bevoelkerung;STADTTEIL;101;2012;sgb2_anteil;12,5;SHARE;%;800;1\n' +
      'bevoelkerung;STADTTEIL;101;2012;einwohner_diff;-42;CHANGE;Personen;1.200;1\n' +
      'bevoelkerung;STADTTEIL;101;2012;einwohner;27.515;;;;1\n';
    const r = parseCsvDelivery('area-statistic', csv);
    expect(r.ok && (r.rows[0]!.value as { observations: unknown[] }).observations).toEqual([
      { measure: 'sgb2_anteil', dimensions: {}, value: 12.5, valueKind: 'SHARE', unit: '%', denominator: 800 },
      { measure: 'einwohner_diff', dimensions: {}, value: -42, valueKind: 'CHANGE', unit: 'Personen', denominator: 1200 },
      { measure: 'einwohner', dimensions: {}, value: 27515 },
    ]);
  });

  it('refuses bytes that are not UTF-8, naming the offset', () => {
    const latin1 = Buffer.concat([Buffer.from('dataset;areaLevel;areaCode;period;measure;value;version\nbevoelkerung;STADTTEIL;101;2012;einwohner;1;1;K'), Buffer.from([0xf6]), Buffer.from('ln\n')]);
    const r = parseCsvDelivery('area-statistic', latin1);
    expect(r.ok ? [] : r.errors).toMatchObject([{ code: 'INVALID_ENCODING', value: `0xF6 at byte ${latin1.indexOf(0xf6)}` }]);
  });

  it('detects the separator from the header row', () => {
    expect(detectDialect('a;b;c\n1;2;3')).toEqual({ delimiter: ';', decimal: ',' });
    expect(detectDialect('a,b,c\n1,2,3')).toEqual({ delimiter: ',', decimal: '.' });
    expect(detectDialect('a\tb\n1\t2')).toEqual({ delimiter: '\t', decimal: ',' });
  });

  it('groups area-statistic rows into records, with dimensions, BOM, ; and decimal commas', () => {
    const csv =
      '\uFEFFdataset;areaLevel;areaCode;period;measure;dim_alter;dim_geschlecht;value;version\r\n' +
      'bevoelkerung;STADTTEIL;101;2012;einwohner;;;27.515;1\r\n' +
      'bevoelkerung;STADTTEIL;101;2012;einwohner_alter;0-3;;521;1\r\n' +
      'bevoelkerung;STADTTEIL;101;2012;einwohner_geschlecht;;w;14.001,0;1\r\n' +
      'bevoelkerung;STADTTEIL;102;2012;einwohner;;;38416;1\r\n';
    const parsed = parseCsvDelivery('area-statistic', csv);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.rows.map((r) => r.row)).toEqual([2, 5]);
    const r = validateRecords('area-statistic', parsed.rows, ctx('statistik'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.records[0]!.record).toEqual({
      key: 'bevoelkerung|STADTTEIL|101|2012',
      version: 1,
      dataset: 'bevoelkerung',
      areaLevel: 'STADTTEIL',
      areaCode: '101',
      period: '2012',
      observations: [
        { measure: 'einwohner', dimensions: {}, value: 27515 },
        { measure: 'einwohner_alter', dimensions: { alter: '0-3' }, value: 521 },
        { measure: 'einwohner_geschlecht', dimensions: { geschlecht: 'w' }, value: 14001 },
      ],
      synthetic: false,
      source: null,
    });
  });

  it('names the spreadsheet row and the column of a bad cell', () => {
    const csv =
      'dataset;areaLevel;areaCode;period;measure;value;version\nbevoelkerung;STADTTEIL;101;2012;einwohner;27515;1\nbevoelkerung;STADTTEIL;101;2012;aussiedler;-5;1\nbevoelkerung;STADTTEIL;101;2012;eingebuergerte;viele;1\n';
    const parsed = parseCsvDelivery('area-statistic', csv);
    const r = parsed.ok ? validateRecords('area-statistic', parsed.rows, ctx('statistik')) : parsed;
    expect(!r.ok && r.errors.map((e) => [e.row, e.field, e.code, e.value])).toEqual([[4, 'value', 'WRONG_TYPE', 'viele']]);
    const neg = parseCsvDelivery('area-statistic', csv.split('\n').slice(0, 3).join('\n'));
    const r2 = neg.ok ? validateRecords('area-statistic', neg.rows, ctx('statistik')) : neg;
    expect(!r2.ok && r2.errors.map((e) => [e.row, e.field, e.code])).toEqual([[3, 'value', 'NEGATIVE_COUNT']]);
  });

  it('reads offers with coordinates, lists in a cell and capacity', () => {
    const csv =
      'key;version;name;offerType;provider;amt;targetGroups;street;postcode;city;lat;lon;capacity;capacityUnit;reach;validFrom;source;synthetic\n' +
      'kita:1;1;Kita Sonne;Kita (Kindertageseinrichtung);Stadt Köln;jugendamt;familien_mit_kindern, alleinerziehende;Severinstr. 1;50678;Köln;50,9285;6,9573;60;plaetze;STADTTEIL;2020-08-01;Jugendamt;nein\n' +
      'kita:2;1;Kita Mond;kita;Stadt Köln;jugendamt;familien_mit_kindern|alleinerziehende;;;Köln;50,93;6,95;40;;STADTTEIL;2020-08-01;Jugendamt;nein\n';
    const parsed = parseCsvDelivery('offer', csv);
    expect(parsed.ok).toBe(true);
    const r = parsed.ok ? validateRecords('offer', parsed.rows, ctx('jugendamt')) : parsed;
    expect(!r.ok && r.errors.map((e) => [e.row, e.field, e.code])).toEqual([[3, 'capacityUnit', 'CAPACITY_WITHOUT_UNIT']]);
    const first = parseCsvDelivery('offer', csv.split('\n').slice(0, 2).join('\n'));
    const ok = first.ok ? validateRecords('offer', first.rows, ctx('jugendamt')) : first;
    expect(ok.ok && ok.records[0]!.record).toMatchObject({
      offerType: 'kita',
      targetGroups: ['familien_mit_kindern', 'alleinerziehende'],
      location: { lat: 50.9285, lon: 6.9573 },
      capacity: { value: 60, unit: 'plaetze' },
      address: { street: 'Severinstr. 1', postcode: '50678', city: 'Köln' },
      synthetic: false,
    });
  });

  it('reads the details of offer v2 (opening hours, languages, accessibility, contact) from their columns', () => {
    const csv =
      'key;version;name;offerType;provider;amt;targetGroups;city;lat;lon;reach;validFrom;source;synthetic;openingHours;languages;wheelchair;accessibilityNote;phone;email;website\n' +
      'treff:1;1;Treff;offener_treff;Träger e. V.;jugendamt;alleinerziehende;Köln;50,9285;6,9573;STADTTEIL;2020-08-01;Jugendamt;ja;Di 10–12 Uhr;de|tr;limited;Rampe hinten;0221 123456;info@example.org;https://example.org/\n' +
      'treff:2;1;Treff 2;offener_treff;Träger e. V.;jugendamt;alleinerziehende;Köln;50,9285;6,9573;STADTTEIL;2020-08-01;Jugendamt;ja;;;;;;;\n';
    const parsed = parseCsvDelivery('offer', csv);
    const r = parsed.ok ? validateRecords('offer', parsed.rows, ctx('jugendamt')) : parsed;
    expect(r.ok && r.records.map((x) => x.record)).toMatchObject([
      {
        openingHours: 'Di 10–12 Uhr',
        languages: ['de', 'tr'],
        accessibility: { wheelchair: 'limited', note: 'Rampe hinten' },
        contact: { phone: '0221 123456', email: 'info@example.org', website: 'https://example.org/' },
      },
      { openingHours: null, languages: [], accessibility: null, contact: null },
    ]);
  });

  it('reports malformed CSV, unknown columns and inconsistent rows', () => {
    const ragged = parseCsvDelivery('offer', 'key;version\nkita:1;1;extra\n');
    expect(!ragged.ok && ragged.errors[0]).toMatchObject({ code: 'INVALID_CSV', row: 2 });
    const quote = parseCsvDelivery('offer', 'key;version\n"kita:1;1\n');
    expect(!quote.ok && quote.errors[0]!.code).toBe('INVALID_CSV');
    const unknown = parseCsvDelivery('offer', 'key;farbe\nkita:1;rot\n');
    expect(!unknown.ok && unknown.errors[0]).toMatchObject({ code: 'UNKNOWN_FIELD', row: 1, field: 'farbe' });
    const inconsistent = parseCsvDelivery('area-statistic', 'dataset;areaLevel;areaCode;period;measure;value;version\nbevoelkerung;STADTTEIL;101;2012;a;1;1\nbevoelkerung;STADTTEIL;101;2012;b;1;2\n');
    expect(!inconsistent.ok && inconsistent.errors[0]).toMatchObject({ code: 'INCONSISTENT_ROWS', row: 3, field: 'version' });
    const empty = parseCsvDelivery('offer', '');
    expect(!empty.ok && empty.errors[0]!.code).toBe('EMPTY_BATCH');
  });

  it('reads goal targets per area and year and approved budget (goal v2, measure v2)', () => {
    const goalCsv =
      'key;version;title;areas;targetGroups;indicator;targetDirection;targets;status;example\ng:1;1;Chorweiler wächst;STADTTEIL:609;;einwohner;increase;STADTTEIL:609:2025:12.500|STADTTEIL:609:2030:13500,5;draft;nein\n';
    const g = parseCsvDelivery('goal', goalCsv);
    const goal = g.ok ? validateRecords('goal', g.rows, ctx('planung')) : g;
    expect(goal.ok && goal.records[0]!.record).toMatchObject({
      targetDirection: 'increase',
      targets: [
        { area: { level: 'STADTTEIL', code: '609' }, year: 2025, value: 12500 },
        { area: { level: 'STADTTEIL', code: '609' }, year: 2030, value: 13500.5 },
      ],
    });
    const measureCsv =
      'key;version;title;goalKeys;areas;targetGroups;leadAmt;participants;budget;plannedStart;plannedEnd;status;example\nm:1;1;Kita;;STADTTEIL:101;;jugendamt;;2025:150000:0:120000|2026:200000:0;2025-01-01;2026-12-31;decided;nein\n';
    const m = parseCsvDelivery('measure', measureCsv);
    const measure = m.ok ? validateRecords('measure', m.rows, ctx('planung')) : m;
    expect(measure.ok && measure.records[0]!.record).toMatchObject({
      budget: [
        { year: 2025, planned: 150000, spent: 0, approved: 120000 },
        { year: 2026, planned: 200000, spent: 0, approved: null },
      ],
    });
  });
  it('reads planning records with lists, areas and budget lines', () => {
    const csv =
      'key;version;title;goalKeys;areas;targetGroups;leadAmt;participants;budget;plannedStart;plannedEnd;status;example\nm:1;1;Kita-Neubau;goal:a|goal:b;STADTTEIL:101|STADTBEZIRK:1;familien_mit_kindern;jugendamt;planung;2025:1.500.000,00:0|2026:200000:0;2025-01-01;2026-12-31;proposed;ja\n';
    const parsed = parseCsvDelivery('measure', csv);
    const r = parsed.ok ? validateRecords('measure', parsed.rows, ctx('planung')) : parsed;
    expect(r.ok && r.records[0]!.record).toMatchObject({
      goalKeys: ['goal:a', 'goal:b'],
      areas: [
        { level: 'STADTTEIL', code: '101' },
        { level: 'STADTBEZIRK', code: '1' },
      ],
      budget: [
        { year: 2025, planned: 1_500_000, spent: 0 },
        { year: 2026, planned: 200000, spent: 0 },
      ],
      example: true,
    });
  });
});
