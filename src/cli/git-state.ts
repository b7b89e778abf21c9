import type { ResolvedConfig } from '../config/load.js';
import type { KbSyncError } from '../errors.js';
import { beginGitState, refreshFromGit, type GitStateSession } from '../state/remote/git-state.js';
import type { RunSummary } from '../state/remote/message.js';
import type { RunResult } from '../sync/run.js';
import { describeLock, type LockRecord } from '../state/remote/records.js';
import { exitCodeForError, worstExitCode } from './exit.js';
import type { Output } from './output.js';

/**
 * The state held in git (docs/git-state.md) around a command. Without `gitState`, the body runs
 * as it always did.
 */

export interface StateChange {
  code: number;
  summary: RunSummary;
}

/**
 * For a command that changes the state (`sync`, `adopt`, `forget`, `state import`, `watch`):
 * take the ref's lock and load its snapshot, run the body, then push the working copy (which
 * releases the lock). A failed push is reported with where the state was kept, and its exit code
 * (2, or 3 when the lock was lost) joins the body's.
 */
export async function withGitState(
  out: Output,
  cfg: ResolvedConfig,
  botId: string,
  command: string,
  opts: { waitSeconds?: number; skip?: boolean },
  body: (session: GitStateSession | undefined) => Promise<StateChange>,
): Promise<number> {
  if (!cfg.gitState.enabled || opts.skip) return (await body(undefined)).code;
  const session = await beginGitState({
    cfg,
    botId,
    command,
    waitSeconds: opts.waitSeconds ?? 0,
    log: (level, message) => (level === 'warn' ? out.warn(out.c.yellow(message)) : out.info(message)),
    onWait: (h) => out.info(`Waiting for the state lock on ${refOf(cfg)}: ${describeLock(h)}…`),
  });
  out.info(out.c.dim(loadedLine(session)));
  let change: StateChange;
  try {
    change = await body(session);
  } catch (err) {
    const failure = await session.finish({
      command,
      exitCode: exitCodeForError(err),
      counts: {},
      items: [],
      error: err instanceof Error ? err.message : String(err),
    });
    if (failure) printFailure(out, failure);
    throw err;
  }
  const failure = await session.finish(change.summary);
  if (!failure) {
    out.detail(out.c.dim(`State pushed to ${session.loc.ref} on ${session.loc.remote}; the lock is released.`));
    return change.code;
  }
  printFailure(out, failure);
  return worstExitCode([change.code, exitCodeForError(failure)]);
}

/** The audit log's entry of a pipeline run (sync, adopt, watch). */
export function runSummary(command: string, code: number, r: RunResult): RunSummary {
  return { command, exitCode: code, counts: { ...r.counts }, items: r.items };
}

/** The change of a command other than a pipeline run: what it did, in words, for the audit log. */
export function noteChange(command: string, code: number, note: string): StateChange {
  return { code, summary: { command, exitCode: code, counts: {}, items: [], note } };
}

function refOf(cfg: ResolvedConfig): string {
  return cfg.gitState.ref ?? cfg.gitState.refTemplate;
}

function loadedLine(s: GitStateSession): string {
  const where = `${s.loc.ref} on ${s.loc.remote}`;
  if (s.loaded === 'loaded') return `State loaded from ${where}.`;
  if (s.loaded === 'current') return `State from ${where}: the local copy is up to date.`;
  return `State: ${where} holds no snapshot yet; the local state is used (and pushed there after the run).`;
}

function printFailure(out: Output, err: KbSyncError): void {
  out.error(`kb-sync: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
}

/**
 * For a command that only reads the state (`plan`, `status`, `state export`): bring the local
 * copy up to the ref's snapshot, without the lock. Returns the ref's lock holder, if any.
 */
export async function refreshGitState(
  out: Output,
  cfg: ResolvedConfig,
  botId: string,
): Promise<LockRecord | undefined> {
  if (!cfg.gitState.enabled) return undefined;
  const r = await refreshFromGit(cfg, botId);
  const where = `${r.ref} on ${cfg.gitState.remote}`;
  out.info(
    out.c.dim(
      r.loaded === 'loaded'
        ? `State loaded from ${where}.`
        : r.loaded === 'current'
          ? `State from ${where}: the local copy is up to date.`
          : `State: ${where} holds no snapshot yet; showing the local state.`,
    ),
  );
  if (r.holder) out.info(out.c.dim(`A run holds its lock: ${describeLock(r.holder)}.`));
  return r.holder;
}
