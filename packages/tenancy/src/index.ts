export {
  statisticsOfficeRecordTypes,
  tenantAmtSchema,
  tenantAmtsSchema,
  tenantDefinitionSchema,
  tenantIdSchema,
  tenantKinds,
  type Tenant,
  type TenantAmt,
  type TenantDefinition,
  type TenantDefinitionInput,
} from './tenant.schema.js';
export { resolveTenant, splitTenantPath, type TenantRequest, type TenantResolution } from './tenant-resolution.js';
