// Types of geo.js for the unit tests (the browser loads the .js directly).
export interface Geometry {
  type: string;
  coordinates: unknown;
}
export type Project = (lon: number, lat: number) => [number, number];
export declare function bounds(geometries: readonly (Geometry | null)[]): [number, number, number, number];
export declare function fitProjection(bbox: readonly number[], width: number, height: number, padding?: number): { project: Project; width: number; height: number };
export declare function pathData(geometry: Geometry | null, project: Project, tolerance?: number): string;
export declare function labelPoint(geometry: Geometry | null, project: Project): [number, number] | null;
