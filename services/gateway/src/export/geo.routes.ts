// GET /export/areas.{geojson,gpkg} and /export/offers.{geojson,gpkg}: the features of the OGC API
// (../ogc/features.ts) as one download beside the CSV exports, for GIS tools without an OGC API
// client. areas: level (required), indicator/period/asOf as in the CSV export, bbox; offers:
// offerType, targetGroup, bbox.
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import { type FeatureCatalogue, type FeaturePage, offersCollection } from '../ogc/features.js';
import { bbox, checkKnown, list, optional, valueQuery } from '../ogc/params.js';
import { geoJsonFeature } from '../ogc/ogc.routes.js';
import { writeGeoPackage } from './geopackage.js';

export const geoExports = ['areas', 'offers'] as const;
export const geoFormats = ['geojson', 'gpkg'] as const;

export interface Download {
  body: Uint8Array | string;
  contentType: string;
  filename: string;
}

export async function geoDownload(ctx: GatewayContext, catalogue: FeatureCatalogue, name: string, format: string, params: URLSearchParams): Promise<Download> {
  const where = `/export/${name}.${format}`;
  let collectionId: string;
  if (name === 'areas') {
    checkKnown(params, ['level', 'indicator', 'period', 'asOf', 'bbox', 'bbox-crs'], where);
    const level = optional(params, 'level');
    const levels = catalogue
      .collections(ctx)
      .filter((c) => c.level)
      .map((c) => c.level!);
    if (!level || !levels.includes(level)) {
      throw expectedError('BAD_USER_INPUT', `query parameter level: ${level ? `"${level}" has no areas here` : 'is required'}; accepted: ${levels.join(', ')}`, { argument: 'level' });
    }
    collectionId = level.toLowerCase();
  } else {
    checkKnown(params, ['offerType', 'targetGroup', 'bbox', 'bbox-crs'], where);
    collectionId = offersCollection;
  }
  const collection = catalogue.collection(ctx, collectionId);
  const values = collection.level ? valueQuery(params, ctx.limits) : undefined;
  const page: FeaturePage = await catalogue.features(ctx, collection, {
    bbox: bbox(params),
    offset: 0,
    limit: null,
    values,
    offerTypes: list(params, 'offerType'),
    targetGroups: list(params, 'targetGroup'),
  });
  const stem = [name, collection.level, page.values?.indicator, page.values?.period].filter(Boolean).join('_');
  if (format === 'geojson') {
    return {
      body: JSON.stringify({
        type: 'FeatureCollection',
        name: stem,
        timeStamp: new Date().toISOString(),
        ...(page.values ? { indicator: page.values.indicator, period: page.values.period } : {}),
        features: page.features.map(geoJsonFeature),
      }),
      contentType: 'application/geo+json',
      filename: `${stem}.geojson`,
    };
  }
  const body = writeGeoPackage({
    name: stem.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
    description: collection.description,
    geometryType: collection.geometryType === 'Point' ? 'POINT' : 'MULTIPOLYGON',
    properties: catalogue.properties(collection, page.values !== null),
    features: page.features,
  });
  return { body, contentType: 'application/geopackage+sqlite3', filename: `${stem}.gpkg` };
}
