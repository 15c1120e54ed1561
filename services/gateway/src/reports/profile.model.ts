// What a Gebietsprofil holds, as plain data: everything the PDF and DOCX renderers print. It is
// assembled by profile.service.ts from the same request context (viewer, IndicatorService,
// registry, planning) the GraphQL API and the CSV exports use, so every figure in it is the figure
// the API would give this viewer.
import type { AreaRef, GeoJsonGeometry } from '../sources.js';

export interface ProfileFigure {
  /** the figure as the API gives it to this viewer; null when suppressed or missing */
  value: number | null;
  period: string;
  suppressed: boolean;
  /** German reason when suppressed */
  suppressionReason: string | null;
  /** published figure computed from perturbed counts (cell-key method) */
  perturbed: boolean;
}

export interface ProfileIndicator {
  code: string;
  name: string;
  unit: string;
  kind: string;
  polarity: string;
  synthetic: boolean;
  period: string;
  area: ProfileFigure | null;
  parent: ProfileFigure | null;
  city: ProfileFigure | null;
  /** the area's own series, oldest first (same periodicity as `period`) */
  series: ProfileFigure[];
  /** the viewer may not read it (unpublished): named, without figures */
  forbidden: boolean;
}

export interface ProfileIndexInput {
  indicator: string;
  name: string;
  polarity: string;
  value: number | null;
  /** z-value of the area's input among the scored areas of the level, from the figures this viewer sees */
  z: number | null;
  note: string | null;
}

export interface ProfileIndex {
  code: string;
  name: string;
  description: string;
  period: string | null;
  score: number | null;
  classLabel: string | null;
  scored: boolean;
  synthetic: boolean;
  inputs: ProfileIndexInput[];
}

export interface ProfileOffer {
  name: string;
  offerType: string;
  provider: string;
  address: string;
  capacity: string | null;
  synthetic: boolean;
}

export interface ProfileNeed {
  norm: string;
  normName: string;
  unit: string;
  period: string;
  supply: number;
  demand: number | null;
  coverage: number | null;
  gap: number | null;
  suppressed: boolean;
}

export interface ProfilePlanning {
  kind: 'Ziel' | 'Maßnahme';
  title: string;
  status: string;
  detail: string | null;
  example: boolean;
}

export interface ProfileSource {
  name: string;
  attribution: string;
  licence: string;
  synthetic: boolean;
}

export interface MapLayer {
  /** every area of the same level in the frame, for orientation */
  context: GeoJsonGeometry[];
  /** the area itself, highlighted */
  area: GeoJsonGeometry | null;
}

export interface GebietsProfil {
  /** the deployment's city (tenant): its root area's name */
  tenant: string;
  area: AreaRef & { name: string; levelLabel: string };
  parent: (AreaRef & { name: string }) | null;
  city: (AreaRef & { name: string }) | null;
  /** the period asked for (or the latest one with data) */
  period: string;
  /** signed-in readers see unpublished and unprotected figures: the report says so on every page */
  confidential: boolean;
  createdAt: string;
  map: MapLayer;
  indicators: ProfileIndicator[];
  indices: ProfileIndex[];
  offers: { total: number; items: ProfileOffer[] } | null;
  needs: ProfileNeed[] | null;
  planning: ProfilePlanning[] | null;
  sources: ProfileSource[];
  /** any input of the report is synthetic */
  synthetic: boolean;
  /** the cell-key sentence when any figure is perturbed */
  perturbationNote: string | null;
}

export const confidentialityLine = 'Vertraulich – nur für den Dienstgebrauch';
export const syntheticLabel = 'synthetisch';
