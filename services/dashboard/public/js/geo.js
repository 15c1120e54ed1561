// @ts-check
// Turns GeoJSON polygons (WGS84 lon/lat) into SVG path data. No base map and no projection
// library: an equirectangular projection with longitudes scaled by cos(mean latitude) keeps Köln's
// shape true to within a fraction of a percent, which is all a choropleth of one city needs.

/**
 * A GeoJSON geometry as the API gives it; only Polygon and MultiPolygon are drawn.
 * @typedef {{ type: string, coordinates: unknown }} Geometry
 */
/** @typedef {[number, number, ...number[]]} Position [lon, lat] (an altitude, if any, is ignored) */
/** @typedef {[number, number, number, number]} BBox [minLon, minLat, maxLon, maxLat] */
/** @typedef {(lon: number, lat: number) => [number, number]} Project */

/**
 * [minLon, minLat, maxLon, maxLat] over Polygon/MultiPolygon geometries (nulls skipped).
 * @param {readonly (Geometry | null)[]} geometries
 * @returns {BBox}
 */
export function bounds(geometries) {
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const g of geometries) {
    for (const ring of rings(g)) {
      for (const [lon, lat] of ring) {
        if (lon < minLon) minLon = lon;
        if (lon > maxLon) maxLon = lon;
        if (lat < minLat) minLat = lat;
        if (lat > maxLat) maxLat = lat;
      }
    }
  }
  return [minLon, minLat, maxLon, maxLat];
}

/**
 * A projection fitting `bbox` into width × height (minus padding), north up.
 * @param {Readonly<BBox>} bbox
 * @param {number} width
 * @param {number} height
 * @param {number} [padding]
 * @returns {{ project: Project, width: number, height: number }}
 */
export function fitProjection(bbox, width, height, padding = 8) {
  const [minLon, minLat, maxLon, maxLat] = bbox;
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = (maxLon - minLon) * k;
  const spanY = maxLat - minLat;
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  // centre the drawing in the box
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  /** @type {Project} */
  const project = (lon, lat) => [offX + (lon - minLon) * k * scale, offY + (maxLat - lat) * scale];
  return { project, width, height };
}

/**
 * SVG path data for a Polygon or MultiPolygon. Points closer than `tolerance` pixels to the last
 * drawn point are skipped: the source geometries have sub-metre vertices that would only bloat the
 * DOM. Holes become subpaths; draw with fill-rule="evenodd".
 * @param {Geometry | null} geometry
 * @param {Project} project
 * @param {number} [tolerance] in pixels
 */
export function pathData(geometry, project, tolerance = 0.35) {
  const parts = [];
  const t2 = tolerance * tolerance;
  for (const ring of rings(geometry)) {
    if (ring.length < 3) continue;
    let d = '';
    let lastX = NaN;
    let lastY = NaN;
    let count = 0;
    for (const [i, [lon, lat]] of ring.entries()) {
      const [x, y] = project(lon, lat);
      const isLast = i === ring.length - 1;
      if (count > 0 && !isLast && (x - lastX) ** 2 + (y - lastY) ** 2 < t2) continue;
      d += `${(count === 0 ? 'M' : 'L') + round(x)} ${round(y)}`;
      lastX = x;
      lastY = y;
      count++;
    }
    if (count >= 3) parts.push(`${d}Z`);
  }
  return parts.join('');
}

/**
 * A label point: the centroid of the largest outer ring (good enough for Köln's compact areas).
 * @param {Geometry | null} geometry
 * @param {Project} project
 * @returns {[number, number] | null}
 */
export function labelPoint(geometry, project) {
  /** @type {[number, number] | null} */
  let best = null;
  let bestArea = -1;
  for (const polygon of polygons(geometry)) {
    const outer = polygon[0];
    if (!outer) continue;
    const pts = outer.map(([lon, lat]) => project(lon, lat));
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = /** @type {[number, number]} */ (pts[i]);
      const [xj, yj] = /** @type {[number, number]} */ (pts[j]);
      const f = xj * yi - xi * yj;
      a += f;
      cx += (xj + xi) * f;
      cy += (yj + yi) * f;
    }
    if (Math.abs(a) > bestArea && a !== 0) {
      bestArea = Math.abs(a);
      best = [cx / (3 * a), cy / (3 * a)];
    }
  }
  return best;
}

/**
 * The polygons of a geometry, each a list of rings (the outer ring first, then holes).
 * @param {Geometry | null} geometry
 * @returns {Position[][][]}
 */
function polygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [/** @type {Position[][]} */ (geometry.coordinates)];
  if (geometry.type === 'MultiPolygon') return /** @type {Position[][][]} */ (geometry.coordinates);
  return [];
}

/** @param {Geometry | null} geometry */
function rings(geometry) {
  return polygons(geometry).flat();
}

/** @param {number} n */
function round(n) {
  return Math.round(n * 10) / 10;
}
