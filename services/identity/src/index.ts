export { createIdentity, identityDir, type IdentityOptions, type IdentityService } from './identity.js';
export { identityEnvSchema, identityEnvShape, type IdentityEnv } from './identity.config.js';
export { databaseIdentityState, type DocumentStore, fileIdentityState, type IdentityState, sharedSecret, updateDocument } from './identity-state.js';
export { createEmbeddedProvider, dashboardClientId, embeddedAudience, platformScope } from './embedded-provider.js';
export { createSessionRoutes, sessionCookie, type SessionRoutes } from './session.routes.js';
export { publicJwks, SigningKeyStore, type StoredKey } from './signing-keys.store.js';
export { hashPassword, passwordMatches, scryptParameters, UserRejected, UserStore, type PublicUser } from './users.store.js';
export * from './tokens.js';
