// Writes a presenter's answer to Fastify's reply.
import type { FastifyReply } from 'fastify';
import type { HttpAnswer } from './delivery.presenter.js';

export function send(reply: FastifyReply, a: HttpAnswer): void {
  void reply
    .status(a.status)
    .headers(a.headers ?? {})
    .type('application/json; charset=utf-8')
    .send(a.body);
}
