// Log lines of a service. SP_LOG_FORMAT=json writes one JSON object a line (time, level, service,
// msg, trace_id where a request is being answered, and the line's fields) for a log collector;
// the default stays the plain lines people and the tests read. The trace id of a request is the
// one its caller sent in a W3C traceparent header, or a new one.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { trace } from '@opentelemetry/api';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const value = env.SP_LOG_FORMAT?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new Error(`SP_LOG_FORMAT=${env.SP_LOG_FORMAT} is not known; it accepts "text" (the default) or "json"`);
}

export class Logger {
  constructor(
    readonly service: string,
    readonly format: LogFormat = 'text',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    /** fields every JSON line carries (a tenant's logger: `tenant`) */
    private readonly base: Readonly<Record<string, unknown>> = {},
  ) {}

  /** this logger with `fields` on every JSON line (the plain lines stay as they are) */
  with(fields: Record<string, unknown>): Logger {
    return new Logger(this.service, this.format, this.write, { ...this.base, ...fields });
  }

  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (this.format === 'text') {
      this.write(`${msg}\n`);
      return;
    }
    // a line written while a span is active (a request, a batch) carries its trace id
    const active = trace.getActiveSpan()?.spanContext().traceId;
    this.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service: this.service, ...this.base, msg, ...(active ? { trace_id: active } : {}), ...fields }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    );
  }

  /** a sink for the plain lines other modules write (the projection runner's `log` option) */
  lines(level: LogLevel = 'warn', fields: Record<string, unknown> = {}): (line: string) => void {
    return (line) => this.log(level, line, fields);
  }
}

const traceparent = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** the trace id of a W3C traceparent header (https://www.w3.org/TR/trace-context/), or a new one */
export function traceIdOf(headers: IncomingHttpHeaders): string {
  const header = headers.traceparent;
  const id = typeof header === 'string' ? traceparent.exec(header.trim().toLowerCase())?.[1] : undefined;
  return id && !/^0+$/.test(id) ? id : randomBytes(16).toString('hex');
}
