// @ts-check
// The GraphQL operations of the planners' workspace (workspace.view.js): the four saves, the
// history of an item, the measures with their controlling figures, and one goal's targets per area
// and year against the published figures. docs/workspace.md lists them.

/** @import { Query } from './api.js' */

/** @typedef {{ field: string | null, code: string, message: string, accepted: string }} FieldError */
/** @typedef {{ saved: boolean, key: string | null, version: number | null, unchanged: boolean, author: string | null, currentVersion: number | null, errors: FieldError[] }} PlanningSave */
/** @typedef {{ recordType: string, key: string, version: number, eventType: string, actor: string, at: string }} PlanningChange */
/** @typedef {{ key: string, version: number, title: string, plannedDate: string | null, plannedQuarter: string | null, plannedBy: string | null, actualDate: string | null, reached: boolean, slippageDays: number | null }} WorkspaceMilestone */
/** @typedef {{ budgetPlanned: number, budgetSpent: number, budgetUse: number | null, budgetApproved: number | null, approvedBudgetUse: number | null, startSlippageDays: number | null, endSlippageDays: number | null, milestonesDue: number, milestonesOverdue: number, trafficLight: string }} WorkspaceControlling */
/** @typedef {{ key: string, version: number, title: string, status: string, leadAmt: string, goalKeys: string[], plannedStart: string, plannedEnd: string, actualStart: string | null, actualEnd: string | null, areas: { level: string, code: string, name: string }[], controlling: WorkspaceControlling | null, milestones: WorkspaceMilestone[] }} WorkspaceMeasure */
/** @typedef {{ measures: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: { node: WorkspaceMeasure }[] } }} WorkspaceMeasuresPage */
/** @typedef {{ key: string, version: number, title: string, status: string, parentKey: string | null }} WorkspaceGoal */
/** @typedef {{ area: { level: string, code: string, name: string }, year: number, targetValue: number, direction: string | null, actualPeriod: string | null, actualValue: number | null, gap: number | null, onTrack: boolean | null, actual: { suppressed: boolean, perturbed: boolean, confidential: boolean } | null }} WorkspaceGoalTarget */
/**
 * A goal with every field the goal form holds (to edit it as its next version) and its targets against the published figures.
 * @typedef {{ key: string, version: number, title: string, status: string, parentKey: string | null, description: string | null, areas: { level: string, code: string }[], targetGroups: string[], indicatorCode: string | null, baselineValue: number | null, baselinePeriod: string | null, targetValue: number | null, targetDirection: string | null, deadline: string | null, example: boolean, adoptedBy: { body: string, decision: string, date: string } | null, indicator: { code: string, name: string, unit: string } | null, targets: WorkspaceGoalTarget[] }} WorkspaceGoalDetail
 */

export const workspaceQueries = {
  saveGoal: /** @type {Query<{ saveGoal: PlanningSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation WorkspaceSaveGoal($input: GoalInput!) { saveGoal(input: $input) { saved key version unchanged author currentVersion errors { field code message accepted } } }`
  ),
  saveMeasure: /** @type {Query<{ saveMeasure: PlanningSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation WorkspaceSaveMeasure($input: MeasureInput!) { saveMeasure(input: $input) { saved key version unchanged author currentVersion errors { field code message accepted } } }`
  ),
  saveMilestone: /** @type {Query<{ saveMilestone: PlanningSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation WorkspaceSaveMilestone($input: MilestoneInput!) { saveMilestone(input: $input) { saved key version unchanged author currentVersion errors { field code message accepted } } }`
  ),
  saveStatusReport: /** @type {Query<{ saveStatusReport: PlanningSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation WorkspaceSaveStatusReport($input: StatusReportInput!) { saveStatusReport(input: $input) { saved key version unchanged author currentVersion errors { field code message accepted } } }`
  ),
  changes: /** @type {Query<{ planningChanges: PlanningChange[] }, { recordType: string, key: string }>} */ (
    /* GraphQL */ `
    query WorkspaceChanges($recordType: PlanningRecordType!, $key: String!) {
      planningChanges(recordType: $recordType, key: $key) { recordType key version eventType actor at }
    }`
  ),
  // pages of 50: a page of 100 cost 6102, over the gateway's limit of 5000 (QUERY_COMPLEXITY), so a
  // planner's goal keys were never suggested
  goals: /** @type {Query<{ goals: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: { node: WorkspaceGoal }[] } }, { after: string | null }>} */ (
    /* GraphQL */ `
    query WorkspaceGoals($after: String) { goals(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { key version title status parentKey } } } }`
  ),
  goal: /** @type {Query<{ goal: WorkspaceGoalDetail | null }, { key: string }>} */ (
    /* GraphQL */ `
    query WorkspaceGoal($key: String!) {
      goal(key: $key) {
        key version title status parentKey description areas { level code } targetGroups indicatorCode
        baselineValue baselinePeriod targetValue targetDirection deadline example adoptedBy { body decision date }
        indicator { code name unit }
        targets { area { level code name } year targetValue direction actualPeriod actualValue gap onTrack actual { suppressed perturbed confidential } }
      }
    }`
  ),
  measures: /** @type {Query<WorkspaceMeasuresPage, { amt: string | null, area: { level: string, code: string } | null, first: number, after: string | null }>} */ (
    /* GraphQL */ `
    query WorkspaceMeasures($amt: String, $area: AreaInput, $first: Int!, $after: String) {
      measures(amt: $amt, area: $area, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          key version title status leadAmt goalKeys plannedStart plannedEnd actualStart actualEnd
          areas { level code name }
          controlling { budgetPlanned budgetSpent budgetUse budgetApproved approvedBudgetUse startSlippageDays endSlippageDays milestonesDue milestonesOverdue trafficLight }
          milestones { key version title plannedDate plannedQuarter plannedBy actualDate reached slippageDays }
        } }
      }
    }`
  ),
};
