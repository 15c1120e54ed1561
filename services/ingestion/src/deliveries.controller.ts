// HTTP push API of the Fachamt feeds. Thin: hands the request to DeliveryService and writes its
// answer. Bodies arrive as raw bytes (body.parser.ts), so JSON and CSV errors are ours to report.
import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeliveryService, OversizedBody, type HttpAnswer } from './delivery.service.js';

function send(reply: FastifyReply, a: HttpAnswer): void {
  void reply
    .status(a.status)
    .headers(a.headers ?? {})
    .type('application/json; charset=utf-8')
    .send(a.body);
}

function rawBody(req: FastifyRequest): Buffer | OversizedBody | undefined {
  const b = req.body as unknown;
  return Buffer.isBuffer(b) || b instanceof OversizedBody ? b : undefined;
}

@Controller()
export class DeliveriesController {
  constructor(@Inject(DeliveryService) private readonly deliveries: DeliveryService) {}

  @Get('health')
  health(@Res() reply: FastifyReply): void {
    send(reply, this.deliveries.health());
  }

  @Post('v1/deliveries/:recordType')
  async deliver(@Param('recordType') recordType: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.deliveries.deliverRecords({ recordType, headers: req.headers, body: rawBody(req) }));
  }

  @Post('v1/deliveries/:recordType/withdrawals')
  async withdraw(@Param('recordType') recordType: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.deliveries.withdraw({ recordType, headers: req.headers, body: rawBody(req) }));
  }

  @Get('v1/deliveries/:deliveryId')
  async trace(@Param('deliveryId') deliveryId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.deliveries.trace(deliveryId, req.headers));
  }
}
