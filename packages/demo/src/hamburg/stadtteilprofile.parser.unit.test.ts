import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultDataRoot } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { ProfileParseError, parseProfileNumber, parseStadtteilProfile, type ProfileRow } from './stadtteilprofile.parser.js';

const bezirke = ['Hamburg-Mitte', 'Altona', 'Eimsbüttel', 'Hamburg-Nord', 'Wandsbek', 'Bergedorf', 'Harburg'];
const published = () => readFileSync(resolve(defaultDataRoot(), 'data/hamburg/statistik/hamburg_stadtteilprofile_2014.csv'), 'utf8');

describe('a published cell', () => {
  it('reads blanks as thousands separators and padding, the decimal comma, and signs split by blanks', () => {
    expect(parseProfileNumber('  1 675    ', 'c')).toBe(1675);
    expect(parseProfileNumber(' 26 493', 'c')).toBe(26493);
    expect(parseProfileNumber(' 11,1    ', 'c')).toBe(11.1);
    expect(parseProfileNumber('-  23    ', 'c')).toBe(-23);
  });
  it('reads "." as no value, never 0, and "-" as nothing (0)', () => {
    expect(parseProfileNumber('.', 'c')).toBeNull();
    expect(parseProfileNumber('-    ', 'c')).toBe(0);
  });
  it('refuses anything else, naming where', () => {
    expect(() => parseProfileNumber('1.675', 'line 3, column X')).toThrow(/line 3, column X: "1.675" is no number; accepted: digits/);
    expect(() => parseProfileNumber('', 'c')).toThrow(ProfileParseError);
  });
});

describe('the Stadtteil-Profile 2014 as published', () => {
  const profile = parseStadtteilProfile(published(), { bezirke });
  const byKind = (k: ProfileRow['kind']) => profile.rows.filter((r) => r.kind === k);
  const unit = (name: string, kind: ProfileRow['kind'] = 'stadtteil') => profile.rows.find((r) => r.name === name && r.kind === kind)!;

  it('has 99 statistical units, then the 7 Bezirke, then Hamburg', () => {
    expect(byKind('stadtteil')).toHaveLength(99);
    expect(byKind('bezirk').map((r) => r.name)).toEqual(bezirke);
    expect(byKind('stadt').map((r) => r.name)).toEqual(['Hamburg']);
    expect(profile.headers).toHaveLength(69);
  });

  it('reads the real 2013 figures of Hamburg-Altstadt', () => {
    expect(unit('Hamburg-Altstadt').values).toMatchObject({
      bevoelkerung: 1675,
      unter18: 162,
      ab65: 219,
      haushalte: 1229,
      haushalteMitKindern: 107,
      alleinerziehende: 40,
      anteilAlleinerziehende: 37.4,
      arbeitslose: 71,
      arbeitslosenanteil: 5.4,
      sgb2Empfaenger: 186,
      sgb2Anteil: 11.1,
      u15Mindestsicherung: 49,
      u15MindestsicherungAnteil: 36.8,
      bedarfsgemeinschaften: 106,
      steuerpflichtige: 1728,
      einkommenJeSteuerpflichtigen: 26493,
    });
  });

  it('keeps "." as no value: Hamburg-Altstadt has no published land price, which is not 0', () => {
    expect(unit('Hamburg-Altstadt').values.grundstueckspreis).toBeNull();
    expect(unit('Billstedt').values.grundstueckspreis).toBeGreaterThan(0);
  });

  it('tells the Stadtteil Eimsbüttel from the Bezirk Eimsbüttel by position', () => {
    expect(unit('Eimsbüttel').values.bevoelkerung).toBe(56097);
    expect(unit('Eimsbüttel', 'bezirk').values.bevoelkerung).toBe(252340);
    for (const name of ['Wandsbek', 'Bergedorf', 'Harburg']) expect(unit(name).values.bevoelkerung).toBeLessThan(unit(name, 'bezirk').values.bevoelkerung!);
  });

  it('splits the rows that join two Stadtteile and keeps their joint figures', () => {
    const joined = byKind('stadtteil').filter((r) => r.parts.length > 1);
    expect(joined.map((r) => r.parts)).toEqual([
      ['Kleiner Grasbrook', 'Steinwerder'],
      ['Waltershof', 'Finkenwerder'],
      ['Neuland', 'Gut Moor'],
      ['Moorburg', 'Altenwerder'],
    ]);
    expect(unit('Kleiner Grasbrook und Steinwerder').values).toMatchObject({ bevoelkerung: 1259, sgb2Empfaenger: 244 });
  });

  it('adds up: the units sum to the Bezirke for SGB II; the city counts persons no Stadtteil holds', () => {
    const sum = (rows: ProfileRow[], f: 'sgb2Empfaenger' | 'bevoelkerung') => rows.reduce((s, r) => s + r.values[f]!, 0);
    expect(sum(byKind('stadtteil'), 'sgb2Empfaenger')).toBe(178414);
    expect(sum(byKind('bezirk'), 'sgb2Empfaenger')).toBe(178414);
    expect(unit('Hamburg', 'stadt').values.sgb2Empfaenger).toBe(178824);
    expect(sum(byKind('stadtteil'), 'bevoelkerung')).toBe(1782217);
    expect(unit('Hamburg', 'stadt').values.bevoelkerung).toBe(1788994);
  });

  it('refuses a file whose Bezirk block is not where it should be', () => {
    expect(() => parseStadtteilProfile(published(), { bezirke: [...bezirke, 'Cranz-Nord'] })).toThrow(/line 100: "Cranz" stands where a Bezirk row is expected/);
  });
});
