import { describe, expect, it } from 'vitest';
import { decodeHttpParam, TupleParam } from './http-param.decoder.js';

describe('decodeHttpParam', () => {
  it('passes text without backslashes through unchanged (chDB would not change it either)', () => {
    for (const raw of ['abc', "it's", '[1,2]', "['a','b']", '{not json', '2024-01-02 03:04:05.678', '']) {
      expect(decodeHttpParam(raw)).toBe(raw);
    }
  });

  it('unescapes escaped top-level scalars and reads \\N as null', () => {
    expect(decodeHttpParam("it\\'s")).toBe("it's");
    expect(decodeHttpParam('back\\\\slash')).toBe('back\\slash');
    expect(decodeHttpParam('tab\\tnl\\ncr\\r')).toBe('tab\tnl\ncr\r');
    expect(decodeHttpParam("[\\'x\\']")).toBe("['x']"); // a top-level string that looks like an array
    expect(decodeHttpParam('\\N')).toBeNull();
  });

  it('parses composite literals with escaped strings into values chDB re-serialises', () => {
    expect(decodeHttpParam("['y\\'z','a\\\\b',NULL]")).toEqual(["y'z", 'a\\b', null]);
    expect(decodeHttpParam("[[1,2],x\\'y]")).toBe("[[1,2],x'y]"); // not a literal: an escaped string
    const tuple = decodeHttpParam("(1,'a\\'b',TRUE)");
    expect(tuple).toBeInstanceOf(TupleParam);
    expect((tuple as TupleParam).values).toEqual([1n, "a'b", true]);
    expect(decodeHttpParam("{'k\\'1':1,'k2':2.5}")).toEqual(
      new Map<unknown, unknown>([
        ["k'1", 1n],
        ['k2', 2.5],
      ]),
    );
  });
});
