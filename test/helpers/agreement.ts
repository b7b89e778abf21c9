import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The labelled set of test/fixtures/eval-agreement/cases.yaml, and how often a scorer agrees
 * with the person's verdicts on it. Used by the agreement test and by `test/bench/agreement.ts`.
 */

export type Verdict = 'right' | 'wrong';

export interface LabelledCase {
  id: string;
  from: string;
  question: string;
  expect: string;
  reply: string;
  person: Verdict;
  why: string;
}

export const CASES_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/eval-agreement/cases.yaml',
);

export function loadLabelledCases(file = CASES_FILE): LabelledCase[] {
  const doc = parse(fs.readFileSync(file, 'utf8')) as {
    expected: Record<string, string>;
    cases: (Omit<LabelledCase, 'expect'> & { qa?: string; expect?: string })[];
  };
  return doc.cases.map((c) => {
    const expect = c.expect ?? (c.qa !== undefined ? doc.expected[c.qa] : undefined);
    if (expect === undefined) throw new Error(`${c.id}: no expected answer (qa "${c.qa}")`);
    if (c.person !== 'right' && c.person !== 'wrong') throw new Error(`${c.id}: person must be right or wrong`);
    return {
      id: c.id,
      from: c.from,
      question: c.question,
      expect: expect.trim(),
      reply: c.reply.trim(),
      person: c.person,
      why: c.why,
    };
  });
}

export interface Agreement {
  total: number;
  agreed: number;
  rate: number;
  /** The scorer passed a reply the person judged wrong. */
  passedWrong: LabelledCase[];
  /** The scorer failed a reply the person judged right. */
  failedRight: LabelledCase[];
  /** Agreement per `from`. */
  byOrigin: Record<string, { total: number; agreed: number }>;
}

export function measureAgreement(cases: readonly LabelledCase[], pass: (c: LabelledCase) => boolean): Agreement {
  const passedWrong: LabelledCase[] = [];
  const failedRight: LabelledCase[] = [];
  const byOrigin: Record<string, { total: number; agreed: number }> = {};
  for (const c of cases) {
    const p = pass(c);
    const agree = p === (c.person === 'right');
    const o = (byOrigin[c.from] ??= { total: 0, agreed: 0 });
    o.total++;
    if (agree) o.agreed++;
    else (p ? passedWrong : failedRight).push(c);
  }
  const agreed = cases.length - passedWrong.length - failedRight.length;
  return {
    total: cases.length,
    agreed,
    rate: cases.length === 0 ? 0 : agreed / cases.length,
    passedWrong,
    failedRight,
    byOrigin,
  };
}
