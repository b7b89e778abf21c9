import path from 'node:path';
import PQueue from 'p-queue';
import mime from 'mime-types';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../api/errors.js';
import type { CxGenieClient } from '../api/client.js';
import type { FileIssue } from '../errors.js';
import { buildPayloads, openDocument, payloadHash, type ScannedFile } from '../extract/index.js';
import type { ExtractSettings, Payload } from '../extract/types.js';
import type { RenderFn } from '../extract/render-pool.js';
import type { DesiredItem, PriorItem } from '../plan/plan.js';
import type { ItemResult, SyncEvents } from '../report/events.js';
import type { StateStore } from '../state/store.js';
import { type Pacer } from './pacer.js';
import { backoffDelay, type RetryPolicy } from './retry.js';

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
  retry: RetryPolicy;
  concurrency: number;
  pacer: Pacer;
  documentsBatchSize: number;
  /** Aborted on Ctrl-C: take no new work, retry nothing; requests in flight go on. */
  stop: AbortSignal;
  /** Aborted when the grace period after Ctrl-C is over: requests in flight are cut. */
  kill: AbortSignal;
  random?: () => number;
  events?: SyncEvents;
  /** Renders articles (a worker pool with a time limit); in-process when absent. */
  render?: RenderFn;
}

export interface PushOutcome {
  results: ItemResult[];
  issues: FileIssue[];
  /**
   * Set when the run stopped because nothing can succeed: a 401/403, or the first requests of the
   * run all failing with 404 (a wrong bot id or API URL).
   */
  authError?: ApiError;
  /** Files that changed between the scan and the push (re-read next run). */
  changedFiles: Set<string>;
  requests: number;
  rateLimited: number;
}

class StopRun extends Error {}

/**
 * Push creates and updates through one rate-limited queue. Each create is recorded as in flight
 * before it is sent and committed with its remote id the moment it succeeds; failures keep the
 * item's earlier state. Articles are rendered (and documents uploaded, in batches) just before
 * their items are sent, so memory does not follow the folder's size.
 */
export async function pushAll(jobs: readonly PushJob[], ctx: PushContext): Promise<PushOutcome> {
  const out: PushOutcome = { results: [], issues: [], changedFiles: new Set(), requests: 0, rateLimited: 0 };
  const total = jobs.length;
  let done = 0;
  const random = ctx.random ?? Math.random;
  const auth = new AbortController();
  const stopOrAuth = AbortSignal.any([ctx.stop, auth.signal]);
  const queue = new PQueue({
    concurrency: ctx.concurrency,
    intervalCap: Math.max(1, Math.ceil(ctx.pacer.maxRate)),
    interval: 1000,
    strict: true,
  });

  const finish = (job: PushJob, r: Omit<ItemResult, 'key' | 'type' | 'label' | 'file' | 'line' | 'action'>) => {
    const result: ItemResult = {
      key: job.item.key,
      type: job.item.type,
      label: job.item.label,
      file: job.item.file,
      line: job.item.line,
      action: job.action,
      ...r,
    };
    out.results.push(result);
    ctx.events?.item?.(result);
    done++;
    ctx.events?.progress?.(done, total);
  };

  const stopped = () => stopOrAuth.aborted;
  // A wrong bot id makes every create fail with 404: stop after a few instead of trying them all.
  let successes = 0;
  let notFound = 0;
  const NOT_FOUND_STREAK = 3;

  /** Send one create with retries; settles the item's state. */
  const send = async (job: PushJob, payload: Payload, pHash: string): Promise<void> => {
    if (stopped()) return finish(job, { status: 'skipped', error: stopReason() });
    const { item } = job;
    ctx.store.beginSend(
      ctx.botId,
      { key: item.key, hash: item.hash, type: item.type, label: item.label, sourceFile: item.file },
      ctx.runId,
    );
    for (let attempt = 1; ; attempt++) {
      let sentAt: number;
      try {
        sentAt = await ctx.pacer.acquire(stopOrAuth);
      } catch {
        ctx.store.abandonSend(ctx.botId, item.key, item.hash, ctx.runId);
        return finish(job, { status: 'skipped', error: stopReason() });
      }
      try {
        out.requests++;
        const data = await ctx.client.createBotData(payload, { signal: ctx.kill });
        ctx.pacer.onSuccess();
        successes++;
        const settled = ctx.store.completeSend(
          ctx.botId,
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
          ctx.runId,
        );
        return finish(job, {
          status: job.action === 'create' ? 'created' : 'updated',
          remoteId: data.id,
          ...(settled.replaced ? { replacedRemoteId: settled.replaced.remoteId } : {}),
          ...(settled.wasAmbiguous ? { uncertain: true } : {}),
        });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 429) {
          out.rateLimited++;
          ctx.pacer.onRateLimited(sentAt, err.retryAfterMs);
        }
        if (err.isAuth || (err.status === 404 && successes === 0 && ++notFound >= NOT_FOUND_STREAK)) {
          ctx.store.abandonSend(ctx.botId, item.key, item.hash, ctx.runId);
          if (!out.authError) {
            out.authError =
              err.status === 404
                ? Object.assign(err, {
                    message: `${err.message}, for the first ${NOT_FOUND_STREAK} requests of the run; stopped`,
                  })
                : err;
          }
          auth.abort(new StopRun('auth'));
          return finish(job, { status: 'failed', error: err.message, httpStatus: err.status });
        }
        if (err.delivery === 'unknown') ctx.store.markAmbiguous(ctx.botId, item.key, item.hash);
        if (err.code === 'ABORTED') {
          // Cut after the grace period: it may have been created; the in-flight record stays and
          // the next run reports it as uncertain and sends it again.
          return finish(job, {
            status: 'interrupted',
            error: 'cut off in flight by the interrupt; it may have been created',
            uncertain: true,
          });
        }
        if (!err.retryable || attempt >= ctx.retry.maxAttempts || stopped()) {
          const { wasAmbiguous } = ctx.store.abandonSend(ctx.botId, item.key, item.hash, ctx.runId);
          const why = !err.retryable
            ? err.message
            : stopped()
              ? `${err.message} (not retried: ${stopReason()})`
              : `${err.message} (after ${attempt} attempts)`;
          return finish(job, {
            status: 'failed',
            error: why,
            ...(err.status ? { httpStatus: err.status } : {}),
            ...(wasAmbiguous ? { uncertain: true } : {}),
          });
        }
        const delay = backoffDelay(attempt, ctx.retry, random, err.retryAfterMs);
        ctx.events?.log?.(
          'verbose',
          `${item.file}: ${err.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${ctx.retry.maxAttempts})`,
        );
        try {
          await sleep(delay, undefined, { signal: stopOrAuth });
        } catch {
          const { wasAmbiguous } = ctx.store.abandonSend(ctx.botId, item.key, item.hash, ctx.runId);
          return finish(job, {
            status: 'skipped',
            error: `${err.message} (not retried: ${stopReason()})`,
            ...(wasAmbiguous ? { uncertain: true } : {}),
          });
        }
      }
    }
  };

  const stopReason = () =>
    auth.signal.aborted
      ? `the run stopped: ${out.authError?.message ?? 'an error every request would get'}`
      : 'the run was interrupted';

  /** Upload a batch of documents (safe to repeat: an upload creates no training data). */
  const upload = async (batch: PushJob[]): Promise<string[] | ApiError | 'stopped'> => {
    for (let attempt = 1; ; attempt++) {
      if (stopped()) return 'stopped';
      let sentAt: number;
      try {
        sentAt = await ctx.pacer.acquire(stopOrAuth);
      } catch {
        return 'stopped';
      }
      try {
        const files = await Promise.all(
          batch.map(async (j) => ({
            name: path.posix.basename(j.item.file),
            data: await openDocument(j.file, mime.lookup(j.item.file) || 'application/octet-stream'),
          })),
        );
        out.requests++;
        const res = await ctx.client.uploadFiles(files, { signal: ctx.kill });
        ctx.pacer.onSuccess();
        return res.map((r) => r.url);
      } catch (err) {
        if (!(err instanceof ApiError)) {
          return new ApiError({
            endpoint: 'POST /upload/multiple',
            delivery: 'not-sent',
            retryable: false,
            code: 'READ',
            detail: (err as Error).message,
          });
        }
        if (err.status === 429) {
          out.rateLimited++;
          ctx.pacer.onRateLimited(sentAt, err.retryAfterMs);
        }
        if (err.isAuth) {
          if (!out.authError) out.authError = err;
          auth.abort(new StopRun('auth'));
          return err;
        }
        if (!err.retryable || attempt >= ctx.retry.maxAttempts || stopped()) return err;
        try {
          await sleep(backoffDelay(attempt, ctx.retry, random, err.retryAfterMs), undefined, { signal: stopOrAuth });
        } catch {
          return 'stopped';
        }
      }
    }
  };

  // A failure inside a task (a state write, say) is reported, never an unhandled rejection.
  const internal = (err: unknown) => {
    out.issues.push({ file: '(push)', severity: 'error', message: `internal error: ${(err as Error).message}` });
  };

  const enqueue = async (fn: () => Promise<void>) => {
    await queue.onSizeLessThan(ctx.concurrency * 4);
    void queue.add(fn).catch(internal);
  };

  // Group by file, in order; documents go in upload batches.
  const byFile = new Map<string, PushJob[]>();
  for (const j of jobs) {
    const list = byFile.get(j.item.file);
    if (list) list.push(j);
    else byFile.set(j.item.file, [j]);
  }
  let docBatch: PushJob[] = [];
  const flushDocs = async () => {
    if (docBatch.length === 0) return;
    const batch = docBatch;
    docBatch = [];
    await enqueue(async () => {
      const urls = await upload(batch);
      if (urls === 'stopped') {
        for (const j of batch) finish(j, { status: 'skipped', error: stopReason() });
        return;
      }
      if (urls instanceof ApiError) {
        for (const j of batch)
          finish(j, {
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
        void queue.add(() => send(j, payload, payloadHash(payload))).catch(internal);
      }
    });
  };

  for (const [file, fileJobs] of byFile) {
    if (stopped()) {
      for (const j of fileJobs) finish(j, { status: 'skipped', error: stopReason() });
      continue;
    }
    const scanned = (fileJobs[0] as PushJob).file;
    if (scanned.kind === 'document') {
      for (const j of fileJobs) {
        docBatch.push(j);
        if (docBatch.length >= ctx.documentsBatchSize) await flushDocs();
      }
      continue;
    }
    const built = await buildPayloads(scanned, ctx.settings, ctx.render);
    if (!(built instanceof Map)) {
      out.issues.push(built.issue);
      for (const j of fileJobs)
        finish(j, { status: built.issue.severity === 'error' ? 'failed' : 'skipped', error: built.issue.message });
      out.changedFiles.add(file);
      continue;
    }
    for (const j of fileJobs) {
      const bp = built.get(j.item.key);
      if (!bp || bp.hash !== j.item.hash) {
        out.changedFiles.add(file);
        finish(j, { status: 'skipped', error: 'the file changed during the sync; it is picked up next time' });
        continue;
      }
      if (j.action === 'update' && j.prior?.payloadHash && j.prior.payloadHash === bp.payloadHash) {
        // The source changed but what would be sent did not (e.g. whitespace, a comment).
        ctx.store.refreshHash(ctx.botId, j.item.key, j.item.hash, j.item.label, j.item.file, j.item.line);
        finish(j, { status: 'unchanged' });
        continue;
      }
      await enqueue(() => send(j, bp.payload, bp.payloadHash));
    }
  }
  await flushDocs();
  await queue.onIdle();
  return out;
}
