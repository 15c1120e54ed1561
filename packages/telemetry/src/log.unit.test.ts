// SP_LOG_FORMAT: plain lines by default, one JSON object a line with the trace id when asked.
import { describe, expect, it } from 'vitest';
import { Logger, logFormatFromEnv, traceIdOf } from './log.js';

describe('Logger', () => {
  it('writes the plain line by default and a JSON object with SP_LOG_FORMAT=json', () => {
    const lines: string[] = [];
    new Logger('platform', logFormatFromEnv({}), (l) => lines.push(l)).log('warn', '[aggregator] retry');
    new Logger('platform', logFormatFromEnv({ SP_LOG_FORMAT: 'json' }), (l) => lines.push(l)).log('info', 'request', { trace_id: 'abc', offset: 7n });
    expect(lines[0]).toBe('[aggregator] retry\n');
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'info', service: 'platform', msg: 'request', trace_id: 'abc', offset: '7' });
  });

  it('refuses an unknown format and names what it accepts', () => {
    expect(() => logFormatFromEnv({ SP_LOG_FORMAT: 'xml' })).toThrow(/SP_LOG_FORMAT=xml is not known; it accepts "text" \(the default\) or "json"/);
  });

  it("takes the trace id from the caller's traceparent, else makes one", () => {
    expect(traceIdOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toMatch(/^[\da-f]{32}$/);
    expect(traceIdOf({ traceparent: 'garbage' })).toMatch(/^[\da-f]{32}$/);
    expect(traceIdOf({})).not.toBe(traceIdOf({}));
  });
});
