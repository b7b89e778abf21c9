import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/push/pacer.js';
import { backoffDelay } from '../../src/push/retry.js';
import { simulatePace } from '../helpers/sim.js';

/** The push pace, in virtual time against a simulated token-bucket server (test/helpers/sim.ts). */

describe('the pacer against a rate-limited server', () => {
  it.each([
    [20, 20],
    [5, 5],
    [2, 2],
  ])(
    'with the limit known (configured %d/s, server %d/s): at least 95% of it, and no 429',
    async (configured, server) => {
      const r = await simulatePace({ items: 600, configuredRate: configured, serverRate: server });
      expect(r.items).toBe(600);
      expect(r.rateLimited).toBe(0);
      expect(r.rate / server).toBeGreaterThanOrEqual(0.95);
    },
  );

  it.each([
    [50, 20],
    [100, 20],
    [50, 10],
    [20, 4],
  ])(
    'with the limit unknown (configured %d/s, server %d/s): at least 80% of it, 429s under 2%',
    async (configured, server) => {
      const r = await simulatePace({ items: 2000, configuredRate: configured, serverRate: server });
      expect(r.items).toBe(2000);
      expect(r.rate / server).toBeGreaterThanOrEqual(0.8);
      expect(r.rateLimited / r.requests).toBeLessThan(0.02);
    },
  );
});

describe('Pacer', () => {
  it('spaces requests evenly at the configured rate', async () => {
    let now = 0;
    const starts: number[] = [];
    const p = new Pacer({ maxRate: 10, now: () => now, wait: (ms) => Promise.resolve(void (now += ms)) });
    for (let i = 0; i < 5; i++) starts.push(await p.acquire());
    expect(starts).toEqual([0, 100, 200, 300, 400]);
  });

  it('a 429 lowers the pace for every later request, and successes bring it back', () => {
    let now = 0;
    const p = new Pacer({ maxRate: 10, now: () => now, wait: () => Promise.resolve() });
    p.onRateLimited(0);
    expect(p.rate).toBeLessThan(10);
    const low = p.rate;
    // A 429 for a request sent before that decrease does not lower the pace again.
    now = 10;
    p.onRateLimited(-5);
    expect(p.rate).toBe(low);
    for (let i = 0; i < 200; i++) {
      now += 100;
      p.onSuccess();
    }
    expect(p.rate).toBeGreaterThan(low);
    expect(p.rate).toBeLessThanOrEqual(10);
  });

  it('a long Retry-After holds the whole queue back', async () => {
    let now = 0;
    const p = new Pacer({ maxRate: 10, now: () => now, wait: (ms) => Promise.resolve(void (now += ms)) });
    await p.acquire();
    p.onRateLimited(0, 30_000);
    expect(await p.acquire()).toBeGreaterThanOrEqual(30_000);
  });
});

describe('backoffDelay', () => {
  const policy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };
  const highest = () => 0.999_999;

  it('the ceiling doubles with each attempt from baseDelayMs, and stops at maxDelayMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((a) => backoffDelay(a, policy, highest));
    expect(delays).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  });

  it('full jitter: any point from zero up to the ceiling, following the random draw', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.25)).toBe(500);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0.75)).toBe(1500);
  });

  it('for any attempt and draw: whole milliseconds, never negative, never above maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (a, r) => {
          const d = backoffDelay(a, policy, () => r);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(policy.maxDelayMs);
          // A higher draw never waits less.
          expect(backoffDelay(a, policy, () => Math.min(0.999_999, r + 0.1))).toBeGreaterThanOrEqual(d);
        },
      ),
    );
  });

  it('never waits less than a Retry-After, and a longer jitter still wins', () => {
    expect(backoffDelay(1, policy, () => 0, 4000)).toBe(4000);
    expect(backoffDelay(5, policy, () => 0.99, 10)).toBe(7920);
  });
});
