// @ts-check
// The GraphQL operations of „Themen im Sozialraum“ (themes.section.js): saving a topic's version,
// the topics with their path, and the core-process indicators per Sozialraum and year. Planning
// staff only (docs/workspace.md, docs/controlling.md "Themes").

/** @import { Query } from './api.js' */
/** @import { PlanningSave } from './workspace.api.js' */

/** @typedef {{ step: string, date: string, by: string, detail: string | null }} ThemeStep */
/**
 * @typedef {{ key: string, version: number, status: string, origin: string, title: string, description: string | null, foundDate: string, foundBy: string,
 *   area: { level: string, code: string, name: string },
 *   assessment: { date: string, assessedBy: string, text: string, priority: string } | null,
 *   decision: { date: string, decidedBy: string, outcome: string, measureKey: string | null, projectTitle: string | null, reason: string | null } | null,
 *   path: ThemeStep[], updatedAt: string, updatedBy: string }} WorkspaceTheme
 */
/**
 * @typedef {{ area: { level: string, code: string, name: string }, year: number, found: number, foundBottomUp: number, foundTopDown: number, assessed: number, decided: number,
 *   turnedIntoMeasures: number, turnedIntoProjects: number, closed: number, medianDaysToDecision: number | null, linkedMeasures: number, linkedMeasuresOnTime: number, shareOnTime: number | null }} CoreProcessRow
 */

export const themeQueries = {
  saveTheme: /** @type {Query<{ saveTheme: PlanningSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation WorkspaceSaveTheme($input: ThemeInput!) { saveTheme(input: $input) { saved key version unchanged author currentVersion errors { field code message accepted } } }`
  ),
  themes: /** @type {Query<{ themes: WorkspaceTheme[] }, { level: string | null, year: number | null }>} */ (
    /* GraphQL */ `
    query WorkspaceThemes($level: String, $year: Int) {
      themes(level: $level, year: $year) {
        key version status origin title description foundDate foundBy area { level code name }
        assessment { date assessedBy text priority }
        decision { date decidedBy outcome measureKey projectTitle reason }
        path { step date by detail } updatedAt updatedBy
      }
    }`
  ),
  coreProcess: /** @type {Query<{ coreProcessIndicators: CoreProcessRow[] }, { level: string | null, year: number | null }>} */ (
    /* GraphQL */ `
    query WorkspaceCoreProcess($level: String, $year: Int) {
      coreProcessIndicators(level: $level, year: $year) {
        area { level code name } year found foundBottomUp foundTopDown assessed decided
        turnedIntoMeasures turnedIntoProjects closed medianDaysToDecision linkedMeasures linkedMeasuresOnTime shareOnTime
      }
    }`
  ),
};
