/** Retry arithmetic, pure: exponential backoff with full jitter, never shorter than a `Retry-After`. */

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): a random point in
 * [0, min(maxDelay, base·2^(attempt-1))], and at least `retryAfterMs` when the server said so.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, jittered);
  return jittered;
}
