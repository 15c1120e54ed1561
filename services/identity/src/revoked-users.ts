// The standalone gateway and ingestion (servers mode) verify a person's token by its signature
// alone: a user the platform's admin disabled or deleted would keep their access until the token
// expires (an hour). With the deployment's PostgreSQL, where the platform keeps its users
// (identity-state.ts), they refuse such a token too, within `freshMs` of the change. With an
// external provider there are no users there, and nothing is refused by this.
import { type Database, DatabaseError } from '@sp/ports';
import { DatabaseDocuments } from './identity-state.js';
import { TokenRejected, type TokenVerifier } from './tokens.js';
import { UserStore } from './users.store.js';

export function refusingRevokedUsers(verify: TokenVerifier, database: Database, options: { freshMs?: number } = {}): TokenVerifier {
  const users = new UserStore(new DatabaseDocuments(database), { freshMs: options.freshMs ?? 1000 });
  return async (token) => {
    const identity = await verify(token);
    let revoked: boolean;
    try {
      revoked = await users.revoked(identity.subject);
    } catch (e) {
      // no platform has kept users in this database yet (an external provider, or not started)
      if (e instanceof DatabaseError && e.code === 'UNKNOWN_TABLE') return identity;
      // unknown whether the person may still act: refused, and said why
      throw new TokenRejected(`the platform's users cannot be read now (${(e as Error).message}); try again`);
    }
    if (revoked) throw new TokenRejected('the user of this token is disabled or deleted');
    return identity;
  };
}
