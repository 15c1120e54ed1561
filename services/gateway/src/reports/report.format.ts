// How figures read in the reports (German number format, suppression and perturbation marks), one
// place for the PDF and the DOCX so both print the same text for the same figure.
import { type GebietsProfil, type ProfileFigure, type ProfileIndicator, type ProfileNeed, syntheticLabel } from './profile.model.js';

const integer = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Counts as integers, rates and other kinds with one decimal. */
export function formatNumber(value: number, kind: string): string {
  return kind === 'count' ? integer.format(value) : oneDecimal.format(value);
}

export function formatZ(z: number): string {
  return (z > 0 ? '+' : '') + twoDecimals.format(z);
}

/** A figure as the report prints it: the number with its unit, "gesperrt (Grund)" or "–"; perturbed figures carry "*". */
export function formatFigure(f: ProfileFigure | null, indicator: Pick<ProfileIndicator, 'kind' | 'unit'>): string {
  if (!f) return '–';
  if (f.suppressed) return `gesperrt${f.suppressionReason ? ` (${f.suppressionReason})` : ''}`;
  if (f.value == null) return '–';
  const unit = indicator.unit === '%' ? ' %' : '';
  return `${formatNumber(f.value, indicator.kind)}${unit}${f.perturbed ? '*' : ''}`;
}

/** "2012" → "2012", "2012-12" → "12/2012", "2012-Q3" → "3. Quartal 2012". */
export function formatPeriod(p: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(p);
  if (month) return `${month[2]}/${month[1]}`;
  const quarter = /^(\d{4})-Q(\d)$/.exec(p);
  if (quarter) return `${quarter[2]}. Quartal ${quarter[1]}`;
  return p;
}

export const polarityDe: Record<string, string> = { POSITIVE: 'höher = günstiger', NEGATIVE: 'höher = ungünstiger', NEUTRAL: 'neutral' };

/** The needs per planning norm: supply, demand (or "gesperrt"), coverage and gap, one row each. */
export function needsTable(needs: readonly ProfileNeed[]): { head: string[]; rows: string[][] } {
  const head = ['Richtwert', 'Jahr', 'Angebot', 'Bedarf', 'Deckung', 'Lücke'];
  const rows = needs.map((n) => [
    `${n.normName} (${n.unit})`,
    n.period,
    formatNumber(n.supply, 'count'),
    n.suppressed ? 'gesperrt' : n.demand != null ? formatNumber(n.demand, 'ratio') : '–',
    n.coverage != null ? `${formatNumber(n.coverage * 100, 'ratio')} %` : '–',
    n.gap != null ? formatNumber(n.gap, 'ratio') : '–',
  ]);
  return { head, rows };
}

/** The key indicators of a profile: area, parent and (where it is neither) the city, one row each. */
export function comparisonTable(p: GebietsProfil): { head: string[]; rows: string[][] } {
  const head = ['Indikator', 'Zeitraum', p.area.name, ...(p.parent ? [p.parent.name] : []), ...(p.city ? [p.city.name] : [])];
  const rows = p.indicators.map((i) => [
    `${i.name}${i.synthetic ? ` (${syntheticLabel})` : ''}`,
    i.period ? formatPeriod(i.period) : '–',
    formatFigure(i.area, i),
    ...(p.parent ? [formatFigure(i.parent, i)] : []),
    ...(p.city ? [formatFigure(i.city, i)] : []),
  ]);
  return { head, rows };
}
