import { ApiError, type ApiErrorKind } from '../api/errors.js';
import { ExitCode, IncompleteError, InterruptedError, KbSyncError, LockedError, RefusedError } from '../errors.js';
import type { RunResult } from '../sync/result.js';

/**
 * The one place where results and errors become exit codes, and the one place the process is
 * ended early (`exitNow`). Everything else in the tree returns results or throws errors.
 *
 *   0 done · 1 some items or files failed, or the work could not be completed (run again) ·
 *   2 usage, configuration, state or authentication · 3 the state lock is held ·
 *   4 refused for safety · 70 a bug · 130 / 143 interrupted by SIGINT / SIGTERM
 */

export type Signal = 'SIGINT' | 'SIGTERM';

/** An API error by its kind: what cannot succeed until someone fixes the setup is 2, the rest 1. */
const API_EXIT: Record<ApiErrorKind, ExitCode> = {
  auth: ExitCode.usage,
  config: ExitCode.usage,
  'rate-limited': ExitCode.partial,
  server: ExitCode.partial,
  'bad-request': ExitCode.partial,
  'not-found': ExitCode.partial,
  'never-sent': ExitCode.partial,
  'lost-response': ExitCode.partial,
};

export function signalExitCode(signal: Signal): ExitCode {
  return signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
}

/** The exit code of an error that ended a command. */
export function exitCodeForError(err: unknown): ExitCode {
  if (err instanceof ApiError) return API_EXIT[err.kind];
  if (err instanceof InterruptedError) return signalExitCode(err.signal);
  if (err instanceof LockedError) return ExitCode.locked;
  if (err instanceof RefusedError) return ExitCode.refused;
  // Incomplete work says what stopped it through its cause, if that is one of ours.
  if (err instanceof IncompleteError)
    return err.cause instanceof KbSyncError ? exitCodeForError(err.cause) : ExitCode.partial;
  // ConfigError, StateError, and any other error of ours: usage, configuration or state.
  if (err instanceof KbSyncError) return ExitCode.usage;
  return ExitCode.internal;
}

/**
 * The exit code of a sync, plan, adopt or watch run, from what its result says: 3 when another
 * kb-sync took the lock over, 2 when the API refused the token or the bot, 1 when items or files
 * failed, 0 otherwise. An interrupt wins (with the signal that caused it).
 */
export function exitCodeForRun(
  result: Pick<RunResult, 'lockLost' | 'authError' | 'counts' | 'errors' | 'interrupted'>,
  signal?: Signal,
): ExitCode {
  if (result.interrupted && signal) return signalExitCode(signal);
  if (result.lockLost) return ExitCode.locked;
  if (result.authError) return ExitCode.usage;
  if (result.counts.failed > 0 || result.errors.length > 0) return ExitCode.partial;
  return ExitCode.ok;
}

/**
 * The exit code of `watch`, which runs until it is stopped: 130 / 143 for the signal that stopped
 * it, like any other command (one rule: a signal's code means "stopped", whatever the command).
 */
export function exitCodeForWatch(signal: Signal | undefined): ExitCode {
  return signal ? signalExitCode(signal) : ExitCode.ok;
}

/** The exit code of an eval: below the threshold is 1; an interrupt wins. */
export function exitCodeForEval(passed: boolean, interruptedBy: Signal | undefined): ExitCode {
  if (interruptedBy) return signalExitCode(interruptedBy);
  return passed ? ExitCode.ok : ExitCode.partial;
}

/** The exit code of `kb-sync doctor`: 0 when `sync` has what it needs, 2 when a check failed. */
export function exitCodeForDoctor(report: { ready: boolean }): ExitCode {
  return report.ready ? ExitCode.ok : ExitCode.usage;
}

/**
 * End the process now, with `code`: a second Ctrl-C, a closed stdout, a command line yargs
 * refuses. (Everything else sets `process.exitCode` and lets the process end by itself, so that
 * output still being written is not cut.)
 */
export function exitNow(code: number): never {
  process.exit(code);
}

/**
 * Several targets: the worst of their exit codes. An interruption first, then a bug, then
 * usage/configuration/state/authentication (2), a refusal (4), a held lock (3), some failures (1).
 */
const SEVERITY: readonly number[] = [
  ExitCode.ok,
  ExitCode.partial,
  ExitCode.locked,
  ExitCode.refused,
  ExitCode.usage,
  ExitCode.internal,
  ExitCode.sigterm,
  ExitCode.sigint,
];

export function worstExitCode(codes: readonly number[]): number {
  let worst: number = ExitCode.ok;
  const rank = (c: number) => {
    const i = SEVERITY.indexOf(c);
    return i < 0 ? SEVERITY.indexOf(ExitCode.internal) : i;
  };
  for (const c of codes) if (rank(c) > rank(worst)) worst = c;
  return worst;
}
