// Onboards Hamburg as an outsider would: reads the published geometry and Stadtteil-Profile from the
// shared data (data/hamburg) and delivers, through the platform's HTTP ingestion API with the
// Statistikamt's API key and nothing else, first its spatial reference — levels, Bezirke, Stadtteile
// and Ortsteile with their boundaries, the joined statistical units as unions, the root — then the
// figures. The platform runs with Hamburg's catalogues (the tenant pack `hamburg`, or SP_REFERENCE,
// SP_INDICATOR_CATALOGUE, SP_FEED_CATALOGUE = catalogue/hamburg/*.yaml; docs/hamburg.md).
// Idempotent: a second run answers "unchanged".
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hamburgFiles, hamburgRecords, hamburgReferenceDeliveries, namedFeatures, parseStadtteilProfile, statisticalUnits } from '@sp/demo';
import { postDelivery } from './http-delivery.js';

export interface HamburgLoadOptions {
  baseUrl: string;
  /** API key of the Amt `statistik` of Hamburg's feed catalogue */
  apiKey: string;
  /** the shared data root holding data/hamburg (@sp/spatial's defaultDataRoot()) */
  dataRoot: string;
}

export interface HamburgLoadResult {
  /** what of the spatial reference was delivered (Ebenen, then each level by its label) → records */
  reference: Record<string, number>;
  /** dataset → records delivered */
  delivered: Record<string, number>;
  records: number;
}

export async function loadHamburg(options: HamburgLoadOptions): Promise<HamburgLoadResult> {
  const read = (p: string) => readFileSync(resolve(options.dataRoot, p), 'utf8');
  const reference: Record<string, number> = {};
  for (const d of hamburgReferenceDeliveries(options.dataRoot)) {
    const res = await postDelivery(options.baseUrl, d.recordType, options.apiKey, d.body, d.contentType);
    if (!res.ok) throw new Error(`Hamburg reference delivery ${d.what} refused with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
    const body = JSON.parse(d.body) as { records?: unknown[]; features?: unknown[] };
    reference[d.what] = (body.records ?? body.features ?? []).length;
  }
  const bezirke = namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name);
  const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke });
  const records = hamburgRecords(profile, statisticalUnits(profile, namedFeatures(read(hamburgFiles.stadtteile))));
  const delivered: Record<string, number> = {};
  // one delivery per dataset: a refusal names the dataset, and each is small (≤ 99 records)
  for (const dataset of [...new Set(records.map((r) => r.dataset))]) {
    const batch = records.filter((r) => r.dataset === dataset);
    const res = await postDelivery(options.baseUrl, 'area-statistic', options.apiKey, JSON.stringify({ records: batch }));
    if (!res.ok) throw new Error(`Hamburg delivery ${dataset} refused with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
    delivered[dataset] = batch.length;
  }
  return { reference, delivered, records: records.length };
}
