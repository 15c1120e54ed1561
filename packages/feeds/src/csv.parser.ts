// CSV deliveries as the Ämter export them from Excel and SAP: `;` (German Excel) or `,` or tab
// separators, a header row, strictly UTF-8 with or without BOM, German decimal commas ("1.234,5") or
// decimal points — one number format per file, decided from all its numbers (numberFormatOf). Each
// record type has a column mapping (csvColumns); area statistics come one observation per row and
// are grouped into records by (dataset, areaLevel, areaCode, period).
import { parse } from 'csv-parse/sync';
import type { RecordType } from '@sp/events';
import { decodeUtf8Body } from './body-text.js';
import { feedError, type FeedError } from './feed-error.js';
import type { InputRow } from './record.validators.js';
import { areaStatisticKey, fieldPath } from './record.validators.js';

export type CellKind = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'areas' | 'budget' | 'targets';

export interface CsvColumn {
  /** header name (matched case-insensitively) */
  name: string;
  /** where the cell goes in the record */
  path: readonly string[];
  kind: CellKind;
}

const col = (name: string, kind: CellKind = 'string', path: readonly string[] = [name]): CsvColumn => ({ name, kind, path });

/** Column mapping per record type. Empty cells are absent fields. */
export const csvColumns: Record<RecordType, readonly CsvColumn[]> = {
  'area-statistic': [
    col('key'),
    col('version', 'int'),
    col('dataset'),
    col('areaLevel'),
    col('areaCode'),
    col('period'),
    col('measure'),
    col('value', 'number'),
    // since area-statistic v3, for a value the source published (empty: a count)
    col('valueKind'),
    col('unit'),
    col('denominator', 'number'),
    col('synthetic', 'boolean'),
    col('source'),
    // plus any number of dimension columns dim_<name>, e.g. dim_alter, dim_geschlecht
  ],
  offer: [
    col('key'),
    col('version', 'int'),
    col('name'),
    col('offerType'),
    col('subtype'),
    col('provider'),
    col('amt'),
    col('targetGroups', 'list'),
    col('street', 'string', ['address', 'street']),
    col('postcode', 'string', ['address', 'postcode']),
    col('city', 'string', ['address', 'city']),
    col('lat', 'number', ['location', 'lat']),
    col('lon', 'number', ['location', 'lon']),
    col('capacity', 'number', ['capacity', 'value']),
    col('capacityUnit', 'string', ['capacity', 'unit']),
    col('reach'),
    col('validFrom'),
    col('validTo'),
    col('source'),
    col('attribution'),
    col('synthetic', 'boolean'),
    // offer v2: what a citizen needs to use the offer
    col('openingHours'),
    col('languages', 'list'),
    col('wheelchair', 'string', ['accessibility', 'wheelchair']),
    col('accessibilityNote', 'string', ['accessibility', 'note']),
    col('phone', 'string', ['contact', 'phone']),
    col('email', 'string', ['contact', 'email']),
    col('website', 'string', ['contact', 'website']),
  ],
  goal: [
    col('key'),
    col('version', 'int'),
    col('parentKey'),
    col('title'),
    col('description'),
    col('areas', 'areas'),
    col('targetGroups', 'list'),
    col('indicator'),
    col('baselineValue', 'number'),
    col('baselinePeriod'),
    col('targetValue', 'number'),
    col('targetDirection'),
    col('targets', 'targets'),
    col('deadline'),
    col('adoptedByBody', 'string', ['adoptedBy', 'body']),
    col('adoptedByDecision', 'string', ['adoptedBy', 'decision']),
    col('adoptedByDate', 'string', ['adoptedBy', 'date']),
    col('status'),
    col('revisionReason'),
    col('example', 'boolean'),
  ],
  measure: [
    col('key'),
    col('version', 'int'),
    col('title'),
    col('description'),
    col('goalKeys', 'list'),
    col('areas', 'areas'),
    col('targetGroups', 'list'),
    col('leadAmt'),
    col('participants', 'list'),
    col('budget', 'budget'),
    col('plannedStart'),
    col('plannedEnd'),
    col('actualStart'),
    col('actualEnd'),
    col('status'),
    col('fundingSource'),
    col('example', 'boolean'),
  ],
  milestone: [col('key'), col('version', 'int'), col('measureKey'), col('title'), col('plannedDate'), col('plannedQuarter'), col('actualDate'), col('reached', 'boolean')],
  'status-report': [col('key'), col('version', 'int'), col('measureKey'), col('reportedBy'), col('reportedAt'), col('progressPercent', 'number'), col('narrative'), col('trafficLight')],
  // a Sozialraum topic: an empty assessment or decision group is absent
  theme: [
    col('key'),
    col('version', 'int'),
    col('areaLevel', 'string', ['area', 'level']),
    col('areaCode', 'string', ['area', 'code']),
    col('origin'),
    col('title'),
    col('description'),
    col('foundDate'),
    col('foundBy'),
    col('assessmentDate', 'string', ['assessment', 'date']),
    col('assessedBy', 'string', ['assessment', 'assessedBy']),
    col('assessmentText', 'string', ['assessment', 'text']),
    col('priority', 'string', ['assessment', 'priority']),
    col('decisionDate', 'string', ['decision', 'date']),
    col('decidedBy', 'string', ['decision', 'decidedBy']),
    col('outcome', 'string', ['decision', 'outcome']),
    col('measureKey', 'string', ['decision', 'measureKey']),
    col('projectTitle', 'string', ['decision', 'projectTitle']),
    col('reason', 'string', ['decision', 'reason']),
    col('example', 'boolean'),
  ],
  // nested lists of changes: JSON only (parseCsvDelivery refuses a CSV of it as INVALID_CSV)
  scenario: [],
  // the spatial reference as delivered data: geometry is the GeoJSON text (or left empty: no boundary)
  'area-level': [col('key'), col('version', 'int'), col('level'), col('label'), col('parentLevel'), col('kind'), col('coverage'), col('source')],
  area: [col('key'), col('version', 'int'), col('level'), col('code'), col('name'), col('parent'), col('members', 'areas'), col('validFrom'), col('validTo'), col('geometry'), col('source')],
  // catalogue entries are nested (dimensions, inputs, classes): JSON only, like scenarios
  'indicator-definition': [],
  // a dataset's measures and their dimensions are nested: JSON only
  dataset: [],
};

/** columns that may be empty in every row and still give a record with empty lists */
const listDefaults: Partial<Record<RecordType, readonly string[]>> = {
  offer: ['targetGroups', 'languages'],
  goal: ['areas', 'targetGroups', 'targets'],
  measure: ['goalKeys', 'areas', 'targetGroups', 'participants', 'budget'],
  area: ['members'],
};

export type ParsedDelivery = { ok: true; rows: InputRow[] } | { ok: false; errors: FeedError[] };

export interface CsvDialect {
  delimiter: ';' | ',' | '\t';
  /** the file's decimal mark: "," in German Excel exports ("1.234,5" = 1234.5), "." otherwise */
  decimal: ',' | '.';
}

/** The separator from the header; the decimal mark is only a first guess here (see numberFormatOf). */
export function detectDialect(text: string): CsvDialect {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const count = (c: string) => header.split(c).length - 1;
  const [semi, comma, tab] = [count(';'), count(','), count('\t')];
  if (tab > semi && tab > comma) return { delimiter: '\t', decimal: ',' };
  if (semi >= comma && semi > 0) return { delimiter: ';', decimal: ',' };
  return { delimiter: ',', decimal: '.' };
}

/**
 * What a number cell tells about the file's decimal mark. "1.234,5", "12,5", "1.234.567" say ","
 * (decimal comma); "1,234.5", "12.5", "1,234,567" say "."; "1.234" and "1,234" (one mark, then
 * exactly three digits) could be either — a thousands group or three decimals.
 */
export type NumberShape = { kind: 'plain' | 'invalid' } | { kind: 'decimal'; mark: ',' | '.' } | { kind: 'ambiguous'; mark: ',' | '.' };

const NUMBER_CHARS = /^[-+]?[\d.,]+([eE][-+]?\d+)?$/;

export function numberShape(cell: string): NumberShape {
  const s = cell.trim().replace(/[\s\u00a0\u202f]/g, '');
  if (!NUMBER_CHARS.test(s)) return { kind: 'invalid' };
  const mantissa = s.replace(/^[-+]/, '').replace(/[eE].*$/, '');
  const dots = mantissa.split('.').length - 1;
  const commas = mantissa.split(',').length - 1;
  if (dots === 0 && commas === 0) return { kind: 'plain' };
  if (dots > 0 && commas > 0) return { kind: 'decimal', mark: mantissa.lastIndexOf(',') > mantissa.lastIndexOf('.') ? ',' : '.' };
  const mark = dots > 0 ? '.' : ',';
  const other = mark === '.' ? ',' : '.';
  if ((dots > 0 ? dots : commas) > 1) return { kind: 'decimal', mark: other }; // repeated: it groups thousands
  const [int = '', frac = ''] = mantissa.split(mark);
  if (frac.length === 3 && int.length >= 1 && int.length <= 3 && int !== '0' && /^\d+$/.test(int)) return { kind: 'ambiguous', mark };
  return { kind: 'decimal', mark };
}

/**
 * Parses a number cell with the file's decimal mark: the other mark groups thousands ("1.234,5" →
 * 1234.5 with ","; "1,234.5" → 1234.5 with "."). Returns undefined when the cell is not a number
 * in that format (a grouping mark after the decimal mark, misplaced groups).
 */
export function parseNumberCell(cell: string, decimal: ',' | '.'): number | undefined {
  const s = cell.trim().replace(/[\s\u00a0\u202f]/g, '');
  const group = decimal === ',' ? '.' : ',';
  const m = /^([-+]?)([\d.,]+)([eE][-+]?\d+)?$/.exec(s);
  if (!m) return undefined;
  const [intPart = '', fracPart, extra] = m[2]!.split(decimal);
  if (extra !== undefined || fracPart?.includes(group)) return undefined;
  if (intPart.includes(group) && !(decimal === ',' ? /^\d{1,3}(\.\d{3})+$/ : /^\d{1,3}(,\d{3})+$/).test(intPart)) return undefined;
  const plain = `${m[1]}${intPart.split(group).join('')}${fracPart !== undefined ? `.${fracPart}` : ''}${m[3] ?? ''}`;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(plain)) return undefined;
  return Number(plain);
}

/** One number cell of the file, for the file's decision on its decimal mark. */
export interface NumberCell {
  row: number;
  column: string;
  cell: string;
}

/**
 * The decimal mark of a file, decided from all its number cells: the cells that say it agree, or
 * the file is refused naming a cell of each kind; when none says it, the separator's convention
 * holds (";" and tab: German ","; ",": "."). A cell that stays ambiguous is refused with both
 * readings unless the convention settles it: in a ";" file "1.234" is German for 1234.
 */
export function numberFormatOf(cells: readonly NumberCell[], dialect: CsvDialect): { ok: true; decimal: ',' | '.' } | { ok: false; errors: FeedError[] } {
  const first: Partial<Record<',' | '.', NumberCell>> = {};
  for (const c of cells) {
    const shape = numberShape(c.cell);
    if (shape.kind === 'decimal') first[shape.mark] ??= c;
  }
  const byComma = first[','];
  const byDot = first['.'];
  if (byComma && byDot) {
    const show = (c: NumberCell) => `row ${c.row}, ${c.column}: "${c.cell}"`;
    return {
      ok: false,
      errors: [
        feedError({
          row: byDot.row,
          field: byDot.column,
          value: byDot.cell,
          code: 'AMBIGUOUS_NUMBER',
          message: `the file mixes number formats: ${show(byComma)} has a decimal comma, ${show(byDot)} a decimal point`,
          accepted: 'one number format per file: German "1.234,5" (with ";") or "1234.5"',
        }),
      ],
    };
  }
  const decided = byComma ? ',' : byDot ? '.' : undefined;
  const decimal = decided ?? dialect.decimal;
  if (decided === undefined && dialect.decimal === '.') {
    // a "," file with "1.234" and nothing else to go by: 1.234 or 1234? say so instead of guessing
    const errors = cells.flatMap((c) => {
      const shape = numberShape(c.cell);
      if (shape.kind !== 'ambiguous') return [];
      const asDecimal = parseNumberCell(c.cell, shape.mark);
      const asGroup = parseNumberCell(c.cell, shape.mark === '.' ? ',' : '.');
      return [
        feedError({
          row: c.row,
          field: c.column,
          value: c.cell,
          code: 'AMBIGUOUS_NUMBER',
          message: `"${c.cell}" reads as ${asDecimal} (decimal ${shape.mark === '.' ? 'point' : 'comma'}) or as ${asGroup} (thousands separator), and no other number in the file tells which`,
          accepted: `the number without thousands separator (${asGroup} or ${asDecimal}), or a ";" file with German numbers ("1.234" = 1234, "1,234" = 1.234)`,
        }),
      ];
    });
    if (errors.length) return { ok: false, errors };
  }
  return { ok: true, decimal };
}

const TRUE = new Set(['true', 'wahr', 'ja', 'j', 'yes', 'y', '1', 'x']);
const FALSE = new Set(['false', 'falsch', 'nein', 'n', 'no', '0']);

function convert(cell: string, kind: CellKind, dialect: CsvDialect): unknown {
  switch (kind) {
    case 'string':
      return cell;
    case 'int':
    case 'number': {
      const n = parseNumberCell(cell, dialect.decimal);
      return n === undefined ? cell : n; // the raw text goes on, so the validator names it WRONG_TYPE
    }
    case 'boolean': {
      const b = cell.trim().toLowerCase();
      return TRUE.has(b) ? true : FALSE.has(b) ? false : cell;
    }
    case 'list':
      return splitList(cell, dialect);
    case 'areas':
      // "STADTTEIL:101|STADTTEIL:102"
      return splitList(cell, dialect).map((a) => {
        const [level, code] = a.split(':');
        return { level: level?.trim(), code: code?.trim() };
      });
    case 'budget':
      // "2025:150000:0|2026:200000:12000:180000" (year:planned:spent, optionally :approved)
      return splitList(cell, dialect).map((b) => {
        const [year, planned, spent, approved] = b.split(':').map((p) => {
          const n = parseNumberCell(p, dialect.decimal);
          return n === undefined ? p : n;
        });
        return approved === undefined ? { year, planned, spent } : { year, planned, spent, approved };
      });
    case 'targets':
      // "STADTTEIL:609:2025:12500|STADTTEIL:609:2030:13500" (level:code:year:value, goal v2)
      return splitList(cell, dialect).map((t) => {
        const [level, code, year, value] = t.split(':').map((p) => p.trim());
        const num = (p: string | undefined) => {
          const n = p === undefined ? undefined : parseNumberCell(p, dialect.decimal);
          return n === undefined ? p : n;
        };
        return { area: { level, code }, year: num(year), value: num(value) };
      });
  }
}

/** Lists inside a cell: `|`, or `,` when the file itself is `;`/tab separated. */
function splitList(cell: string, dialect: CsvDialect): string[] {
  const sep = cell.includes('|') || dialect.delimiter === ',' ? '|' : ',';
  return cell
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let t = target;
  for (const p of path.slice(0, -1)) {
    if (typeof t[p] !== 'object' || t[p] === null) t[p] = {};
    t = t[p] as Record<string, unknown>;
  }
  t[path[path.length - 1]!] = value;
}

interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
  dialect: CsvDialect;
}

function readTable(body: Buffer | string): { ok: true; table: CsvTable } | { ok: false; errors: FeedError[] } {
  const decoded = decodeUtf8Body(body, 'CSV');
  if (!decoded.ok) return decoded;
  const { text } = decoded;
  const dialect = detectDialect(text);
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, { delimiter: dialect.delimiter, bom: true, info: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as unknown as typeof parsed;
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    return {
      ok: false,
      errors: [
        feedError({
          row: err.lines ?? null,
          field: null,
          value: err.code ?? null,
          code: 'INVALID_CSV',
          message: err.message,
          accepted: `CSV with a header row, "${dialect.delimiter}" as separator, the same number of cells in every row, quotes closed`,
        }),
      ],
    };
  }
  const [head, ...rest] = parsed;
  if (!head) return { ok: false, errors: [feedError({ row: null, field: null, value: '', code: 'EMPTY_BATCH', message: 'the file is empty', accepted: 'a header row and at least one data row' })] };
  return { ok: true, table: { header: head.record, rows: rest.map((r) => ({ line: r.info.lines, cells: r.record })), dialect } };
}

/** Parses a CSV delivery of one record type into input rows for validateRecords. */
export function parseCsvDelivery(recordType: RecordType, body: Buffer | string): ParsedDelivery {
  if (csvColumns[recordType].length === 0) {
    const message = `${recordType} records hold nested lists and are delivered as JSON only`;
    return { ok: false, errors: [feedError({ row: null, field: null, value: null, code: 'INVALID_CSV', message, accepted: 'a JSON delivery (content-type application/json: {"records": [...]})' })] };
  }
  const read = readTable(body);
  if (!read.ok) return read;
  const { header, rows } = read.table;
  const columns = csvColumns[recordType];
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const mapped: (CsvColumn | { dimension: string } | undefined)[] = header.map((h) => {
    const lower = h.trim().toLowerCase();
    if (recordType === 'area-statistic' && lower.startsWith('dim_') && lower.length > 4) return { dimension: h.trim().slice(4) };
    return byName.get(lower);
  });
  const errors: FeedError[] = [];
  header.forEach((h, i) => {
    if (!mapped[i]) {
      errors.push(
        feedError({
          row: 1,
          field: h,
          value: h,
          code: 'UNKNOWN_FIELD',
          message: `unknown column ${JSON.stringify(h)}`,
          accepted: `columns ${columns.map((c) => c.name).join(', ')}${recordType === 'area-statistic' ? ', dim_<dimension>' : ''}`,
        }),
      );
    }
  });
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (seen.has(k)) errors.push(feedError({ row: 1, field: h, value: h, code: 'INVALID_CSV', message: `column ${h} appears twice`, accepted: 'each column once' }));
    seen.set(k, i);
  });
  if (errors.length) return { ok: false, errors };
  if (rows.length === 0)
    return { ok: false, errors: [feedError({ row: null, field: null, value: null, code: 'EMPTY_BATCH', message: 'the file has a header but no data rows', accepted: 'at least one data row' })] };
  const format = numberFormatOf(numberCells(rows, header, mapped, read.table.dialect), read.table.dialect);
  if (!format.ok) return format;
  const dialect: CsvDialect = { ...read.table.dialect, decimal: format.decimal };

  const columnFor = (path: readonly PropertyKey[]): string => {
    const p = path.filter((x) => typeof x === 'string') as string[];
    if (recordType === 'area-statistic') {
      if (p[0] === 'observations') return p[1] === 'dimensions' ? `dim_${p[2] ?? ''}` : (p[1] ?? 'measure');
    }
    const c = columns.find((c) => c.path.length <= p.length && c.path.every((x, i) => x === p[i])) ?? columns.find((c) => c.path[0] === p[0]);
    return c ? c.name : fieldPath(path);
  };

  if (recordType === 'area-statistic') return groupObservations(rows, mapped, dialect, columnFor);

  return {
    ok: true,
    rows: rows.map(({ line, cells }) => {
      const value: Record<string, unknown> = {};
      for (const l of listDefaults[recordType] ?? []) value[l] = [];
      cells.forEach((cell, i) => {
        const c = mapped[i] as CsvColumn;
        if (cell === '') return;
        setPath(value, c.path, convert(cell, c.kind, dialect));
      });
      return { row: line, value, columnFor };
    }),
  };
}

/** The cells of a file that hold numbers (budget lines: their amounts), for numberFormatOf. */
function numberCells(rows: CsvTable['rows'], header: readonly string[], mapped: readonly (CsvColumn | { dimension: string } | undefined)[], dialect: CsvDialect): NumberCell[] {
  const out: NumberCell[] = [];
  for (const { line, cells } of rows) {
    cells.forEach((cell, i) => {
      const c = mapped[i];
      if (!c || 'dimension' in c || cell === '') return;
      if (c.kind === 'int' || c.kind === 'number') out.push({ row: line, column: header[i]!, cell });
      else if (c.kind === 'budget') for (const b of splitList(cell, dialect)) for (const part of b.split(':').slice(1)) out.push({ row: line, column: header[i]!, cell: part });
      else if (c.kind === 'targets') for (const t of splitList(cell, dialect)) out.push({ row: line, column: header[i]!, cell: t.split(':')[3] ?? '' });
    });
  }
  return out;
}

/** One row per observation → one record per (dataset, areaLevel, areaCode, period). */
function groupObservations(
  rows: CsvTable['rows'],
  mapped: (CsvColumn | { dimension: string } | undefined)[],
  dialect: CsvDialect,
  columnFor: (path: readonly PropertyKey[]) => string,
): ParsedDelivery {
  const errors: FeedError[] = [];
  const groups = new Map<string, { first: number; lines: number[]; record: Record<string, unknown>; observations: unknown[] }>();
  const recordFields = ['key', 'version', 'synthetic', 'source'] as const;
  for (const { line, cells } of rows) {
    const fields: Record<string, unknown> = {};
    const dimensions: Record<string, string> = {};
    cells.forEach((cell, i) => {
      const c = mapped[i]!;
      if (cell === '') return;
      if ('dimension' in c) dimensions[c.dimension] = cell;
      else fields[c.name] = convert(cell, c.kind, dialect);
    });
    const id = areaStatisticKey({ dataset: String(fields.dataset ?? ''), areaLevel: String(fields.areaLevel ?? ''), areaCode: String(fields.areaCode ?? ''), period: String(fields.period ?? '') });
    let g = groups.get(id);
    const common: Record<string, unknown> = { dataset: fields.dataset, areaLevel: fields.areaLevel, areaCode: fields.areaCode, period: fields.period };
    for (const f of recordFields) if (fields[f] !== undefined) common[f] = fields[f];
    if (common.synthetic === undefined) common.synthetic = false;
    if (!g) {
      g = { first: line, lines: [], record: common, observations: [] };
      groups.set(id, g);
    } else {
      for (const f of recordFields) {
        if (JSON.stringify(g.record[f]) !== JSON.stringify(common[f])) {
          errors.push(
            feedError({
              row: line,
              field: f,
              value: common[f],
              code: 'INCONSISTENT_ROWS',
              message: `rows of ${id} differ in ${f} (row ${g.first} has ${JSON.stringify(g.record[f] ?? null)})`,
              accepted: `the same ${f} in every row of one record`,
            }),
          );
        }
      }
    }
    g.lines.push(line);
    const published = Object.fromEntries((['valueKind', 'unit', 'denominator'] as const).filter((f) => fields[f] !== undefined).map((f) => [f, fields[f]]));
    g.observations.push({ measure: fields.measure, dimensions, value: fields.value, ...published });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    rows: [...groups.values()].map((g) => ({
      row: g.first,
      value: Object.fromEntries(Object.entries({ ...g.record, observations: g.observations }).filter(([, v]) => v !== undefined)),
      rowFor: (path) => (path[0] === 'observations' && typeof path[1] === 'number' ? (g.lines[path[1]] ?? g.first) : g.first),
      columnFor,
    })),
  };
}

/** Withdrawals as CSV: columns key and (optionally) version. */
export function parseCsvTable(body: Buffer | string): { ok: true; rows: { row: number; value: Record<string, unknown> }[] } | { ok: false; errors: FeedError[] } {
  const read = readTable(body);
  if (!read.ok) return read;
  const { header, rows } = read.table;
  const versionAt = header.findIndex((h) => h.trim().toLowerCase() === 'version');
  const cells = versionAt < 0 ? [] : rows.flatMap(({ line, cells }) => (cells[versionAt] ? [{ row: line, column: header[versionAt]!, cell: cells[versionAt]! }] : []));
  const format = numberFormatOf(cells, read.table.dialect);
  if (!format.ok) return format;
  const dialect: CsvDialect = { ...read.table.dialect, decimal: format.decimal };
  return {
    ok: true,
    rows: rows.map(({ line, cells }) => {
      const value: Record<string, unknown> = {};
      cells.forEach((cell, i) => {
        const name = header[i]!.trim();
        if (cell !== '') value[name] = name.toLowerCase() === 'version' ? convert(cell, 'int', dialect) : cell;
      });
      return { row: line, value };
    }),
  };
}
