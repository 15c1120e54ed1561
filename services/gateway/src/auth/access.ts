// Which indicators a viewer may read, and whether the reader may lift suppression for them.
// Every read path (GraphQL fields, CSV export) asks these two functions; nothing else decides.
import type { IndexMeta, IndicatorMeta } from '../sources.js';
import type { Viewer } from './viewer.js';

export function canReadIndicator(viewer: Viewer, meta: IndicatorMeta): boolean {
  switch (viewer.role) {
    case 'public':
      return meta.published;
    case 'amt':
      return meta.published || meta.sourceAmt === viewer.amt;
    case 'planner':
    case 'admin':
      return true;
  }
}

/** Counts below the threshold are shown only to privileged planners/admins, or an Amt for its own data. */
export function privilegedFor(viewer: Viewer, meta: IndicatorMeta): boolean {
  if (!viewer.privileged) return false;
  switch (viewer.role) {
    case 'public':
      return false;
    case 'amt':
      return meta.sourceAmt === viewer.amt;
    case 'planner':
    case 'admin':
      return true;
  }
}

export function canReadIndex(viewer: Viewer, meta: IndexMeta): boolean {
  return viewer.role === 'public' ? meta.published : true;
}

export function privilegedForIndex(viewer: Viewer): boolean {
  return viewer.privileged && (viewer.role === 'planner' || viewer.role === 'admin');
}

/** Planning records (goals, measures) beyond the adopted/decided ones. */
export function canReadDrafts(viewer: Viewer): boolean {
  return viewer.role !== 'public';
}
