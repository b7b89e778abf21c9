/**
 * The one small family of errors that the CLI turns into text and an exit code.
 * Only `src/cli` prints them; everything else throws or returns them.
 */

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
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a message for a person, an optional hint that says what to do, and an exit code. */
export class KbSyncError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? ExitCode.usage;
    this.hint = opts.hint;
  }
}

/** Bad command line or configuration. */
export class ConfigError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.usage, hint });
  }
}

/** The state file cannot be used as it is. */
export class StateError extends KbSyncError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.usage, hint, cause });
  }
}

/** Another process holds the state lock. */
export class LockedError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.locked, hint });
  }
}

/** A safety guard refused to run. */
export class RefusedError extends KbSyncError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.refused, hint });
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

export function formatFileIssue(issue: FileIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return `${where} ${issue.message}`;
}
