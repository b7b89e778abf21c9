/**
 * What a state ref's commits hold besides the snapshot (pure: parse, check, describe).
 *
 * Every commit on `refs/kb-sync/state/<bot>` has a tree of up to three files:
 *   meta.json      whose state this is (bot, target), its generation (the fencing token), which
 *                  run wrote it, from which source commit
 *   snapshot.json  the state snapshot (`kb-sync state export` format); absent until a run has
 *                  something to remember (so the first-run guard still applies)
 *   lock.json      present while a run holds the lock: who (run id, host, pid), since when, its
 *                  last heartbeat and the timeout after which a silent holder counts as dead
 */

export const META_FILE = 'meta.json';
export const SNAPSHOT_FILE = 'snapshot.json';
export const LOCK_FILE = 'lock.json';

export const META_FORMAT = 'kb-sync-git-state' as const;
export const LOCK_FORMAT = 'kb-sync-lock' as const;
export const RECORD_VERSION = 1;

export interface StateMeta {
  format: typeof META_FORMAT;
  version: number;
  botId: string;
  /** The target name, or null for a configuration without targets. */
  target: string | null;
  /** Goes up by one each time a run takes the lock: a generation number, shown in the audit log. */
  fence: number;
  updatedAt: string;
  runId: string;
  /** The commit of the knowledge repository the run synced from (null when unknown). */
  sourceCommit: string | null;
}

export interface LockRecord {
  format: typeof LOCK_FORMAT;
  version: number;
  runId: string;
  host: string;
  pid: number;
  command: string;
  botId: string;
  target: string | null;
  since: string;
  heartbeatAt: string;
  /** Seconds without a heartbeat after which the lock may be taken over. */
  timeoutSeconds: number;
  fence: number;
  sourceCommit: string | null;
  /** A link to the CI run holding the lock, when known. */
  url: string | null;
  /** The dead holder this lock was taken over from, if any. */
  tookOverFrom: { runId: string; host: string; since: string; heartbeatAt: string } | null;
}

/** Why a record could not be used (the caller turns it into an exit-2 error). */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

function object(text: string, what: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RecordError(`${what} is not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RecordError(`${what} is not an object`);
  return raw as Record<string, unknown>;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isTime = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function checkVersion(o: Record<string, unknown>, format: string, what: string): void {
  if (o.format !== format) throw new RecordError(`${what}: "format" is not "${format}"`);
  if (!isCount(o.version) || o.version < 1) throw new RecordError(`${what}: "version" is missing`);
  if (o.version > RECORD_VERSION)
    throw new RecordError(`${what} was written by a newer kb-sync (version ${o.version}); upgrade kb-sync`);
}

export function parseMeta(text: string): StateMeta {
  const o = object(text, META_FILE);
  checkVersion(o, META_FORMAT, META_FILE);
  if (!isText(o.botId)) throw new RecordError(`${META_FILE}: "botId" is missing`);
  if (o.target !== null && !isText(o.target)) throw new RecordError(`${META_FILE}: "target" is not a name or null`);
  if (!isCount(o.fence)) throw new RecordError(`${META_FILE}: "fence" is not a whole number`);
  if (!isTime(o.updatedAt)) throw new RecordError(`${META_FILE}: "updatedAt" is not a time`);
  if (!isText(o.runId)) throw new RecordError(`${META_FILE}: "runId" is missing`);
  if (o.sourceCommit !== null && typeof o.sourceCommit !== 'string')
    throw new RecordError(`${META_FILE}: "sourceCommit" is not text or null`);
  return o as unknown as StateMeta;
}

export function parseLock(text: string): LockRecord {
  const o = object(text, LOCK_FILE);
  checkVersion(o, LOCK_FORMAT, LOCK_FILE);
  for (const k of ['runId', 'host', 'command', 'botId'] as const)
    if (!isText(o[k])) throw new RecordError(`${LOCK_FILE}: "${k}" is missing`);
  for (const k of ['since', 'heartbeatAt'] as const)
    if (!isTime(o[k])) throw new RecordError(`${LOCK_FILE}: "${k}" is not a time`);
  if (typeof o.timeoutSeconds !== 'number' || !(o.timeoutSeconds > 0))
    throw new RecordError(`${LOCK_FILE}: "timeoutSeconds" is not a positive number`);
  if (!isCount(o.fence)) throw new RecordError(`${LOCK_FILE}: "fence" is not a whole number`);
  if (!isCount(o.pid)) throw new RecordError(`${LOCK_FILE}: "pid" is not a whole number`);
  return {
    ...(o as unknown as LockRecord),
    target: typeof o.target === 'string' ? o.target : null,
    sourceCommit: typeof o.sourceCommit === 'string' ? o.sourceCommit : null,
    url: typeof o.url === 'string' ? o.url : null,
    tookOverFrom: (o.tookOverFrom as LockRecord['tookOverFrom']) ?? null,
  };
}

/** Whether a holder has been silent for longer than its own timeout (clocks are assumed to agree). */
export function lockExpired(lock: LockRecord, now: number): boolean {
  return now - Date.parse(lock.heartbeatAt) > lock.timeoutSeconds * 1000;
}

/** "run 123-1 (sync) on host-a, since 2026-…, last heartbeat 2026-… [url]" */
export function describeLock(lock: LockRecord): string {
  const beat = lock.heartbeatAt !== lock.since ? `, last heartbeat ${lock.heartbeatAt}` : '';
  return `run ${lock.runId} ("${lock.command}", pid ${lock.pid}) on ${lock.host}, since ${lock.since}${beat}${lock.url ? ` (${lock.url})` : ''}`;
}

/** Trailers at the end of every commit message: machine-readable lines of the audit log. */
export function trailers(fields: Record<string, string | number | null | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${String(v).replace(/\s+/g, ' ')}`)
    .join('\n');
}

/** One line of a commit message body: no control characters, bounded length. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
