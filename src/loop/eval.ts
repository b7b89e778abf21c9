import { createHash } from 'node:crypto';
import type { EvalCase, EvalScore } from './score.js';

/** Eval bookkeeping: sampling, the threshold, the summary. Pure. */

/** The customer every eval question is asked as: harvest leaves these customers out. */
export const EVAL_CUSTOMER_PREFIX = 'kb-sync-eval';
export const EVAL_CUSTOMER_NAME = 'kb-sync eval';

/** One customer per question (`kb-sync-eval-<hash>`): earlier questions never colour a reply. */
export function evalCustomerId(question: string): string {
  return `${EVAL_CUSTOMER_PREFIX}-${createHash('sha256').update(question).digest('hex').slice(0, 16)}`;
}

export const SAMPLE_SEED = 'kb-sync-eval-sample/v1';

/**
 * A deterministic sample of `n` cases: the `n` whose hash of (seed, id) is smallest, in their
 * original order. Adding or removing a case changes the sample by at most that case.
 */
export function sampleCases<T extends Pick<EvalCase, 'id'>>(cases: readonly T[], n: number, seed = SAMPLE_SEED): T[] {
  if (n >= cases.length) return [...cases];
  const keyed = cases.map((c, i) => ({ c, i, h: createHash('sha256').update(`${seed}\0${c.id}`).digest('hex') }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.i - b.i));
  return keyed
    .slice(0, Math.max(0, n))
    .sort((a, b) => a.i - b.i)
    .map((k) => k.c);
}

/** `--threshold`: a fraction in [0, 1] ("0.8"), or a percentage ("80", "80%"). */
export function parseThreshold(v: unknown): number {
  const s = String(v).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(s);
  if (!m)
    throw new Error(`--threshold must be a pass rate: a fraction from 0 to 1 (0.8) or a percentage (80%), not "${s}"`);
  const x = Number(m[1]);
  const frac = m[2] === '%' || x > 1 ? x / 100 : x;
  if (frac < 0 || frac > 1) throw new Error(`--threshold must be between 0 and 1 (or 0% and 100%), not "${s}"`);
  return frac;
}

export interface EvalResult {
  case: EvalCase;
  reply: string | null;
  score: EvalScore | null;
  /** Set when the question could not be asked (after retries). */
  error: string | null;
  ms: number;
  /** With `--judge`: the judge's verdict, or why there is none. */
  judge?: JudgeOutcome | null;
}

export type JudgeOutcome = { pass: boolean; reason: string } | { error: string };

export interface JudgeSummary {
  judged: number;
  /** Cases where the judge and the deterministic scorer agree. */
  agreed: number;
  disagreed: number;
  errors: number;
}

/** How the judge's verdicts compare with the deterministic ones. */
export function summarizeJudge(results: readonly EvalResult[]): JudgeSummary {
  let judged = 0;
  let agreed = 0;
  let errors = 0;
  for (const r of results) {
    if (!r.judge) continue;
    if ('error' in r.judge) {
      errors++;
      continue;
    }
    judged++;
    if (r.judge.pass === (r.score?.pass ?? false)) agreed++;
  }
  return { judged, agreed, disagreed: judged - agreed, errors };
}

export interface EvalSummary {
  total: number;
  evaluated: number;
  passed: number;
  failed: number;
  errors: number;
  /** passed / evaluated (errors count as not passed); 1 when nothing was evaluated. */
  passRate: number;
  threshold: number;
  ok: boolean;
}

export function summarize(results: readonly EvalResult[], total: number, threshold: number): EvalSummary {
  const evaluated = results.length;
  const passed = results.filter((r) => r.score?.pass === true).length;
  const errors = results.filter((r) => r.error !== null).length;
  const failed = evaluated - passed - errors;
  const passRate = evaluated === 0 ? 1 : passed / evaluated;
  // Compare in whole basis points, so 0.8 × 10 items passes a threshold of 80%.
  const ok = Math.round(passRate * 10_000) >= Math.round(threshold * 10_000);
  return { total, evaluated, passed, failed, errors, passRate, threshold, ok };
}

/** The worst answers: errors first, then failed cases by score (lowest first), at most `n`. */
export function worst(results: readonly EvalResult[], n: number): EvalResult[] {
  return results
    .filter((r) => r.error !== null || r.score?.pass === false)
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        (a.r.error ? -1 : 0) - (b.r.error ? -1 : 0) || (a.r.score?.score ?? 0) - (b.r.score?.score ?? 0) || a.i - b.i,
    )
    .slice(0, n)
    .map((x) => x.r);
}
