// WCAG AA text contrast (4.5:1 for normal text, docs/dashboard.md "Accessibility") of the colours
// the style sheets give text. axe checks the pages it is shown (test/e2e/sozialatlas.e2e.test.ts),
// but not the signed-in Planungswerkstatt, where a QA sweep found the traffic light of a proposed or
// cancelled measure (`ws-light ws-light-grey`: the controlling's fourth light) in white on #777,
// 4.48:1. This reads the CSS files themselves, so every rule counts, shown or not.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

type Rgb = [number, number, number];
type Rule = { selector: string; decls: Map<string, string> };

/** the rules of a style sheet, those inside @media included (one level of nesting, as written here) */
function rules(css: string): Rule[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  return [...text.matchAll(/([^{}]+)\{([^{}]*)\}/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((s) => s.trim())
      .map((selector) => ({
        selector,
        decls: new Map(
          m[2]!
            .split(';')
            .map((d) => d.split(/:(.*)/s).map((x) => x.trim()))
            .filter(([k, v]) => k && v)
            .map(([k, v]) => [k!, v!.replace(/\s*!important$/, '')]),
        ),
      })),
  );
}

/** a colour of `value` (hex, rgb(a) over white), custom properties resolved; null for none, inherit, currentColor… */
function colourOf(value: string | undefined, vars: Map<string, string>): Rgb | null {
  if (!value) return null;
  const v = value.replace(/var\((--[\w-]+)\)/g, (_, name: string) => vars.get(name) ?? 'unknown');
  const hex = /#([0-9a-f]{3}|[0-9a-f]{6})\b/i.exec(v)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as Rgb;
  }
  const rgba = /rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)(?:[\s,/]+([\d.]+))?\s*\)/.exec(v);
  if (rgba) {
    const a = rgba[4] === undefined ? 1 : Number(rgba[4]);
    return [1, 2, 3].map((i) => Math.round(Number(rgba[i]) * a + 255 * (1 - a))) as Rgb;
  }
  if (/\bwhite\b/.test(v)) return [255, 255, 255];
  if (/\bblack\b/.test(v)) return [0, 0, 0];
  return null;
}

/** WCAG 2 relative luminance and contrast ratio */
const luminance = (rgb: Rgb) =>
  rgb
    .map((c) => c / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i]!, 0);
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Every rule that colours text, with the background it is read on: its own, else that of its base
 * class (`.ws-light-grey` is used as `ws-light ws-light-grey`: the modifier inherits the base's
 * background), else the panel's white. Pseudo-elements draw decoration, not text, and are skipped.
 */
function textColours(file: string): { selector: string; ratio: number; fg: Rgb; bg: Rgb }[] {
  const all = rules(readFileSync(`${publicDir}${file}`, 'utf8'));
  const vars = new Map(all.filter((r) => r.selector === ':root').flatMap((r) => [...r.decls].filter(([k]) => k.startsWith('--'))));
  const white: Rgb = [255, 255, 255];
  const panel = colourOf(vars.get('--panel'), vars) ?? white;
  const bySelector = new Map(all.map((r) => [r.selector, r]));
  const baseOf = (selector: string): Rule | undefined => {
    const parts = /^\.([\w-]+)$/.exec(selector)?.[1]?.split('-') ?? [];
    for (let n = parts.length - 1; n > 0; n--) {
      const base = bySelector.get(`.${parts.slice(0, n).join('-')}`);
      if (base) return base;
    }
    return undefined;
  };
  const background = (r: Rule | undefined) => colourOf(r?.decls.get('background-color') ?? r?.decls.get('background'), vars);
  return all
    .filter((r) => !r.selector.includes('::') && r.selector !== ':root')
    .flatMap((r) => {
      const base = baseOf(r.selector);
      const fg = colourOf(r.decls.get('color'), vars) ?? (background(r) ? colourOf(base?.decls.get('color'), vars) : null);
      if (!fg) return [];
      // a descendant (`.atlas-header a`) is read on its ancestor's background
      const ancestors = r.selector.split(/\s+|\s*>\s*/).slice(0, -1);
      const inherited = ancestors.map((_, i) => background(bySelector.get(ancestors.slice(0, i + 1).join(' ')))).findLast(Boolean);
      const bg = background(r) ?? background(base) ?? inherited ?? panel;
      return [{ selector: r.selector, ratio: contrast(fg, bg), fg, bg }];
    });
}

describe('text contrast of the style sheets (WCAG AA, 4.5:1)', () => {
  it('computes the ratio as WCAG defines it', () => {
    expect(contrast([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 6);
    expect(contrast([0x77, 0x77, 0x77], [255, 255, 255])).toBeCloseTo(4.48, 2);
  });

  it.each(['styles.css', 'sozialatlas.css'])('every text colour of %s reaches 4.5:1 on its background', (file) => {
    const found = textColours(file);
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((f) => f.ratio < 4.5).map((f) => `${f.selector}: ${f.ratio.toFixed(2)}:1`)).toEqual([]);
  });

  it('gives every traffic light of a measure in the Planungswerkstatt its own readable rule', () => {
    // the controlling's lights (packages/controlling: green, yellow, red, and grey for a measure
    // proposed or cancelled) and "none" without figures; workspace.view.js writes `ws-light-${light}`
    const found = new Map(textColours('styles.css').map((f) => [f.selector, f]));
    for (const light of ['green', 'yellow', 'red', 'grey', 'none']) {
      const rule = found.get(`.ws-light-${light}`);
      expect(rule, `.ws-light-${light}`).toBeDefined();
      expect(rule!.ratio, `.ws-light-${light}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});
