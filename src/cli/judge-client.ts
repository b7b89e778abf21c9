import { setTimeout as sleep } from 'node:timers/promises';
import {
  judgeRequestBody,
  parseJudgeResponse,
  type JudgeCase,
  type JudgeSettings,
  type JudgeVerdict,
} from '../loop/judge.js';
import { backoffDelay, type RetryPolicy } from '../push/retry.js';

/**
 * Asks the judge (src/loop/judge.ts) about one case over HTTP: Node's fetch, a timeout, retries
 * of 429 / 5xx / network errors with backoff (honouring `Retry-After`). A 401 or 403 is a
 * `JudgeAuthError`, so that eval stops asking after the first. The key goes only into the
 * `Authorization` header; errors never hold it.
 */

export class JudgeAuthError extends Error {}

export interface AskJudgeOptions {
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  random?: () => number;
}

export async function askJudge(
  s: JudgeSettings,
  c: JudgeCase,
  reply: string,
  opts: AskJudgeOptions,
): Promise<JudgeVerdict> {
  const body = JSON.stringify(judgeRequestBody(s.model, c, reply));
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (s.key !== undefined) headers.authorization = `Bearer ${s.key}`;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs: number | undefined;
    let problem: string;
    try {
      const signal = opts.signal
        ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
        : AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(s.url, { method: 'POST', headers, body, signal });
      const text = await res.text();
      if (res.ok) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new Error(`the judge answered ${res.status} with something that is not JSON`);
        }
        return parseJudgeResponse(parsed);
      }
      if (res.status === 401 || res.status === 403)
        throw new JudgeAuthError(`the judge refused the key (HTTP ${res.status}); check KB_SYNC_JUDGE_KEY`);
      problem = `the judge answered HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) throw new Error(problem);
      const ra = res.headers.get('retry-after');
      if (ra !== null && /^\d+(\.\d+)?$/.test(ra.trim())) retryAfterMs = Number(ra) * 1000;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (err instanceof JudgeAuthError) throw err;
      const e = err as Error & { cause?: { code?: string } };
      const network = e.name === 'TimeoutError' || e.name === 'AbortError' || e instanceof TypeError;
      if (!network) throw err;
      problem =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `the judge did not answer within ${opts.timeoutMs} ms`
          : `cannot reach the judge (${e.cause?.code ?? e.message})`;
    }
    if (attempt >= opts.retry.maxAttempts) throw new Error(`${problem} (after ${attempt} attempts)`);
    await sleep(backoffDelay(attempt, opts.retry, opts.random ?? Math.random, retryAfterMs), undefined, {
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
}
