// The one typeface of the reports: DejaVu Sans (Debian's fonts-dejavu-core) covers every German
// character; the PDF embeds it and the DOCX pictures are rasterised with it.
import { existsSync } from 'node:fs';

const fontDirs = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/TTF', '/usr/share/fonts/dejavu'];

export const fontFiles = { body: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

export function fontPath(file: string): string {
  for (const dir of fontDirs) if (existsSync(`${dir}/${file}`)) return `${dir}/${file}`;
  throw new Error(`font ${file} not found in ${fontDirs.join(', ')}; install Debian's fonts-dejavu-core (infra/bin/bootstrap.sh does)`);
}
