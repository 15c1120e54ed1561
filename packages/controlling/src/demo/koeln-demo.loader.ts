// Reads the Köln demo (packages/controlling/demo/koeln-planning.demo.json): planning records for a few
// Sozialraumgebiete, every one labelled example: true, in delivery order.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { planningDeliverySchema, type PlanningDelivery } from '../records/planning-records.replay.js';

/** Works from src/ (development) and from dist/ (built), both one level below the package root. */
export const koelnDemoPath = join(dirname(fileURLToPath(import.meta.url)), '../../demo/koeln-planning.demo.json');

const demoSchema = z.object({
  description: z.string(),
  /** the Stichtag the demo's controlling figures are meant for */
  referenceDate: z.iso.date(),
  deliveries: z.array(planningDeliverySchema),
});
export type PlanningDemo = z.infer<typeof demoSchema> & { deliveries: PlanningDelivery[] };

export function readKoelnDemo(path = koelnDemoPath): PlanningDemo {
  return demoSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/**
 * The example project after the Haan status report (packages/controlling/demo/haan-example.demo.json):
 * its work packages with planned and actual periods and milestones M1–M10, read with readKoelnDemo.
 */
export const haanExamplePath = join(dirname(fileURLToPath(import.meta.url)), '../../demo/haan-example.demo.json');

/**
 * Example topics of the Sozialräume with their path (packages/controlling/demo/koeln-themes.demo.json),
 * read with readKoelnDemo after the Köln demo, whose measures some of them were turned into.
 */
export const koelnThemesPath = join(dirname(fileURLToPath(import.meta.url)), '../../demo/koeln-themes.demo.json');
