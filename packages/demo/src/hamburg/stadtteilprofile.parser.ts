// Parser of the Statistikamt Nord's "Daten für die Stadtteilprofile 2014" as published (one CSV,
// one row per statistical unit): pure, text in, rows out. It copes with the file's real quirks —
// semicolons, decimal commas, blanks as thousands separators and as padding ("  1 675    "), "."
// for "no value" (never 0), "-" for "nothing" (exactly 0, the official Zeichenerklärung), rows
// that join two Stadtteile, and Bezirk rows named like Stadtteile (only their position tells).
import { z } from 'zod';

export class ProfileParseError extends Error {
  override readonly name = 'ProfileParseError';
  constructor(
    readonly code: 'HEADER_MISSING' | 'COLUMN_COUNT' | 'VALUE_INVALID' | 'STRUCTURE',
    message: string,
  ) {
    super(message);
  }
}

/** The columns the platform takes, by stable key → the published header (trimmed). */
export const profileColumns = {
  bevoelkerung: 'Bevölkerung',
  unter18: 'Unter 18-Jährige',
  anteilUnter18: 'Anteil der unter 18-Jährigen in %',
  ab65: '65-Jährige und Ältere',
  haushalte: 'Haushalte',
  haushalteMitKindern: 'Haushalte mit Kindern',
  alleinerziehende: 'Alleinerziehende',
  anteilAlleinerziehende: 'Anteil der Haushalte von Alleinerziehenden in %',
  arbeitslose: 'Arbeitslose (Dez 2013)',
  arbeitslosenanteil: 'Arbeitslosenanteil in % (Dez 2013)',
  sgb2Empfaenger: 'Leistungs-empfänger/-innen nach SGB II (Dez 2013)',
  sgb2Anteil: 'Anteil der Leistungs-empfänger/-innen nach SGB II in % (Dez 2013)',
  u15Mindestsicherung: 'Unter 15-Jährige in Mindestsicherung (Dez 2013)',
  u15MindestsicherungAnteil: 'Anteil der unter 15-Jährigen in Mindestsicherung in % (Dez 2013)',
  bedarfsgemeinschaften: 'Bedarfs-gemeinschaften nach SGB II (Dez 2013)',
  steuerpflichtige: 'Lohn- und Einkommen-steuerpflichtige (2010)',
  einkommenJeSteuerpflichtigen: 'Durchschnitt-liches Einkommen je Steuerpflichtigen in EUR (2010)',
  grundstueckspreis: 'Preise für Grundstücke in EUR/m² (Jan 2014)',
} as const;

export type ProfileField = keyof typeof profileColumns;
/** null = "." in the file: not available or kept secret — never 0 */
export type ProfileValues = Record<ProfileField, number | null>;

export interface ProfileRow {
  /** 1-based line of the file */
  line: number;
  name: string;
  /** stadtteil: a statistical unit (one Stadtteil or several joined); bezirk; stadt: the city total */
  kind: 'stadtteil' | 'bezirk' | 'stadt';
  /** the names a statistical unit joins ("Kleiner Grasbrook und Steinwerder" → two); [name] otherwise */
  parts: string[];
  values: ProfileValues;
}

export interface StadtteilProfile {
  /** every published header, trimmed, in file order (the first is the area name) */
  headers: string[];
  rows: ProfileRow[];
}

export const parseOptionsSchema = z.object({
  /** the Bezirk names: the rows before the city total that carry them, in this number, are the Bezirke */
  bezirke: z.array(z.string().min(1)).min(1),
});
export type ParseOptions = z.infer<typeof parseOptionsSchema>;

/**
 * One published cell → number, or null for ".". Blanks anywhere are separators or padding
 * ("  1 675    " → 1675, "-  23" → −23); "-" alone is "nothing" (0); decimal comma.
 */
export function parseProfileNumber(cell: string, where: string): number | null {
  const compact = cell.replace(/\s+/g, '');
  if (compact === '.') return null;
  if (compact === '-') return 0;
  if (!/^-?\d+(,\d+)?$/.test(compact)) {
    throw new ProfileParseError(
      'VALUE_INVALID',
      `${where}: ${JSON.stringify(cell)} is no number; accepted: digits with blanks as thousands separators, a decimal comma, "." (no value) or "-" (nothing)`,
    );
  }
  return Number(compact.replace(',', '.'));
}

/** Splits a unit's name into the Stadtteile it joins ("A und B"). */
export function unitParts(name: string): string[] {
  return name.split(/\s+und\s+/).map((p) => p.trim());
}

export function parseStadtteilProfile(text: string, options: ParseOptions): StadtteilProfile {
  const { bezirke } = parseOptionsSchema.parse(options);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headers = (lines[0] ?? '').split(';').map((h) => h.trim());
  const index = {} as Record<ProfileField, number>;
  for (const [field, header] of Object.entries(profileColumns) as [ProfileField, string][]) {
    const i = headers.indexOf(header);
    if (i < 1) throw new ProfileParseError('HEADER_MISSING', `line 1: column ${JSON.stringify(header)} not found; accepted: the header of the Stadtteil-Profile 2014`);
    index[field] = i;
  }
  const data: { line: number; cells: string[] }[] = [];
  lines.slice(1).forEach((l, i) => {
    if (l.trim() === '') return;
    const cells = l.split(';');
    if (cells.length !== headers.length) throw new ProfileParseError('COLUMN_COUNT', `line ${i + 2}: ${cells.length} columns; accepted: ${headers.length} as in the header`);
    data.push({ line: i + 2, cells });
  });
  // position, not name: the last row is the city, the |bezirke| rows before it are the Bezirke
  if (data.length < bezirke.length + 2) throw new ProfileParseError('STRUCTURE', `${data.length} data rows; accepted: Stadtteile, then ${bezirke.length} Bezirke, then the city`);
  const firstBezirk = data.length - 1 - bezirke.length;
  const rows = data.map(({ line, cells }, i): ProfileRow => {
    const name = cells[0]!.trim();
    const kind = i === data.length - 1 ? 'stadt' : i >= firstBezirk ? 'bezirk' : 'stadtteil';
    if (kind === 'bezirk' && !bezirke.includes(name)) {
      throw new ProfileParseError('STRUCTURE', `line ${line}: ${JSON.stringify(name)} stands where a Bezirk row is expected; accepted: ${bezirke.join(', ')}`);
    }
    const values = {} as ProfileValues;
    for (const [field, i] of Object.entries(index) as [ProfileField, number][]) values[field] = parseProfileNumber(cells[i]!, `line ${line} (${name}), column ${headers[i]}`);
    return { line, name, kind, parts: kind === 'stadtteil' ? unitParts(name) : [name], values };
  });
  return { headers, rows };
}
