import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { CxGenieClient, type ClientOptions, type RequestOptions } from '../api/client.js';
import { ApiError } from '../api/errors.js';
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
import { ConfigError, KbSyncError } from '../errors.js';
import { textOption } from './options.js';
import { queueOptions } from '../loop/eval.js';
import { backoffDelay, type RetryPolicy } from '../push/retry.js';
import { loadContext } from './context.js';
import type { Output } from './output.js';

/**
 * The client of the loop commands (chat, customers, conversations, eval, harvest): every request
 * goes through one rate-limited queue (p-queue, from `rateLimit`), and a request that fails with
 * a retryable error (429, 5xx, timeout, network) is tried again after a backoff that honours
 * `Retry-After`, each attempt through the queue again. The `iterate*` helpers of the base client
 * call the overridden page methods, so paging is paced and retried too.
 */

export interface PacedClientOptions extends ClientOptions {
  rateLimit: { requestsPerSecond: number; concurrency: number };
  retry: RetryPolicy;
  /**
   * Retry `sendMessage` when its response was lost (the message may have arrived). Eval does
   * (a question asked twice is harmless); `chat` does not.
   */
  retryUnknownSends?: boolean;
  /** Aborts every request and stops retries (Ctrl-C). */
  signal?: AbortSignal;
  onRetry?: (err: ApiError, attempt: number, delayMs: number) => void;
  random?: () => number;
}

export class InterruptedError extends KbSyncError {
  constructor() {
    super('interrupted', { exitCode: 130 });
  }
}

export class PacedClient extends CxGenieClient {
  readonly queue: PQueue;
  /** Requests sent (attempts included) and 429s seen. */
  readonly counters = { requests: 0, retries: 0, rateLimited: 0 };
  /** The `total` of the last page of customers / sessions received (the server's count of matching rows). */
  readonly totals: { customers?: number; sessions?: number } = {};
  readonly #retry: RetryPolicy;
  readonly #retryUnknownSends: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #onRetry: PacedClientOptions['onRetry'];
  readonly #random: () => number;
  #resumeAt = 0;

  constructor(opts: PacedClientOptions) {
    super(opts);
    this.queue = new PQueue(queueOptions(opts.rateLimit));
    this.#retry = opts.retry;
    this.#retryUnknownSends = opts.retryUnknownSends ?? false;
    this.#signal = opts.signal;
    this.#onRetry = opts.onRetry;
    this.#random = opts.random ?? Math.random;
  }

  override async listCustomers(query: ListCustomersQuery = {}, opts: RequestOptions = {}): Promise<CustomerList> {
    const page = await this.#call((o) => super.listCustomers(query, o), opts, true);
    this.totals.customers = page.total;
    return page;
  }

  override getCustomer(customerId: string, opts: RequestOptions = {}): Promise<CustomerDetail> {
    return this.#call((o) => super.getCustomer(customerId, o), opts, true);
  }

  override async listSessions(query: ListSessionsQuery, opts: RequestOptions = {}): Promise<SessionList> {
    const page = await this.#call((o) => super.listSessions(query, o), opts, true);
    this.totals.sessions = page.total;
    return page;
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
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new InterruptedError();
      try {
        return await this.queue.add(async () => {
          // A long Retry-After holds back every request, not only the one that got it.
          const wait = this.#resumeAt - Date.now();
          if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
          this.counters.requests++;
          return fn(o);
        });
      } catch (err) {
        if (signal?.aborted) throw new InterruptedError();
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 429) {
          this.counters.rateLimited++;
          if (err.retryAfterMs !== undefined) this.#resumeAt = Math.max(this.#resumeAt, Date.now() + err.retryAfterMs);
        }
        const again =
          err.retryable && attempt < this.#retry.maxAttempts && (repeatUnknown || err.delivery !== 'unknown');
        if (!again) throw err;
        const delay = backoffDelay(attempt, this.#retry, this.#random, err.retryAfterMs);
        this.counters.retries++;
        this.#onRetry?.(err, attempt, delay);
        try {
          await sleep(delay, undefined, signal ? { signal } : undefined);
        } catch {
          throw new InterruptedError();
        }
      }
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
  const token = requireToken();
  out.addSecret(token);
  const client = new PacedClient({
    baseUrl: cfg.apiBaseUrl,
    token,
    botId,
    timeoutMs: cfg.timeoutMs,
    uploadTimeoutMs: cfg.uploadTimeoutMs,
    userAgent: 'cxgenie-kb-sync',
    rateLimit: cfg.rateLimit,
    retry: cfg.retry,
    ...(opts.retryUnknownSends !== undefined ? { retryUnknownSends: opts.retryUnknownSends } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRetry: (err, attempt, delay) =>
      out.detail(
        out.c.dim(`${err.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${cfg.retry.maxAttempts})`),
      ),
  });
  return { out, cfg, botId, client };
}

/**
 * Page size of `GET /sessions-by-customer` and `GET /detail-sessions/:id`: the API's documented
 * default, so that a server-side cap on `limit` can never cut a page short unnoticed (the paging
 * helpers stop at the first short page).
 */
export const PAGE_SIZE = 10;

// ------------------------------------------------------------------ option helpers

/** A repeatable option (`--x a --x b`, or `--x a,b`) as a list of non-empty strings. */
export function listOption(v: unknown): string[] {
  if (v === undefined || v === null || v === false) return [];
  const raw = Array.isArray(v) ? v : [v];
  return raw
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Each value upper-cased and checked against `allowed`. */
export function choiceList<T extends string>(v: unknown, name: string, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const s of listOption(v)) {
    const u = s.toUpperCase();
    const hit = allowed.find((a) => a.toUpperCase() === u);
    if (!hit) throw new ConfigError(`--${name} must be ${allowed.join(', ')}, not "${s}"`);
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}

/** A whole number ≥ `min`, or undefined when the option is absent. */
export function intOption(v: unknown, name: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`--${name} must be a whole number ≥ ${min}, not "${textOption(v, name)}"`);
  return n;
}

/** Widest cell of a table: cut on a terminal, whole when piped (scripts should use --json). */
export function cellWidth(narrow = 48): number {
  return process.stdout.isTTY ? narrow : 10_000;
}
