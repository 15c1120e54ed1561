// What validation needs to know about the city's geography, as a small interface so @sp/feeds does
// not depend on a particular spatial reference: the ingestion service wires @sp/spatial's
// AreaReference, unit tests a fixture.

export interface SpatialChecks {
  /** area levels the reference knows (STADT, STADTBEZIRK, STADTTEIL, STADTVIERTEL, planning levels …) */
  levels(): readonly string[];
  /** true when `code` is an area of `level` (in any of its versions) */
  hasArea(level: string, code: string): boolean;
  /** the validity of each version of the area, ISO dates inclusive (validTo null: still valid); [] when unknown */
  validity(level: string, code: string): readonly { validFrom: string; validTo: string | null }[];
  /** true when the WGS84 point lies inside the city */
  insideCity(lat: number, lon: number): boolean;
  /** city name for messages, e.g. "Köln" */
  readonly cityName: string;
}
