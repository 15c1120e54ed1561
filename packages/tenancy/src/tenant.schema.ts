// What a tenant (a Gebietskörperschaft: Stadt, Gemeinde or Kreis) is to the platform: an id that
// names its stores and its URL prefix, its spatial reference, its suppression threshold and the
// attribution its maps carry. Guarded by zod at the admin API; the registry stores exactly this.
import { z } from 'zod';

/** lower case letters, digits and '-', starting with a letter: it becomes a directory, a topic prefix and a URL segment */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3–32 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (e.g. "musterstadt")');

export const tenantKinds = ['stadt', 'gemeinde', 'kreis'] as const;

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
});

export type TenantDefinitionInput = z.input<typeof tenantDefinitionSchema>;
export type TenantDefinition = z.infer<typeof tenantDefinitionSchema>;

export interface Tenant extends TenantDefinition {
  createdAt: string;
}
