import type { BotDataType } from './api/types.js';
import type { FileIssue } from './errors.js';

/**
 * What a run emits as it goes and item by item: produced by the pipeline (sync/, push/), read by
 * the renderers (report/) and the CLI. A low module so that every one of them can import it.
 */

/** The outcome of one item in a run. */
export interface ItemResult {
  key: string;
  type: BotDataType;
  label: string;
  file: string;
  line: number;
  action: 'create' | 'update' | 'move' | 'stale' | 'unchanged';
  status: 'planned' | 'created' | 'updated' | 'moved' | 'stale' | 'unchanged' | 'failed' | 'skipped' | 'interrupted';
  remoteId?: string;
  /** The remote id of the version this one replaced (now stale). */
  replacedRemoteId?: string | null;
  /** The create may have happened twice (a lost response was retried). */
  uncertain?: boolean;
  error?: string;
  /** HTTP status of the last failure. */
  httpStatus?: number;
}

export type Phase = 'scan' | 'read' | 'plan' | 'push' | 'done';

/** What a run tells its reporter as it goes. All optional; the CLI renders them. */
export interface SyncEvents {
  phase?(phase: Phase, detail?: { files?: number; items?: number }): void;
  progress?(done: number, total: number): void;
  item?(result: ItemResult): void;
  issue?(issue: FileIssue): void;
  log?(level: 'info' | 'verbose' | 'warn', message: string): void;
}
