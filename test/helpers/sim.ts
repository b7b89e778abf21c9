import { Pacer } from '../../src/push/pacer.js';

/**
 * A discrete-event simulation of the push queue against a rate-limited server, in virtual time:
 * `concurrency` workers take items, wait for the pacer, "send" (the server's token bucket decides
 * at arrival), and on a 429 tell the pacer and retry after the Retry-After. No real clock, so it
 * runs in milliseconds and gives the same answer every time.
 */
export interface PaceResult {
  items: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  /** Successful requests per second over the run. */
  rate: number;
}

export async function simulatePace(opts: {
  items: number;
  configuredRate: number;
  serverRate: number;
  serverBurst?: number;
  concurrency?: number;
  latencyMs?: number;
  retryAfterMs?: number;
}): Promise<PaceResult> {
  let now = 0;
  const events: { at: number; seq: number; fire: () => void }[] = [];
  let seq = 0;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      events.push({ at: now + Math.max(0, ms), seq: seq++, fire: resolve });
      events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    });
  const pacer = new Pacer({ maxRate: opts.configuredRate, now: () => now, wait: (ms) => wait(ms) });
  const burst = opts.serverBurst ?? opts.serverRate;
  let tokens = burst;
  let refilled = 0;
  const latency = opts.latencyMs ?? 5;
  const server = (arrival: number): boolean => {
    tokens = Math.min(burst, tokens + ((arrival - refilled) / 1000) * opts.serverRate);
    refilled = arrival;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  let next = 0;
  let done = 0;
  let requests = 0;
  let rateLimited = 0;
  let first = Infinity;
  let last = 0;
  const worker = async () => {
    while (next < opts.items) {
      next++;
      for (;;) {
        const sentAt = await pacer.acquire();
        requests++;
        await wait(latency);
        const ok = server(sentAt + latency);
        await wait(latency);
        if (ok) {
          pacer.onSuccess();
          done++;
          first = Math.min(first, now);
          last = Math.max(last, now);
          break;
        }
        rateLimited++;
        pacer.onRateLimited(sentAt, opts.retryAfterMs ?? 1000);
        await wait(opts.retryAfterMs ?? 1000);
      }
    }
  };
  const workers = Array.from({ length: opts.concurrency ?? 4 }, worker);
  const all = Promise.all(workers);
  let finished = false;
  void all.then(() => (finished = true));
  while (!finished) {
    // Let every pending continuation run, then advance the clock to the next event.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    if (finished) break;
    const e = events.shift();
    if (!e) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    now = e.at;
    e.fire();
  }
  const seconds = (last - first) / 1000;
  return { items: done, requests, rateLimited, seconds, rate: (done - 1) / seconds };
}
