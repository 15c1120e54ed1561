// What a tenant (a Gebietskörperschaft: Stadt, Gemeinde or Kreis) is to the platform: an id that
// names its stores and its URL prefix, its spatial reference, its suppression threshold and the
// attribution its maps carry, and optionally its own Ämter (which record types each delivers).
// Guarded by zod at the admin API; the registry stores exactly this.
import { recordTypes } from '@sp/events';
import { z } from 'zod';

/** lower case letters, digits and '-', starting with a letter: it becomes a directory, a topic prefix and a URL segment */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3–32 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (e.g. "musterstadt")');

export const tenantKinds = ['stadt', 'gemeinde', 'kreis'] as const;

/** what the tenant's statistics office must be granted: it delivers the reference and the catalogue (docs/tenants.md) */
export const statisticsOfficeRecordTypes = ['area-level', 'area', 'indicator-definition', 'dataset'] as const;

const snakeCode = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower snake case code: a-z, 0-9 and "_", starting with a letter (e.g. "kreisjugendamt")');

/** one Amt of the tenant: it gets an API key and delivers exactly these record types */
export const tenantAmtSchema = z.strictObject({
  code: snakeCode,
  name: z.string().trim().min(1, 'must name the Amt (e.g. "Kreisjugendamt")').max(200),
  recordTypes: z.array(z.enum(recordTypes)).min(1, `must name at least one record type of: ${recordTypes.join(', ')}`),
  /** the pack's datasets it may deliver as area-statistic (needs "area-statistic"); the others are granted by `dataset` records */
  datasets: z.array(snakeCode).optional(),
});
export type TenantAmt = z.infer<typeof tenantAmtSchema>;

export const tenantAmtsSchema = z.array(tenantAmtSchema).superRefine((amts, ctx) => {
  const seen = new Map<string, number>();
  amts.forEach((amt, i) => {
    const first = seen.get(amt.code);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `"${amt.code}" is the code of amts.${first} too; each Amt has a code of its own` });
    else seen.set(amt.code, i);
    amt.recordTypes.forEach((t, j) => {
      if (amt.recordTypes.indexOf(t) !== j) ctx.addIssue({ code: 'custom', path: [i, 'recordTypes', j], message: `"${t}" is named twice; each record type once` });
    });
    if (amt.datasets !== undefined && !amt.recordTypes.includes('area-statistic'))
      ctx.addIssue({ code: 'custom', path: [i, 'datasets'], message: 'datasets are what an Amt delivers as area-statistic: add "area-statistic" to its recordTypes or leave datasets out' });
    amt.datasets?.forEach((d, j) => {
      if (amt.datasets!.indexOf(d) !== j) ctx.addIssue({ code: 'custom', path: [i, 'datasets', j], message: `"${d}" is named twice; each dataset once` });
    });
    // the feed catalogue's invariant: datasets are declared by the Amt that declares the indicators on them
    if (amt.recordTypes.includes('dataset') && !amt.recordTypes.includes('indicator-definition'))
      ctx.addIssue({ code: 'custom', path: [i, 'recordTypes'], message: 'an Amt that delivers "dataset" also delivers "indicator-definition" (the statistics office)' });
  });
  if (!amts.some((a) => statisticsOfficeRecordTypes.every((t) => a.recordTypes.includes(t))))
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: `no statistics office: at least one Amt must deliver ${statisticsOfficeRecordTypes.join(', ')} (the tenant's reference and catalogue)`,
    });
});

/** the body of POST /admin/tenants */
export const tenantDefinitionSchema = z.strictObject({
  id: tenantIdSchema,
  name: z.string().trim().min(1, 'must name the Gebietskörperschaft').max(200),
  kind: z.enum(tenantKinds).default('stadt'),
  /** a spatial reference the deployment knows (see the admin API's answer for the accepted names) */
  reference: z.string().min(1),
  /** protected counts below it are shown as "geschützt"; default: the deployment's protection configuration */
  suppressionThreshold: z.number().int().min(0).max(1000).optional(),
  /** attribution of the tenant's area data (Stadtgliederung), shown under every map */
  attribution: z.string().trim().min(1).max(500).optional(),
  /** the tenant's Ämter; they replace the pack's (docs/tenants.md "The tenant's Ämter"); default: the pack's */
  amts: tenantAmtsSchema.optional(),
});

export type TenantDefinitionInput = z.input<typeof tenantDefinitionSchema>;
export type TenantDefinition = z.infer<typeof tenantDefinitionSchema>;

export interface Tenant extends TenantDefinition {
  createdAt: string;
}
