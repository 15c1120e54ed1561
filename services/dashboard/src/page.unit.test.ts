// The modules of public/js find their elements by id (dom.js `$`, `$input`, `$select`); a typo or an
// element dropped from index.html would only show as an error in the browser. Every id the modules
// ask for is in index.html or made by the modules themselves (the map's SVG groups).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const html = readFileSync(`${publicDir}index.html`, 'utf8');
// the public Sozialatlas: its own page with its own entry module (docs/dashboard.md, "Sozialatlas")
const atlasHtml = readFileSync(`${publicDir}sozialatlas.html`, 'utf8');
const modules = readdirSync(`${publicDir}js`)
  .filter((f) => f.endsWith('.js'))
  .map((f) => ({ file: f, source: readFileSync(`${publicDir}js/${f}`, 'utf8') }));

const all = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[1]!);

describe('the page and its modules', () => {
  it('has every element the modules look up by id', () => {
    const inPage = new Set([...all(/\sid="([^"]+)"/g, html), ...all(/\sid="([^"]+)"/g, atlasHtml)]);
    // elements the modules create: `el.id = 'x'` and id="x" in markup they write
    const created = new Set(modules.flatMap((m) => [...all(/\.id = '([^']+)'/g, m.source), ...all(/\sid="([\w-]+)"/g, m.source)]));
    const asked = modules.flatMap((m) =>
      all(/(?:\$|\$input|\$select|getElementById)\('([^']+)'\)/g, m.source)
        .concat(all(/querySelector(?:All)?\('#([\w-]+)/g, m.source))
        .map((id) => ({ id, file: m.file })),
    );
    expect(asked.length).toBeGreaterThan(40);
    expect(asked.filter((a) => !inPage.has(a.id) && !created.has(a.id))).toEqual([]);
  });

  it('loads app.js (the Sozialatlas: sozialatlas.js) as the one module entry point, and every module is imported by some module', () => {
    expect(all(/<script type="module" src="([^"]+)"/g, html)).toEqual(['js/app.js']);
    expect(all(/<script type="module" src="([^"]+)"/g, atlasHtml)).toEqual(['js/sozialatlas.js']);
    const imported = new Set(modules.flatMap((m) => all(/^import [^;]*? from '\.\/([\w.]+)';$/gm, m.source)));
    // view.js holds types only (JSDoc imports): the browser never loads it
    const unused = modules.map((m) => m.file).filter((f) => f !== 'app.js' && f !== 'sozialatlas.js' && f !== 'view.js' && !imported.has(f));
    expect(unused).toEqual([]);
  });
});
