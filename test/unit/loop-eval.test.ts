import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEvalFile } from '../../src/loop/eval-file.js';
import {
  evalCustomerId,
  EVAL_CUSTOMER_PREFIX,
  parseThreshold,
  sampleCases,
  summarize,
  worst,
  type EvalResult,
} from '../../src/loop/eval.js';
import { scoreReply, type EvalCase } from '../../src/loop/score.js';

describe('eval files', () => {
  it('reads cases with their ids, expected answers, phrases and lines', () => {
    const text = [
      '# what the bot must know',
      '- id: growth',
      '  question: How much is the Growth plan?',
      '  expect: Growth costs $29 a month.',
      '  must_include: ["$29", 1000]',
      '- question: Is there a free trial?',
      '  must_include: 14-day free trial',
      '',
    ].join('\n');
    const r = parseEvalFile(text, 'evals.yaml');
    expect(r.issues).toEqual([]);
    expect(r.cases).toEqual([
      {
        id: 'growth',
        question: 'How much is the Growth plan?',
        expect: 'Growth costs $29 a month.',
        mustInclude: ['$29', '1000'],
        source: 'evals.yaml:2',
      },
      {
        id: 'evals.yaml:6',
        question: 'Is there a free trial?',
        mustInclude: ['14-day free trial'],
        source: 'evals.yaml:6',
      },
    ]);
  });

  it('accepts a mapping with an "evals" list', () => {
    const r = parseEvalFile('evals:\n  - question: Q?\n    expect: A.\n', 'e.yaml');
    expect(r.cases).toHaveLength(1);
  });

  it.each([
    ['- question: Q?\n', /e\.yaml:1:3 nothing to check/],
    ['- question: Q?\n  answer: A\n', /e\.yaml:2:3 unknown key "answer" \(did you mean "expect"\?\)/],
    ['- expect: A\n', /e\.yaml:1:3 "question" is missing/],
    ['- question: ""\n  expect: A\n', /e\.yaml:1:13 "question" is empty/],
    ['- question: Q?\n  must_include: []\n', /e\.yaml:2:17 "must_include" is an empty list/],
    [
      '- question: Q?\n  must_include: {a: 1}\n',
      /e\.yaml:2:17 "must_include" must be a list of phrases, not a mapping/,
    ],
    [
      '- id: a\n  question: Q?\n  expect: A\n- id: a\n  question: R?\n  expect: B\n',
      /e\.yaml:4:7 duplicate id "a" \(also on line 1\)/,
    ],
    ['- question: Q?\n  expect: [oops\n', /e\.yaml:3:1 invalid YAML: Flow sequence/],
    ['just a string\n', /e\.yaml:1:1 expected a list of cases/],
    ['', /e\.yaml:1 the file has no cases/],
    ['x: &a [1]\nevals: *a\n', /aliases/],
  ])('locates the error in %j', (text, re) => {
    const r = parseEvalFile(text, 'e.yaml');
    expect(r.cases).toEqual([]);
    const line = r.issues
      .map((i) => `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''} ${i.message}`)
      .join('\n');
    expect(line).toMatch(re);
  });

  it('reports every bad case, not only the first', () => {
    const r = parseEvalFile('- question: A?\n- question: B?\n  expect: ok\n- question: C?\n', 'e.yaml');
    expect(r.issues.map((i) => i.line)).toEqual([1, 4]);
  });
});

describe('sampling, threshold, summary', () => {
  const cases = Array.from({ length: 40 }, (_, i) => ({ id: `case-${i}` }));

  it('a sample is deterministic, of the asked size, in the original order', () => {
    const a = sampleCases(cases, 7);
    expect(a).toHaveLength(7);
    expect(sampleCases(cases, 7)).toEqual(a);
    expect(
      sampleCases([...cases].reverse(), 7)
        .map((c) => c.id)
        .sort(),
    ).toEqual(a.map((c) => c.id).sort());
    const idx = a.map((c) => cases.indexOf(c));
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(sampleCases(cases, 100)).toEqual(cases);
  });

  it('adding a case changes a sample by at most that case', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 39 }), (n) => {
        const before = new Set(sampleCases(cases, n).map((c) => c.id));
        const after = sampleCases([...cases, { id: 'new-case' }], n).map((c) => c.id);
        const changed = after.filter((id) => !before.has(id));
        expect(changed.filter((id) => id !== 'new-case')).toEqual([]);
      }),
    );
  });

  it.each([
    ['0.8', 0.8],
    ['80', 0.8],
    ['80%', 0.8],
    ['1', 1],
    ['0', 0],
    ['100%', 1],
    ['12.5%', 0.125],
  ])('--threshold %s → %d', (v, want) => expect(parseThreshold(v)).toBeCloseTo(want, 10));

  it.each(['abc', '-1', '101', '150%', ''])('--threshold %j is refused', (v) =>
    expect(() => parseThreshold(v)).toThrow(/threshold/),
  );

  const result = (id: string, reply: string | null, expectText = 'Growth costs $29 a month.'): EvalResult => {
    const c: EvalCase = { id, question: 'q', expect: expectText, mustInclude: [] };
    return {
      case: c,
      reply,
      score: reply === null ? null : scoreReply(c, reply),
      error: reply === null ? 'HTTP 500' : null,
      ms: 1,
    };
  };

  it('the pass rate against the threshold, errors counting as failures', () => {
    const rs = [
      result('a', 'Growth costs $29 a month.'),
      result('b', 'Growth costs $29 a month.'),
      result('c', 'No idea.'),
      result('d', null),
    ];
    expect(summarize(rs, 10, 0.5)).toEqual({
      total: 10,
      evaluated: 4,
      passed: 2,
      failed: 1,
      errors: 1,
      passRate: 0.5,
      threshold: 0.5,
      ok: true,
    });
    expect(summarize(rs, 10, 0.51).ok).toBe(false);
    // 4 of 5 is 80%: exactly at the threshold passes, whatever floating point says.
    const five = [
      ...rs.slice(0, 2),
      result('e', 'Growth costs $29 a month.'),
      result('f', 'Growth costs $29 a month.'),
      result('g', 'no'),
    ];
    expect(summarize(five, 5, 0.8).ok).toBe(true);
    expect(summarize([], 0, 1)).toMatchObject({ passRate: 1, ok: true });
  });

  it('the worst answers: errors first, then the lowest scores', () => {
    const rs = [
      result('ok', 'Growth costs $29 a month.'),
      result('half', 'Growth costs $39 a month.'),
      result('none', 'No idea.'),
      result('err', null),
    ];
    expect(worst(rs, 5).map((r) => r.case.id)).toEqual(['err', 'none', 'half']);
    expect(worst(rs, 1).map((r) => r.case.id)).toEqual(['err']);
  });

  it('eval customers are one per question and recognisable', () => {
    expect(evalCustomerId('Q?')).toBe(evalCustomerId('Q?'));
    expect(evalCustomerId('Q?')).not.toBe(evalCustomerId('R?'));
    expect(evalCustomerId('Q?').startsWith(`${EVAL_CUSTOMER_PREFIX}-`)).toBe(true);
  });
});
