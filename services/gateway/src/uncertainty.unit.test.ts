// Uncertainty on indicator values (docs/uncertainty-and-typology.md): the API returns a Wilson
// interval and a small-number flag computed from the numerator and denominator it shows, nothing
// for withheld figures, and the CSV exports add them only when asked (uncertainty=true).
import { wilsonInterval } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { testGateway } from './testing/gateway.fixture.js';

const query = `{ indicatorValues(indicator: "sgb2_quote", level: STADTTEIL, period: "2012") {
  area { code } value numerator denominator suppressed interval { lower upper level method } smallNumber smallNumberReasons } }`;

describe('uncertainty of indicator values', () => {
  it('gives every shown rate the Wilson interval of its shown numerator and denominator, × 100', async () => {
    const { gql } = testGateway();
    const r = await gql(query);
    expect(r.errors).toBeUndefined();
    const rows = r.data.indicatorValues as {
      value: number | null;
      numerator: number | null;
      denominator: number | null;
      suppressed: boolean;
      interval: { lower: number; upper: number; level: number; method: string } | null;
      smallNumber: boolean | null;
    }[];
    const shown = rows.filter((v) => !v.suppressed);
    expect(shown.length).toBeGreaterThan(0);
    for (const v of shown) {
      const w = wilsonInterval(v.numerator!, v.denominator!)!;
      expect(v.interval).toEqual({ lower: w.lower * 100, upper: w.upper * 100, level: 0.95, method: 'WILSON' });
      expect(v.interval!.lower).toBeLessThanOrEqual(v.value!);
      expect(v.interval!.upper).toBeGreaterThanOrEqual(v.value!);
      expect(v.smallNumber).toBe(v.numerator! < 20 || v.denominator! < 100);
    }
  });

  it('shows no interval and no flag for a withheld ("geschützt") figure', async () => {
    const { gql } = testGateway();
    const rows = (await gql(query)).data.indicatorValues as { suppressed: boolean; interval: unknown; smallNumber: unknown; smallNumberReasons: unknown }[];
    const hidden = rows.filter((v) => v.suppressed);
    expect(hidden.length).toBeGreaterThan(0);
    for (const v of hidden) expect(v).toMatchObject({ interval: null, smallNumber: null, smallNumberReasons: null });
  });

  it('gives counts no interval and no flag, and documents the method per indicator', async () => {
    const { gql } = testGateway();
    const r = await gql(`{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", areas: ["104"]) { value interval { lower } smallNumber }
      rate: indicator(code: "sgb2_quote") { uncertainty { method level minNumerator minDenominator } }
      count: indicator(code: "einwohner") { uncertainty { method } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.indicatorValues[0]).toMatchObject({ interval: null, smallNumber: null });
    expect(r.data.rate.uncertainty).toEqual({ method: 'WILSON', level: 0.95, minNumerator: 20, minDenominator: 100 });
    expect(r.data.count.uncertainty).toEqual({ method: null });
  });

  it('adds the interval columns to a CSV export only with uncertainty=true; the default layout is unchanged', async () => {
    const { get } = testGateway();
    const plain = await (await get('/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012')).text();
    expect(plain.replace(/^\uFEFF/, '').split('\r\n')[0]).toMatch(/^Indikator;.*;Hinweis;Herkunft;Werttyp$/);
    const res = await get('/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012&uncertainty=true');
    expect(res.status).toBe(200);
    const lines = (await res.text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^Indikator;.*;Hinweis;KI unten;KI oben;KI Niveau;Kleine Fallzahl;Herkunft;Werttyp$/);
    const row = lines.find((l) => l.includes(';104;'))!.split(';');
    const [num, den] = [Number(row[8]!.replace(',', '.')), Number(row[9]!.replace(',', '.'))];
    const w = wilsonInterval(num, den)!;
    expect(Number(row[17]!.replace(',', '.'))).toBeCloseTo(w.lower * 100, 6);
    expect(Number(row[18]!.replace(',', '.'))).toBeCloseTo(w.upper * 100, 6);
    expect(row[19]).toBe('0,95');
    // a withheld row has empty uncertainty cells
    const altstadt = lines.find((l) => l.includes(';101;'))!.split(';');
    expect(altstadt.slice(17, 21)).toEqual(['', '', '', '']);
  });

  it('adds the same columns to the ranking and comparison exports when asked', async () => {
    const { get } = testGateway();
    const ranking = (await (await get('/export/ranking.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012&first=3&uncertainty=true')).text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(ranking[0]).toMatch(/^Rang;.*;Hinweis;KI unten;KI oben;KI Niveau;Kleine Fallzahl;Herkunft;Werttyp$/);
    expect(ranking[1]!.split(';')[20]).toBe('0,95');
    const comparison = (await (await get('/export/comparison.csv?indicator=sgb2_quote&level=STADTTEIL&code=104&period=2012&uncertainty=true')).text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(comparison[0]).toMatch(/^Vergleich;.*;Kleine Fallzahl;Herkunft;Werttyp$/);
  });

  it('rejects an uncertainty parameter other than true/false with 400 naming it', async () => {
    const { get } = testGateway();
    const res = await get('/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012&uncertainty=ja');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    expect(body.errors[0].message).toMatch(/query parameter uncertainty: .*"true"/);
  });
});
