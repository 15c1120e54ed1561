// Authentication of the delivery routes as a Nest guard: the API key from `Authorization: Bearer …`
// or `X-API-Key` names the principal (key id and Amt) the handler receives; a missing, unknown or
// wrong key — or a key of another Amt at an instance that serves one Amt — is answered 401 with
// WWW-Authenticate by the filter below, before the handler runs.
import { Catch, createParamDecorator, Inject, Injectable, type CanActivate, type ExceptionFilter, type ArgumentsHost, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyRing, type Principal } from './api-keys.js';
import { presentUnauthenticated } from './delivery.presenter.js';
import { send } from './http-answer.js';

/** The instance's keys and, when it serves one Amt only, that Amt. */
export class ApiKeyAuthenticator {
  private readonly ring: ApiKeyRing;

  constructor(
    keys: ConstructorParameters<typeof ApiKeyRing>[0],
    private readonly amt?: string,
  ) {
    this.ring = new ApiKeyRing(keys);
  }

  authenticate(headers: Record<string, string | string[] | undefined>): Principal | undefined {
    const principal = this.ring.authenticate(ApiKeyRing.keyFromHeaders(headers));
    if (principal && this.amt && principal.amt !== this.amt) return undefined;
    return principal;
  }
}

export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';
}

const principals = new WeakMap<object, Principal>();

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(ApiKeyAuthenticator) private readonly keys: ApiKeyAuthenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = this.keys.authenticate(req.headers);
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
