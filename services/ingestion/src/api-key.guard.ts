// Authentication of the delivery routes as a Nest guard: the API key from `Authorization: Bearer …`
// or `X-API-Key` names the principal (key id and Amt) the handler receives; a missing, unknown or
// wrong key — or a key of another Amt at an instance that serves one Amt — is answered 401 with
// WWW-Authenticate by the filter below, before the handler runs.
// A signed-in person's access token (a JWT of the OIDC provider, checked by @sp/identity's verifier
// against its JWKS) is accepted as well when the composition root gives a verifier: it delivers for
// the Amt its token names, as `user:<sub>`, with the person in `principal.user`.
import { Catch, createParamDecorator, Inject, Injectable, type CanActivate, type ExceptionFilter, type ArgumentsHost, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenVerifier } from '@sp/identity/tokens';
import { ApiKeyRing, type Principal } from './api-keys.js';
import { presentUnauthenticated } from './delivery.presenter.js';
import { send } from './http-answer.js';

/** The instance's keys and, when it serves one Amt only, that Amt. */
export class ApiKeyAuthenticator {
  private readonly ring: ApiKeyRing;

  constructor(
    keys: ConstructorParameters<typeof ApiKeyRing>[0],
    private readonly amt?: string,
    private readonly verifyToken?: TokenVerifier,
  ) {
    this.ring = new ApiKeyRing(keys);
  }

  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<Principal | undefined> {
    const key = ApiKeyRing.keyFromHeaders(headers);
    const principal = key && this.verifyToken && looksLikeJwt(key) ? await this.fromToken(key) : this.ring.authenticate(key);
    if (principal && this.amt && principal.amt !== this.amt) return undefined;
    return principal;
  }

  /** a person's token: only with an Amt (role amt, or a planner/admin token that names one) */
  private async fromToken(token: string): Promise<Principal | undefined> {
    try {
      const who = await this.verifyToken!(token);
      const amt = who.amt;
      if (!amt) return undefined;
      return { keyId: `user:${who.subject}`, amt, user: { subject: who.subject, name: who.name, role: who.role } };
    } catch {
      return undefined;
    }
  }
}

export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';
}

const principals = new WeakMap<object, Principal>();

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(ApiKeyAuthenticator) private readonly keys: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.keys.authenticate(req.headers);
    if (!principal) throw new Unauthenticated('missing or unknown API key');
    principals.set(req, principal);
    return true;
  }
}

/** The principal the guard authenticated, as a handler parameter. */
export const AuthenticatedPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principals.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!principal) throw new Unauthenticated('route without ApiKeyGuard');
  return principal;
});

@Catch(Unauthenticated)
export class UnauthenticatedFilter implements ExceptionFilter {
  catch(_error: Unauthenticated, host: ArgumentsHost): void {
    send(host.switchToHttp().getResponse<FastifyReply>(), presentUnauthenticated());
  }
}

const looksLikeJwt = (value: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value);
