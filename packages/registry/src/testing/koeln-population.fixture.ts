// Real Köln residents 2012 by age band per Stadtteil (../shared/data/koeln/statistik), as a
// PopulationSource for tests. In the platform the same numbers come from the indicator warehouse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot } from '@sp/spatial';
import { staticPopulationSource, type AreaPopulation, type PopulationSource } from '../population.source.js';

// CSV columns "0 - 2" … "80 u. älter" are completed years; band labels are half-open ("0-3" = 0 to under 3)
const bandOf: Record<string, string> = {
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

export function koelnStadtteilPopulation2012(): Record<string, AreaPopulation> {
  const text = readFileSync(join(defaultDataRoot(), 'data/koeln/statistik/koeln_2012_einwohner_altersgruppen_stadtteile.csv'), 'utf8');
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const cols = head!.split(',').map((c) => c.trim());
  const out: Record<string, AreaPopulation> = {};
  for (const line of lines) {
    const cells = line.split(',');
    const byAge: Record<string, number> = {};
    cols.forEach((c, i) => {
      if (bandOf[c]) byAge[bandOf[c]] = Number(cells[i]);
    });
    out[cells[0]!.trim()] = { total: Number(cells[2]), byAge };
  }
  return out;
}

export function koelnPopulation2012(): PopulationSource {
  const stadtteile = koelnStadtteilPopulation2012();
  const sum = (codes: string[]): AreaPopulation => {
    const byAge: Record<string, number> = {};
    let total = 0;
    for (const c of codes) {
      total += stadtteile[c]!.total;
      for (const [b, n] of Object.entries(stadtteile[c]!.byAge)) byAge[b] = (byAge[b] ?? 0) + n;
    }
    return { total, byAge };
  };
  const codes = Object.keys(stadtteile);
  const bezirke = Object.fromEntries([...new Set(codes.map((c) => c[0]!))].map((b) => [b, sum(codes.filter((c) => c[0] === b))]));
  return staticPopulationSource({ STADTTEIL: stadtteile, STADTBEZIRK: bezirke, STADT: { '0': sum(codes) } });
}
