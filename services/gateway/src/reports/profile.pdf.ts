// Gebietsprofile as a tagged PDF (PDF/UA-style structure: document language de-DE, title shown in
// the window, headings, paragraphs, tables with header cells, figures with alternative text;
// running headers and footers are artifacts). Vector map and charts; an embedded TrueType font
// that covers German text (DejaVu Sans, Debian's fonts-dejavu-core). A confidential report prints
// the confidentiality line at the top of every page.
import PDFDocument from 'pdfkit';
import { confidentialityLine, type GebietsProfil, syntheticLabel } from './profile.model.js';
import { type Figure, profileFigures } from './report.figures.js';
import { fontFiles, fontPath } from './report.fonts.js';
import { comparisonTable, formatNumber, formatPeriod, formatZ, needsTable, polarityDe } from './report.format.js';

export interface ReportDocument {
  title: string;
  subtitle: string;
  confidential: boolean;
  profiles: readonly GebietsProfil[];
  /** Sozialbericht: one line per area before the profiles */
  overview?: { head: string[]; rows: string[][] } | null;
}

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

const colours = { text: '#1a1a1a', muted: '#5a5a5a', accent: '#0b5394', confidential: '#b00020', grid: '#c8c8c8' };

export function renderPdf(report: ReportDocument): Promise<Buffer> {
  const doc: Doc = new PDFDocument({
    size: 'A4',
    margins: { top: 62, bottom: 56, left: 50, right: 50 },
    autoFirstPage: false,
    bufferPages: false,
    tagged: true,
    lang: 'de-DE',
    displayTitle: true,
    pdfVersion: '1.7',
    info: {
      Title: report.title,
      Subject: report.subtitle,
      Author: report.profiles[0]?.tenant ?? '',
      Creator: 'Integrierte Sozialplanung',
      Keywords: report.confidential ? confidentialityLine : 'öffentlich',
    },
  });
  doc.registerFont('body', fontPath(fontFiles.body));
  doc.registerFont('bold', fontPath(fontFiles.bold));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  let style = { font: 'body', size: 10, color: colours.text };
  const use = (font: string, size: number, color = colours.text) => {
    style = { font, size, color };
    doc.font(font).fontSize(size).fillColor(color);
  };
  let pageNo = 0;
  doc.on('pageAdded', () => {
    pageNo += 1;
    const { x, y } = doc;
    doc.markContent('Artifact', { type: 'Pagination' });
    // no width: a wrapped line below the bottom margin would start another page from inside this handler
    const centred = (text: string, top: number) => doc.text(text, (doc.page.width - doc.widthOfString(text)) / 2, top, { lineBreak: false });
    if (report.confidential) {
      doc.font('bold').fontSize(9).fillColor(colours.confidential);
      centred(confidentialityLine, 28);
    }
    doc.font('body').fontSize(7.5).fillColor(colours.muted);
    centred(`${report.title} · Seite ${pageNo}${report.confidential ? ` · ${confidentialityLine}` : ''}`, doc.page.height - 40);
    doc.endMarkedContent();
    doc.font(style.font).fontSize(style.size).fillColor(style.color);
    doc.x = x;
    doc.y = y;
  });
  doc.addPage();

  const root = doc.struct('Document');
  doc.addStructure(root);
  const heading = (parent: Struct, tag: 'H1' | 'H2' | 'H3', text: string) => {
    const size = tag === 'H1' ? 18 : tag === 'H2' ? 13 : 11;
    ensureSpace(doc, size * 3);
    if (tag !== 'H1') doc.moveDown(0.6);
    parent.add(
      doc.struct(tag, {}, () => {
        use('bold', size, tag === 'H3' ? colours.text : colours.accent);
        doc.text(text, 50, doc.y, { width: doc.page.width - 100 });
      }),
    );
    use('body', 10);
    doc.moveDown(0.3);
  };
  const para = (parent: Struct, text: string, opts: { size?: number; color?: string; bold?: boolean } = {}) => {
    parent.add(
      doc.struct('P', {}, () => {
        use(opts.bold ? 'bold' : 'body', opts.size ?? 10, opts.color ?? colours.text);
        doc.text(text, 50, doc.y, { width: doc.page.width - 100 });
      }),
    );
    use('body', 10);
  };

  // title page content
  const cover = doc.struct('Sect');
  root.add(cover);
  heading(cover, 'H1', report.title);
  para(cover, report.subtitle, { size: 11, color: colours.muted });
  if (report.confidential) para(cover, `${confidentialityLine}. Dieser Bericht enthält nicht veröffentlichte und ungeschützte Zahlen.`, { bold: true, color: colours.confidential });
  if (report.profiles.some((p) => p.synthetic))
    para(cover, `Hinweis: Mit „${syntheticLabel}“ gekennzeichnete Angaben stammen aus einem dokumentierten Modell, nicht aus amtlichen Daten.`, { size: 9 });
  cover.end();

  if (report.overview) {
    const sect = doc.struct('Sect');
    root.add(sect);
    heading(sect, 'H2', 'Übersicht');
    table(doc, sect, report.overview.head, report.overview.rows, use);
    sect.end();
  }

  report.profiles.forEach((p, i) => {
    if (i > 0 || report.overview) doc.addPage();
    profileSection(doc, root, p, report.profiles.length > 1, { heading, para, use });
  });
  root.end();
  doc.end();
  return done;
}

interface Writers {
  heading(parent: Struct, tag: 'H1' | 'H2' | 'H3', text: string): void;
  para(parent: Struct, text: string, opts?: { size?: number; color?: string; bold?: boolean }): void;
  use(font: string, size: number, color?: string): void;
}

function profileSection(doc: Doc, root: Struct, p: GebietsProfil, inBatch: boolean, w: Writers): void {
  const sect = doc.struct('Sect');
  root.add(sect);
  w.heading(sect, inBatch ? 'H2' : 'H2', `${p.area.levelLabel} ${p.area.name} (${p.area.code})`);
  w.para(
    sect,
    [`Gebietsprofil ${p.tenant}`, p.period ? `Stand ${formatPeriod(p.period)}` : null, p.parent ? `übergeordnet: ${p.parent.name}` : null, `erstellt am ${p.createdAt}`].filter(Boolean).join(' · '),
    { size: 9, color: colours.muted },
  );

  // map and charts: the same figures the DOCX carries as pictures
  const figures = profileFigures(p);
  if (figures.map) {
    const map = figures.map;
    ensureSpace(doc, map.height + 20);
    const top = doc.y + 4;
    sect.add(doc.struct('Figure', { alt: map.alt }, () => drawFigure(doc, map, 50, top)));
    doc.y = top + map.height + 6;
    w.use('body', 10);
  }

  // indicators
  w.heading(sect, 'H3', 'Kennzahlen im Vergleich');
  const { head, rows } = comparisonTable(p);
  table(doc, sect, head, rows, w.use, head.length === 5 ? [170, 60, 85, 90, 90] : [200, 70, 112, 113]);
  if (p.perturbationNote) w.para(sect, `* ${p.perturbationNote}`, { size: 8, color: colours.muted });

  if (figures.charts.length) {
    w.heading(sect, 'H3', 'Zeitreihen');
    let column = 0;
    let rowTop = doc.y;
    for (const chart of figures.charts) {
      if (column === 0) {
        ensureSpace(doc, chart.height + 15);
        rowTop = doc.y;
      }
      const x = 50 + column * 250;
      sect.add(doc.struct('Figure', { alt: chart.alt }, () => drawFigure(doc, chart, x, rowTop)));
      column = (column + 1) % 2;
      if (column === 0) doc.y = rowTop + chart.height + 10;
    }
    if (column === 1) doc.y = rowTop + figures.charts[0]!.height + 10;
    w.use('body', 10);
  }

  // indices
  if (p.indices.length) {
    w.heading(sect, 'H3', 'Index und was ihn treibt');
    for (const ix of p.indices) {
      const cls = ix.scored ? `${ix.classLabel ?? '–'} (Wert ${ix.score != null ? formatZ(ix.score) : '–'})` : 'nicht bewertet (zu wenige Einwohner oder fehlende bzw. gesperrte Eingangswerte)';
      w.para(sect, `${ix.name}${ix.synthetic ? ` (${syntheticLabel})` : ''}${ix.period ? `, ${formatPeriod(ix.period)}` : ''}: ${cls}`, { bold: true });
      table(
        doc,
        sect,
        ['Eingangsgröße', 'Richtung', 'Wert', 'z-Wert'],
        ix.inputs.map((x) => [x.name, polarityDe[x.polarity] ?? x.polarity, x.value != null ? formatNumber(x.value, 'ratio') : (x.note ?? '–'), x.z != null ? formatZ(x.z) : '–']),
        w.use,
        [210, 110, 95, 80],
      );
    }
    w.para(sect, 'z-Wert: Abstand des Gebietswerts vom Mittel der bewerteten Gebiete derselben Ebene in Standardabweichungen, aus den hier gezeigten Werten berechnet.', {
      size: 8,
      color: colours.muted,
    });
  }

  // infrastructure and needs
  w.heading(sect, 'H3', 'Infrastruktur und Bedarfe');
  if (!p.offers) w.para(sect, 'Kein Angebotsregister angebunden.');
  else if (p.offers.total === 0) w.para(sect, 'Keine Angebote im Register für dieses Gebiet.');
  else {
    w.para(sect, `${p.offers.total} Angebote im Register${p.offers.total > p.offers.items.length ? `, die ersten ${p.offers.items.length}` : ''}:`);
    table(
      doc,
      sect,
      ['Angebot', 'Art', 'Träger', 'Adresse', 'Kapazität'],
      p.offers.items.map((o) => [`${o.name}${o.synthetic ? ` (${syntheticLabel})` : ''}`, o.offerType, o.provider, o.address, o.capacity ?? '–']),
      w.use,
      [140, 70, 90, 140, 55],
    );
  }
  if (p.needs?.length) {
    const needs = needsTable(p.needs);
    table(doc, sect, needs.head, needs.rows, w.use, [175, 45, 65, 70, 70, 70]);
  } else if (p.needs) w.para(sect, 'Keine Bedarfsrechnung für dieses Gebiet.');

  // goals and measures
  w.heading(sect, 'H3', 'Ziele und Maßnahmen');
  if (!p.planning) w.para(sect, 'Kein Controlling angebunden.');
  else if (p.planning.length === 0) w.para(sect, 'Keine Ziele oder Maßnahmen für dieses Gebiet.');
  else
    table(
      doc,
      sect,
      ['Art', 'Titel', 'Status', 'Angaben'],
      p.planning.map((g) => [g.kind, `${g.title}${g.example ? ' (Beispiel)' : ''}`, g.status, g.detail ?? '–']),
      w.use,
      [60, 200, 80, 155],
    );

  // sources
  w.heading(sect, 'H3', 'Quellen und Namensnennung');
  for (const s of p.sources) {
    w.para(sect, `${s.attribution}${s.licence && !s.attribution.includes(s.licence) ? `, ${s.licence}` : ''}${s.synthetic ? ` (${syntheticLabel})` : ''}`, { size: 9 });
  }
  sect.end();
}

/** Starts a new page when fewer than `height` points are left above the bottom margin. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

/** A table as Table/TR/TH/TD structure; rows that do not fit go to the next page with the header repeated. */
function table(doc: Doc, parent: Struct, head: readonly string[], rows: readonly string[][], use: Writers['use'], widths?: readonly number[]): void {
  const total = doc.page.width - 100;
  const w = widths ?? head.map(() => total / head.length);
  const pad = 3;
  const t = doc.struct('Table');
  parent.add(t);
  const rowHeight = (cells: readonly string[], font: string) => {
    doc.font(font).fontSize(8.5);
    return Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: w[i]! - 2 * pad }))) + 2 * pad;
  };
  const drawRow = (cells: readonly string[], header: boolean) => {
    const font = header ? 'bold' : 'body';
    const h = rowHeight(cells, font);
    const top = doc.y;
    if (header) {
      doc.markContent('Artifact', { type: 'Layout' });
      doc.rect(50, top, total, h).fill('#eef2f6');
      doc.endMarkedContent();
    }
    const tr = doc.struct('TR');
    t.add(tr);
    let x = 50;
    cells.forEach((c, i) => {
      tr.add(
        doc.struct(header ? 'TH' : 'TD', {}, () => {
          use(font, 8.5);
          doc.text(c, x + pad, top + pad, { width: w[i]! - 2 * pad });
        }),
      );
      x += w[i]!;
    });
    tr.end();
    doc.markContent('Artifact', { type: 'Layout' });
    doc
      .moveTo(50, top + h)
      .lineTo(50 + total, top + h)
      .lineWidth(0.4)
      .stroke(colours.grid);
    doc.endMarkedContent();
    doc.y = top + h;
    use('body', 10);
  };
  ensureSpace(doc, rowHeight(head, 'bold') + 20);
  drawRow(head, true);
  for (const r of rows) {
    if (doc.y + rowHeight(r, 'body') > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      drawRow(head, true);
    }
    drawRow(r, false);
  }
  t.end();
  doc.x = 50;
  doc.moveDown(0.4);
}

/** Draws a figure of report.figures.ts at (x, y): its SVG paths as PDF paths, its labels as text on their baseline. */
function drawFigure(doc: Doc, f: Figure, x: number, y: number): void {
  doc.save();
  doc.translate(x, y);
  doc.rect(0, 0, f.width, f.height).clip();
  for (const s of f.shapes) {
    doc.path(s.d);
    if (s.stroke) doc.lineWidth(s.strokeWidth ?? 1).lineJoin('round');
    doc.fillOpacity(s.fillOpacity ?? 1);
    const rule = s.fillRule === 'evenodd' ? 'even-odd' : 'non-zero';
    if (s.fill && s.stroke) doc.fillAndStroke(s.fill, s.stroke, rule);
    else if (s.fill) doc.fill(s.fill, rule);
    else if (s.stroke) doc.stroke(s.stroke);
  }
  doc.fillOpacity(1);
  for (const l of f.labels) {
    doc
      .font(l.bold ? 'bold' : 'body')
      .fontSize(l.size)
      .fillColor(l.color);
    const left = l.anchor === 'end' ? l.x - doc.widthOfString(l.text) : l.x;
    doc.text(l.text, left, l.y, { lineBreak: false, baseline: 'alphabetic' });
  }
  doc.restore();
}
