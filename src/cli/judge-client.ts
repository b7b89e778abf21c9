import { formatLimit, readBody, type BodyRead } from '../api/body.js';
import { ApiError, networkErrorCode, networkErrorDetail, parseRetryAfter } from '../api/errors.js';
import {
  judgeRequestBody,
  parseJudgeResponse,
  type JudgeCase,
  type JudgeSettings,
  type JudgeVerdict,
} from '../loop/judge.js';
import { formatRetryAt, formatWait, type RequestPolicy } from '../push/policy.js';

/**
 * Asks the judge (src/loop/judge.ts) about one case over HTTP: Node's fetch with a timeout, paced
 * and retried by a `RequestPolicy` of its own (the judge is another server than the bot's: its
 * own pace), like every other request: 429 / 5xx / network errors with backoff, honouring
 * `Retry-After` up to its cap. A 401 or 403 is a `JudgeAuthError`, so that eval stops asking after
 * the first. The key goes only into the `Authorization` header; errors never hold it.
 */

export class JudgeAuthError extends Error {}

export interface AskJudgeOptions {
  timeoutMs: number;
  /** The judge's policy (one per eval). */
  policy: RequestPolicy;
  signal?: AbortSignal;
}

const ENDPOINT = 'POST (judge)';

export async function askJudge(
  s: JudgeSettings,
  c: JudgeCase,
  reply: string,
  opts: AskJudgeOptions,
): Promise<JudgeVerdict> {
  const body = JSON.stringify(judgeRequestBody(s.model, c, reply));
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (s.key !== undefined) headers.authorization = `Bearer ${s.key}`;
  const outcome = await opts.policy.run(() => askOnce(s.url, headers, body, opts), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    // Asking the judge twice is harmless.
    repeatUnknown: true,
  });
  if (outcome.ok) return outcome.value;
  switch (outcome.reason) {
    case 'stopped':
      throw new Error('not judged: interrupted');
    case 'retry-later':
      throw new Error(
        `the judge asked to wait ${formatWait(outcome.waitMs)} (Retry-After), more than the ${formatWait(opts.policy.retry.maxRetryAfterMs)} kb-sync waits; try again after ${formatRetryAt(outcome.retryAt)}`,
      );
    case 'failed': {
      const { err } = outcome;
      if (err.kind === 'auth')
        throw new JudgeAuthError(`the judge refused the key (HTTP ${err.status}); check KB_SYNC_JUDGE_KEY`);
      const problem = describe(err, opts.timeoutMs);
      throw new Error(outcome.why === 'attempts' ? `${problem} (after ${outcome.attempts} attempts)` : problem);
    }
  }
}

/** One request to the judge: its verdict, or an `ApiError` the policy can classify. */
async function askOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: AskJudgeOptions,
): Promise<JudgeVerdict> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  let answer: BodyRead;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal });
    answer = await readBody(res);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError({
      endpoint: ENDPOINT,
      delivery: 'unknown',
      retryable: true,
      code: timeout.aborted ? 'TIMEOUT' : (networkErrorCode(err) ?? 'NETWORK'),
      detail: networkErrorDetail(err, []),
    });
  }
  if (!res.ok) {
    throw new ApiError({
      endpoint: ENDPOINT,
      status: res.status,
      delivery: 'answered',
      retryable: res.status === 429 || res.status >= 500,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
    });
  }
  if (answer.tooLarge) throw new Error(`the judge's answer passed the ${formatLimit(answer.limit)} limit; not read`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    throw new Error(`the judge answered ${res.status} with something that is not JSON`);
  }
  return parseJudgeResponse(parsed);
}

function describe(err: ApiError, timeoutMs: number): string {
  if (err.status !== undefined) return `the judge answered HTTP ${err.status}`;
  if (err.code === 'TIMEOUT') return `the judge did not answer within ${timeoutMs} ms`;
  return `cannot reach the judge (${err.code ?? err.message})`;
}
