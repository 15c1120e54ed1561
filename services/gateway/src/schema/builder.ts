// The Pothos builder: context, scalars and plugins only. Types live one file per domain type.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import type { GeoJsonGeometry } from '../sources.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    GeoJSON: { Input: never; Output: GeoJsonGeometry };
    AreaLevel: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  relay: {
    // readers address areas and records by their own keys; no global node ids
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
  complexity: {
    // limits are enforced per request by a validation rule (see gateway.ts), so a query over the
    // limit is rejected before anything runs; fields only declare their cost here
    defaultComplexity: 1,
    defaultListMultiplier: 10,
  },
});

builder.queryType({ description: 'Integrierte Sozialplanung: Gebiete, Indikatoren, Angebote, Ziele und Maßnahmen.' });

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
});

builder.scalarType('GeoJSON', {
  description: 'A GeoJSON geometry (Polygon or MultiPolygon, WGS84 longitude/latitude).',
  serialize: (v) => v,
  parseValue: () => {
    throw new TypeError('GeoJSON is an output type');
  },
});
