// CSV the way German Excel and Power BI read it without an import wizard: UTF-8 with BOM,
// semicolon-separated, decimal comma, CRLF line ends, "ja"/"nein" for booleans, empty cells for
// suppressed or missing values (never 0). Text cells that a spreadsheet would run as a formula
// are prefixed with an apostrophe.

export type Cell = string | number | boolean | null | undefined;

const numberFormat = new Intl.NumberFormat('de-DE', { useGrouping: false, maximumFractionDigits: 10 });

/**
 * OWASP CSV injection: a text cell starting with = + - @ tab or CR is run as a formula by Excel,
 * LibreOffice and Google Sheets; the full-width forms are folded to them by some locales. Such a cell
 * gets a leading apostrophe (shown as text, the apostrophe hidden), and a cell with ; " or a line
 * break is quoted, so a payload cannot start a new cell or row either.
 */
const formulaStart = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function formatCell(cell: Cell): string {
  if (cell == null) return '';
  if (typeof cell === 'boolean') return cell ? 'ja' : 'nein';
  if (typeof cell === 'number') return Number.isFinite(cell) ? numberFormat.format(cell) : '';
  let text = cell;
  if (formulaStart.test(text)) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const BOM = '\uFEFF';

export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const lines = [header.map(formatCell).join(';')];
  for (const row of rows) lines.push(row.map(formatCell).join(';'));
  return `${BOM + lines.join('\r\n')}\r\n`;
}
