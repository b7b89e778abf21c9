/**
 * Typed readers of the CLI's JSON documents, written from what the docs promise (docs/syncing.md
 * for `sync`/`plan`, the `status`, `forget` and `state export` documents as they are printed), not
 * derived from the code under test. Each reader fails with the text it could not parse, so a
 * crash of the CLI shows its output instead of "Unexpected end of JSON input".
 */

export type Counts = Record<'create' | 'update' | 'moved' | 'stale' | 'unchanged' | 'failed', number>;

export interface RunItem {
  action: 'create' | 'update' | 'move' | 'stale';
  status: string;
  type: string;
  key: string;
  title: string;
  file: string;
  line: number | null;
  remoteId: string | null;
  replacedRemoteId: string | null;
  uncertain: boolean;
  error: string | null;
}

export interface Issue {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

export interface StaleEntry {
  remoteId: string | null;
  key: string;
  type: string;
  title: string;
  file: string | null;
  reason: string;
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

/** The `--json` document of `sync` and `plan` (docs/syncing.md, "Output and --json"). */
export interface RunDoc {
  ok: boolean;
  dryRun: boolean;
  command: string;
  botId: string;
  counts: Counts;
  items: RunItem[];
  errors: Issue[];
  warnings: Issue[];
  stale: StaleEntry[];
  uncertain: UncertainEntry[];
  recovered: number;
  skippedDrafts: number;
  files: { scanned: number; read: number };
  requests: number;
  rateLimited: number;
  interrupted: boolean;
  exitCode: number;
  durationMs: number;
}

/** What `--json` prints when a command fails before it has a result. */
export interface FailureDoc {
  ok: false;
  error: { name: string; message: string; hint?: string; exitCode: number };
}

/** `kb-sync status --json` (the fields the tests read). */
export interface StatusDoc {
  botId: string;
  stateFile: string;
  items: Record<string, Record<string, number>>;
  files: { tracked: number; withErrors: { file: string; error: string }[] };
  inFlight: { key: string; type: string; title: string; file: string | null; since: string }[];
  stale: StaleEntry[];
  uncertain: UncertainEntry[];
}

/** `kb-sync forget --json`. */
export interface ForgetDoc {
  ok: boolean;
  forgotten: string[];
  unknown: string[];
  uncertainCleared: number;
}

/** A `kb-sync state export` snapshot, loosely: tests edit it to make damaged copies. */
export interface SnapshotDoc {
  format: string;
  version: number;
  botId: string;
  items: Record<string, unknown>[];
  files: Record<string, unknown>[];
  stale: Record<string, unknown>[];
  uncertain: Record<string, unknown>[];
  [key: string]: unknown;
}

/** Parse a JSON object printed by the CLI (or written by it), or fail showing the text. */
function parseObject(text: string): object {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message}):\n${text.slice(0, 2000)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`expected a JSON object, got:\n${text.slice(0, 2000)}`);
  return value;
}

export const runDoc = (text: string) => parseObject(text) as RunDoc;
export const failureDoc = (text: string) => parseObject(text) as FailureDoc;
export const statusDoc = (text: string) => parseObject(text) as StatusDoc;
export const forgetDoc = (text: string) => parseObject(text) as ForgetDoc;
export const snapshotDoc = (text: string) => parseObject(text) as SnapshotDoc;

/** The `--json` document of any command with targets (docs/targets.md): a section per target. */
export interface TargetsDoc {
  targets: {
    target: string;
    botId: string | null;
    exitCode: number;
    /** The command's usual document, or null when the target failed before it had one. */
    result: unknown;
    error?: { message: string; hint: string | null; exitCode: number };
  }[];
  exitCode: number;
}

export const targetsDoc = (text: string) => parseObject(text) as TargetsDoc;
