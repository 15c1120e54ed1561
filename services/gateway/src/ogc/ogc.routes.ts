// OGC API – Features (Part 1: Core, GeoJSON) at /ogc: landing page, API definition, conformance,
// collections (one per area level, plus offers), items with limit/offset paging, bbox and
// datetime, and single features. JSON and GeoJSON only; f=html is answered 406. Everything is
// read through the request's context (./features.ts), so a public client sees what the public
// GraphQL shows and nothing more.
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { CollectionInfo, Feature, FeatureCatalogue, FeaturePage, PropertyDef } from './features.js';
import { bbox, checkKnown, crs84, datetime, integer, limitDefault, limitMax, list, type Params, valueQuery } from './params.js';

export const ogcPrefix = '/ogc';

/** The official URIs of the classes implemented (no HTML, and the API definition is a sketch, not the full OAS 3.0 class). */
export const conformanceClasses = ['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core', 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson'];

const json = 'application/json';
const geojson = 'application/geo+json';
const openapi = 'application/vnd.oai.openapi+json;version=3.0';

export interface OgcAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

const areaValueParams = ['indicator', 'period', 'asOf'];
const itemsParams = ['f', 'limit', 'offset', 'bbox', 'bbox-crs', 'datetime'];

/** The f parameter and the Accept header: JSON (and GeoJSON for features) or a clear 406/400. */
function checkFormat(params: Params, accept: string | null, features: boolean): void {
  const f = params.get('f');
  const formats = features ? ['json', 'geojson'] : ['json'];
  if (f !== null && !formats.includes(f) && f !== json && f !== geojson) {
    if (f === 'html' || f === 'text/html')
      throw expectedError('NOT_ACCEPTABLE', `f=${f}: this API answers JSON${features ? ' and GeoJSON' : ''} only, no HTML; accepted: ${formats.join(', ')}`, { argument: 'f' });
    throw expectedError('BAD_USER_INPUT', `query parameter f: "${f}" is not a format of this API; accepted: ${formats.join(', ')}`, { argument: 'f' });
  }
  if (!accept || f !== null) return;
  const ranges = accept.split(',').map((r) => r.split(';')[0]!.trim().toLowerCase());
  const ok = ranges.some((r) => r === '*/*' || r === 'application/*' || r === json || r === geojson || r === 'application/vnd.oai.openapi+json' || r.endsWith('+json'));
  if (!ok) throw expectedError('NOT_ACCEPTABLE', `Accept: ${accept} — this API answers ${json}${features ? ` and ${geojson}` : ''} only`, { argument: 'Accept' });
}

export class OgcRoutes {
  constructor(
    private readonly catalogue: FeatureCatalogue,
    private readonly limits: Limits,
  ) {}

  /** Answers a GET below /ogc; throws expected errors for the caller to render as OGC exceptions. */
  async answer(ctx: GatewayContext, url: URL, accept: string | null): Promise<OgcAnswer> {
    const base = `${url.origin}${ogcPrefix}`;
    const path = url.pathname.replace(/\/+$/, '') || ogcPrefix;
    const params = url.searchParams;
    const segments = path
      .slice(ogcPrefix.length)
      .split('/')
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw expectedError('BAD_USER_INPUT', `path segment "${s}" is not valid percent-encoding`);
        }
      });
    const [first, id, items, featureId, ...rest] = segments;

    // GDAL, opened on one collection's URL with ?indicator=…, sends that query to the landing
    // page and the API definition too: defined (and checked) there, without effect
    if (first === undefined) return this.landing(base, params, accept);
    if (first === 'conformance' && segments.length === 1) {
      checkKnown(params, ['f'], `${ogcPrefix}/conformance`);
      checkFormat(params, accept, false);
      return { status: 200, contentType: json, body: { conformsTo: conformanceClasses } };
    }
    if (first === 'api' && segments.length === 1) {
      checkKnown(params, ['f', ...areaValueParams], `${ogcPrefix}/api`);
      checkFormat(params, accept, false);
      valueQuery(params, this.limits);
      return { status: 200, contentType: openapi, body: this.apiDefinition(ctx, base) };
    }
    if (first === 'collections' && id === undefined) {
      checkKnown(params, ['f'], `${ogcPrefix}/collections`);
      checkFormat(params, accept, false);
      return {
        status: 200,
        contentType: json,
        body: {
          links: [{ href: `${base}/collections`, rel: 'self', type: json, title: 'Collections' }],
          collections: this.catalogue.collections(ctx).map((c) => this.describe(base, c)),
        },
      };
    }
    if (first === 'collections' && id !== undefined && rest.length === 0) {
      const collection = this.catalogue.collection(ctx, id);
      const extra = collection.level ? areaValueParams : ['offerType', 'targetGroup'];
      if (items === undefined) {
        // indicator/period/asOf here carry over into the items link: GIS clients that open one
        // collection by URL (GDAL's OAPIF:…/collections/stadtteil?indicator=…) read its values
        checkKnown(params, ['f', ...(collection.level ? areaValueParams : [])], `${ogcPrefix}/collections/${id}`);
        checkFormat(params, accept, false);
        const values = collection.level ? valueQuery(params, this.limits) : undefined;
        if (values) ctx.indicators.indicator(values.indicator);
        return { status: 200, contentType: json, body: this.describe(base, collection, values) };
      }
      if (items === 'items' && featureId === undefined) {
        checkKnown(params, [...itemsParams, ...extra], `${ogcPrefix}/collections/${id}/items`);
        checkFormat(params, accept, true);
        return this.items(ctx, base, url, collection);
      }
      if (items === 'items' && featureId !== undefined) {
        checkKnown(params, ['f', ...(collection.level ? areaValueParams : [])], `${ogcPrefix}/collections/${id}/items/{featureId}`);
        checkFormat(params, accept, true);
        const values = collection.level ? valueQuery(params, this.limits) : undefined;
        const { feature, values: v } = await this.catalogue.feature(ctx, collection, featureId, values);
        return {
          status: 200,
          contentType: geojson,
          body: {
            ...geoJsonFeature(feature),
            links: [
              { href: url.href, rel: 'self', type: geojson, title: 'This feature' },
              { href: `${base}/collections/${encodeURIComponent(collection.id)}`, rel: 'collection', type: json, title: collection.title },
            ],
            ...(v ? { indicator: v.indicator, period: v.period } : {}),
          },
        };
      }
    }
    throw expectedError(
      'NOT_FOUND',
      `no resource at ${url.pathname}; this API has ${ogcPrefix}, ${ogcPrefix}/api, ${ogcPrefix}/conformance, ${ogcPrefix}/collections, ${ogcPrefix}/collections/{id}, ${ogcPrefix}/collections/{id}/items and ${ogcPrefix}/collections/{id}/items/{featureId}`,
    );
  }

  private landing(base: string, params: Params, accept: string | null): OgcAnswer {
    checkKnown(params, ['f', ...areaValueParams], ogcPrefix);
    checkFormat(params, accept, false);
    valueQuery(params, this.limits);
    return {
      status: 200,
      contentType: json,
      body: {
        title: 'Sozialplanung – OGC API Features',
        description: 'The areas of the spatial reference with indicator values, and the offers of the social infrastructure, for GIS tools (QGIS, GDAL/OGR, ArcGIS, OWSLib).',
        links: [
          { href: base, rel: 'self', type: json, title: 'This document' },
          { href: `${base}/api`, rel: 'service-desc', type: openapi, title: 'The API definition (OpenAPI 3.0)' },
          { href: `${base}/conformance`, rel: 'conformance', type: json, title: 'Conformance classes' },
          { href: `${base}/collections`, rel: 'data', type: json, title: 'Collections' },
        ] satisfies Link[],
      },
    };
  }

  private describe(base: string, c: CollectionInfo, values?: Record<string, string>) {
    const href = `${base}/collections/${encodeURIComponent(c.id)}`;
    const query = values ? `?${new URLSearchParams(values).toString()}` : '';
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      itemType: 'feature',
      crs: [crs84],
      storageCrs: crs84,
      ...(c.extent ? { extent: { spatial: { bbox: [[c.extent.minLon, c.extent.minLat, c.extent.maxLon, c.extent.maxLat]], crs: crs84 } } } : {}),
      links: [
        { href: `${href}${query}`, rel: 'self', type: json, title: c.title },
        { href: `${href}/items${query}`, rel: 'items', type: geojson, title: `${c.title} (GeoJSON)` },
      ] satisfies Link[],
    };
  }

  private async items(ctx: GatewayContext, base: string, url: URL, collection: CollectionInfo): Promise<OgcAnswer> {
    const params = url.searchParams;
    const requested = integer(params, 'limit', 1, limitMax, limitDefault);
    // the spec lets a server return fewer than asked; the next link continues
    const limit = Math.min(requested, this.limits.maxPageSize);
    const offset = integer(params, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const page: FeaturePage = await this.catalogue.features(ctx, collection, {
      bbox: bbox(params),
      datetime: datetime(params),
      offset,
      limit,
      values: collection.level ? valueQuery(params, this.limits) : undefined,
      offerTypes: collection.level ? undefined : list(params, 'offerType'),
      targetGroups: collection.level ? undefined : list(params, 'targetGroup'),
    });
    const pageUrl = (at: number) => {
      const u = new URL(url.href);
      u.searchParams.set('offset', String(at));
      u.searchParams.set('limit', String(limit));
      return u.href;
    };
    const links: Link[] = [
      { href: url.href, rel: 'self', type: geojson, title: 'This page' },
      { href: `${base}/collections/${encodeURIComponent(collection.id)}`, rel: 'collection', type: json, title: collection.title },
    ];
    if (offset + page.features.length < page.numberMatched && page.features.length > 0) links.push({ href: pageUrl(offset + page.features.length), rel: 'next', type: geojson, title: 'Next page' });
    if (offset > 0) links.push({ href: pageUrl(Math.max(0, offset - limit)), rel: 'prev', type: geojson, title: 'Previous page' });
    return {
      status: 200,
      contentType: geojson,
      body: {
        type: 'FeatureCollection',
        timeStamp: new Date().toISOString(),
        numberMatched: page.numberMatched,
        numberReturned: page.features.length,
        ...(page.values ? { indicator: page.values.indicator, period: page.values.period } : {}),
        features: page.features.map(geoJsonFeature),
        links,
      },
    };
  }

  /** A short OpenAPI 3.0 definition: the paths, their parameters and the limit's bounds. */
  private apiDefinition(ctx: GatewayContext, base: string) {
    const p = (name: string, description: string, schema: Record<string, unknown>) => ({ name, in: 'query', required: false, description, schema, style: 'form', explode: false });
    const f = p('f', 'json (or geojson for features); html is not offered', { type: 'string', enum: ['json', 'geojson'] });
    const ok = (type: string) => ({
      200: { description: 'OK', content: { [type]: {} } },
      400: { description: 'Bad parameter: {code, description}' },
      404: { description: 'Not found' },
      406: { description: 'Not acceptable (only JSON)' },
    });
    const collections = this.catalogue.collections(ctx);
    const paths: Record<string, unknown> = {
      '/': { get: { summary: 'Landing page', parameters: [f], responses: ok(json) } },
      '/api': { get: { summary: 'This API definition', parameters: [f], responses: ok(openapi) } },
      '/conformance': { get: { summary: 'Conformance classes', parameters: [f], responses: ok(json) } },
      '/collections': { get: { summary: 'Collections', parameters: [f], responses: ok(json) } },
    };
    for (const c of collections) {
      const properties = this.catalogue.properties(c, true);
      const extra = c.level
        ? [
            p('indicator', 'indicator code: adds its value per area as properties', { type: 'string' }),
            p('period', 'period of the value (default: the latest)', { type: 'string' }),
            p('asOf', 'the value as known at this ISO date or date-time', { type: 'string' }),
          ]
        : [p('offerType', 'offer types, comma-separated', { type: 'string' }), p('targetGroup', 'target groups, comma-separated', { type: 'string' })];
      paths[`/collections/${c.id}`] = { get: { summary: c.title, parameters: [f], responses: ok(json) } };
      paths[`/collections/${c.id}/items`] = {
        get: {
          summary: `${c.title}: features`,
          description: `Properties: ${properties.map((d: PropertyDef) => d.name).join(', ')}`,
          parameters: [
            f,
            p('limit', `page size; at most ${this.limits.maxPageSize} are returned per page, the next link continues`, { type: 'integer', minimum: 1, maximum: limitMax, default: limitDefault }),
            p('offset', 'features to skip', { type: 'integer', minimum: 0, default: 0 }),
            { ...p('bbox', 'minLon,minLat,maxLon,maxLat (CRS84)', { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } }) },
            p('bbox-crs', `only ${crs84}`, { type: 'string', enum: [crs84] }),
            p('datetime', 'date-time or interval: features valid then', { type: 'string' }),
            ...extra,
          ],
          responses: ok(geojson),
        },
      };
      paths[`/collections/${c.id}/items/{featureId}`] = {
        get: {
          summary: `${c.title}: one feature`,
          parameters: [{ name: 'featureId', in: 'path', required: true, schema: { type: 'string' } }, f, ...(c.level ? extra : [])],
          responses: ok(geojson),
        },
      };
    }
    return {
      openapi: '3.0.3',
      info: {
        title: 'Sozialplanung – OGC API Features',
        version: '1.0.0',
        description: 'OGC API – Features Part 1 (Core, GeoJSON). A Bearer token (Authorization header) gives its role, as in GraphQL.',
      },
      servers: [{ url: base }],
      paths,
    };
  }
}

export function geoJsonFeature(f: Feature) {
  return { type: 'Feature', id: f.id, geometry: f.geometry, properties: f.properties };
}
