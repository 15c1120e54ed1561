// TEST HELPER: a gateway over the Köln fixture (or any IndicatorReader), a GraphQL client that
// goes through the gateway's fetch (the same serving layer as the HTTP handler), and signed
// tokens for each role.
import type { IndicatorReader } from '@sp/indicator-store';
import { createTokenVerifier } from '@sp/identity/tokens';
import { errors as joseErrors, generateKeyPair, type JWTVerifyGetKey, SignJWT } from 'jose';
import type { AuthConfig } from '../auth/viewer.js';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway.js';
import { catalogue, koelnAreas, koelnCells } from './koeln.fixture.js';
import { MemoryIndicatorReader } from './memory-indicator-reader.js';

/** the test provider: one ES256 key, published under testKid */
export const testIssuer = 'https://login.stadt.test/auth';
export const testAudience = 'urn:sozialplanung:platform';
export const testKid = 'test-key-1';
export const testKeyPair = generateKeyPair('ES256', { extractable: true });

/** the test provider's JWKS as a key getter: only testKid is known */
export const testKeys: JWTVerifyGetKey = async (header) => {
  if (header.kid !== testKid) throw new joseErrors.JWKSNoMatchingKey();
  return (await testKeyPair).publicKey;
};

export const testAuth: AuthConfig = { verify: createTokenVerifier({ issuer: testIssuer, audience: testAudience, keys: testKeys }) };

/** an access token of the test provider (ES256, iss, aud, sub, 1 h); claims override the defaults */
export async function tokenFor(claims: Record<string, unknown>, options: { key?: CryptoKey; kid?: string } = {}): Promise<string> {
  return new SignJWT({ sub: 'test-user', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? testKid })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : testIssuer)
    .setAudience(testAudience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(options.key ?? (await testKeyPair).privateKey);
}

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export type GraphQLClient = <T = any>(query: string, options?: { variables?: Record<string, unknown>; token?: string }) => Promise<GraphQLResult<T>>;

export function clientFor(fetchFn: (url: string, init: RequestInit) => Promise<Response>, baseUrl = 'http://gateway.test'): GraphQLClient {
  return async (query, options = {}) => {
    const res = await fetchFn(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      body: JSON.stringify({ query, variables: options.variables ?? {} }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  };
}

export interface TestGateway {
  gateway: Gateway;
  reader: IndicatorReader;
  gql: GraphQLClient;
  /** GET a path (CSV exports) through the gateway's fetch */
  get(path: string, token?: string): Promise<Response>;
}

export function testGateway(overrides: Partial<GatewayOptions> = {}): TestGateway & { memory: MemoryIndicatorReader } {
  const memory = new MemoryIndicatorReader(koelnCells(), [
    { index: 'sozialindex', areaLevel: 'STADTTEIL', areaCode: '101', period: '2012', score: null, class: null, scored: false, definitionVersion: 1 },
    { index: 'sozialindex', areaLevel: 'STADTTEIL', areaCode: '103', period: '2012', score: 1.2, class: 'niedrig', scored: true, definitionVersion: 1 },
    { index: 'sozialindex', areaLevel: 'STADTTEIL', areaCode: '104', period: '2012', score: -1.4, class: 'hoch', scored: true, definitionVersion: 1 },
  ]);
  const gateway = createGateway({
    areas: koelnAreas(),
    catalogue,
    indicators: memory,
    auth: testAuth,
    // tests count reader calls per request; the shared caches have their own tests
    cache: false,
    responseCache: false,
    // every test client is one anonymous address; the budgets have their own tests
    budgets: false,
    ...overrides,
  });
  const fetchFn = (url: string, init: RequestInit) => gateway.fetch(url, init);
  return {
    gateway,
    reader: overrides.indicators ?? memory,
    memory,
    gql: clientFor(fetchFn),
    get: (path, token) => fetchFn(`http://gateway.test${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
}
