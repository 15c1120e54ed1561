// The Köln tenant's projection settings (data, like loadReference('koeln')): where the observed
// population is, and which catalogue dataset holds the base scenario (packages/feeds/catalogue/feeds.yaml).
import { BASE_SCENARIO } from '@sp/population-projection';
import type { PrognoseJobConfig } from './population-prognose.job.js';

export const koelnBasePrognose: PrognoseJobConfig = {
  mapping: {
    dataset: 'bevoelkerung',
    areaLevel: 'STADTTEIL',
    total: { measure: 'einwohner' },
    age: { measure: 'einwohner_alter', dimension: 'alter' },
    sex: { measure: 'einwohner_geschlecht', dimension: 'geschlecht', male: 'm', female: 'w' },
  },
  scenario: BASE_SCENARIO,
  dataset: 'bevoelkerungsprognose_basis',
  horizonYears: 10,
  calibrationYears: 5,
};
