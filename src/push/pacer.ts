import { setTimeout as sleep } from 'node:timers/promises';

/** The longest delay a Node timer takes (2^31 − 1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sleep `ms`, however long, without a timer overflow (which would fire at once); abortable. */
export async function sleepSafely(ms: number, signal?: AbortSignal): Promise<void> {
  let left = Math.max(0, ms);
  do {
    const step = Math.min(left, MAX_TIMER_MS);
    await sleep(step, undefined, signal ? { signal } : undefined);
    left -= step;
  } while (left > 0);
}

/**
 * An adaptive pacer shared by every request of a run. It spaces request starts evenly at the
 * current rate (so a known limit is met without bursts), lowers the rate for the whole queue
 * when the server answers 429, and recovers gradually after successes.
 *
 * - Start at `maxRate` (the configured `requestsPerSecond`).
 * - On a 429 for a request sent after the last decrease: rate ← max(minRate, min(rate·0.7,
 *   acceptedRate·0.95)), where acceptedRate is the rate of successes over the last two seconds
 *   (what the server really lets through); and remember that rate as the ceiling.
 * - On success: grow back, quickly up to 90% of the last ceiling, slowly beyond it.
 */
export interface PacerOptions {
  maxRate: number;
  minRate?: number;
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class Pacer {
  readonly maxRate: number;
  readonly minRate: number;
  #rate: number;
  #next = 0;
  #lastDecrease = -Infinity;
  #ceiling: number | undefined;
  #successes: number[] = [];
  #blockedUntil = 0;
  #probe = 0.01;
  readonly #now: () => number;
  readonly #wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How many times the rate was lowered. */
  decreases = 0;

  constructor(opts: PacerOptions) {
    this.maxRate = opts.maxRate;
    this.minRate = Math.min(opts.minRate ?? 0.2, opts.maxRate);
    this.#rate = opts.maxRate;
    this.#now = opts.now ?? (() => performance.now());
    this.#wait = opts.wait ?? sleepSafely;
  }

  get rate(): number {
    return this.#rate;
  }

  /**
   * Wait for this request's slot; returns the time it was sent at (for `onRateLimited`).
   * `onWait` learns how long the wait is before it begins (to report a long one).
   */
  async acquire(signal?: AbortSignal, onWait?: (ms: number) => void): Promise<number> {
    const now = this.#now();
    const slot = Math.max(now, this.#next, this.#blockedUntil);
    this.#next = slot + 1000 / this.#rate;
    if (slot > now) {
      onWait?.(slot - now);
      await this.#wait(slot - now, signal);
    }
    return slot;
  }

  onSuccess(): void {
    const t = this.#now();
    this.#successes.push(t);
    while (this.#successes.length > 0 && (this.#successes[0] as number) < t - Math.max(2000, 8000 / this.#rate))
      this.#successes.shift();
    if (this.#rate >= this.maxRate) return;
    const c = this.#ceiling;
    // Per success: quick recovery below 90% of the ceiling; above it, a slow probe that adds
    // `probe` (1%, halved each time the same ceiling is found again) of the ceiling per second.
    const step = c === undefined || this.#rate < c * 0.9 ? this.#rate * 0.05 : (c * this.#probe) / this.#rate;
    this.#rate = Math.min(this.maxRate, this.#rate + step);
  }

  /** A 429 for a request sent at `sentAt`; `retryAfterMs` holds back every request that long. */
  onRateLimited(sentAt: number, retryAfterMs?: number): void {
    const t = this.#now();
    if (sentAt >= this.#lastDecrease) {
      const accepted = this.#acceptedRate(t);
      // Just under what the server really let through (when that is known), else 30% less.
      const next = accepted !== undefined && accepted < this.#rate ? accepted * 0.85 : this.#rate * 0.7;
      const ceiling = accepted !== undefined && accepted < this.#rate ? accepted : this.#rate;
      // The same limit found again: probe more slowly (fewer 429s spent rediscovering it).
      const prev = this.#ceiling;
      this.#probe =
        prev !== undefined && Math.abs(ceiling - prev) <= prev * 0.05 ? Math.max(0.001, this.#probe / 2) : 0.01;
      this.#ceiling = ceiling;
      this.#rate = Math.max(this.minRate, next);
      this.#lastDecrease = t;
      this.decreases++;
      // Leave a gap of one slot so the server's bucket gets a token back.
      this.#next = Math.max(this.#next, t + 1000 / this.#rate);
    }
    if (retryAfterMs !== undefined && retryAfterMs > 0 && Number.isFinite(retryAfterMs)) {
      // A long Retry-After (the server asks everyone to pause) holds back the whole queue.
      if (retryAfterMs >= 5_000) this.#blockedUntil = Math.max(this.#blockedUntil, t + retryAfterMs);
    }
  }

  /**
   * Successes per second over the last second (or the time of 8 requests at the current rate,
   * if longer): what the server really lets through.
   */
  #acceptedRate(t: number): number | undefined {
    const windowMs = Math.max(1000, 8000 / this.#rate);
    const recent = this.#successes.filter((s) => s >= t - windowMs);
    if (recent.length < 4) return undefined;
    const span = Math.max(250, t - (recent[0] as number));
    return (recent.length / span) * 1000;
  }
}
