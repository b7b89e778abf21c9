/**
 * The library's public face: the typed client, the emulator, the configuration loader and the
 * sync pipeline. No `process.exit`, no console output: that is the CLI's job.
 */
export { CxGenieClient, DEFAULT_API_BASE_URL } from './api/client.js';
export type { ClientOptions, DateRangeFormat, RequestOptions, ResponseInfo } from './api/client.js';
export { ApiError, parseRetryAfter, isRetryableStatus } from './api/errors.js';
export type { ApiErrorKind, Delivery } from './api/errors.js';
export { ShapeError, UNKNOWN_SHAPE } from './api/shape.js';
export type { ShapeIssue } from './api/shape.js';
export { Paged } from './api/paging.js';
export type { ApiWarning, PageProgress, PagingOptions, PagingSummary, TotalReading } from './api/paging.js';
export type * from './api/types.js';
export { startEmulator, DEFAULT_EMULATOR_TOKEN, DEFAULT_EMULATOR_BOT, DEFAULT_PREFIX } from './emulator/server.js';
export type { EmulatorHandle, EmulatorOptions, EmulatorStats } from './emulator/server.js';
export type { FaultConfig, ScheduledFault } from './emulator/faults.js';
export type { Readings } from './emulator/readings.js';
export { loadConfig, resolveConfig, readToken } from './config/load.js';
export type { ResolvedConfig } from './config/load.js';
export { runSync } from './sync/run.js';
export type { RunOptions } from './sync/context.js';
export type { RunResult, RunCounts } from './sync/result.js';
export type { StaleEntry, UncertainEntry } from './sync/entries.js';
export type { ItemResult, SyncEvents } from './events.js';
export { exitCodeForRun } from './cli/exit.js';
export { watchKnowledge } from './sync/watch.js';
export { planSync } from './plan/plan.js';
export type { Plan, PlanInput, DesiredItem, PriorItem } from './plan/plan.js';
export {
  KbSyncError,
  ConfigError,
  StateError,
  LockedError,
  RefusedError,
  IncompleteError,
  InterruptedError,
  ExitCode,
} from './errors.js';
export type { FileIssue } from './errors.js';
