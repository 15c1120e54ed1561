// Types of classify.js for the unit tests (the browser loads the .js directly).
export type Method = 'quantile' | 'equal' | 'jenks' | 'stddev';
export interface Classification {
  method: Method;
  bounds: number[];
  mean?: number;
  sd?: number;
}
export declare const methods: readonly { code: Method; label: string }[];
export declare function classify(values: readonly number[], method: Method, k: number): Classification;
export declare function classOf(v: number | null | undefined, bounds: readonly number[]): number;
export declare function quantileBreaks(sorted: readonly number[], k: number): number[];
export declare function quantile(sorted: readonly number[], p: number): number;
export declare function equalBreaks(min: number, max: number, k: number): number[];
export declare function jenksBreaks(sorted: readonly number[], k: number): number[];
export declare function meanSd(values: readonly number[]): { mean: number; sd: number };
