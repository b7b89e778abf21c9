import { Bots, type BotRow, type GitSnapshot } from './bots.js';
import { fileSchemaVersion, integrityProblems, openConnection, type Db } from './connection.js';
import { asStateFailure } from './failure.js';
import { Files, type FileDigest, type FileKey, type FileRecord, type FileRow } from './files.js';
import type { Lanes } from '../scan/digest.js';
import { Items, type AdoptedItem, type ItemMove, type ItemRow, type PushedItem } from './items.js';
import { Journal, type PendingRow, type SendStart } from './journal.js';
import { Lists, type StaleRow, type UncertainRow } from './lists.js';
import { LockRow, type LockAttempt, type LockHolder } from './lock-row.js';
import { Runs, type RunRow } from './runs.js';
import { Sources } from './sources.js';

export type { BotRow, GitSnapshot } from './bots.js';
export type { FileDigest, FileKey, FileRecord, FileRow } from './files.js';
export { entryMatchesBlob, entryMatchesSig } from './files.js';
export type { AdoptedItem, ItemMove, ItemRow, Origin, PushedItem } from './items.js';
export type { PendingRow, SendStart } from './journal.js';
export type { StaleRow, UncertainRow } from './lists.js';
export type { LockAttempt, LockHolder } from './lock-row.js';
export type { RunRow } from './runs.js';
export { rebaseSource } from './sources.js';

/** Everything a snapshot import writes for one bot. */
export interface BotState {
  apiBaseUrl: string | null;
  firstSyncedAt: string;
  lastSyncedAt: string | null;
  items: readonly ItemRow[];
  files: readonly { path: string; kind: string; items: readonly FileKey[] }[];
  stale: readonly Omit<StaleRow, 'id'>[];
  uncertain: readonly Omit<UncertainRow, 'id'>[];
}

/**
 * The SQLite state store: a façade over one connection and the modules that own its tables
 * (bots.ts, files.ts, items.ts, lists.ts for stale and uncertain, journal.ts for requests in
 * flight, runs.ts, lock-row.ts). Every row is scoped by bot id. Writes are small transactions,
 * committed the moment something is achieved, so a killed run loses nothing. Nothing outside
 * `src/state/` sees the connection or writes SQL.
 */
export class StateStore {
  readonly file: string;
  readonly readonly: boolean;
  readonly #db: Db;
  readonly #bots: Bots;
  readonly #files: Files;
  readonly #items: Items;
  readonly #lists: Lists;
  readonly #journal: Journal;
  readonly #runs: Runs;
  readonly #lock: LockRow;
  readonly #sources: Sources;

  private constructor(file: string, db: Db, readonly: boolean) {
    this.file = file;
    this.readonly = readonly;
    this.#db = db;
    this.#bots = new Bots(db);
    this.#files = new Files(db);
    this.#lists = new Lists(db);
    this.#items = new Items(db, this.#bots, this.#lists);
    this.#journal = new Journal(db, this.#items, this.#lists, this.#files);
    this.#runs = new Runs(db);
    this.#lock = new LockRow(db);
    this.#sources = new Sources(db);
  }

  /**
   * Open (and create, unless `readonly`) the state file. A read-only open of a missing file gives
   * an empty in-memory store, so `plan` and `status` work before the first sync.
   */
  static open(file: string, opts: { readonly?: boolean } = {}): StateStore {
    const readonly = opts.readonly ?? false;
    return plainFailures(new StateStore(file, openConnection(file, readonly), readonly));
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Run `fn`, which only reads, in one transaction (one consistent view; nested calls join it). */
  tx<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /**
   * Run `fn`, which writes, in one IMMEDIATE transaction (nested calls join it): it takes the write
   * lock as it begins, waiting for it (busy_timeout). A deferred transaction that reads and then
   * writes asks for the lock midway, where SQLite does not wait (it could deadlock): when another
   * connection holds it at that moment (a run waiting with --wait checks the lock twice a
   * second), the write fails at once with "database is locked". The write transactions of the
   * state's modules are IMMEDIATE for the same reason.
   */
  writeTx<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  // ---- bots (bots.ts)

  bot(botId: string): BotRow | undefined {
    return this.#bots.get(botId);
  }
  ensureBot(botId: string, apiBaseUrl: string): void {
    this.#bots.ensure(botId, apiBaseUrl);
  }
  setFingerprint(botId: string, fingerprint: string): void {
    this.#bots.setFingerprint(botId, fingerprint);
  }
  /** Extraction changed (settings, kinds, include/exclude): record it, and read every file again. */
  changeFingerprint(botId: string, fingerprint: string): void {
    this.writeTx(() => {
      this.#files.markAllUnsynced(botId);
      this.#bots.setFingerprint(botId, fingerprint);
    });
  }
  markSynced(botId: string): void {
    this.#bots.markSynced(botId);
  }
  /** Whether this bot was ever synced (or adopted/imported) from this state. */
  hasHistory(botId: string): boolean {
    return Boolean(this.#bots.get(botId)?.firstSyncedAt) || this.#items.any(botId);
  }
  /** How many items the bot has (a counter kept by the store, not counted). */
  /** The snapshot of git's index the bot's files were last found to agree with (see Bots.gitSnapshot). */
  gitSnapshot(botId: string): GitSnapshot | undefined {
    return this.#bots.gitSnapshot(botId);
  }
  setGitSnapshot(botId: string, snap: GitSnapshot): void {
    this.writeTx(() => this.#bots.setGitSnapshot(botId, snap));
  }

  itemCount(botId: string): number {
    return this.#bots.itemCount(botId);
  }
  recountItems(botId: string): void {
    this.#bots.recountItems(botId);
  }

  // ---- files (files.ts)

  loadFiles(botId: string): Map<string, FileRow> {
    return this.#files.load(botId);
  }
  /** The knowledge folder (relative to the state file's folder) the bot's source paths are relative to. */
  knowledgeDir(botId: string): string | null {
    return this.#sources.dir(botId);
  }
  /** Record the bot's knowledge folder; when it moved, rewrite the stored source paths relative to it. */
  moveKnowledgeDir(botId: string, dir: string): void {
    this.#sources.moveTo(botId, dir);
  }
  /** Files read so soon after a change that the next run must read them again (the racy window). */
  racyFiles(botId: string): string[] {
    return this.#files.racy(botId);
  }
  /** path → drafts the file left out at its last read (files that left some out). */
  fileDrafts(botId: string): Map<string, number> {
    return this.#files.drafts(botId);
  }
  /** path → `kind|blob|sig` for a file that may be skipped, '' for one that must be read again (see Files.index). */
  loadFileIndex(botId: string): Map<string, string> {
    return this.#files.index(botId);
  }
  fileKeys(botId: string, paths: Iterable<string>): Map<string, FileKey[]> {
    return this.#files.keys(botId, paths);
  }
  keysHeldElsewhere(botId: string, keys: Iterable<string>, excluding: ReadonlySet<string>): Set<string> {
    return this.#files.keysHeldElsewhere(botId, keys, excluding);
  }
  recordFiles(botId: string, records: readonly FileRecord[]): void {
    this.#files.record(botId, records);
  }
  forgetFiles(botId: string, paths: Iterable<string>): void {
    this.#files.forget(botId, paths);
  }
  /** The folder digest of the files that may be skipped on git's word (see Files.digest). */
  fileDigest(botId: string): FileDigest {
    return this.#files.digest(botId);
  }
  /** The files outside the digest, or undefined when more than `limit` (see Files.outsideDigest). */
  filesOutsideDigest(botId: string, limit: number): string[] | undefined {
    return this.#files.outsideDigest(botId, limit);
  }
  /** The file index's entries (and digest lanes) of some paths (see Files.entries). */
  fileEntries(botId: string, paths: Iterable<string>): Map<string, { entry: string; lanes: Lanes | undefined }> {
    return this.#files.entries(botId, paths);
  }
  /** Record git's blob id for files the stat path found as last read (see Files.setBlobs). */
  recordBlobs(botId: string, blobs: readonly { path: string; blob: string }[]): void {
    this.#files.setBlobs(botId, blobs);
  }

  // ---- items (items.ts)

  items(botId: string, keys: Iterable<string>): Map<string, ItemRow> {
    return this.#items.get(botId, keys);
  }
  allItems(botId: string): ItemRow[] {
    return this.#items.all(botId);
  }
  /** type → origin → count. */
  countItems(botId: string): Record<string, Record<string, number>> {
    return this.#items.countByTypeAndOrigin(botId);
  }
  adoptItems(botId: string, items: readonly AdoptedItem[], runId: number | null): void {
    this.#items.adopt(botId, items, runId);
  }
  applyMoves(botId: string, moves: readonly ItemMove[], runId: number | null): void {
    this.#items.move(botId, moves, runId);
  }
  applyRemovals(botId: string, keys: readonly string[], runId: number | null): void {
    this.#items.remove(botId, keys, runId);
  }
  refreshHash(botId: string, key: string, hash: string, label: string, sourceFile: string, sourceLine: number): void {
    this.#items.refreshHash(botId, key, hash, label, sourceFile, sourceLine);
  }

  // ---- requests in flight (journal.ts)

  beginSend(botId: string, p: SendStart, runId: number | null): void {
    this.#journal.begin(botId, p, runId);
  }
  markAmbiguous(botId: string, key: string, hash: string): void {
    this.#journal.markAmbiguous(botId, key, hash);
  }
  completeSend(
    botId: string,
    c: PushedItem,
    runId: number | null,
  ): { replaced: ItemRow | undefined; wasAmbiguous: boolean } {
    return this.#journal.complete(botId, c, runId);
  }
  abandonSend(botId: string, key: string, hash: string, runId: number | null): { wasAmbiguous: boolean } {
    return this.#journal.abandon(botId, key, hash, runId);
  }
  pending(botId: string): PendingRow[] {
    return this.#journal.list(botId);
  }
  recoverPending(botId: string, runId: number | null): PendingRow[] {
    return this.#journal.recover(botId, runId);
  }

  // ---- stale and uncertain (lists.ts)

  stale(botId: string): StaleRow[] {
    return this.#lists.stale(botId);
  }
  uncertain(botId: string): UncertainRow[] {
    return this.#lists.uncertain(botId);
  }
  forgetStale(botId: string, ids: readonly string[] | 'all'): { forgotten: StaleRow[]; unknown: string[] } {
    return this.#lists.forgetStale(botId, ids);
  }
  forgetUncertain(botId: string): number {
    return this.#lists.forgetUncertain(botId);
  }

  // ---- runs (runs.ts)

  startRun(botId: string, command: string, host: string): number {
    return this.#runs.start(botId, command, host);
  }
  finishRun(runId: number, status: string, counts: Record<string, number>): void {
    this.#runs.finish(runId, status, counts);
  }
  runs(botId: string, limit = 5): RunRow[] {
    return this.#runs.latest(botId, limit);
  }

  // ---- the lock's row (lock-row.ts; the policy is in lock.ts)

  lockHolder(): LockHolder | undefined {
    return this.#lock.read();
  }
  takeLock(
    next: Omit<LockHolder, 'since' | 'heartbeatAt'>,
    mayTake: (holder: LockHolder, now: number) => boolean,
  ): LockAttempt {
    return this.#lock.take(next, mayTake);
  }
  beatLock(owner: string, now: number): boolean {
    return this.#lock.beat(owner, now);
  }
  releaseLock(owner: string): void {
    this.#lock.release(owner);
  }

  // ---- a whole bot at once (snapshot.ts)

  /** Replace every row of a bot (a snapshot import). Call inside `tx`, after settling requests in flight. */
  replaceBot(botId: string, s: BotState): void {
    this.#files.replaceImported(botId, s.files);
    this.#bots.putImported(botId, s.apiBaseUrl, s.firstSyncedAt, s.lastSyncedAt);
    this.#items.replaceImported(botId, s.items);
    this.#lists.replaceImported(botId, s.stale, s.uncertain);
    this.#bots.recountItems(botId);
  }

  // ---- health, for `kb-sync doctor` (connection.ts, bots.ts)

  /** SQLite's own check of the file (`PRAGMA integrity_check`): the problems it finds, none when sound. */
  integrityProblems(): string[] {
    return integrityProblems(this.#db);
  }

  /** Every bot this state holds anything for. */
  botIds(): string[] {
    return this.#bots.ids();
  }

  /**
   * The schema version written in a state file, as it is on disk (a read-only open migrates a copy
   * in memory): undefined when there is no file. Throws `StateError` for a file that is not SQLite.
   */
  static fileSchemaVersion(file: string): number | undefined {
    return fileSchemaVersion(file);
  }
}

/**
 * The store with every method's SQLite failure that has a plain meaning (a full disk, a read-only
 * file, no permission, an I/O error, a damaged file) thrown as a StateError (exit 2, with what to
 * do) instead of a raw SqliteError ("internal error"). Methods run on the store itself.
 */
function plainFailures(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      const fn = v as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        try {
          return fn.apply(target, args);
        } catch (err) {
          throw asStateFailure(err, target.file);
        }
      };
    },
  });
}
