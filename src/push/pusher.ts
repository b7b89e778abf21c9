import path from 'node:path';
import PQueue from 'p-queue';
import { ApiError } from '../api/errors.js';
import type { CxGenieClient } from '../api/client.js';
import { StateError, type FileIssue } from '../errors.js';
import { buildPayloads, documentHash, openDocument, payloadHash, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings, Payload } from '../extract/types.js';
import type { RenderFn } from '../extract/render-pool.js';
import type { DesiredItem, PriorItem } from '../plan/plan.js';
import type { ItemResult, SyncEvents } from '../events.js';
import type { StateStore } from '../state/store.js';
import { type Pacer } from './pacer.js';
import {
  describeWait,
  formatRetryAt,
  RequestPolicy,
  retryLaterMessage,
  type Outcome,
  type RetrySettings,
} from './policy.js';

export interface PushJob {
  action: 'create' | 'update';
  item: DesiredItem;
  prior?: PriorItem;
  file: ScannedFile;
}

export interface PushContext {
  client: CxGenieClient;
  store: StateStore;
  botId: string;
  runId: number | null;
  settings: ExtractSettings;
  retry: RetrySettings;
  concurrency: number;
  pacer: Pacer;
  documentsBatchSize: number;
  /** Aborted on Ctrl-C: take no new work, retry nothing; requests in flight go on. */
  stop: AbortSignal;
  /** Aborted when the grace period after Ctrl-C is over: requests in flight are cut. */
  kill: AbortSignal;
  random?: () => number;
  /** Clocks for the retry policy (tests); the real ones otherwise. */
  now?: () => number;
  wallClock?: () => number;
  events?: SyncEvents;
  /** Renders articles (a worker pool with a time limit); in-process when absent. */
  render?: RenderFn;
}

export interface PushOutcome {
  results: ItemResult[];
  issues: FileIssue[];
  /**
   * Set when the run stopped because nothing can succeed: a 401/403, a configuration error on
   * the way to the server (a redirect, `https://` to a plain-HTTP port, …), or the first requests
   * of the run all failing with 404 (a wrong bot id or API URL).
   */
  authError?: ApiError;
  /** The state could not be written (the run is ended with this error once the push is idle). */
  stateError?: StateError;
  /** Files that changed between the scan and the push (re-read next run). */
  changedFiles: Set<string>;
  requests: number;
  rateLimited: number;
}

type Settled = Omit<ItemResult, 'key' | 'type' | 'label' | 'file' | 'line' | 'action'>;

/** A wrong bot id makes every create fail with 404: stop after this many instead of trying them all. */
const NOT_FOUND_STREAK = 3;

/**
 * Push creates and updates through one queue, each request paced and retried by the shared
 * `RequestPolicy`. Each create is recorded as in flight before it is sent and committed with its
 * remote id the moment it succeeds; failures keep the item's earlier state. Articles are rendered
 * (and documents uploaded, in batches) just before their items are sent, so memory does not
 * follow the folder's size.
 */
export async function pushAll(jobs: readonly PushJob[], ctx: PushContext): Promise<PushOutcome> {
  return new Pusher(jobs.length, ctx).run(jobs);
}

class Pusher {
  readonly out: PushOutcome = { results: [], issues: [], changedFiles: new Set(), requests: 0, rateLimited: 0 };
  readonly #ctx: PushContext;
  readonly #policy: RequestPolicy;
  readonly #queue: PQueue;
  /** Aborted when the run must stop for everyone (auth, configuration, a Retry-After past the cap). */
  readonly #halt = new AbortController();
  readonly #stopped: AbortSignal;
  /** Why the run was halted, for the items it leaves. */
  #haltReason: string | undefined;
  /** Halted because the server asked to come back later: what was not sent stays untouched. */
  #retryLaterHalt = false;
  readonly #total: number;
  #done = 0;
  #successes = 0;
  #notFound = 0;
  #docBatch: PushJob[] = [];

  constructor(total: number, ctx: PushContext) {
    this.#total = total;
    this.#ctx = ctx;
    this.#stopped = AbortSignal.any([ctx.stop, this.#halt.signal]);
    this.#policy = new RequestPolicy({
      retry: ctx.retry,
      pacer: ctx.pacer,
      ...(ctx.random ? { random: ctx.random } : {}),
      ...(ctx.now ? { now: ctx.now } : {}),
      ...(ctx.wallClock ? { wallClock: ctx.wallClock } : {}),
      onWait: (w) => ctx.events?.log?.('warn', describeWait(w, 'pushing resumes')),
    });
    this.#queue = new PQueue({ concurrency: ctx.concurrency });
  }

  async run(jobs: readonly PushJob[]): Promise<PushOutcome> {
    for (const [file, fileJobs] of groupByFile(jobs)) await this.#pushFile(file, fileJobs);
    await this.#flushDocs();
    await this.#queue.onIdle();
    this.out.rateLimited = this.#policy.counters.rateLimited;
    return this.out;
  }

  #finish(job: PushJob, r: Settled): void {
    const { item } = job;
    const result: ItemResult = {
      key: item.key,
      type: item.type,
      label: item.label,
      file: item.file,
      line: item.line,
      action: job.action,
      ...r,
    };
    this.out.results.push(result);
    this.#ctx.events?.item?.(result);
    this.#done++;
    this.#ctx.events?.progress?.(this.#done, this.#total);
  }

  #stopReason(): string {
    if (this.#haltReason !== undefined) return this.#haltReason;
    return 'the run was interrupted';
  }

  /** Stop the run for everyone: nothing more is sent. The first reason wins. */
  #haltWith(reason: string): void {
    if (this.#haltReason === undefined) this.#haltReason = reason;
    this.#halt.abort();
  }

  /** An error every request would get: the run stops (exit 2). */
  #stopOn(err: ApiError): void {
    if (!this.out.authError) {
      if (err.kind === 'not-found')
        Object.assign(err, {
          message: `${err.message}, for the first ${NOT_FOUND_STREAK} requests of the run; stopped`,
        });
      this.out.authError = err;
    }
    this.#haltWith(`the run stopped: ${this.out.authError.message}`);
  }

  /** The server asked to wait past the cap: stop, leave the items untouched, say when to retry (exit 1). */
  #retryLater(o: Extract<Outcome<unknown>, { reason: 'retry-later' }>): void {
    if (this.#haltReason !== undefined) return;
    const message = retryLaterMessage(o, this.#policy.retry.maxRetryAfterMs);
    this.out.issues.push({ file: '(push)', severity: 'error', message });
    this.#retryLaterHalt = true;
    this.#haltWith(`not sent: the server asked to wait until ${formatRetryAt(o.retryAt)}; the run stopped`);
  }

  /** Does this failure stop the whole run (a wrong token, a wrong URL, a wrong bot id)? */
  #stopsTheRun(err: ApiError): boolean {
    switch (err.kind) {
      case 'auth':
      case 'config':
        return true;
      case 'not-found':
        return this.#successes === 0 && ++this.#notFound >= NOT_FOUND_STREAK;
      default:
        return false;
    }
  }

  /** Send one create with retries; settles the item's state. */
  async #send(job: PushJob, payload: Payload, pHash: string): Promise<void> {
    if (this.#stopped.aborted) return this.#finish(job, { status: 'skipped', error: this.#stopReason() });
    const { store, botId, runId, client, kill } = this.#ctx;
    const { item } = job;
    store.beginSend(
      botId,
      { key: item.key, hash: item.hash, type: item.type, label: item.label, sourceFile: item.file },
      runId,
    );
    const outcome = await this.#policy.run(
      () => {
        this.out.requests++;
        return client.createBotData(payload, { signal: kill });
      },
      {
        signal: this.#stopped,
        // A lost response may have created the item: recorded before any retry.
        onError: (err) => {
          if (err.delivery === 'unknown') store.markAmbiguous(botId, item.key, item.hash);
        },
        onRetry: (err, attempt, delay) =>
          this.#ctx.events?.log?.(
            'verbose',
            `${item.file}: ${err.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${this.#ctx.retry.maxAttempts})`,
          ),
      },
    );
    if (outcome.ok) {
      this.#successes++;
      const data = outcome.value;
      const settled = store.completeSend(
        botId,
        {
          key: item.key,
          hash: item.hash,
          payloadHash: pHash,
          type: item.type,
          label: item.label,
          remoteId: data.id,
          sourceFile: item.file,
          sourceLine: item.line,
        },
        runId,
      );
      return this.#finish(job, {
        status: job.action === 'create' ? 'created' : 'updated',
        remoteId: data.id,
        ...(settled.replaced ? { replacedRemoteId: settled.replaced.remoteId } : {}),
        ...(settled.wasAmbiguous ? { uncertain: true } : {}),
      });
    }
    this.#finish(job, this.#sendFailed(job, outcome));
  }

  /** The state and result of a create that did not succeed. */
  #sendFailed(job: PushJob, o: Exclude<Outcome<unknown>, { ok: true }>): Settled {
    const { store, botId, runId } = this.#ctx;
    const { item } = job;
    const abandon = () => store.abandonSend(botId, item.key, item.hash, runId).wasAmbiguous;
    if (o.reason === 'stopped') {
      const wasAmbiguous = abandon();
      const error = o.err ? `${o.err.message} (not retried: ${this.#stopReason()})` : this.#stopReason();
      return { status: 'skipped', error, ...(wasAmbiguous ? { uncertain: true } : {}) };
    }
    const { err } = o;
    if (o.reason === 'retry-later') {
      const wasAmbiguous = abandon();
      this.#retryLater(o);
      return { status: 'skipped', error: this.#stopReason(), ...(wasAmbiguous ? { uncertain: true } : {}) };
    }
    if (this.#stopsTheRun(err)) {
      abandon();
      this.#stopOn(err);
      return { status: 'failed', error: err.message, ...(err.status ? { httpStatus: err.status } : {}) };
    }
    if (err.code === 'ABORTED') {
      // Cut after the grace period: it may have been created; the in-flight record stays and
      // the next run reports it as uncertain and sends it again.
      return {
        status: 'interrupted',
        error: 'cut off in flight by the interrupt; it may have been created',
        uncertain: true,
      };
    }
    const wasAmbiguous = abandon();
    if (o.why === 'stopped' && this.#retryLaterHalt) {
      // In flight when the server asked everyone to come back later: left for the next run.
      return { status: 'skipped', error: this.#stopReason(), ...(wasAmbiguous ? { uncertain: true } : {}) };
    }
    const why =
      o.why === 'final'
        ? err.message
        : o.why === 'stopped'
          ? `${err.message} (not retried: ${this.#stopReason()})`
          : `${err.message} (after ${o.attempts} attempts)`;
    return {
      status: 'failed',
      error: why,
      ...(err.status ? { httpStatus: err.status } : {}),
      ...(wasAmbiguous ? { uncertain: true } : {}),
    };
  }

  /** Upload a batch of documents (safe to repeat: an upload creates no training data). */
  async #upload(files: { name: string; data: Blob }[]): Promise<string[] | ApiError | 'stopped'> {
    const { client, kill } = this.#ctx;
    const outcome = await this.#policy.run(
      async () => {
        this.out.requests++;
        return client.uploadFiles(files, { signal: kill });
      },
      { signal: this.#stopped },
    );
    if (outcome.ok) return outcome.value.map((r) => r.url);
    if (outcome.reason === 'stopped') return 'stopped';
    if (outcome.reason === 'retry-later') {
      this.#retryLater(outcome);
      return 'stopped';
    }
    if (outcome.err.kind === 'auth' || outcome.err.kind === 'config') this.#stopOn(outcome.err);
    return outcome.err;
  }

  /** A failure inside a task (a state write, say) is reported, never an unhandled rejection. */
  readonly #internal = (err: unknown) => {
    if (err instanceof StateError) {
      // The state cannot be written (a full disk, say): nothing more is sent, and the run ends with it.
      this.out.stateError ??= err;
      this.#haltWith(`not sent: ${err.message}`);
      return;
    }
    this.out.issues.push({ file: '(push)', severity: 'error', message: `internal error: ${(err as Error).message}` });
  };

  async #enqueue(fn: () => Promise<void>): Promise<void> {
    await this.#queue.onSizeLessThan(this.#ctx.concurrency * 4);
    void this.#queue.add(fn).catch(this.#internal);
  }

  async #flushDocs(): Promise<void> {
    if (this.#docBatch.length === 0) return;
    const all = this.#docBatch;
    this.#docBatch = [];
    await this.#enqueue(async () => {
      const { batch, files } = await this.#readDocuments(all);
      if (batch.length === 0) return;
      const urls = await this.#upload(files);
      if (urls === 'stopped') {
        for (const j of batch) this.#finish(j, { status: 'skipped', error: this.#stopReason() });
        return;
      }
      if (urls instanceof ApiError) {
        for (const j of batch)
          this.#finish(j, {
            status: 'failed',
            error: `upload failed: ${urls.message}`,
            ...(urls.status ? { httpStatus: urls.status } : {}),
          });
        return;
      }
      for (const [i, j] of batch.entries()) {
        const payload: Payload = {
          type: 'DOCUMENT',
          title: path.posix.basename(j.item.file),
          content: urls[i] as string,
        };
        void this.#queue.add(() => this.#send(j, payload, payloadHash(payload))).catch(this.#internal);
      }
    });
  }

  /**
   * Read each document of a batch once (inside the folder, no link followed): a document that
   * cannot be read, or whose bytes are not the ones the scan hashed, is not sent (it is read
   * again next run); the bytes uploaded are the bytes hashed here.
   */
  async #readDocuments(all: PushJob[]): Promise<{ batch: PushJob[]; files: { name: string; data: Blob }[] }> {
    const batch: PushJob[] = [];
    const files: { name: string; data: Blob }[] = [];
    // Loaded here, not with the pusher: its table of types costs a run that uploads no document.
    const { default: mime } = await import('mime-types');
    for (const j of all) {
      if (this.#stopped.aborted) {
        this.#finish(j, { status: 'skipped', error: this.#stopReason() });
        continue;
      }
      const name = path.posix.basename(j.item.file);
      const type = mime.lookup(j.item.file) || 'application/octet-stream';
      const r = await openDocument(j.file, type, this.#ctx.settings.maxDocumentBytes);
      if ('issue' in r) {
        this.out.issues.push(r.issue);
        this.out.changedFiles.add(j.item.file);
        this.#finish(j, { status: r.issue.severity === 'error' ? 'failed' : 'skipped', error: r.issue.message });
        continue;
      }
      if (documentHash(name, r.hash, r.convert) !== j.item.hash) {
        this.out.changedFiles.add(j.item.file);
        this.#finish(j, { status: 'skipped', error: 'the file changed during the sync; it is picked up next time' });
        continue;
      }
      batch.push(j);
      files.push({ name, data: r.data });
    }
    return { batch, files };
  }

  /** One file's jobs: documents join the upload batch; other files are built and their items sent. */
  async #pushFile(file: string, fileJobs: PushJob[]): Promise<void> {
    if (this.#stopped.aborted) {
      for (const j of fileJobs) this.#finish(j, { status: 'skipped', error: this.#stopReason() });
      return;
    }
    const scanned = (fileJobs[0] as PushJob).file;
    if (scanned.kind === 'document') {
      for (const j of fileJobs) {
        this.#docBatch.push(j);
        if (this.#docBatch.length >= this.#ctx.documentsBatchSize) await this.#flushDocs();
      }
      return;
    }
    const { store, botId, settings, render } = this.#ctx;
    const built = await buildPayloads(scanned, settings, render);
    if (!(built instanceof Map)) {
      this.out.issues.push(built.issue);
      for (const j of fileJobs)
        this.#finish(j, {
          status: built.issue.severity === 'error' ? 'failed' : 'skipped',
          error: built.issue.message,
        });
      this.out.changedFiles.add(file);
      return;
    }
    for (const j of fileJobs) {
      const bp = built.get(j.item.key);
      if (!bp || bp.hash !== j.item.hash) {
        this.out.changedFiles.add(file);
        this.#finish(j, { status: 'skipped', error: 'the file changed during the sync; it is picked up next time' });
        continue;
      }
      if (j.action === 'update' && j.prior?.payloadHash && j.prior.payloadHash === bp.payloadHash) {
        // The source changed but what would be sent did not (e.g. whitespace, a comment).
        store.refreshHash(botId, j.item.key, j.item.hash, j.item.label, j.item.file, j.item.line);
        this.#finish(j, { status: 'unchanged' });
        continue;
      }
      await this.#enqueue(() => this.#send(j, bp.payload, bp.payloadHash));
    }
  }
}

/** Jobs grouped by file, in order. */
function groupByFile(jobs: readonly PushJob[]): Map<string, PushJob[]> {
  const byFile = new Map<string, PushJob[]>();
  for (const j of jobs) {
    const list = byFile.get(j.item.file);
    if (list) list.push(j);
    else byFile.set(j.item.file, [j]);
  }
  return byFile;
}
