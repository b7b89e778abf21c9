import type { PlannedStale } from '../plan/plan.js';
import type { StaleRow, UncertainRow } from '../state/store.js';

/**
 * The stale and uncertain lists as people and `--json` see them (`sync`, `plan` and `status`
 * alike): paths shown through `display`, labels as titles.
 */

export interface StaleEntry {
  /** The state's number for the entry (`kb-sync forget '#N'`); null for one a dry run only plans. */
  id: number | null;
  remoteId: string | null;
  key: string;
  type: string;
  title: string;
  file: string | null;
  reason: 'changed' | 'removed';
  since: string;
  origin: string;
}

export interface UncertainEntry {
  key: string;
  type: string;
  title: string;
  file: string | null;
  remoteId: string | null;
  reason: string;
  since: string;
}

export function staleEntry(s: StaleRow, display: (rel: string) => string): StaleEntry {
  return {
    id: s.id,
    remoteId: s.remoteId,
    key: s.key,
    type: s.type,
    title: s.label,
    file: s.sourceFile ? display(s.sourceFile) : null,
    reason: s.reason,
    since: s.since,
    origin: s.origin,
  };
}

/**
 * What a plan would turn stale (shown by a dry run beside what the state lists): removed items,
 * and the old versions of updated ones (`changed`). `since` is the run's start, as a sync records it.
 */
export function plannedStaleEntry(
  s: Pick<PlannedStale, 'prior' | 'file'>,
  display: (rel: string) => string,
  since: string,
  reason: 'changed' | 'removed' = 'removed',
): StaleEntry {
  return {
    id: null,
    remoteId: s.prior.remoteId,
    key: s.prior.key,
    type: s.prior.type,
    title: s.prior.label,
    file: s.file ? display(s.file) : null,
    reason,
    since,
    origin: s.prior.origin,
  };
}

export function uncertainEntry(u: UncertainRow, display: (rel: string) => string): UncertainEntry {
  return {
    key: u.key,
    type: u.type,
    title: u.label,
    file: u.sourceFile ? display(u.sourceFile) : null,
    remoteId: u.remoteId,
    reason: u.reason,
    since: u.since,
  };
}
