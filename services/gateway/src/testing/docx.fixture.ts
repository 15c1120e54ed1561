// Reads a DOCX the way a test needs it: its parts listed and read by Info-ZIP's unzip (a real
// reader, not the writer's own library), and the size of a PNG from its header.
import { execFileSync } from 'node:child_process';

/** The part names in the package, e.g. word/document.xml, word/media/image1.png. */
export function docxParts(docx: string): string[] {
  return execFileSync('unzip', ['-Z1', docx], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

export function docxPart(docx: string, part: string): Buffer {
  return execFileSync('unzip', ['-p', docx, part], { maxBuffer: 64 * 1024 * 1024 });
}

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height of a PNG, read from its signature and IHDR chunk; throws when it is not one. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || signature.some((v, i) => b[i] !== v) || b.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
