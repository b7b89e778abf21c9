import PQueue from 'p-queue';
import { CxGenieClient, type ClientOptions, type RequestOptions } from '../api/client.js';
import type {
  CustomerDetail,
  CustomerList,
  ListCustomersQuery,
  ListMessagesQuery,
  ListSessionsQuery,
  Message,
  SendMessageInput,
  SessionList,
  UploadInput,
  UploadedFile,
} from '../api/types.js';
import { requireBotId, requireToken, type ResolvedConfig } from '../config/load.js';
import { InterruptedError } from '../errors.js';
import {
  describeWait,
  RequestPolicy,
  RetryLaterError,
  type RequestPolicyOptions,
  type RetrySettings,
} from '../push/policy.js';
import { loadContext } from './context.js';
import type { Output } from './output.js';

/**
 * The client of the loop commands (chat, customers, conversations, conversation, eval, harvest):
 * every request is paced and retried by the same `RequestPolicy` as the sync's pushes (the
 * adaptive pacer from `rateLimit.requestsPerSecond`; retries of 429, 5xx, timeouts and network
 * errors with a backoff that honours `Retry-After` up to its cap), at most
 * `rateLimit.concurrency` at once. The `iterate*` helpers of the base client (paging in
 * src/api/paging.ts) call the overridden page methods, so paging is paced and retried too.
 */

export interface PacedClientOptions extends ClientOptions {
  rateLimit: { requestsPerSecond: number; concurrency: number };
  retry: RetrySettings;
  /**
   * Retry `sendMessage` when its response was lost (the message may have arrived). Eval does
   * (a question asked twice is harmless); `chat` does not.
   */
  retryUnknownSends?: boolean;
  /** Aborts every request and stops retries (Ctrl-C). */
  signal?: AbortSignal;
  onRetry?: RequestPolicyOptions['onRetry'];
  onWait?: RequestPolicyOptions['onWait'];
  random?: () => number;
}

export class PacedClient extends CxGenieClient {
  /** At most `rateLimit.concurrency` requests at once (the pace is the policy's). */
  readonly queue: PQueue;
  readonly policy: RequestPolicy;
  readonly #retryUnknownSends: boolean;
  readonly #signal: AbortSignal | undefined;

  constructor(opts: PacedClientOptions) {
    super(opts);
    this.queue = new PQueue({ concurrency: opts.rateLimit.concurrency });
    this.policy = new RequestPolicy({
      retry: opts.retry,
      requestsPerSecond: opts.rateLimit.requestsPerSecond,
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
      ...(opts.onWait ? { onWait: opts.onWait } : {}),
    });
    this.#retryUnknownSends = opts.retryUnknownSends ?? false;
    this.#signal = opts.signal;
  }

  /** Requests sent (attempts included), retries, and 429s seen. */
  get counters(): { requests: number; retries: number; rateLimited: number } {
    return this.policy.counters;
  }

  override listCustomers(query: ListCustomersQuery = {}, opts: RequestOptions = {}): Promise<CustomerList> {
    return this.#call((o) => super.listCustomers(query, o), opts, true);
  }

  override getCustomer(customerId: string, opts: RequestOptions = {}): Promise<CustomerDetail> {
    return this.#call((o) => super.getCustomer(customerId, o), opts, true);
  }

  override listSessions(query: ListSessionsQuery, opts: RequestOptions = {}): Promise<SessionList> {
    return this.#call((o) => super.listSessions(query, o), opts, true);
  }

  override listMessages(sessionId: string, query: ListMessagesQuery, opts: RequestOptions = {}): Promise<Message[]> {
    return this.#call((o) => super.listMessages(sessionId, query, o), opts, true);
  }

  /** An upload creates no training data: safe to repeat. */
  override uploadFiles(files: readonly UploadInput[], opts: RequestOptions = {}): Promise<UploadedFile[]> {
    return this.#call((o) => super.uploadFiles(files, o), opts, true);
  }

  override sendMessage(input: SendMessageInput, opts: RequestOptions = {}): Promise<string> {
    return this.#call((o) => super.sendMessage(input, o), opts, this.#retryUnknownSends);
  }

  async #call<T>(fn: (o: RequestOptions) => Promise<T>, opts: RequestOptions, repeatUnknown: boolean): Promise<T> {
    const signal =
      opts.signal && this.#signal ? AbortSignal.any([opts.signal, this.#signal]) : (opts.signal ?? this.#signal);
    const o: RequestOptions = { ...opts, ...(signal ? { signal } : {}) };
    const outcome = await this.policy.run(() => fn(o), {
      ...(signal ? { signal } : {}),
      repeatUnknown,
      within: (task) => this.queue.add(task),
    });
    if (outcome.ok) return outcome.value;
    if (signal?.aborted) throw new InterruptedError();
    switch (outcome.reason) {
      case 'stopped':
        throw new InterruptedError();
      case 'retry-later':
        throw new RetryLaterError(outcome, this.policy.retry.maxRetryAfterMs);
      case 'failed':
        throw outcome.err;
    }
  }
}

export interface LoopContext {
  out: Output;
  cfg: ResolvedConfig;
  botId: string;
  client: PacedClient;
}

/** Configuration, credentials (the token is registered for redaction at once) and the paced client. */
export function openLoop(
  argv: Record<string, unknown>,
  opts: { retryUnknownSends?: boolean; signal?: AbortSignal } = {},
): LoopContext {
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const token = requireToken(process.env, cfg);
  out.addSecret(token);
  const client = new PacedClient({
    baseUrl: cfg.apiBaseUrl,
    token,
    botId,
    timeoutMs: cfg.timeoutMs,
    uploadTimeoutMs: cfg.uploadTimeoutMs,
    userAgent: 'cxgenie-kb-sync',
    dateRangeFormat: cfg.dateRangeFormat,
    // Paging counts that disagree, a date format switched: said once, on stderr.
    onWarning: (w) => out.warn(out.c.yellow(`Warning: ${w.message}`)),
    rateLimit: cfg.rateLimit,
    retry: cfg.retry,
    ...(opts.retryUnknownSends !== undefined ? { retryUnknownSends: opts.retryUnknownSends } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRetry: (err, attempt, delay) =>
      out.detail(
        out.c.dim(`${err.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${cfg.retry.maxAttempts})`),
      ),
    onWait: (w) => out.warn(out.c.yellow(describeWait(w, 'requests resume'))),
  });
  return { out, cfg, botId, client };
}

/**
 * Page size of `GET /sessions-by-customer` and `GET /detail-sessions/:id`: the API's documented
 * default, so that a server-side cap on `limit` can never cut a page short unnoticed (the paging
 * helpers stop at the first short page).
 */
export const PAGE_SIZE = 10;
