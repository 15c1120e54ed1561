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

/**
 * A draft planning record (a goal before adoption): its owning Amt and the planning staff
 * (planners, admins) read it; other Ämter and the public do not.
 */
export function canReadDraft(viewer: Viewer, ownerAmt: string | null | undefined): boolean {
  switch (viewer.role) {
    case 'planner':
    case 'admin':
      return true;
    case 'amt':
      return ownerAmt != null && ownerAmt === viewer.amt;
    case 'public':
      return false;
  }
}
