// A GeoPackage (OGC 12-128r18, version 1.3) of one feature table, written with Node's built-in
// SQLite (node:sqlite) into a temporary file and returned as bytes: the required tables
// gpkg_spatial_ref_sys, gpkg_contents and gpkg_geometry_columns, and geometries as GeoPackage
// binary (GP header with envelope, then little-endian ISO WKB) in WGS 84 (EPSG:4326, lon/lat).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { geoJsonGeometrySchema, toMultiPolygon } from '@sp/spatial';
import type { Feature, PropertyDef } from '../ogc/features.js';
import { envelopeOf } from '../ogc/geometry.js';

const wgs84 =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]';

/** "GPKG" as the SQLite application id, and GeoPackage 1.3 as user_version (spec 1.1.1.1.2). */
const applicationId = 0x47504b47;
const userVersion = 10300;

export interface GeoPackageTable {
  /** table name: lower case letters, digits and underscores */
  name: string;
  description: string;
  geometryType: 'MULTIPOLYGON' | 'POINT';
  properties: readonly PropertyDef[];
  features: readonly Feature[];
}

const sqlType: Record<PropertyDef['type'], string> = { string: 'TEXT', strings: 'TEXT', number: 'DOUBLE', integer: 'INTEGER', boolean: 'BOOLEAN' };

export function writeGeoPackage(table: GeoPackageTable): Uint8Array {
  if (!/^[a-z][a-z0-9_]*$/.test(table.name)) throw new Error(`GeoPackage table name "${table.name}" must be lower case letters, digits and underscores`);
  const dir = mkdtempSync(join(tmpdir(), 'sp-gpkg-'));
  const file = join(dir, 'export.gpkg');
  try {
    const db = new DatabaseSync(file);
    try {
      db.exec(`PRAGMA application_id = ${applicationId}; PRAGMA user_version = ${userVersion}; PRAGMA journal_mode = OFF;`);
      db.exec(`
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
      `);
      const srs = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
      srs.run('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
      srs.run('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
      srs.run('WGS 84 geodetic', 4326, 'EPSG', 4326, wgs84, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');

      const columns = table.properties.map((p) => `"${p.name}" ${sqlType[p.type]}`).join(', ');
      db.exec(`CREATE TABLE "${table.name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom ${table.geometryType}${columns ? `, ${columns}` : ''})`);
      const extent = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
      const insert = db.prepare(`INSERT INTO "${table.name}" (geom${table.properties.map((p) => `, "${p.name}"`).join('')}) VALUES (?${', ?'.repeat(table.properties.length)})`);
      db.exec('BEGIN');
      for (const f of table.features) {
        const env = envelopeOf(f.geometry);
        if (env) {
          extent.minLon = Math.min(extent.minLon, env.minLon);
          extent.minLat = Math.min(extent.minLat, env.minLat);
          extent.maxLon = Math.max(extent.maxLon, env.maxLon);
          extent.maxLat = Math.max(extent.maxLat, env.maxLat);
        }
        insert.run(geometryBlob(f, table.geometryType), ...table.properties.map((p) => column(f.properties[p.name] ?? null)));
      }
      db.exec('COMMIT');
      const has = Number.isFinite(extent.minLon);
      db.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 4326)').run(
        table.name,
        'features',
        table.name,
        table.description,
        has ? extent.minLon : null,
        has ? extent.minLat : null,
        has ? extent.maxLon : null,
        has ? extent.maxLat : null,
      );
      db.prepare('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, 4326, 0, 0)').run(table.name, 'geom', table.geometryType);
    } finally {
      db.close();
    }
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function column(v: Feature['properties'][string]): SQLInputValue {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return v.join(',');
  return v as string | number;
}

// ---- GeoPackage binary ------------------------------------------------------------------------

class Bytes {
  private readonly parts: Buffer[] = [];
  u8(v: number) {
    this.parts.push(Buffer.from([v]));
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.parts.push(b);
  }
  f64(v: number) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(b);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** GP header (version 0, little endian, xy envelope, srs 4326) followed by ISO WKB; null without geometry. */
function geometryBlob(f: Feature, type: GeoPackageTable['geometryType']): Uint8Array | null {
  if (!f.geometry) return null;
  const env = envelopeOf(f.geometry);
  const out = new Bytes();
  out.u8(0x47); // 'G'
  out.u8(0x50); // 'P'
  out.u8(0); // version 1
  out.u8(env ? 0b0000_0011 : 0b0000_0001); // bit 0 little endian, bits 1-3 envelope [minx, maxx, miny, maxy]
  out.i32(4326);
  if (env) {
    out.f64(env.minLon);
    out.f64(env.maxLon);
    out.f64(env.minLat);
    out.f64(env.maxLat);
  }
  if (type === 'POINT') {
    const [lon, lat] = f.geometry.coordinates as number[];
    out.u8(1);
    out.u32(1);
    out.f64(lon!);
    out.f64(lat!);
    return out.bytes();
  }
  const polygons = toMultiPolygon(geoJsonGeometrySchema.parse(f.geometry)).coordinates;
  out.u8(1);
  out.u32(6); // MultiPolygon
  out.u32(polygons.length);
  for (const rings of polygons) {
    out.u8(1);
    out.u32(3); // Polygon
    out.u32(rings.length);
    for (const ring of rings) {
      out.u32(ring.length);
      for (const p of ring) {
        out.f64(p[0]!);
        out.f64(p[1]!);
      }
    }
  }
  return out.bytes();
}
