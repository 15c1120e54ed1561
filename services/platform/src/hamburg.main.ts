// `pnpm demo:hamburg`: delivers Hamburg's Stadtteil-Profile 2014 to a running platform over HTTP.
// SP_URL (default http://127.0.0.1:4000), SP_API_KEY (the Amt statistik's key; default: read from
// SP_DATA_DIR/api-keys.json of a platform on this machine), SP_SHARED_DATA (the data root).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataRoot } from '@sp/spatial';
import { z } from 'zod';
import { loadHamburg } from './hamburg.loader.js';

const env = z
  .object({
    SP_URL: z.string().url().default('http://127.0.0.1:4000'),
    SP_API_KEY: z.string().min(1).optional(),
    SP_DATA_DIR: z.string().min(1).default('.data'),
  })
  .parse(process.env);

const apiKey = env.SP_API_KEY ?? (JSON.parse(readFileSync(join(resolve(env.SP_DATA_DIR), 'api-keys.json'), 'utf8')) as Record<string, string>).statistik;
if (!apiKey) {
  process.stderr.write('kein API-Schlüssel für das Amt statistik: SP_API_KEY setzen oder SP_DATA_DIR auf das Datenverzeichnis der Plattform\n');
  process.exit(2);
}
const result = await loadHamburg({ baseUrl: env.SP_URL, apiKey, dataRoot: defaultDataRoot() });
process.stdout.write(
  `Hamburg geliefert: ${result.records} Datensätze (${Object.entries(result.delivered)
    .map(([d, n]) => `${d} ${n}`)
    .join(', ')})\nQuelle: Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (dl-de/by-2-0)\n`,
);
