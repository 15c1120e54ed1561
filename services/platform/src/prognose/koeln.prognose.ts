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
  // residents aged 80 and over for the care norms (einwohner_80plus reads einwohner_altersgruppe;
  // observed only in 2012, projected every year from the single years of age)
  extraAges: [{ measure: 'einwohner_altersgruppe', dimension: 'alter', bands: ['80+'] }],
};
