// The printed SDL is committed (services/gateway/schema.graphql). This test fails when the schema
// changes without the file being regenerated: `pnpm --filter @sp/gateway sdl` (sets SDL_WRITE=1).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// the CommonJS entry, the instance Pothos built the schema with
import { lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { schema } from './index.js';

const sdlPath = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
const header = '# Printed by `pnpm --filter @sp/gateway sdl`. Do not edit: change the Pothos types and regenerate.\n\n';

describe('committed SDL', () => {
  const printed = `${header + printSchema(lexicographicSortSchema(schema))}\n`;

  it('matches services/gateway/schema.graphql', () => {
    if (process.env.SDL_WRITE === '1') writeFileSync(sdlPath, printed);
    const committed = readFileSync(sdlPath, 'utf8');
    expect(printed, 'schema changed: run `pnpm --filter @sp/gateway sdl` and commit schema.graphql').toBe(committed);
  });

  it('keeps the contract fields as plain lists', () => {
    // `at` (areas valid at a date, issue 15) is optional: the contract queries that leave it out read as before
    expect(printed).toMatch(/ {2}areas\(\s*"""[^"]*"""\s*at: String\s*codes: \[String!\]\s*level: AreaLevel!\s*parent: AreaInput\s*\): \[Area!\]!/);
    // levels are the spatial reference's data: a scalar checked against it, not a compiled enum of one city's names
    expect(printed).toContain('scalar AreaLevel');
    expect(printed).not.toMatch(/enum AreaLevel/);
    expect(printed).toContain('areaLevels: [AreaLevelInfo!]!');
    expect(printed).toMatch(/indicatorValues\([^)]*\): \[IndicatorValue!\]!/);
  });
});
