// The municipality the platform serves comes from the configuration: the demo Köln by default,
// another city's reference and catalogues by SP_REFERENCE, SP_INDICATOR_CATALOGUE and SP_FEED_CATALOGUE.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { tenantSetupFrom } from './tenant.setup.js';

const musterstadt = fileURLToPath(new URL('../../../packages/spatial/reference/fixtures/musterstadt.yaml', import.meta.url));
const catalogue = fileURLToPath(new URL('../../../packages/indicators/catalogue/indicators.yaml', import.meta.url));

describe('tenant setup from the configuration', () => {
  it('serves the demo Köln when nothing is configured, with its attributions and projection', () => {
    const config = loadConfig({});
    expect(config.SP_REFERENCE).toBe('koeln');
    const tenant = tenantSetupFrom(config);
    expect(tenant.reference.id).toBe('koeln');
    expect(tenant.extraSources.map((s) => s.code)).toEqual(['stadtgliederung', 'osm', 'schulen']);
    expect(tenant.prognose?.mapping.areaLevel).toBe('STADTTEIL');
  });

  it('serves another city from SP_REFERENCE and the catalogue paths, without Köln’s extras', () => {
    const tenant = tenantSetupFrom(loadConfig({ SP_REFERENCE: musterstadt, SP_INDICATOR_CATALOGUE: catalogue }));
    expect(tenant.reference.id).toBe('musterstadt');
    expect(tenant.reference.levels.map((l) => l.level)).toEqual(['STADT', 'SOZIALRAUM', 'WOHNPLATZ', 'FOERDERGEBIET']);
    expect(tenant.extraSources.map((s) => s.name)).not.toContain('Stadtgliederung Köln');
    expect(tenant.prognose).toBeNull();
    expect(tenant.catalogue.latest().length).toBeGreaterThan(0);
  });

  it('refuses a reference that does not exist, naming it', () => {
    expect(() => tenantSetupFrom(loadConfig({ SP_REFERENCE: '/nonexistent/city.yaml' }))).toThrow(/city\.yaml/);
  });
});
