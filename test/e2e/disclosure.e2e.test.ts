// #12 as an attacker plays it: the running platform (embedded engines, started by its own entry
// point) gets the Köln demo's population and 18 months of the synthetic social data through the
// ingestion API, then a second data version with the corrections of #12 (HzE in 304 and
// Grundsicherung im Alter in 405 set to 2). Everything below reads only what the public reads —
// GraphQL and CSV without a token — and compares what it infers with the truth the test delivered:
//  1. complement differencing (SGB II 65+ = all − under 65),
//  2. Bezirk totals minus the published Stadtteile, pinned by the published reason (CSV),
//  3. the composite index solved for hidden inputs by least squares,
//  4. as-of differencing and the knownAt of cells,
// and an exhaustive audit of every public figure of the audited datasets (all levels, planning
// areas, complements of dimension filters, an 18-month series, two data versions) by integer
// programming: no confidential cell may be narrowed to fewer than SP_AUDIT_MIN_VALUES values
// (default 5, i.e. as many as a ±2 interval holds).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildKoelnDemo } from '@sp/demo';
import { FeedCatalogue } from '@sp/feeds';
import { clientFor } from '@sp/gateway/testing';
import { tokenFromDataDir } from '@sp/identity/testing';
import { areaMapRows } from '@sp/indicator-store';
import { alignPeriod, computeCompositeIndex, loadCatalogue, periodRange, preimage, wilsonInterval, type Component } from '@sp/indicators';
import { loadReference } from '@sp/spatial';
import { freePort, startNodeService, tempDir, waitFor } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, inconsistentFigures, type Figure, type Target } from './disclosure/audit.js';
import { buildLeaves, declaredMechanism, figureOf, germanNumber, type Gql, leavesOf, publicCsv, publicValues, stadtteileOf, type Versioned } from './disclosure/attacker.js';

const MIN_VALUES = Number(process.env.SP_AUDIT_MIN_VALUES ?? 5);
const RECORD_KEY_SECRET = 'disclosure-e2e-record-key-secret-0123456789';
const FROM = '2011-07',
  TO = '2012-12';
const LEVELS = ['STADTTEIL', 'STADTBEZIRK', 'STADT', 'SOZIALRAUM'] as const;
/** the count indicators of the confidential datasets: every complement of their dimension filters is a difference of two of them */
const COUNTS = [
  'sgb2_personen',
  'sgb2_personen_u65',
  'sgb2_personen_u15',
  'sgb2_personen_15_65',
  'sgb2_bedarfsgemeinschaften',
  'sgb2_bg_alleinerziehend',
  'grundsicherung_alter',
  'grundsicherung_em',
  'wohngeld_haushalte',
  'hze_faelle',
  'hze_stationaer',
  'schuleingang_untersucht',
  'schuleingang_sprache',
  'schuleingang_uebergewicht',
  'schuleingang_motorik',
];

type Service = Awaited<ReturnType<typeof startNodeService>>;

describe('disclosure control under the attacks of #12 (public GraphQL and CSV only)', () => {
  const dataDir = tempDir('sp-disclosure-');
  const catalogue = loadCatalogue();
  const reference = loadReference('koeln');
  const areaMap = areaMapRows(reference);
  let platform: Service;
  let url: string;
  let gql: Gql;
  let privileged: Gql;
  let between: string;
  const data: Versioned = { current: [], before: [] };
  const report: string[] = [];

  const truthOf = (dataset: string, area: string, period: string, measure: string, dims: Record<string, readonly string[]> = {}, version: 'current' | 'before' = 'current') => {
    const beforeKeys = new Set(data.before.map((o) => `${o.dataset}|${o.areaCode}|${o.period}|${o.measure}|${JSON.stringify(o.dimensions)}`));
    const pool =
      version === 'current' ? data.current : [...data.before, ...data.current.filter((o) => !beforeKeys.has(`${o.dataset}|${o.areaCode}|${o.period}|${o.measure}|${JSON.stringify(o.dimensions)}`))];
    return pool
      .filter((o) => o.dataset === dataset && o.areaCode === area && o.period === period && o.measure === measure && Object.entries(dims).every(([k, vs]) => vs.includes(o.dimensions[k] ?? '')))
      .reduce((s, o) => s + o.value, 0);
  };
  const component = (code: string): Component => {
    const plan = catalogue.compile(code);
    if (plan.kind !== 'count') throw new Error(`${code} is not a count`);
    return plan.component;
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    platform = await startNodeService('services/platform/dist/main.js', {
      env: { SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_DEMO: '0', SP_RECORD_KEY_SECRET: RECORD_KEY_SECRET },
      ready: /Dashboard:/,
      timeoutMs: 300_000,
    });
    const client = clientFor((u, init) => fetch(u, init), url);
    // the platform's per-client budgets (429 RATE_LIMITED) slow an attacker down, they do not stop
    // one: the audit waits as an attacker would and asks again
    gql = async (query, variables) => {
      for (let attempt = 0; ; attempt++) {
        const r = await client(query, { variables: variables ?? {} });
        const limited = r.errors?.some((e) => /over its budget/.test(e.message)) ?? false;
        if (limited && attempt < 120) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        if (r.errors?.length) throw new Error(r.errors.map((e) => e.message).join('; '));
        return r.data as never;
      }
    };
    const token = await tokenFromDataDir(dataDir, url, { role: 'planner', privileged: true });
    privileged = async (query, variables) => {
      const r = await client(query, { variables: variables ?? {}, token });
      if (r.errors?.length) throw new Error(r.errors.map((e) => e.message).join('; '));
      return r.data as never;
    };

    // the Ämter deliver: population (all years) and 18 months of the synthetic social data
    const keys = JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
    const feeds = FeedCatalogue.load();
    const amtOf = new Map<string, string>();
    for (const amt of feeds.amtCodes()) for (const d of feeds.datasetsOf(amt)) if (!amtOf.has(d)) amtOf.set(d, amt);
    const deliver = async (records: readonly { dataset: string }[]) => {
      const byAmt = new Map<string, unknown[]>();
      for (const r of records) byAmt.set(amtOf.get(r.dataset)!, [...(byAmt.get(amtOf.get(r.dataset)!) ?? []), r]);
      for (const [amt, list] of byAmt) {
        for (let i = 0; i < list.length; i += 1000) {
          const res = await fetch(`${url}/v1/deliveries/area-statistic`, {
            method: 'POST',
            headers: { authorization: `Bearer ${keys[amt]}`, 'content-type': 'application/json' },
            body: JSON.stringify({ records: list.slice(i, i + 1000) }),
          });
          if (res.status !== 200) throw new Error(`delivery by ${amt}: ${res.status} ${await res.text()}`);
        }
      }
    };
    const demo = buildKoelnDemo({ reference, from: FROM, to: TO });
    const records = [...demo.real.filter((r) => r.dataset === 'bevoelkerung'), ...demo.synthetic];
    await deliver(records);
    for (const r of demo.synthetic)
      for (const o of r.observations) data.current.push({ dataset: r.dataset, areaCode: r.areaCode, period: r.period, measure: o.measure, dimensions: o.dimensions, value: o.value });
    const cityTruth = (dataset: string, measure: string, period: string) =>
      data.current.filter((o) => o.dataset === dataset && o.measure === measure && o.period === period).reduce((s, o) => s + o.value, 0);
    const cityPrivileged = async (indicator: string, period: string) =>
      (
        await privileged<{ indicatorValues: { value: number | null }[] }>(`query($i: String!, $p: String!) { indicatorValues(indicator: $i, level: STADT, period: $p) { value } }`, {
          i: indicator,
          p: period,
        })
      ).indicatorValues[0]?.value ?? null;
    await waitFor(
      async () => (await cityPrivileged('sgb2_personen', TO)) === cityTruth('sgb2', 'sgb2_personen', TO) && (await cityPrivileged('hze_faelle', '2012')) === cityTruth('hze', 'hze_faelle', '2012'),
      {
        timeoutMs: 240_000,
      },
    );
    await new Promise((r) => setTimeout(r, 1500));
    between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));

    // the second data version: the corrections of #12
    const correct = (dataset: string, area: string, change: (o: { measure: string; dimensions: Record<string, string>; value: number }) => number) => {
      const r = demo.synthetic.find((x) => x.dataset === dataset && x.areaCode === area && x.period === '2012')!;
      const observations = r.observations.map((o) => ({ ...o, value: change(o) }));
      for (const [i, o] of r.observations.entries()) {
        if (observations[i]!.value === o.value) continue;
        data.before.push({ dataset, areaCode: area, period: '2012', measure: o.measure, dimensions: o.dimensions, value: o.value });
        data.current.find(
          (c) => c.dataset === dataset && c.areaCode === area && c.period === '2012' && c.measure === o.measure && JSON.stringify(c.dimensions) === JSON.stringify(o.dimensions),
        )!.value = observations[i]!.value;
      }
      return { ...r, version: 2, observations };
    };
    await deliver([correct('hze', '304', (o) => (o.dimensions.hilfeart === 'stationaer' ? 1 : 1)), correct('grundsicherung', '405', (o) => (o.measure === 'grundsicherung_alter' ? 2 : o.value))]);
    await waitFor(
      async () =>
        (await cityPrivileged('hze_faelle', '2012')) === cityTruth('hze', 'hze_faelle', '2012') &&
        (await cityPrivileged('grundsicherung_alter', '2012')) === cityTruth('grundsicherung', 'grundsicherung_alter', '2012'),
      {
        timeoutMs: 120_000,
      },
    );
    // the composite index follows the corrections
    await new Promise((r) => setTimeout(r, 3000));
  }, 600_000);

  afterAll(async () => {
    await platform?.stop();
    if (report.length) console.log(`\n── what the public recovered ──\n${report.join('\n')}\n`);
  });

  it('the gateway contract still returns the official population figures exactly', async () => {
    const st = await publicValues(gql, { indicator: 'einwohner', level: 'STADTTEIL', period: '2012' });
    expect(st.find((v) => v.area.code === '101')!.value).toBe(27515);
    const city = await publicValues(gql, { indicator: 'einwohner', level: 'STADT', period: '2012' });
    expect(city.map((v) => v.value)).toEqual([1044555]);
  });

  it('attack 1: complement differencing (SGB II all ages − under 65) recovers no 65+ count', async () => {
    const mech = await declaredMechanism(gql, 'sgb2_personen');
    const all = await publicValues(gql, { indicator: 'sgb2_personen', level: 'STADTTEIL', period: TO });
    const u65 = new Map((await publicValues(gql, { indicator: 'sgb2_personen_u65', level: 'STADTTEIL', period: TO })).map((v) => [v.area.code, v]));
    const recovered: string[] = [];
    for (const a of all) {
      const b = u65.get(a.area.code);
      if (a.value === null || !b || b.value === null) continue;
      const diff = a.value - b.value;
      // what the attacker can say about the 65+ count: exactly diff, or, when the figures are
      // perturbed, any count the table can publish as diff (the difference is the 65+ leaf's own published value)
      const candidates = mech.kind === 'exact' ? [diff] : preimage(diff, mech.params);
      const truth = truthOf('sgb2', a.area.code, TO, 'sgb2_personen', { alter: ['65+'] });
      if (candidates.length < MIN_VALUES && candidates.includes(truth)) recovered.push(`${a.area.code}=${truth}`);
    }
    report.push(
      `attack 1 (${TO}): ${recovered.length} Stadtteile's SGB-II 65+ counts pinned, ${recovered.filter((r) => Number(r.split('=')[1]) <= 2).length} of them 0–2: ${recovered.slice(0, 8).join(', ')}`,
    );
    expect(recovered).toEqual([]);
  });

  it('attack 2: a Bezirk total minus its published Stadtteile, pinned by the published reason (CSV)', async () => {
    const mech = await declaredMechanism(gql, 'hze_stationaer');
    const rows = [
      ...(await publicCsv(url, { indicator: 'hze_stationaer', level: 'STADTTEIL', period: '2012' })),
      ...(await publicCsv(url, { indicator: 'hze_stationaer', level: 'STADTBEZIRK', period: '2012' })),
    ];
    const stadtteile = rows.filter((r) => r.Ebene === 'STADTTEIL');
    const reasons = new Set(stadtteile.map((r) => r.Sperrgrund).filter(Boolean));
    const recovered: string[] = [];
    for (const bezirk of rows.filter((r) => r.Ebene === 'STADTBEZIRK')) {
      const total = germanNumber(bezirk.Wert);
      const parts = stadtteile.filter((r) => r.Gebietsschlüssel!.startsWith(bezirk.Gebietsschlüssel!) && r.Gebietsschlüssel!.length === 3);
      const hidden = parts.filter((r) => r.Gesperrt === 'ja');
      for (const p of parts) {
        const truth = truthOf('hze', p.Gebietsschlüssel!, '2012', 'hze_faelle', { hilfeart: ['stationaer'] });
        let candidates: number[];
        if (p.Gesperrt !== 'ja') candidates = mech.kind === 'exact' ? [germanNumber(p.Wert)!] : preimage(germanNumber(p.Wert)!, mech.params);
        else if (mech.kind === 'exact' && total !== null && hidden.every((h) => h.Sperrgrund === 'Fallzahl unter Schwelle')) {
          // all hidden cells are below 3 and sum to the residual: enumerate
          const residual = total - parts.filter((r) => r.Gesperrt !== 'ja').reduce((s, r) => s + germanNumber(r.Wert)!, 0);
          const others = hidden.length - 1;
          candidates = [0, 1, 2].filter((v) => residual - v >= 0 && residual - v <= 2 * others);
        } else continue;
        if (candidates.length < MIN_VALUES && candidates.includes(truth) && truth <= 2) recovered.push(`${p.Gebietsschlüssel}=${truth}`);
      }
    }
    report.push(`attack 2 (hze_stationaer 2012, CSV): reasons shown ${JSON.stringify([...reasons])}; cells with 0–2 cases pinned: ${recovered.join(', ') || 'none'}`);
    // the public learns nothing beyond "geschützt" about a missing value
    for (const r of reasons) expect(r).toBe('geschützt');
    expect(recovered).toEqual([]);
  });

  it('attack 3: the composite index reveals nothing beyond the published (protected) inputs', async () => {
    const def = catalogue.resolveIndex('index_soziale_lage');
    const year = '2012';
    const scores = (
      await gql<{ indexValues: { area: { code: string }; score: number | null; scored: boolean }[] }>(
        `{ indexValues(index: "index_soziale_lage", level: STADTTEIL, period: "2012") { area { code } score scored } }`,
      )
    ).indexValues;
    const population = new Map((await publicValues(gql, { indicator: def.population, level: 'STADTTEIL', period: year })).map((v) => [v.area.code, v.value]));
    const inputs: Record<string, Map<string, number | null>> = {};
    const hidden: { indicator: string; area: string; denominator: number | null }[] = [];
    for (const input of def.inputs) {
      const ds = catalogue.datasetsOf(input.indicator)[0]!;
      const period = alignPeriod(year, catalogue.datasets[ds]!.periodicity);
      const values = await publicValues(gql, { indicator: input.indicator, level: 'STADTTEIL', period });
      inputs[input.indicator] = new Map(values.map((v) => [v.area.code, v.value]));
      const plan = catalogue.compile(input.indicator);
      const denCode = plan.kind === 'ratio' ? catalogue.latest().find((i) => i.kind === 'count' && JSON.stringify(component(i.code)) === JSON.stringify(plan.denominator))?.code : undefined;
      const dens = denCode ? new Map((await publicValues(gql, { indicator: denCode, level: 'STADTTEIL', period })).map((v) => [v.area.code, v.value])) : new Map();
      for (const v of values)
        if (v.value === null && population.get(v.area.code)! >= def.minPopulation) hidden.push({ indicator: input.indicator, area: v.area.code, denominator: dens.get(v.area.code) ?? null });
    }
    const published = new Map(scores.filter((s) => s.scored).map((s) => [s.area.code, s.score!]));
    // least squares (Gauss–Newton, numerical Jacobian) for the hidden inputs so that the index
    // recomputed from the public inputs matches the published scores
    const scoreWith = (x: number[]) => {
      const filled: Record<string, Map<string, number | null>> = Object.fromEntries(Object.entries(inputs).map(([k, m]) => [k, new Map(m)]));
      for (const [i, h] of hidden.entries()) filled[h.indicator]!.set(h.area, x[i]!);
      const result = computeCompositeIndex(def, { inputs: filled, population: new Map([...population].map(([k, v]) => [k, v])) });
      return [...published.keys()].map((code) => (result.areas.find((a) => a.areaCode === code)?.value ?? Number.NaN) - published.get(code)!);
    };
    let x = hidden.map((h) => {
      const vals = [...inputs[h.indicator]!.values()].filter((v): v is number => v !== null);
      return vals.reduce((s, v) => s + v, 0) / vals.length;
    });
    for (let iter = 0; iter < 50 && hidden.length > 0; iter++) {
      const r0 = scoreWith(x);
      const J = x.map((_, j) => {
        const h = 1e-6 * Math.max(1, Math.abs(x[j]!));
        const xp = [...x];
        xp[j]! += h;
        return scoreWith(xp).map((r, i) => (r - r0[i]!) / h);
      });
      // normal equations JᵀJ δ = −Jᵀr
      const n = x.length;
      const A = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => J[a]!.reduce((s, v, i) => s + v * J[b]![i]!, 0)));
      const g = Array.from({ length: n }, (_, a) => -J[a]!.reduce((s, v, i) => s + v * r0[i]!, 0));
      const delta = solveLinear(A, g);
      x = x.map((v, j) => v + delta[j]!);
      if (Math.max(...delta.map(Math.abs)) < 1e-12) break;
    }
    const residual = hidden.length > 0 ? Math.max(...scoreWith(x).map(Math.abs)) : 0;
    const recovered: string[] = [];
    hidden.forEach((h, i) => {
      const plan = catalogue.compile(h.indicator);
      if (plan.kind !== 'ratio' || h.denominator === null) return;
      const count = (x[i]! * h.denominator) / plan.factor;
      const truth = truthOf(plan.numerator.dataset, h.area, alignPeriod(year, catalogue.datasets[plan.numerator.dataset]!.periodicity), plan.numerator.measure, plan.numerator.dims);
      if (residual < 1e-6 && Math.abs(count - Math.round(count)) < 1e-4 && Math.round(count) === truth) recovered.push(`${h.indicator} ${h.area}=${truth}`);
    });
    report.push(`attack 3 (index_soziale_lage 2012): ${hidden.length} hidden inputs, least-squares residual ${residual.toExponential(1)}, recovered: ${recovered.join(', ') || 'none'}`);
    expect(recovered).toEqual([]);
    // and the published index is exactly the index of the published inputs: it carries nothing more
    const fromPublic = computeCompositeIndex(def, { inputs, population });
    for (const [code, score] of published) expect(fromPublic.areas.find((a) => a.areaCode === code)!.value).toBeCloseTo(score, 9);
  });

  it('attack 4: as-of differencing and knownAt single out no corrected cell', async () => {
    const now = await publicValues(gql, { indicator: 'grundsicherung_alter', level: 'STADTTEIL', period: '2012' });
    const changedByKnownAt = now.filter((v) => v.knownAt !== null && v.knownAt > between).map((v) => v.area.code);
    const then = new Map((await publicValues(gql, { indicator: 'grundsicherung_alter', level: 'STADTTEIL', period: '2012', asOf: between })).map((v) => [v.area.code, v]));
    const changedByValue = now.filter((v) => then.get(v.area.code)?.value !== v.value).map((v) => v.area.code);
    const mech = await declaredMechanism(gql, 'grundsicherung_alter');
    // the as-of figure of 404 and the current Bezirk total minus its current parts
    const v404then = then.get('404')?.value ?? null;
    const bezirk = (await publicValues(gql, { indicator: 'grundsicherung_alter', level: 'STADTBEZIRK', period: '2012' })).find((v) => v.area.code === '4')!;
    const partsNow = now.filter((v) => v.area.code.startsWith('4') && v.area.code.length === 3);
    const hiddenNow = partsNow.filter((v) => v.value === null).map((v) => v.area.code);
    let pinned405: number | null = null;
    if (mech.kind === 'exact' && bezirk.value !== null && v404then !== null && hiddenNow.includes('405')) {
      // 404 did not change (its knownAt says so), so the as-of value fills it in
      const residual = bezirk.value - partsNow.filter((v) => v.value !== null).reduce((s, v) => s + v.value!, 0) - (hiddenNow.includes('404') ? v404then : 0);
      if (hiddenNow.filter((c) => c !== '404').length === 1) pinned405 = residual;
    }
    report.push(
      `attack 4 (grundsicherung_alter 2012): knownAt shows changed cells ${JSON.stringify(changedByKnownAt)}; values differing as-of ${JSON.stringify(changedByValue)}; 404 as-of ${v404then}; 405 pinned to ${pinned405} (truth ${truthOf('grundsicherung', '405', '2012', 'grundsicherung_alter')})`,
    );
    expect(now.every((v) => v.knownAt === null)).toBe(true);
    expect(pinned405).toBeNull();
  });

  it('uncertainty: a public interval and small-number flag are functions of the published figures only', async () => {
    // docs/uncertainty-and-typology.md: the public's Wilson interval is computed from the protected
    // numerator and denominator it is shown, never from true counts; a withheld figure shows none.
    type Row = {
      area: { code: string };
      value: number | null;
      numerator: number | null;
      denominator: number | null;
      suppressed: boolean;
      perturbed: boolean;
      interval: { lower: number; upper: number; level: number; method: string } | null;
      smallNumber: boolean | null;
    };
    const q = `query($i: String!, $p: String!) { indicator(code: $i) { uncertainty { level minNumerator minDenominator } }
      indicatorValues(indicator: $i, level: STADTTEIL, period: $p) { area { code } value numerator denominator suppressed perturbed interval { lower upper level method } smallNumber } }`;
    let differing = 0;
    for (const [indicator, period] of [
      ['hze_quote', '2012'],
      ['grundsicherung_alter_quote', '2012'],
      ['sgb2_quote', TO],
    ] as const) {
      const plan = catalogue.compile(indicator);
      if (plan.kind !== 'ratio') throw new Error(`${indicator} is not a ratio`);
      type Answer = { indicator: { uncertainty: { level: number; minNumerator: number; minDenominator: number } }; indicatorValues: Row[] };
      const pub = await gql<Answer>(q, { i: indicator, p: period });
      const truth = new Map((await privileged<Answer>(q, { i: indicator, p: period })).indicatorValues.map((v) => [v.area.code, v]));
      const { level, minNumerator, minDenominator } = pub.indicator.uncertainty;
      const expected = (n: number, d: number) => {
        const w = wilsonInterval(n, d, level);
        return w ? { lower: w.lower * plan.factor, upper: w.upper * plan.factor, level, method: 'WILSON' } : null;
      };
      expect(pub.indicatorValues.length).toBeGreaterThan(80);
      for (const v of pub.indicatorValues) {
        if (v.suppressed) {
          expect(v, `${indicator} ${v.area.code}: geschützt`).toMatchObject({ interval: null, smallNumber: null });
          continue;
        }
        expect(v.perturbed).toBe(true);
        expect(v.interval, `${indicator} ${v.area.code}`).toEqual(expected(v.numerator!, v.denominator!));
        expect(v.smallNumber).toBe(v.numerator! < minNumerator || v.denominator! < minDenominator);
        const t = truth.get(v.area.code)!;
        if (t.numerator !== v.numerator) {
          differing++;
          // the true counts would have given another interval: the public one is not made of them
          expect(v.interval).not.toEqual(expected(t.numerator!, t.denominator!));
        }
      }
      // the CSV says the same (opt-in columns)
      const csv = await publicCsv(url, { indicator, level: 'STADTTEIL', period, uncertainty: 'true' });
      for (const row of csv) {
        const v = pub.indicatorValues.find((x) => x.area.code === row.Gebietsschlüssel)!;
        if (v.interval) expect(germanNumber(row['KI unten']!)).toBeCloseTo(v.interval.lower, 6);
        else expect(row['KI unten']).toBe('');
      }
    }
    report.push(`uncertainty: ${differing} public intervals differ from those of the true counts; every one is the Wilson interval of the published counts`);
    expect(differing).toBeGreaterThan(0);
  });

  it(`the exhaustive audit: no confidential cell of the public figures narrows to fewer than ${MIN_VALUES} values`, async () => {
    const mech = await declaredMechanism(gql, 'sgb2_personen');
    const leaves = buildLeaves(data, mech, RECORD_KEY_SECRET);
    const figures: Figure[] = [];
    const targets: Target[] = [];
    const months = periodRange(FROM, TO);
    const collect = async (indicator: string, level: string, periods: readonly string[], version: 'current' | 'before') => {
      const c = component(indicator);
      const values = await publicValues(gql, {
        indicator,
        level,
        ...(periods.length === 1 ? { period: periods[0]! } : { from: periods[0]!, to: periods.at(-1)! }),
        ...(version === 'before' ? { asOf: between } : {}),
      });
      for (const v of values) {
        const st = stadtteileOf(areaMap, level, v.area.code, v.period);
        const ls = leavesOf(data, leaves, c, st, v.period, version);
        if (ls.length === 0) continue;
        const id = `${indicator} ${level} ${v.area.code} ${v.period}${version === 'before' ? ' as-of' : ''}`;
        const block = `${c.dataset}|${v.period}`;
        figures.push(figureOf(id, block, ls, v));
        targets.push({ id, block, leaves: ls, truth: ls.reduce((s, l) => s + leaves.get(l)!.truth, 0) });
      }
    };
    for (const indicator of COUNTS) {
      const monthly = catalogue.datasets[component(indicator).dataset]!.periodicity === 'month';
      for (const level of LEVELS) {
        // the monthly data: the last quarter at every level, the whole 18-month series at the finer levels
        if (monthly) await collect(indicator, level, level === 'STADTTEIL' || level === 'STADTBEZIRK' ? months : months.slice(-3), 'current');
        else {
          await collect(indicator, level, ['2011'], 'current');
          await collect(indicator, level, ['2012'], 'current');
          await collect(indicator, level, ['2012'], 'before');
        }
      }
    }
    for (const leaf of leaves.values()) targets.push({ id: `leaf ${leaf.id}`, block: leaf.block, leaves: [leaf.id], truth: leaf.truth });
    // the model must describe what the platform publishes
    expect(inconsistentFigures(leaves, figures)).toEqual([]);
    const result = await audit(leaves, figures, targets, mech, { minValues: MIN_VALUES, budgetMs: 180_000 });
    const small = result.violations.filter((v) => v.truth <= 2);
    report.push(
      `audit (${mech.kind}): ${figures.length} public figures, ${result.targets} targets; proven by the published values ${result.provenByPublishedValues}, solved by MILP ${result.solvedByMilp}, unsolved in budget ${result.unsolved}; ` +
        `${result.violations.length} narrowed below ${MIN_VALUES} values (${result.violations.filter((v) => v.lo === v.hi).length} exactly), ${small.length} of them true counts 0–2 (${small.filter((v) => v.lo === v.hi).length} exactly); ${result.ms} ms`,
    );
    if (small.length)
      report.push(
        `  e.g. ${small
          .slice(0, 6)
          .map((v) => `${v.target}=${v.truth} [${v.lo}, ${v.hi}]`)
          .join('; ')}`,
      );
    expect(result.unsolved).toBe(0);
    expect(result.violations.slice(0, 5)).toEqual([]);
  }, 600_000);
});

function solveLinear(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const pivot = M[c]![c]!;
    if (Math.abs(pivot) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / pivot;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[n]! / row[i]!));
}
