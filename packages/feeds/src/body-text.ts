// A delivery's bytes as text: strictly UTF-8 (an invalid byte is refused with its offset, never
// replaced by U+FFFD and stored), a leading BOM dropped. Shared by the JSON and the CSV reader.
import { isUtf8 } from 'node:buffer';
import { feedError, type FeedError } from './feed-error.js';

export type BodyText = { ok: true; text: string } | { ok: false; errors: FeedError[] };

export function decodeUtf8Body(body: Buffer | string, format: 'JSON' | 'CSV'): BodyText {
  if (typeof body === 'string') return { ok: true, text: body.replace(/^\uFEFF/, '') };
  if (isUtf8(body)) return { ok: true, text: body.toString('utf8').replace(/^\uFEFF/, '') };
  const offset = firstInvalidUtf8Byte(body);
  const before = body.subarray(0, offset);
  const line = before.reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
  const byte = body[offset] ?? 0;
  const latin1 = byte >= 0xa0 ? ` (in Latin-1/Windows-1252 that byte is "${Buffer.from([byte]).toString('latin1')}")` : '';
  return {
    ok: false,
    errors: [
      feedError({
        row: null,
        field: null,
        value: `0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte ${offset}`,
        code: 'INVALID_ENCODING',
        message: `the ${format} body is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${offset} (line ${line})${latin1}; nothing was stored`,
        accepted: format === 'CSV' ? 'UTF-8 text, with or without BOM (Excel: save as "CSV UTF-8")' : 'JSON encoded as UTF-8 (RFC 8259)',
      }),
    ],
  };
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
export function firstInvalidUtf8Byte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i; // the start of the broken sequence
    }
    i += n + 1;
  }
  return b.length;
}

/** How deep JSON text nests arrays and objects, counted without parsing (so without recursion). */
export function jsonNestingDepth(text: string, stopAt: number): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: on to its closing quote, the next one not escaped by an odd run of backslashes —
      // found by indexOf instead of looking at each character (half the time for a delivery of
      // 1,000 records, whose text is mostly strings; issue 17.3)
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return max; // never closed: JSON.parse refuses it
        let b = j - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((j - 1 - b) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
