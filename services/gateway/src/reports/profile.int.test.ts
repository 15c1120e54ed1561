// A Gebietsprofil (PDF, read back with pdftotext) over the in-memory Köln fixture with a registry: offers of the area, the needs
// rows of the norms the registry can compute, and a norm it cannot (the registry's NeedsError, as
// the real demo's "jugendzentren_6_21" for a missing age band) left out instead of failing the report.
import { execFileSync } from 'node:child_process';
import { NeedsError } from '@sp/registry';
import { describe, expect, it } from 'vitest';
import { testGateway } from '../testing/gateway.fixture.js';
import { koelnAreas } from '../testing/koeln.fixture.js';
import { memoryRegistry, testOffers } from '../testing/memory-registry.js';
import type { RegistrySource } from '../sources.js';

function registryWithNorms(): RegistrySource {
  const base = memoryRegistry(testOffers(koelnAreas()).filter((o) => o.areas.some((a) => a.code === '101')));
  return {
    ...base,
    norms: async () => [
      { code: 'kita', name: 'Kita-Plätze je Kind', offerType: 'kita', unit: 'Plätze', description: '' },
      { code: 'jugend', name: 'Jugendzentren', offerType: 'jugend', unit: 'Einrichtungen', description: '' },
    ],
    needs: async (q) => {
      if (q.norm === 'jugend') throw new NeedsError('MISSING_AGE_BAND', 'the age band "18-21" cannot be derived from the indicator catalogue');
      return [{ norm: 'kita', area: { level: q.level, code: '101' }, period: q.period, supply: 40, demand: 55.5, coverage: 40 / 55.5, gap: 15.5, suppressed: false }];
    },
  };
}

describe('Gebietsprofil with a registry', () => {
  it('lists the offers and the computable needs; a norm the registry refuses is left out', async () => {
    const g = testGateway({ registry: registryWithNorms() });
    const res = await g.get('/reports/gebietsprofil/STADTTEIL/101.pdf?period=2012');
    expect(res.status).toBe(200);
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: new Uint8Array(await res.arrayBuffer()), encoding: 'utf8' });
    expect(text).toContain('Kita Altstadt/Süd (synthetisch)');
    expect(text).toMatch(/Kita-Plätze je Kind \(Plätze\)\s+2012\s+40\s+55,5\s+72,1 %\s+15,5/);
    expect(text).not.toContain('Jugendzentren');
  });
});
