// The platform's settings from the environment: an empty SP_DATA_DIR is refused with a clear
// message instead of silently writing the data into the current directory (#14).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults the data directory to .data when SP_DATA_DIR is not set', () => {
    expect(loadConfig({}).dataDir).toBe(resolve('.data'));
  });

  it.each(['', '   '])('refuses SP_DATA_DIR=%j, naming the variable and what is accepted', (value) => {
    expect(() => loadConfig({ SP_DATA_DIR: value })).toThrow(/SP_DATA_DIR: is empty; it must name the data directory \(e\.g\. SP_DATA_DIR=\.data/);
  });

  it('takes a given directory', () => {
    expect(loadConfig({ SP_DATA_DIR: '/var/lib/sp' }).dataDir).toBe('/var/lib/sp');
  });
});
