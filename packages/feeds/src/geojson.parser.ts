// GeoJSON deliveries of areas (`application/geo+json`): a FeatureCollection whose features carry an
// area record's fields as properties (level, code, name, parent, members, validFrom, validTo, version,
// source; key optional) and its boundary as geometry (null: an area without a boundary). Each
// feature becomes one input row for the same validation as a JSON record.
import type { RecordType } from '@sp/events';
import { feedError } from './feed-error.js';
import { parseJsonBody } from './json.parser.js';
import type { ParsedDelivery } from './csv.parser.js';

export const GEOJSON_ACCEPTED = 'a GeoJSON FeatureCollection {"type": "FeatureCollection", "features": [...]} whose features carry the area fields as properties';

export function parseGeoJsonDelivery(recordType: RecordType, body: Buffer | string): ParsedDelivery {
  if (recordType !== 'area') {
    return {
      ok: false,
      errors: [
        feedError({
          row: null,
          field: 'content-type',
          value: 'application/geo+json',
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `${recordType} records cannot be delivered as GeoJSON; only areas have a boundary`,
          accepted: 'application/json or text/csv (UTF-8)',
        }),
      ],
    };
  }
  const parsed = parseJsonBody(body, 'features');
  if (!parsed.ok) return parsed;
  const rows = parsed.items.map((feature, row) => {
    const f = feature as { type?: unknown; properties?: unknown; geometry?: unknown } | null;
    if (f === null || typeof f !== 'object' || f.type !== 'Feature' || f.properties === null || typeof f.properties !== 'object') {
      return { row, value: feature, bad: true };
    }
    return { row, value: { ...(f.properties as Record<string, unknown>), geometry: f.geometry ?? null }, bad: false };
  });
  const bad = rows.filter((r) => r.bad);
  if (bad.length > 0) {
    return {
      ok: false,
      errors: bad.map((r) =>
        feedError({
          row: r.row,
          field: null,
          value: r.value,
          code: 'WRONG_TYPE',
          message: 'not a GeoJSON Feature with properties',
          accepted: `${GEOJSON_ACCEPTED}, each {"type": "Feature", "properties": {...}, "geometry": ...}`,
        }),
      ),
    };
  }
  return { ok: true, rows: rows.map(({ row, value }) => ({ row, value })) };
}
