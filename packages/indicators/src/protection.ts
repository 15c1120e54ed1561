// A tenant's Datenschutz configuration (docs/disclosure.md): the perturbation table's parameters
// and whether very small protected figures are hidden as well. Data, not code: the default file
// is catalogue/protection.yaml; another tenant passes its own.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { buildPerturbationTable, perturbationParamsSchema, type PerturbationTable } from './perturbation.js';

export const protectionConfigSchema = z.object({
  /** bumped with every change: a changed table republishes every confidential figure with new noise */
  protectionVersion: z.number().int().positive(),
  perturbation: perturbationParamsSchema,
  /** protected figures below this are shown as "geschützt" too (0: every protected figure is shown) */
  suppressBelow: z.number().int().min(0).default(0),
});

export type ProtectionConfig = z.infer<typeof protectionConfigSchema>;

export interface Protection {
  config: ProtectionConfig;
  table: PerturbationTable;
}

export class ProtectionConfigError extends Error {
  override readonly name = 'ProtectionConfigError';
  readonly code = 'PROTECTION_INVALID';
}

export const defaultProtectionPath = fileURLToPath(new URL('../catalogue/protection.yaml', import.meta.url));

export function protectionFrom(config: unknown, source = 'protection'): Protection {
  const parsed = protectionConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProtectionConfigError(`${source}: field ${issue.path.join('.')}: ${issue.message}`);
  }
  return { config: parsed.data, table: buildPerturbationTable(parsed.data.perturbation) };
}

export function loadProtection(path: string = defaultProtectionPath): Protection {
  return protectionFrom(parseYaml(readFileSync(path, 'utf8')), path);
}
