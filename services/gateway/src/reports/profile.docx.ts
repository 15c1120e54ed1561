// Gebietsprofile as a DOCX a planner edits in Word or LibreOffice: real headings (the navigation
// pane and a table of contents work), tables with repeated header rows, the same texts and figures
// as the PDF (report.format.ts). The map and the time-series charts are the PDF's figures
// (report.figures.ts) as PNG pictures with alternative text; the series are also a table, so the
// figures stay editable. A confidential report carries the confidentiality line in the header and
// footer of every page.
import { AlignmentType, Document, Footer, Header, HeadingLevel, ImageRun, Packer, PageNumber, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import type { ReportDocument } from './profile.pdf.js';
import { confidentialityLine, type GebietsProfil, syntheticLabel } from './profile.model.js';
import { type Figure, profileFigures } from './report.figures.js';
import { rasterise } from './report.raster.js';
import { comparisonTable, formatFigure, formatNumber, formatPeriod, formatZ, needsTable, polarityDe } from './report.format.js';

const p = (text: string, opts: { bold?: boolean; size?: number; color?: string } = {}) =>
  new Paragraph({ children: [new TextRun({ text, bold: opts.bold ?? false, ...(opts.size ? { size: opts.size } : {}), ...(opts.color ? { color: opts.color } : {}) })] });
const h = (text: string, heading: (typeof HeadingLevel)[keyof typeof HeadingLevel]) => new Paragraph({ text, heading });

function table(head: readonly string[], rows: readonly string[][]): Table {
  const cell = (text: string, bold: boolean) => new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold, size: 18 })] })] });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [new TableRow({ tableHeader: true, children: head.map((c) => cell(c, true)) }), ...rows.map((r) => new TableRow({ children: r.map((c) => cell(c, false)) }))],
  });
}

/**
 * A figure as an inline picture at its size in points times `scale` (Word counts 96 pixels to the
 * inch). Charts are drawn at 0.93: two of them side by side fit the 451 points between Word's
 * default margins on A4, where the PDF's narrower margins take them at full size.
 */
async function picture(f: Figure, scale = 1): Promise<ImageRun> {
  const r = await rasterise(f);
  return new ImageRun({
    type: 'png',
    data: r.png,
    transformation: { width: Math.round(((f.width * 96) / 72) * scale), height: Math.round(((f.height * 96) / 72) * scale) },
    altText: { name: f.name, title: f.name, description: f.alt },
  });
}

async function profileBlocks(pr: GebietsProfil): Promise<(Paragraph | Table)[]> {
  const figures = profileFigures(pr);
  const [map, ...charts] = await Promise.all([figures.map ? picture(figures.map) : null, ...figures.charts.map((c) => picture(c, 0.93))]);
  const out: (Paragraph | Table)[] = [];
  out.push(h(`${pr.area.levelLabel} ${pr.area.name} (${pr.area.code})`, HeadingLevel.HEADING_1));
  out.push(
    p(
      [`Gebietsprofil ${pr.tenant}`, pr.period ? `Stand ${formatPeriod(pr.period)}` : null, pr.parent ? `übergeordnet: ${pr.parent.name}` : null, `erstellt am ${pr.createdAt}`]
        .filter(Boolean)
        .join(' · '),
      {
        color: '5A5A5A',
      },
    ),
  );
  if (map) out.push(new Paragraph({ children: [map] }));

  out.push(h('Kennzahlen im Vergleich', HeadingLevel.HEADING_2));
  const comparison = comparisonTable(pr);
  out.push(table(comparison.head, comparison.rows));
  if (pr.perturbationNote) out.push(p(`* ${pr.perturbationNote}`, { size: 16 }));

  const charted = pr.indicators.filter((i) => i.series.length >= 2);
  if (charted.length) {
    out.push(h('Zeitreihen', HeadingLevel.HEADING_2));
    // two charts a line, as in the PDF
    for (let k = 0; k < charts.length; k += 2) {
      const pair = charts.slice(k, k + 2) as ImageRun[];
      out.push(new Paragraph({ children: pair.flatMap((c, idx) => (idx === 0 ? [c] : [new TextRun(' '), c])) }));
    }
    const periods = [...new Set(charted.flatMap((i) => i.series.map((s) => s.period)))].sort();
    out.push(
      table(
        ['Indikator', ...periods.map(formatPeriod)],
        charted.map((i) => [`${i.name}${i.synthetic ? ` (${syntheticLabel})` : ''}`, ...periods.map((per) => formatFigure(i.series.find((s) => s.period === per) ?? null, i))]),
      ),
    );
  }

  if (pr.indices.length) {
    out.push(h('Index und was ihn treibt', HeadingLevel.HEADING_2));
    for (const ix of pr.indices) {
      const cls = ix.scored ? `${ix.classLabel ?? '–'} (Wert ${ix.score != null ? formatZ(ix.score) : '–'})` : 'nicht bewertet (zu wenige Einwohner oder fehlende bzw. gesperrte Eingangswerte)';
      out.push(p(`${ix.name}${ix.synthetic ? ` (${syntheticLabel})` : ''}${ix.period ? `, ${formatPeriod(ix.period)}` : ''}: ${cls}`, { bold: true }));
      out.push(
        table(
          ['Eingangsgröße', 'Richtung', 'Wert', 'z-Wert'],
          ix.inputs.map((x) => [x.name, polarityDe[x.polarity] ?? x.polarity, x.value != null ? formatNumber(x.value, 'ratio') : (x.note ?? '–'), x.z != null ? formatZ(x.z) : '–']),
        ),
      );
    }
  }

  out.push(h('Infrastruktur und Bedarfe', HeadingLevel.HEADING_2));
  if (!pr.offers) out.push(p('Kein Angebotsregister angebunden.'));
  else if (pr.offers.total === 0) out.push(p('Keine Angebote im Register für dieses Gebiet.'));
  else {
    out.push(p(`${pr.offers.total} Angebote im Register${pr.offers.total > pr.offers.items.length ? `, die ersten ${pr.offers.items.length}` : ''}:`));
    out.push(
      table(
        ['Angebot', 'Art', 'Träger', 'Adresse', 'Kapazität'],
        pr.offers.items.map((o) => [`${o.name}${o.synthetic ? ` (${syntheticLabel})` : ''}`, o.offerType, o.provider, o.address, o.capacity ?? '–']),
      ),
    );
  }
  if (pr.needs?.length) {
    const needs = needsTable(pr.needs);
    out.push(table(needs.head, needs.rows));
  }

  out.push(h('Ziele und Maßnahmen', HeadingLevel.HEADING_2));
  if (!pr.planning) out.push(p('Kein Controlling angebunden.'));
  else if (pr.planning.length === 0) out.push(p('Keine Ziele oder Maßnahmen für dieses Gebiet.'));
  else
    out.push(
      table(
        ['Art', 'Titel', 'Status', 'Angaben'],
        pr.planning.map((g) => [g.kind, `${g.title}${g.example ? ' (Beispiel)' : ''}`, g.status, g.detail ?? '–']),
      ),
    );

  out.push(h('Quellen und Namensnennung', HeadingLevel.HEADING_2));
  for (const s of pr.sources) out.push(p(`${s.attribution}${s.licence && !s.attribution.includes(s.licence) ? `, ${s.licence}` : ''}${s.synthetic ? ` (${syntheticLabel})` : ''}`, { size: 18 }));
  return out;
}

export async function renderDocx(report: ReportDocument): Promise<Buffer> {
  const mark = report.confidential ? [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: confidentialityLine, bold: true, color: 'B00020' })] })] : [];
  const intro: (Paragraph | Table)[] = [new Paragraph({ text: report.title, heading: HeadingLevel.TITLE }), p(report.subtitle, { color: '5A5A5A' })];
  if (report.profiles.some((x) => x.synthetic))
    intro.push(p(`Hinweis: Mit „${syntheticLabel}“ gekennzeichnete Angaben stammen aus einem dokumentierten Modell, nicht aus amtlichen Daten.`, { size: 18 }));
  if (report.overview) intro.push(h('Übersicht', HeadingLevel.HEADING_1), table(report.overview.head, report.overview.rows));
  // one profile's pictures at a time: a Sozialbericht of 86 areas does not queue a thousand renderings at once
  const body: (Paragraph | Table)[] = [];
  for (const pr of report.profiles) body.push(...(await profileBlocks(pr)));
  const doc = new Document({
    creator: report.profiles[0]?.tenant ?? 'Integrierte Sozialplanung',
    title: report.title,
    description: report.subtitle,
    ...(report.confidential ? { keywords: confidentialityLine } : {}),
    styles: { default: { document: { run: { font: 'DejaVu Sans', size: 20, language: { value: 'de-DE' } } } } },
    sections: [
      {
        headers: { default: new Header({ children: mark }) },
        footers: {
          default: new Footer({
            children: [...mark, new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: [`${report.title} · Seite `, PageNumber.CURRENT], size: 16, color: '5A5A5A' })] })],
          }),
        },
        children: [...intro, ...body],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
