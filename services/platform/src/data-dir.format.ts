// The format version of an embedded data directory (SP_DATA_DIR), kept in `sp-data-format.json`.
// Code refuses a directory written by a newer release (it could misread what it does not know),
// and brings an older one forward: the stores' numbered migrations (ingestion, controlling,
// registry, dead letters in the database; the warehouse's schema_migrations) run at every start,
// then the file is written with the current format. Format history:
//   1  every release before this file existed (no sp-data-format.json): event log with commit
//      journal, chDB warehouse, PGlite database, keys and secrets beside them
//   2  the same layout, and sp-data-format.json; migration 1 → 2 rewrites no file
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const DATA_DIR_FORMAT = 2;
export const FORMAT_FILE = 'sp-data-format.json';

const formatFileSchema = z.object({ format: z.number().int().min(1), writtenAt: z.string().optional() });

export class DataFormatError extends Error {
  constructor(
    readonly code: 'NEWER_FORMAT' | 'BAD_FORMAT_FILE',
    message: string,
  ) {
    super(message);
    this.name = 'DataFormatError';
  }
}

/** The directory's format: the file's, 1 for a directory with data but no file, null for a new (empty or missing) one. */
export function readDataDirFormat(dataDir: string): number | null {
  const file = join(dataDir, FORMAT_FILE);
  if (!existsSync(file)) {
    const holdsData = existsSync(dataDir) && readdirSync(dataDir).some((n) => n === 'eventlog' || n === 'postgres' || n === 'warehouse');
    return holdsData ? 1 : null;
  }
  let parsed: z.infer<typeof formatFileSchema>;
  try {
    parsed = formatFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new DataFormatError('BAD_FORMAT_FILE', `${file} is not a valid format file (expected {"format": <integer ≥ 1>}): ${(error as Error).message}`);
  }
  return parsed.format;
}

/**
 * Refuses a directory of a newer format; returns what the start has to do: nothing (current),
 * migrate from an older format, or create a new directory. The caller writes the file
 * (writeDataDirFormat) once the engines opened.
 */
export function checkDataDirFormat(dataDir: string): { found: number | null; action: 'current' | 'migrate' | 'new' } {
  const found = readDataDirFormat(dataDir);
  if (found === null) return { found, action: 'new' };
  if (found > DATA_DIR_FORMAT) {
    throw new DataFormatError(
      'NEWER_FORMAT',
      `data directory ${dataDir} has format ${found} (${FORMAT_FILE}), written by a newer release; this release reads formats 1 to ${DATA_DIR_FORMAT}. ` +
        'Start the newer release again, or restore a backup taken before the upgrade (docs/backup.md, "Upgrades"); nothing was changed.',
    );
  }
  return { found, action: found === DATA_DIR_FORMAT ? 'current' : 'migrate' };
}

export function formatFileContent(): string {
  return `${JSON.stringify({ format: DATA_DIR_FORMAT, writtenAt: new Date().toISOString() })}\n`;
}
