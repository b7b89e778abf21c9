import { describe, expect, it } from 'vitest';
import { ApiError, parseRetryAfter, type ApiErrorInit } from '../../src/api/errors.js';
import {
  DEFAULT_MAX_RETRY_AFTER_MS,
  describeWait,
  formatRetryAt,
  formatWait,
  RequestPolicy,
  RetryLaterError,
  type RetrySettings,
  type WaitNotice,
} from '../../src/push/policy.js';
import { exitCodeForError } from '../../src/cli/exit.js';
import { virtualTime } from '../helpers/virtual-time.js';

/**
 * The one retry and pacing policy (src/push/policy.ts), in virtual time: an injected monotonic
 * clock that sleeps advance, an injected wall clock, and an injected random. No real timer runs.
 */

const WALL = Date.parse('2026-03-01T12:00:00.000Z');
const RETRY: RetrySettings = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

function harness(opts: { retry?: RetrySettings; random?: number; rate?: number } = {}) {
  const vt = virtualTime();
  const waits: WaitNotice[] = [];
  const policy = new RequestPolicy({
    retry: opts.retry ?? RETRY,
    requestsPerSecond: opts.rate ?? 1000,
    random: () => opts.random ?? 0.5,
    now: vt.now,
    wallClock: () => WALL + vt.now(),
    sleep: vt.sleep,
    onWait: (w) => waits.push(w),
  });
  /** Run one request under the policy, in virtual time. */
  const run = <T>(...args: Parameters<typeof policy.run<T>>) => vt.drive(policy.run(...args));
  return { policy, run, sleeps: vt.sleeps, waits, now: vt.now, drive: vt.drive };
}

const err = (init: Partial<ApiErrorInit> & { status?: number }) =>
  new ApiError({ endpoint: 'POST /bot-data', delivery: 'answered', retryable: false, ...init });
const rateLimited = (retryAfterMs?: number) =>
  err({ status: 429, retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const serverError = () => err({ status: 503, retryable: true });
const lost = () => err({ delivery: 'unknown', retryable: true, code: 'ECONNRESET' });

/** A task that fails with `errors` in turn, then succeeds with "done". */
function script(...errors: ApiError[]) {
  const calls: number[] = [];
  const task = (attempt: number) => {
    calls.push(attempt);
    const e = errors[attempt - 1];
    return e ? Promise.reject(e) : Promise.resolve('done');
  };
  return { task, calls };
}

describe('RequestPolicy: retries', () => {
  it('retries a server error with growing backoff, and succeeds', async () => {
    const h = harness({ random: 0.999 });
    const s = script(serverError(), serverError(), serverError());
    const r = await h.run(s.task);
    expect(r).toEqual({ ok: true, value: 'done', attempts: 4 });
    expect(s.calls).toEqual([1, 2, 3, 4]);
    // Full jitter below a ceiling that doubles: 500, 1000, 2000 ms.
    expect(h.sleeps).toEqual([499, 999, 1998]);
    expect(h.policy.counters).toEqual({ requests: 4, retries: 3, rateLimited: 0 });
  });

  it('gives up after maxAttempts with the last error', async () => {
    const h = harness();
    const last = serverError();
    const s = script(serverError(), serverError(), serverError(), last);
    const r = await h.run(s.task);
    expect(r).toMatchObject({ ok: false, reason: 'failed', why: 'attempts', attempts: 4 });
    expect(r.ok === false && r.err).toBe(last);
    expect(s.calls).toHaveLength(4);
  });

  it.each<[string, ApiError]>([
    ['auth', err({ status: 401 })],
    ['config (a redirect)', err({ status: 301 })],
    ['bad-request', err({ status: 400 })],
    ['not-found', err({ status: 404 })],
    ['config (https to a plain-HTTP port)', err({ delivery: 'not-sent', code: 'ERR_SSL_WRONG_VERSION_NUMBER' })],
  ])('never retries %s', async (_name, e) => {
    const h = harness();
    const s = script(e);
    const r = await h.run(s.task);
    expect(r).toMatchObject({ ok: false, reason: 'failed', why: 'final', attempts: 1 });
    expect(s.calls).toEqual([1]);
    expect(h.sleeps).toEqual([]);
  });

  it('repeats a lost response only when the caller says it is harmless', async () => {
    const once = harness();
    const r1 = await once.run(script(lost()).task, { repeatUnknown: false });
    expect(r1).toMatchObject({ ok: false, reason: 'failed', why: 'final', attempts: 1 });
    const again = harness();
    const r2 = await again.run(script(lost()).task, { repeatUnknown: true });
    expect(r2).toMatchObject({ ok: true, attempts: 2 });
  });

  it('tells the caller about every failure before deciding (in-flight accounting)', async () => {
    const h = harness();
    const seen: [string, number][] = [];
    await h.run(script(lost(), serverError()).task, {
      onError: (e, attempt) => seen.push([e.kind, attempt]),
    });
    expect(seen).toEqual([
      ['lost-response', 1],
      ['server', 2],
    ]);
  });

  it('stops waiting when the signal is aborted, and says which error it was waiting after', async () => {
    const h = harness();
    const ctl = new AbortController();
    const first = serverError();
    const r = await h.run(
      (attempt) => {
        if (attempt === 1) ctl.abort();
        return Promise.reject(first);
      },
      { signal: ctl.signal },
    );
    // The abort came with the error: not retried.
    expect(r).toMatchObject({ ok: false, reason: 'failed', why: 'stopped', attempts: 1 });
    const before = new AbortController();
    before.abort();
    const r2 = await h.run(script().task, { signal: before.signal });
    expect(r2).toEqual({ ok: false, reason: 'stopped', attempts: 0 });
  });
});

describe('RequestPolicy: Retry-After', () => {
  it('waits at least the Retry-After, even when the jitter draws less', async () => {
    const h = harness({ random: 0 });
    const r = await h.run(script(rateLimited(4_000)).task);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    expect(h.sleeps).toEqual([4_000]);
    expect(h.policy.counters.rateLimited).toBe(1);
  });

  it('shows a wait longer than a few seconds, once for requests waiting out the same stretch', async () => {
    const h = harness({ random: 0 });
    await Promise.all([h.run(script(rateLimited(60_000)).task), h.run(script(rateLimited(60_000)).task)]);
    expect(h.waits).toHaveLength(1);
    expect(h.waits[0]).toMatchObject({ ms: 60_000, reason: 'retry-after' });
    expect(h.waits[0]!.until.toISOString()).toBe('2026-03-01T12:01:00.000Z');
    expect(describeWait(h.waits[0]!, 'pushing resumes')).toMatch(
      /^The server asked to wait 60 s \(Retry-After\); pushing resumes at \d\d:\d\d:\d\d\.$/,
    );
  });

  it('does not announce short waits', async () => {
    const h = harness({ random: 0 });
    await h.run(script(rateLimited(1_000), serverError()).task);
    expect(h.sleeps).toContain(1_000);
    expect(Math.max(...h.sleeps)).toBeLessThan(3_000);
    expect(h.waits).toEqual([]);
  });

  it('a long Retry-After holds back every later request, and that hold is shown', async () => {
    const h = harness({ random: 0 });
    let later: Promise<number> | undefined;
    const slow = h.policy.run(script(rateLimited(30_000)).task, {
      // A request that comes while the hold lasts waits for its end, like the one that got it.
      onError: () => {
        later = h.policy.pacer.acquire().then(() => h.now());
      },
    });
    const r0 = await h.drive(slow);
    expect(r0.ok).toBe(true);
    expect(await h.drive(later as Promise<number>)).toBeGreaterThanOrEqual(30_000);
    // A pacer on its own: the hold is shown as such.
    const h2 = harness({ random: 0, rate: 10 });
    h2.policy.pacer.onRateLimited(0, 30_000);
    const r = await h2.run(script().task);
    expect(r.ok).toBe(true);
    expect(h2.now()).toBeGreaterThanOrEqual(30_000);
    expect(h2.waits.map((w) => w.reason)).toEqual(['paced']);
  });

  it.each<[string, string, string]>([
    ['999999999 seconds', '999999999', '2057-11-07T13:46:39Z'],
    ['a date in year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT', '9999-12-31T23:59:59Z'],
    ['one hour', '3600', '2026-03-01T13:00:00Z'],
  ])(
    'a Retry-After of %s (past the 5 min cap) is not waited for: retry later, at the time named',
    async (_n, header, at) => {
      const h = harness();
      const retryAfterMs = parseRetryAfter(header, WALL);
      const s = script(rateLimited(retryAfterMs));
      const r = await h.run(s.task);
      expect(r).toMatchObject({ ok: false, reason: 'retry-later', attempts: 1, waitMs: retryAfterMs });
      expect(s.calls).toEqual([1]);
      expect(h.sleeps).toEqual([]);
      if (r.ok || r.reason !== 'retry-later') throw new Error('unreachable');
      expect(formatRetryAt(r.retryAt)).toBe(at);
      // Nobody else is held back by it (the caller stops instead), and no timer ever sees it: the
      // next request waits one slot of the lowered pace at most.
      const next = await h.run(script().task);
      expect(next.ok).toBe(true);
      expect(Math.max(0, ...h.sleeps)).toBeLessThan(10);
      const e = new RetryLaterError(r, h.policy.retry.maxRetryAfterMs);
      expect(e.message).toContain(`Try again after ${at}`);
      expect(e.message).toContain('more than the 5 min kb-sync waits');
      expect(exitCodeForError(e)).toBe(1);
    },
  );

  it('the cap is 5 minutes by default and configurable', async () => {
    expect(DEFAULT_MAX_RETRY_AFTER_MS).toBe(300_000);
    const at = harness();
    expect(await at.run(script(rateLimited(300_000)).task)).toMatchObject({ ok: true });
    expect(at.sleeps).toEqual([300_000]);
    const low = harness({ retry: { ...RETRY, maxRetryAfterMs: 10_000 } });
    expect(await low.run(script(rateLimited(10_001)).task)).toMatchObject({ reason: 'retry-later' });
  });

  it('an error that is not retried ignores its Retry-After', async () => {
    const h = harness();
    const r = await h.run(script(err({ status: 400, retryAfterMs: 999_999_999_000 })).task);
    expect(r).toMatchObject({ ok: false, reason: 'failed', why: 'final' });
  });
});

describe('RequestPolicy: pace', () => {
  it('holds a fractional rate exactly (2.5/s: 400 ms apart), neither rounded up nor down', async () => {
    const h = harness({ rate: 2.5 });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await h.run(() => {
        starts.push(h.now());
        return Promise.resolve(1);
      });
    }
    expect(starts).toEqual([0, 400, 800, 1200]);
  });

  it('runs each attempt inside `within` (a concurrency queue)', async () => {
    const h = harness();
    let inside = 0;
    const r = await h.run(script(serverError()).task, {
      within: async (fn) => {
        inside++;
        return fn();
      },
    });
    expect(r.ok).toBe(true);
    expect(inside).toBe(2);
  });
});

describe('formatWait', () => {
  it.each<[number, string]>([
    [3_000, '3 s'],
    [60_000, '60 s'],
    [300_000, '5 min'],
    [3_600_000, '60 min'],
    [7_200_000, '2 h'],
    [999_999_999_000, '11574 days'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatWait(ms)).toBe(text);
  });

  it('a time beyond what a Date holds is said in words', () => {
    expect(formatRetryAt(new Date(Number.MAX_SAFE_INTEGER))).toMatch(/too far/);
  });
});
