import type { PushJob, PushOutcome } from '../push/pusher.js';
import type { RunContext } from './context.js';
import { withRenderer } from './renderer.js';

/**
 * Send jobs through the rate-limited queue with the configured client, pace and retry policy.
 * The HTTP client and the queue load only when a run has something to push.
 */
export async function pushJobs(ctx: RunContext, jobs: readonly PushJob[], runId: number): Promise<PushOutcome> {
  const { cfg, opts, botId } = ctx;
  if (jobs.length === 0) return { results: [], issues: [], changedFiles: new Set(), requests: 0, rateLimited: 0 };
  const [{ CxGenieClient }, { Pacer }, { pushAll }] = await Promise.all([
    import('../api/client.js'),
    import('../push/pacer.js'),
    import('../push/pusher.js'),
  ]);
  const client = new CxGenieClient({
    baseUrl: cfg.apiBaseUrl,
    token: opts.token as string,
    botId,
    timeoutMs: cfg.timeoutMs,
    uploadTimeoutMs: cfg.uploadTimeoutMs,
    userAgent: 'cxgenie-kb-sync',
  });
  const never = new AbortController().signal;
  return withRenderer(
    jobs.some((j) => j.item.type === 'TEXT'),
    cfg.limits.renderTimeoutMs,
    (render) =>
      pushAll(jobs, {
        ...(render ? { render } : {}),
        client,
        store: ctx.store,
        botId,
        runId,
        settings: ctx.settings,
        retry: cfg.retry,
        concurrency: cfg.rateLimit.concurrency,
        pacer: new Pacer({ maxRate: cfg.rateLimit.requestsPerSecond }),
        documentsBatchSize: cfg.documents.batchSize,
        // Ctrl-C, or another process having taken the lock over, stops new work.
        stop: AbortSignal.any([opts.stop ?? never, ctx.lock?.lostSignal ?? never]),
        kill: opts.kill ?? never,
        ...(opts.random ? { random: opts.random } : {}),
        events: ctx.events,
      }),
  );
}
