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
 * A projection fitting `bbox` into width × height (minus padding), north up; `scale` is pixels per
 * degree of latitude.
 * @param {Readonly<BBox>} bbox
 * @param {number} width
 * @param {number} height
 * @param {number} [padding]
 * @returns {{ project: Project, width: number, height: number, scale: number }}
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
  return { project, width, height, scale };
}

/**
 * What a map is fitted to. `bbox` holds the bulk of the areas; `outliers` the bounds of far-off
 * parts drawn in an inset instead (null: none); `parts` the bounds of the bulk's polygons, to place
 * the inset where it hides least.
 * @typedef {{ bbox: BBox, outliers: BBox | null, parts: BBox[] }} Frame
 */

/** a polygon farther from the median centre than this many times the polygons' median distance is far off */
const FAR = 5;
/** far-off parts are left out of the frame only while they are this share of the land at most */
const FAR_AREA_SHARE = 0.05;
/** …and only when leaving them out makes the frame at least this much smaller across */
const FAR_SHRINK = 1.5;

/**
 * The frame of a map: the bounds of its polygons, leaving far-off small parts out (Hamburg's
 * Stadtteil Neuwerk, an island some 100 km out in the North Sea, made the city a small patch in
 * the corner of its own map). A part is far off when its centre is more than FAR times the median
 * distance of all parts from their median centre; together such parts must be a small share of
 * the land (FAR_AREA_SHARE), leave the frame clear (no overlap) and make it markedly smaller
 * (FAR_SHRINK), else the map shows everything as before.
 * @param {readonly (Geometry | null)[]} geometries
 * @returns {Frame}
 */
export function frameOf(geometries) {
  const all = bounds(geometries);
  const pieces = geometries.flatMap((g) => polygons(g)).flatMap((polygon) => (polygon[0] && polygon[0].length >= 3 ? [polygon[0]] : []));
  const partsOf = (/** @type {Position[][]} */ rings) => rings.map((ring) => bounds([{ type: 'Polygon', coordinates: [ring] }]));
  const whole = { bbox: all, outliers: null, parts: partsOf(pieces) };
  if (pieces.length < 3 || !all.every(Number.isFinite)) return whole;
  const k = Math.cos((((all[1] + all[3]) / 2) * Math.PI) / 180);
  const centres = whole.parts.map(([x0, y0, x1, y1]) => [((x0 + x1) / 2) * k, (y0 + y1) / 2]);
  const cx = median(centres.map((c) => /** @type {number} */ (c[0])));
  const cy = median(centres.map((c) => /** @type {number} */ (c[1])));
  const distances = centres.map(([x, y]) => Math.hypot(/** @type {number} */ (x) - cx, /** @type {number} */ (y) - cy));
  const typical = median(distances);
  const far = distances.map((d) => typical > 0 && d > FAR * typical);
  if (!far.some(Boolean)) return whole;
  const areas = pieces.map((ring) => Math.abs(ringArea(ring)) * k);
  const farArea = areas.reduce((sum, a, i) => sum + (far[i] ? a : 0), 0);
  if (farArea > FAR_AREA_SHARE * areas.reduce((sum, a) => sum + a, 0)) return whole;
  const near = pieces.filter((_, i) => !far[i]);
  const bbox = bounds([{ type: 'MultiPolygon', coordinates: near.map((ring) => [ring]) }]);
  const outliers = bounds([{ type: 'MultiPolygon', coordinates: pieces.filter((_, i) => far[i]).map((ring) => [ring]) }]);
  const across = (/** @type {BBox} */ b) => Math.max((b[2] - b[0]) * k, b[3] - b[1]);
  const overlaps = outliers[0] <= bbox[2] && outliers[2] >= bbox[0] && outliers[1] <= bbox[3] && outliers[3] >= bbox[1];
  if (overlaps || across(all) < FAR_SHRINK * across(bbox)) return whole;
  return { bbox, outliers, parts: partsOf(near) };
}

/**
 * The projection of a frame into width × height: the bulk fills the box, far-off parts (every
 * point inside `outliers`) are drawn into an inset in the corner that hides the fewest areas (at
 * the map's scale, or smaller when they would take more than a quarter of either side). `inset`
 * is its box in pixels (null: none) and `reduced` whether it is drawn smaller than the map;
 * `unproject` is the inverse, inset included.
 * @param {Readonly<Frame>} frame
 * @param {number} width
 * @param {number} height
 * @param {number} [padding]
 * @returns {{ project: Project, unproject: (x: number, y: number) => [number, number], width: number, height: number, inset: { x: number, y: number, width: number, height: number, reduced: boolean } | null }}
 */
export function fitFrame(frame, width, height, padding = 8) {
  const main = fitProjection(frame.bbox, width, height, padding);
  const linearInverse = (/** @type {Project} */ project) => {
    const [x0, y0] = project(0, 0);
    const [x1, y1] = project(1, 1);
    return (/** @type {number} */ x, /** @type {number} */ y) => /** @type {[number, number]} */ ([(x - x0) / (x1 - x0), (y - y0) / (y1 - y0)]);
  };
  const mainInverse = linearInverse(main.project);
  const o = frame.outliers;
  if (!o) return { project: main.project, unproject: mainInverse, width, height, inset: null };
  const k = Math.cos((((o[1] + o[3]) / 2) * Math.PI) / 180);
  const spanX = Math.max((o[2] - o[0]) * k, 1e-9);
  const spanY = Math.max(o[3] - o[1], 1e-9);
  const pad = 6;
  const scale = Math.min(main.scale, (width / 4 - 2 * pad) / spanX, (height / 4 - 2 * pad) / spanY);
  const w = spanX * scale + 2 * pad;
  const h = spanY * scale + 2 * pad;
  // the corner whose box covers the least of the bulk's parts; on a tie, the one towards the far parts
  const towards = main.project((o[0] + o[2]) / 2, (o[1] + o[3]) / 2);
  /** pixels of the box at (x, y) over the part `b` */
  const covers = (/** @type {number} */ x, /** @type {number} */ y, /** @type {BBox} */ b) => {
    const [left, top] = main.project(b[0], b[3]);
    const [right, bottom] = main.project(b[2], b[1]);
    return Math.max(0, Math.min(x + w, right) - Math.max(x, left)) * Math.max(0, Math.min(y + h, bottom) - Math.max(y, top));
  };
  /** @type {[number, number][]} */
  const corners = [
    [padding, padding],
    [width - padding - w, padding],
    [padding, height - padding - h],
    [width - padding - w, height - padding - h],
  ];
  const [at] = corners
    .map(([x, y]) => ({ x, y, covered: Math.round(frame.parts.reduce((sum, b) => sum + covers(x, y, b), 0)), away: Math.hypot(x + w / 2 - towards[0], y + h / 2 - towards[1]) }))
    .sort((a, b) => a.covered - b.covered || a.away - b.away);
  if (!at) throw new Error('unreachable: four corners');
  /** @type {Project} */
  const insetProject = (lon, lat) => [at.x + pad + (lon - o[0]) * k * scale, at.y + pad + (o[3] - lat) * scale];
  const insetInverse = linearInverse(insetProject);
  return {
    project: (lon, lat) => (lon >= o[0] && lon <= o[2] && lat >= o[1] && lat <= o[3] ? insetProject(lon, lat) : main.project(lon, lat)),
    unproject: (x, y) => (x >= at.x && x <= at.x + w && y >= at.y && y <= at.y + h ? insetInverse(x, y) : mainInverse(x, y)),
    width,
    height,
    inset: { x: at.x, y: at.y, width: w, height: h, reduced: scale < main.scale * 0.999 },
  };
}

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const upper = s[mid] ?? NaN;
  return s.length % 2 ? upper : ((s[mid - 1] ?? NaN) + upper) / 2;
}

/** signed area of a ring in square degrees (shoelace) @param {Position[]} ring */
function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = /** @type {Position} */ (ring[i]);
    const [xj, yj] = /** @type {Position} */ (ring[j]);
    a += xj * yi - xi * yj;
  }
  return a / 2;
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
