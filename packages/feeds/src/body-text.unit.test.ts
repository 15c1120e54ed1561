import { describe, expect, it } from 'vitest';
import { decodeUtf8Body, firstInvalidUtf8Byte, jsonNestingDepth } from './body-text.js';
import { feedError, preview } from './feed-error.js';

describe('strict UTF-8', () => {
  it.each([
    ['valid text with umlauts and an emoji', Buffer.from('Kölner Straße 🙂'), null],
    ['a Latin-1 ü', Buffer.from([0x4b, 0xfc, 0x6c]), 1],
    ['an overlong slash', Buffer.from([0x41, 0xc0, 0xaf]), 1],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80]), 0],
    ['above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a sequence cut off at the end', Buffer.from([0x41, 0x42, 0xe2, 0x82]), 2],
    ['a stray continuation byte', Buffer.from([0x41, 0x80]), 1],
  ])('%s', (_name, bytes, offset) => {
    expect(firstInvalidUtf8Byte(bytes)).toBe(offset ?? bytes.length);
    const decoded = decodeUtf8Body(bytes, 'JSON');
    if (offset === null) expect(decoded).toEqual({ ok: true, text: bytes.toString('utf8') });
    else expect(decoded.ok ? [] : decoded.errors).toMatchObject([{ code: 'INVALID_ENCODING', message: expect.stringContaining(`byte offset ${offset}`) }]);
  });

  it('names the line of the broken byte and drops a BOM', () => {
    const r = decodeUtf8Body(Buffer.concat([Buffer.from('a;b\n1;K'), Buffer.from([0xf6]), Buffer.from('ln\n')]), 'CSV');
    expect(r.ok ? '' : r.errors[0]!.message).toMatch(/byte 0xF6 at byte offset 7 \(line 2\) \(in Latin-1\/Windows-1252 that byte is "ö"\)/);
    expect(decodeUtf8Body(Buffer.from('\uFEFF[1]'), 'JSON')).toEqual({ ok: true, text: '[1]' });
  });
});

describe('JSON nesting', () => {
  it('counts arrays and objects, not brackets inside strings, and stops early', () => {
    expect(jsonNestingDepth('{"records": [{"a": {"b": [1]}}]}', 100)).toBe(5);
    expect(jsonNestingDepth('["[[[[[", "\\\\", "\\"[[["]', 100)).toBe(1);
    expect(jsonNestingDepth('['.repeat(1_000_000), 16)).toBe(17);
  });

  it('skips strings as a character-by-character scan does (escaped quotes, runs of backslashes, unclosed strings)', () => {
    const scan = (text: string) => {
      let depth = 0;
      let max = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '[' || c === '{') max = Math.max(max, ++depth);
        else if (c === ']' || c === '}') depth--;
      }
      return max;
    };
    const alphabet = ['[', ']', '{', '}', '"', '\\', 'a', ',', ':'];
    let seed = 17;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let k = 0; k < 5000; k++) {
      const text = Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join('');
      expect(jsonNestingDepth(text, 100)).toBe(scan(text));
    }
  });
});

describe('the value an error shows', () => {
  it('previews deep and huge values without recursion, cut at 200 characters', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: [deep] };
    const e = feedError({ row: 0, field: 'x', value: deep, code: 'WRONG_TYPE', message: 'm', accepted: 'a' });
    expect(typeof e.value).toBe('string');
    expect((e.value as string).length).toBe(201);
    expect(e.value).toMatch(/^\{"a":\[\{"a":\[/);
    const wide = feedError({ row: 0, field: 'x', value: Array.from({ length: 1_000_000 }, (_, i) => i), code: 'WRONG_TYPE', message: 'm', accepted: 'a' });
    expect(wide.value).toMatch(/^\[0,1,2,3,.*…$/);
  });

  it('keeps small values as they are, and writes non-finite numbers as text', () => {
    expect(preview({ a: [1, 'x', null, true] }, 200)).toEqual({ text: '{"a":[1,"x",null,true]}', complete: true });
    expect(feedError({ row: 0, field: 'x', value: { a: 1 }, code: 'WRONG_TYPE', message: 'm', accepted: 'a' }).value).toEqual({ a: 1 });
    expect(feedError({ row: 0, field: 'x', value: Number.POSITIVE_INFINITY, code: 'OUT_OF_RANGE', message: 'm', accepted: 'a' }).value).toBe('Infinity');
  });
});
