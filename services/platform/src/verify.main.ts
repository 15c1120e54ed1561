// `pnpm data:verify`: checks the embedded data directory (SP_DATA_DIR) while the platform is
// stopped; prints one line per finding and exits 1 when something is wrong (data-dir.verify.ts).
import { loadConfig } from './config.js';
import { verifyDataDir } from './data-dir.verify.js';

const config = loadConfig();
process.stdout.write(`Datenverzeichnis prüfen: ${config.dataDir}\n`);
const { findings, ok } = await verifyDataDir(config.dataDir);
const mark = { ok: '✓', info: '·', error: '✗' } as const;
for (const f of findings) process.stdout.write(`  ${mark[f.level]} ${f.what}\n`);
process.stdout.write(ok ? 'In Ordnung.\n' : 'Fehler gefunden (siehe ✗).\n');
process.exit(ok ? 0 : 1);
