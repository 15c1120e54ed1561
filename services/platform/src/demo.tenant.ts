// DEMO DATA: the Köln tenant's extras besides its reference and catalogues — the data sources the
// API attributes (Stadtgliederung, OpenStreetMap, Schulen und Spielplätze) and the base scenario of
// its population projection. Used when SP_REFERENCE names the demo reference (tenant.setup.ts).
import type { DataSourceMeta } from '@sp/gateway';
import type { AreaReference } from '@sp/spatial';
import { koelnBasePrognose } from './prognose/koeln.prognose.js';
import type { PrognoseJobConfig } from './prognose/population-prognose.job.js';

export function demoTenantExtras(reference: AreaReference): { extraSources: DataSourceMeta[]; prognose: PrognoseJobConfig } {
  return {
    extraSources: [
      {
        code: 'stadtgliederung',
        name: 'Stadtgliederung Köln',
        licence: 'dl-de/by-2-0',
        attribution: reference.attribution ?? 'Stadt Köln – Offene Daten Köln (Stadtgliederung), dl-de/by-2-0',
        url: null,
        synthetic: false,
      },
      {
        code: 'osm',
        name: 'OpenStreetMap (Stand 2013)',
        licence: 'ODbL-1.0',
        attribution: '© OpenStreetMap contributors, ODbL 1.0',
        url: 'https://www.openstreetmap.org/copyright',
        synthetic: false,
      },
      { code: 'schulen', name: 'Schulen und Spielplätze Köln', licence: 'dl-de/by-2-0', attribution: 'Stadt Köln – Offene Daten Köln (Schulen, Spielplätze)', url: null, synthetic: false },
    ],
    prognose: koelnBasePrognose,
  };
}
