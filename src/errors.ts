import { safeText } from './util/safe-text.js';

/**
 * The one small family of errors that the CLI turns into text and an exit code.
 * Only `src/cli` prints them and decides the exit code (src/cli/exit.ts, by class);
 * everything else throws or returns them.
 */

/** The exit codes of the command line (which error or result gets which: src/cli/exit.ts). */
export const ExitCode = {
  ok: 0,
  /** Some items or files failed; everything else was done. */
  partial: 1,
  /** Usage, configuration, state file or authentication error: nothing (more) was pushed. */
  usage: 2,
  /** Another run holds the state lock. */
  locked: 3,
  /** Refused for safety (empty scan, unguarded first run in CI). */
  refused: 4,
  /** An internal error: a bug. */
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a message for a person and an optional hint that says what to do. */
export class KbSyncError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}

/** Bad command line or configuration. */
export class ConfigError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}

/** The state file cannot be used as it is. */
export class StateError extends KbSyncError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { hint, cause });
  }
}

/** Another process holds the state lock. */
export class LockedError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}

/** A safety guard refused to run. */
export class RefusedError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}

/**
 * The work stopped before it was complete, for a reason that is not the configuration's (a file
 * it would write exists, the server asked to come back much later): nothing was lost; run again
 * later. When it wraps another error (`cause`), that error says what happened.
 */
export class IncompleteError extends KbSyncError {}

/** Ctrl-C (SIGINT) or SIGTERM ended the work. */
export class InterruptedError extends KbSyncError {
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super('interrupted');
    this.signal = signal;
  }
}

/** A problem with one knowledge file, located like a compiler message. */
export interface FileIssue {
  /** Path relative to the working directory (or knowledgeDir), with forward slashes. */
  file: string;
  line?: number;
  column?: number;
  message: string;
  severity: 'error' | 'warning';
}

/** A file issue for people: `file:line:col message`, the file name and message shown on one line (safeText). */
export function formatFileIssue(issue: FileIssue): string {
  let where = safeText(issue.file);
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return `${where} ${safeText(issue.message)}`;
}
