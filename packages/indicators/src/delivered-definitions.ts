// Indicator and composite-index definitions delivered by a tenant's statistics office (issue 15,
// docs/indicators.md §8): the check of one delivered catalogue entry against the tenant's current
// catalogue and spatial reference, and the overlay of the delivered entries on the catalogue the
// tenant was created with. Pure: the catalogue, the levels and the entries come in as arguments.
import { Catalogue, CatalogueError } from './catalogue.js';
import { type Indicator, indicatorSchema } from './catalogue.schema.js';

export type DefinitionIssueCode = 'UNKNOWN_INDICATOR' | 'WRONG_KIND' | 'UNKNOWN_DATASET' | 'UNKNOWN_AREA_LEVEL' | 'VERSION_CONFLICT' | 'VERSION_GAP' | 'INVALID_VALUE';

/** A reason a delivered definition cannot join the catalogue, naming the field of the entry. */
export interface DefinitionIssue {
  path: (string | number)[];
  value: unknown;
  code: DefinitionIssueCode;
  message: string;
  accepted: string;
}

export type DefinitionCheck = { ok: true; unchanged: boolean; catalogue: Catalogue } | { ok: false; issues: DefinitionIssue[] };

/** A definition in a form two equal definitions share: the schema's defaults applied, keys sorted. */
export function canonicalDefinition(entry: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted(indicatorSchema.parse(entry)));
}

/**
 * Whether `entry` (parsed by indicatorSchema) may become a version of the tenant's catalogue:
 * its version is the code's next one (1 for a new code) or an existing one delivered identically;
 * the indicators it reads exist with a kind it can read; its dataset is declared; the levels it
 * names are levels of the tenant's reference; and the catalogue with it stays consistent (no
 * definition that reads this code breaks). On success, the catalogue with the entry.
 */
export function checkDefinition(current: Catalogue, entry: Indicator, levels: readonly string[]): DefinitionCheck {
  const issues: DefinitionIssue[] = [];
  const issue = (path: (string | number)[], value: unknown, code: DefinitionIssueCode, message: string, accepted: string) => issues.push({ path, value, code, message, accepted });

  const versions = current.versions(entry.code);
  const latest = versions.at(-1)?.version ?? 0;
  const same = versions.find((v) => v.version === entry.version);
  if (same) {
    if (canonicalDefinition(same) === canonicalDefinition(entry)) return { ok: true, unchanged: true, catalogue: current };
    issue(
      ['version'],
      entry.version,
      'VERSION_CONFLICT',
      `${entry.code} version ${entry.version} exists with another definition`,
      `version ${latest + 1} for a changed definition (results of version ${entry.version} stay queryable), or version ${entry.version} exactly as it is`,
    );
    return { ok: false, issues };
  }
  if (entry.version !== latest + 1) {
    issue(
      ['version'],
      entry.version,
      'VERSION_GAP',
      latest === 0 ? `${entry.code} is a new code: its first version is 1` : `${entry.code} is at version ${latest}: the next version is ${latest + 1}`,
      `version ${latest + 1}`,
    );
  }

  const accepted = (kinds: readonly Indicator['kind'][]) =>
    current
      .latest()
      .filter((i) => kinds.includes(i.kind))
      .map((i) => i.code);
  const list = (codes: readonly string[]) => (codes.length > 8 ? `${codes.slice(0, 8).join(', ')} … (${codes.length}; query { indicators { code } })` : codes.join(', ') || 'none');
  const reads = (path: (string | number)[], code: string, kinds: readonly Indicator['kind'][]) => {
    const target = code === entry.code ? undefined : current.get(code);
    if (!target) {
      issue(
        path,
        code,
        'UNKNOWN_INDICATOR',
        `${entry.code} reads ${code}, which the tenant's catalogue does not define`,
        `an indicator of kind ${kinds.join(' or ')}: ${list(accepted(kinds))} (or deliver ${code} first)`,
      );
    } else if (!kinds.includes(target.kind)) {
      issue(
        path,
        code,
        'WRONG_KIND',
        `${code} is a ${target.kind}; ${entry.code} (${entry.kind}) reads only ${kinds.join(' or ')}`,
        `an indicator of kind ${kinds.join(' or ')}: ${list(accepted(kinds))}`,
      );
    }
  };
  const level = (path: (string | number)[], name: string) => {
    if (!levels.includes(name)) issue(path, name, 'UNKNOWN_AREA_LEVEL', `${name} is not a level of the tenant's spatial reference`, `a level of the reference: ${levels.join(' | ')}`);
  };
  const dataset = (name: string) => {
    if (!current.datasets[name])
      issue(['dataset'], name, 'UNKNOWN_DATASET', `dataset ${name} is not declared in the tenant's catalogue`, `a declared dataset: ${Object.keys(current.datasets).join(', ')}`);
  };
  switch (entry.kind) {
    case 'count':
    case 'delivered':
      dataset(entry.dataset);
      level(['sourceLevel'], entry.sourceLevel);
      break;
    case 'ratio':
      reads(['numerator'], entry.numerator, ['count']);
      reads(['denominator'], entry.denominator, ['count']);
      break;
    case 'change':
      reads(['of'], entry.of, ['count', 'ratio']);
      break;
    case 'index':
      entry.inputs.forEach((input, i) => {
        reads(['inputs', i, 'indicator'], input.indicator, ['count', 'ratio', 'change', 'delivered']);
      });
      reads(['population'], entry.population, ['count']);
      entry.levels.forEach((l, i) => {
        level(['levels', i], l);
      });
      break;
  }
  if (issues.length > 0) return { ok: false, issues };

  // the rest (classes ascending, the synthetic flag, a definition reading this code that a new
  // kind would break, an input's missing polarity) is the catalogue's own check
  try {
    const next = new Catalogue(current.version, current.datasets, [...current.indicators, entry], current.uncertainty);
    for (const i of next.latest()) if (i.kind === 'index') next.resolveIndex(i.code);
    return { ok: true, unchanged: false, catalogue: next };
  } catch (error) {
    if (!(error instanceof CatalogueError)) throw error;
    const path = error.code === 'SYNTHETIC_FLAG' ? ['synthetic'] : error.code === 'POLARITY_MISSING' ? ['inputs'] : error.message.includes('classes') ? ['classes'] : [];
    issue(path, null, 'INVALID_VALUE', error.message, 'a definition the catalogue accepts (docs/indicators.md §2, §4)');
    return { ok: false, issues };
  }
}

/**
 * The tenant's catalogue: the one it was created with, and every delivered version on top (a
 * delivered code adds versions to the pack's or is new). A delivered version that no longer fits
 * — it was checked at the door, so only after a change of the pack — is left out and named.
 */
export function overlayDefinitions(base: Catalogue, delivered: readonly Indicator[], skipped?: (entry: Indicator, reason: string) => void): Catalogue {
  const key = (i: Indicator) => `${i.code}@${i.version}`;
  const merged = (extra: readonly Indicator[]) => {
    const byKey = new Map(base.indicators.map((i) => [key(i), i]));
    for (const i of extra) byKey.set(key(i), i);
    return new Catalogue(base.version, base.datasets, [...byKey.values()], base.uncertainty);
  };
  try {
    return merged(delivered);
  } catch {
    // one at a time, in the order delivered (an index after its inputs), keeping what fits
    const kept: Indicator[] = [];
    for (const i of delivered) {
      try {
        merged([...kept, i]);
        kept.push(i);
      } catch (error) {
        skipped?.(i, error instanceof Error ? error.message : String(error));
      }
    }
    return merged(kept);
  }
}
