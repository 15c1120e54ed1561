// An index is scored at the levels its definition names, whatever the city calls them: Musterstadt
// (the fixture town: Sozialräume, Wohnplätze, Fördergebiete as planning areas) delivers at its
// Sozialräume, and one index is scored at SOZIALRAUM and at the planning level FOERDERGEBIET.
import { fileURLToPath } from 'node:url';
import { parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaMapRows } from './area-map.js';
import { IndexProjector } from './index-projector.js';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { indexYaml } from './testing/index.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

const reference = loadReference(fileURLToPath(new URL('../../spatial/reference/fixtures/musterstadt.yaml', import.meta.url)), { dataRoot: '/nonexistent' });

const catalogue = parseCatalogue(`
catalogueVersion: 1
datasets:
  bev: { name: Bevölkerung, periodicity: year, amt: statistik, synthetic: false }
indicators:
  - { code: einwohner, version: 1, kind: count, name: E, definition: E, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bev, measure: einwohner, sourceLevel: SOZIALRAUM }
  - { code: bezieher, version: 1, kind: count, name: B, definition: B, unit: P, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: bev, measure: bezieher, sourceLevel: SOZIALRAUM }
  - { code: quote, version: 1, kind: ratio, name: Q, definition: Q, unit: "%", amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, numerator: bezieher, denominator: einwohner, factor: 100 }
${indexYaml({ code: 'lage', inputs: ['quote'], levels: ['SOZIALRAUM', 'FOERDERGEBIET'] })}${indexYaml({ code: 'nur_sozialraum', inputs: ['quote'], levels: ['SOZIALRAUM'] })}`);

const residents = [1000, 1200, 800, 1500, 900, 1100, 700];
const recipients = [100, 60, 120, 90, 45, 200, 35];
let seq = 0;
const record = (areaCode: string, measure: string, value: number): AreaStatisticEvent => {
  seq += 1;
  return {
    key: `bev|SOZIALRAUM|${areaCode}|2021|${measure}`,
    version: 1,
    tombstone: false,
    deliveredAt: Date.UTC(2022, 0, 1) + seq,
    amt: 'statistik',
    deliveryId: `d-${seq}`,
    payload: { dataset: 'bev', areaLevel: 'SOZIALRAUM', areaCode, period: '2021', synthetic: false, observations: [{ measure, dimensions: {}, value }] },
  };
};

describe('index projector at the levels a definition names', () => {
  let wh: Warehouse;
  let reader: WarehouseIndicatorReader;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-index-levels-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, areaMapRows(reference));
    const events = reference.areas('SOZIALRAUM').flatMap((a, i) => [record(a.code, 'einwohner', residents[i]!), record(a.code, 'bezieher', recipients[i]!)]);
    await new IndicatorProjector(wh, { recordKeySecret: 'index-levels-test-record-keys' }).apply(events);
    reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels });
  });
  afterAll(async () => wh?.close());

  it('scores each definition at its own levels, the planning level included', async () => {
    await new IndexProjector(wh, reader, catalogue).recompute(['2021']);
    const rows = await wh.query<{ index_code: string; area_level: string; n: string }>(
      'SELECT index_code, area_level, count() AS n FROM index_values FINAL GROUP BY index_code, area_level ORDER BY index_code, area_level',
    );
    expect(rows.map((r) => `${r.index_code} ${r.area_level} ${r.n}`)).toEqual(['lage FOERDERGEBIET 2', 'lage SOZIALRAUM 7', 'nur_sozialraum SOZIALRAUM 7']);

    // by hand: F1 = Sozialräume 1 and 2, F2 = Sozialraum 3 (7 only partly, so not a member);
    // two areas standardise to ±1, and input and index share polarity −1 (+z): the higher quote is +1
    const f1 = ((100 + 60) / (1000 + 1200)) * 100;
    const f2 = (120 / 800) * 100;
    const scores = await reader.indexValues({ index: 'lage', level: 'FOERDERGEBIET', period: '2021', privileged: true });
    expect(scores.map((s) => s.areaCode)).toEqual(['F1', 'F2']);
    expect(scores.map((s) => s.score)).toEqual(f2 > f1 ? [-1, 1] : [1, -1]);
  });

  it('scores only the levels it is told to when the composition restricts them', async () => {
    await wh.command('TRUNCATE TABLE index_values');
    await new IndexProjector(wh, reader, catalogue, { levels: ['SOZIALRAUM'] }).recompute(['2021']);
    const levels = await wh.query<{ area_level: string }>('SELECT DISTINCT area_level FROM index_values FINAL');
    expect(levels.map((r) => r.area_level)).toEqual(['SOZIALRAUM']);
  });
});
