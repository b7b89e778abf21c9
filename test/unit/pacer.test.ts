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
  it.each([
    [1, 0.999, 500],
    [2, 0.999, 1000],
    [3, 0.5, 1000],
    [10, 0.999, 30_000],
  ])('attempt %d with random %d stays within [0, min(max, base·2^(n-1))]', (attempt, r, ceiling) => {
    const d = backoffDelay(attempt, policy, () => r);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThanOrEqual(ceiling);
    expect(d).toBe(Math.floor(r * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))));
  });

  it('never waits less than a Retry-After', () => {
    expect(backoffDelay(1, policy, () => 0, 4000)).toBe(4000);
    expect(backoffDelay(5, policy, () => 0.99, 10)).toBeGreaterThan(10);
  });
});
