import { ApiError } from '../api/errors.js';
import { IncompleteError } from '../errors.js';
import { Pacer, sleepSafely } from './pacer.js';
import { backoffDelay, type RetryPolicy } from './retry.js';

/**
 * The one way requests are paced and retried, used by the sync's pusher and by the loop commands
 * (chat, customers, conversations, conversation, eval, harvest) alike:
 *
 * - every attempt waits for its slot from the adaptive pacer (even spacing at the configured
 *   rate, slowed by 429s, recovering after successes; a long `Retry-After` holds everyone back);
 * - a failure is retried when its kind allows (429, 5xx, timeouts, network errors; a lost
 *   response only when the caller says repeating it is harmless), up to `maxAttempts`, after a
 *   backoff with full jitter that is never shorter than the server's `Retry-After`;
 * - a `Retry-After` longer than `maxRetryAfterMs` (default 5 minutes) is not waited for: the
 *   request ends as `retry-later`, with the time the server named, and the caller stops;
 * - any wait longer than a few seconds is reported (`onWait`), once per stretch of waiting.
 *
 * The policy never throws for an `ApiError`: `run` returns what happened, and the caller (who
 * knows whether a create may have happened) keeps its own accounting.
 */

export interface RetrySettings extends RetryPolicy {
  /** The longest `Retry-After` waited for; a longer one ends the work (retry later). */
  maxRetryAfterMs?: number;
}

/** Default cap on a `Retry-After` that is waited for: 5 minutes. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Waits at least this long are reported through `onWait`. */
export const NOTICE_WAIT_MS = 3_000;

export interface WaitNotice {
  ms: number;
  /** `retry-after`: the server asked; `backoff`: after a failure; `paced`: the pacer holds requests back. */
  reason: 'retry-after' | 'backoff' | 'paced';
  /** The wall-clock time the wait ends. */
  until: Date;
  err?: ApiError;
}

export interface RequestPolicyOptions {
  retry: RetrySettings;
  /** The pacer to share (the sync's); otherwise one is made for `requestsPerSecond`. */
  pacer?: Pacer;
  requestsPerSecond?: number;
  random?: () => number;
  /** Monotonic clock in ms (virtual time in tests). */
  now?: () => number;
  /** Wall clock in ms, for the times printed in messages. */
  wallClock?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onWait?: (w: WaitNotice) => void;
  onRetry?: (err: ApiError, attempt: number, delayMs: number) => void;
}

export interface RunOptions {
  /** Stops waiting (for a slot or a backoff) and retrying; the request in flight is the task's business. */
  signal?: AbortSignal;
  /** Retry a lost response (the request may have taken effect): only where repeating it is harmless. */
  repeatUnknown?: boolean;
  /** Each attempt (slot + request) runs inside this, e.g. a concurrency queue. */
  within?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called after every failed attempt, before the policy decides (the caller's accounting). */
  onError?: (err: ApiError, attempt: number) => void;
  /** Called before each retry's backoff (besides the policy's own `onRetry`). */
  onRetry?: (err: ApiError, attempt: number, delayMs: number) => void;
}

export type Outcome<T> =
  | { ok: true; value: T; attempts: number }
  /**
   * Gave up on an error: `final` (its kind is not retried), `attempts` (all used) or `stopped`
   * (the signal was aborted when it came).
   */
  | { ok: false; reason: 'failed'; err: ApiError; attempts: number; why: 'final' | 'attempts' | 'stopped' }
  /** The signal was aborted while waiting; `err` is the previous attempt's error, if any. */
  | { ok: false; reason: 'stopped'; err?: ApiError; attempts: number }
  /** The server asked to wait longer than the cap: nothing more should be sent before `retryAt`. */
  | { ok: false; reason: 'retry-later'; err: ApiError; attempts: number; waitMs: number; retryAt: Date };

export class RequestPolicy {
  readonly pacer: Pacer;
  readonly retry: Required<RetrySettings>;
  /** Requests sent (attempts included), retries, and 429s seen. */
  readonly counters = { requests: 0, retries: 0, rateLimited: 0 };
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #wallClock: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onWait: RequestPolicyOptions['onWait'];
  readonly #onRetry: RequestPolicyOptions['onRetry'];
  /** The end (monotonic) of the last wait reported: overlapping waits are reported once. */
  #noticedUntil = -Infinity;

  constructor(opts: RequestPolicyOptions) {
    this.retry = { maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS, ...opts.retry };
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? (() => performance.now());
    this.#wallClock = opts.wallClock ?? Date.now;
    this.#sleep = opts.sleep ?? sleepSafely;
    this.#onWait = opts.onWait;
    this.#onRetry = opts.onRetry;
    this.pacer =
      opts.pacer ??
      new Pacer({ maxRate: opts.requestsPerSecond ?? 5, now: this.#now, wait: (ms, s) => this.#sleep(ms, s) });
  }

  /** Run `task` (one request per call; `attempt` counts from 1) under the policy. */
  async run<T>(task: (attempt: number) => Promise<T>, opts: RunOptions = {}): Promise<Outcome<T>> {
    const within = opts.within ?? (<R>(fn: () => Promise<R>) => fn());
    let last: ApiError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (opts.signal?.aborted)
        return { ok: false, reason: 'stopped', attempts: attempt - 1, ...(last ? { err: last } : {}) };
      let sentAt = 0;
      try {
        const value = await within(async () => {
          sentAt = await this.#slot(opts.signal);
          this.counters.requests++;
          return task(attempt);
        });
        this.pacer.onSuccess();
        return { ok: true, value, attempts: attempt };
      } catch (err) {
        if (err instanceof SlotAborted) {
          return { ok: false, reason: 'stopped', attempts: attempt - 1, ...(last ? { err: last } : {}) };
        }
        if (!(err instanceof ApiError)) throw err;
        last = err;
        const next = this.#afterFailure(err, attempt, sentAt, opts);
        if (next.ok === false) return next;
        this.counters.retries++;
        this.#onRetry?.(err, attempt, next.delayMs);
        opts.onRetry?.(err, attempt, next.delayMs);
        this.#notice(next.delayMs, err.retryAfterMs === next.delayMs ? 'retry-after' : 'backoff', err);
        try {
          await this.#sleep(next.delayMs, opts.signal);
        } catch {
          return { ok: false, reason: 'stopped', err, attempts: attempt };
        }
      }
    }
  }

  /** What to do after a failed attempt: give up (an outcome) or wait `delayMs` and try again. */
  #afterFailure<T>(
    err: ApiError,
    attempt: number,
    sentAt: number,
    opts: RunOptions,
  ): Exclude<Outcome<T>, { ok: true }> | { ok: true; delayMs: number } {
    const cap = this.retry.maxRetryAfterMs;
    const retryAfter = err.retryAfterMs;
    const tooLong = retryAfter !== undefined && retryAfter > cap;
    if (err.kind === 'rate-limited') {
      this.counters.rateLimited++;
      // A Retry-After beyond the cap holds nobody back: the caller stops instead.
      this.pacer.onRateLimited(sentAt, tooLong ? undefined : retryAfter);
    }
    opts.onError?.(err, attempt);
    const fail = (why: 'final' | 'attempts' | 'stopped') =>
      ({ ok: false, reason: 'failed', err, attempts: attempt, why }) as const;
    if (!this.#retryable(err, opts.repeatUnknown ?? true)) return fail('final');
    if (opts.signal?.aborted) return fail('stopped');
    if (tooLong) {
      return {
        ok: false,
        reason: 'retry-later',
        err,
        attempts: attempt,
        waitMs: retryAfter,
        retryAt: new Date(this.#wallClock() + retryAfter),
      };
    }
    if (attempt >= this.retry.maxAttempts) return fail('attempts');
    return { ok: true, delayMs: backoffDelay(attempt, this.retry, this.#random, retryAfter) };
  }

  #retryable(err: ApiError, repeatUnknown: boolean): boolean {
    switch (err.kind) {
      case 'auth':
      case 'config':
      case 'bad-request':
      case 'not-found':
        return false;
      case 'lost-response':
        return err.retryable && repeatUnknown;
      case 'rate-limited':
      case 'server':
      case 'never-sent':
        return err.retryable && (repeatUnknown || err.delivery !== 'unknown');
    }
  }

  /** Wait for the pacer's slot; a long hold (a `Retry-After` for everyone) is reported. */
  async #slot(signal: AbortSignal | undefined): Promise<number> {
    const interval = 1000 / this.pacer.maxRate;
    try {
      return await this.pacer.acquire(signal, (ms) => {
        if (ms > 2 * interval) this.#notice(ms, 'paced');
      });
    } catch (err) {
      throw new SlotAborted('stopped while waiting for a slot', { cause: err });
    }
  }

  #notice(ms: number, reason: WaitNotice['reason'], err?: ApiError): void {
    if (ms < NOTICE_WAIT_MS || !this.#onWait) return;
    const end = this.#now() + ms;
    // Several requests waiting out the same stretch: say it once.
    if (end <= this.#noticedUntil + 1000) return;
    this.#noticedUntil = end;
    this.#onWait({ ms, reason, until: new Date(this.#wallClock() + ms), ...(err ? { err } : {}) });
  }
}

class SlotAborted extends Error {}

/** `3 s`, `12 min`, `2.5 h`, `11574 days`: a wait for people. */
export function formatWait(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round(s / 86400)} days`;
}

/** A line that tells people why nothing moves for a while, and until when (local time). */
export function describeWait(w: WaitNotice, resumes: string): string {
  const until = formatClock(w.until);
  switch (w.reason) {
    case 'retry-after':
      return `The server asked to wait ${formatWait(w.ms)} (Retry-After); ${resumes} at ${until}.`;
    case 'backoff':
      return `${w.err?.message ?? 'A request failed'}; waiting ${formatWait(w.ms)} before trying again (until ${until}).`;
    case 'paced':
      return `Requests are held back for ${formatWait(w.ms)} (the server asked to slow down); ${resumes} at ${until}.`;
  }
}

function formatClock(d: Date): string {
  return Number.isNaN(d.getTime()) ? '(later)' : d.toTimeString().slice(0, 8);
}

/** The time a wait ends, for a message; a date beyond what `Date` holds says so. */
export function formatRetryAt(at: Date): string {
  return Number.isNaN(at.getTime()) ? 'a date too far away to write down' : at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The server asked to wait longer than the cap (`retry.maxRetryAfterMs`): nothing more is sent.
 * Its message says when to try again.
 */
export class RetryLaterError extends IncompleteError {
  readonly retryAt: Date;
  constructor(outcome: { err: ApiError; waitMs: number; retryAt: Date }, capMs: number) {
    super(retryLaterMessage(outcome, capMs), {
      cause: outcome.err,
      hint: `Run it again after that. kb-sync waits out a Retry-After of at most ${formatWait(capMs)} (retry.maxRetryAfterMs).`,
    });
    this.retryAt = outcome.retryAt;
  }
}

/** "POST /bot-data: the server asked to wait 11574 days (Retry-After); try again after …". */
export function retryLaterMessage(o: { err: ApiError; waitMs: number; retryAt: Date }, capMs: number): string {
  return `${o.err.endpoint} answered HTTP ${o.err.status ?? '?'} asking to wait ${formatWait(o.waitMs)} (Retry-After), more than the ${formatWait(capMs)} kb-sync waits; stopped. Try again after ${formatRetryAt(o.retryAt)}`;
}
