// Turns a `param_<name>` value as a ClickHouse HTTP client sends it into a value that chDB's
// queryBindAsync re-serialises to the same meaning. chDB only accepts JS values and escapes them
// itself (top-level strings TSV-escaped, composite values as SQL literals), while HTTP clients send
// the escaped text already, so passing that text through would escape every backslash twice.
//   - no backslash: chDB's escaping leaves the text unchanged, so it is passed through byte for byte;
//   - an Array/Tuple/Map literal (`[`, `(`, `{`) with backslashes in quoted strings: parsed into JS
//     arrays / TupleParam / Map so chDB writes an equivalent literal;
//   - anything else (a scalar with escapes, `\N`): TSV-unescaped, chDB escapes it again.
// A client escapes quotes in top-level strings, so a top-level string never parses as a literal here.

/** Shape chDB recognises (by class name) as a tuple parameter, like @clickhouse/client's TupleParam. */
export class TupleParam {
  constructor(readonly values: unknown[]) {}
}

const tsvEscapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', a: '\x07', v: '\v', e: '\x1b' };

function unescapeChar(c: string): string {
  return tsvEscapes[c] ?? c; // \\ → \, \' → ', unknown \x → x (as ClickHouse does)
}

export function unescapeTsv(raw: string): string | null {
  if (raw === '\\N') return null;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      i++;
      out += unescapeChar(raw[i]!);
    } else {
      out += c;
    }
  }
  return out;
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): unknown {
    const value = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new Error('trailing text');
    return value;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "'") return this.string();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return new TupleParam(this.sequence('(', ')'));
    if (c === '{') return this.map();
    const m = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NULL|TRUE|FALSE)/i.exec(this.s.slice(this.i));
    if (!m) throw new Error(`unexpected ${c ?? 'end'}`);
    this.i += m[0].length;
    const word = m[0].toUpperCase();
    if (word === 'NULL') return null;
    if (word === 'TRUE') return true;
    if (word === 'FALSE') return false;
    // integers stay exact as bigint; chDB writes both forms back as plain digits
    return /^[-+]?\d+$/.test(m[0]) ? BigInt(m[0]) : Number(m[0]);
  }

  private string(): string {
    this.i++; // opening quote
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === '\\') {
        if (this.i >= this.s.length) break;
        out += unescapeChar(this.s[this.i++]!);
      } else if (c === "'") {
        return out;
      } else {
        out += c;
      }
    }
    throw new Error('unterminated string');
  }

  private sequence(open: string, close: string): unknown[] {
    this.i++; // open
    const items: unknown[] = [];
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === close) return items;
      if (c !== ',') throw new Error(`expected , or ${close} in ${open}…${close}`);
    }
  }

  private map(): Map<unknown, unknown> {
    this.i++; // {
    const map = new Map<unknown, unknown>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return map;
    }
    for (;;) {
      const key = this.value();
      this.ws();
      if (this.s[this.i++] !== ':') throw new Error('expected : in map');
      map.set(key, this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return map;
      if (c !== ',') throw new Error('expected , or } in map');
    }
  }
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value instanceof TupleParam) return value.values.some(hasNonFinite);
  if (value instanceof Map) return [...value].some(([k, v]) => hasNonFinite(k) || hasNonFinite(v));
  return false;
}

export function decodeHttpParam(raw: string): unknown {
  if (!raw.includes('\\')) return raw;
  if (/^\s*[[({]/.test(raw)) {
    try {
      const parsed = new LiteralParser(raw).parseAll();
      if (!hasNonFinite(parsed)) return parsed;
    } catch {
      // not a literal: treat as an escaped scalar below
    }
  }
  return unescapeTsv(raw);
}
