// HTTP push API of the Fachamt feeds. Thin: the guard authenticates, the handler reads the route,
// the media type and the raw body (body.parser.ts), calls one service method and presents its result.
import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard, AuthenticatedPrincipal, UnauthenticatedFilter } from './api-key.guard.js';
import type { Principal } from './api-keys.js';
import { presentDelivery, presentHealth, presentTrace } from './delivery.presenter.js';
import { OversizedBody } from './delivery.request.js';
import { DeliveryService, type DeliveryRequest } from './delivery.service.js';
import { send } from './http-answer.js';

function deliveryRequest(recordType: string, req: FastifyRequest): DeliveryRequest {
  const b = req.body as unknown;
  const ct = req.headers['content-type'];
  const mediaType = ((Array.isArray(ct) ? ct[0] : ct) ?? '').split(';')[0]!.trim().toLowerCase();
  return { recordType, mediaType, body: Buffer.isBuffer(b) || b instanceof OversizedBody ? b : undefined };
}

@Controller()
@UseFilters(UnauthenticatedFilter)
export class DeliveriesController {
  constructor(@Inject(DeliveryService) private readonly deliveries: DeliveryService) {}

  @Get('health')
  health(@Res() reply: FastifyReply): void {
    send(reply, presentHealth(this.deliveries.health()));
  }

  @Post('v1/deliveries/:recordType')
  @UseGuards(ApiKeyGuard)
  async deliver(@Param('recordType') recordType: string, @AuthenticatedPrincipal() principal: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, presentDelivery(await this.deliveries.deliverRecords(principal, deliveryRequest(recordType, req))));
  }

  @Post('v1/deliveries/:recordType/withdrawals')
  @UseGuards(ApiKeyGuard)
  async withdraw(@Param('recordType') recordType: string, @AuthenticatedPrincipal() principal: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, presentDelivery(await this.deliveries.withdraw(principal, deliveryRequest(recordType, req))));
  }

  @Get('v1/deliveries/:deliveryId')
  @UseGuards(ApiKeyGuard)
  async trace(@Param('deliveryId') deliveryId: string, @AuthenticatedPrincipal() principal: Principal, @Res() reply: FastifyReply): Promise<void> {
    send(reply, presentTrace(await this.deliveries.trace(principal, deliveryId)));
  }
}
