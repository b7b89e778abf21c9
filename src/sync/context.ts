import type { ResolvedConfig } from '../config/load.js';
import type { SyncEvents } from '../events.js';
import type { BotDataType } from '../api/types.js';
import type { ExtractSettings } from '../extract/types.js';
import type { StateLock } from '../state/lock.js';
import type { StateStore } from '../state/store.js';
import type { GitUnavailable } from '../scan/git.js';
import type { GitProbe } from './git-probe.js';
import type { Stopwatch } from './stopwatch.js';

/** One run of the pipeline: scan → extract → plan → (push). Used by `sync`, `plan`, `adopt` and `watch`. */
export interface RunOptions {
  config: ResolvedConfig;
  botId: string;
  /** Push nothing and write nothing (`plan`, `sync --dry-run`). */
  dryRun: boolean;
  /** Required unless `dryRun`. */
  token?: string;
  command?: string;
  /** Watch mode: only these paths (relative to knowledgeDir) changed; everything else is as the state says. */
  changedPaths?: Iterable<string>;
  /** Allow a first run in CI that would create items (the first-run guard). */
  allowInitial?: boolean;
  /**
   * `kb-sync adopt`: record what would be created as already in the bot (origin "adopted", no
   * remote id) and push nothing. Updates and stale items are left for a later sync.
   */
  adopt?: boolean;
  /** Allow a scan that finds nothing to turn every item stale. */
  allowEmpty?: boolean;
  /** Running in CI (`CI=true`): enables the first-run guard. */
  ci?: boolean;
  /** Seconds to wait for another run's lock. */
  waitSeconds?: number;
  /** An open store and held lock to reuse (watch mode). */
  store?: StateStore;
  lock?: StateLock;
  /** Ctrl-C: stop taking new work. */
  stop?: AbortSignal;
  /** End of the grace period: cut requests in flight. */
  kill?: AbortSignal;
  events?: SyncEvents;
  /** Paths in messages are relative to this (default: the process's working directory). */
  cwd?: string;
  /** Worker threads for extraction (default: one per core when there is enough work). */
  workers?: number;
  random?: () => number;
  /**
   * Called once with the creates and updates about to be pushed, before any is sent: the state
   * held in git records them as a write-ahead checkpoint (docs/git-state.md).
   */
  beforePush?: (items: readonly PendingPush[]) => Promise<void>;
}

/** A create or update about to be sent (for `beforePush`). */
export interface PendingPush {
  key: string;
  type: BotDataType;
  label: string;
  /** Relative to knowledgeDir. */
  sourceFile: string | null;
}

/** What every stage of one run shares: the options, the open store, and how to report. */
export interface RunContext {
  opts: RunOptions;
  cfg: ResolvedConfig;
  botId: string;
  store: StateStore;
  /** Held unless this is a dry run. */
  lock: StateLock | undefined;
  settings: ExtractSettings;
  /** The caller's events, with item paths shown relative to the working directory. */
  events: SyncEvents;
  /** A path relative to knowledgeDir, as shown to people (relative to the working directory). */
  display: (rel: string) => string;
  clock: Stopwatch;
  /** git, asked at the start of the run (undefined in watch mode's incremental runs). */
  git?: GitProbe | GitUnavailable | undefined;
}
