import { describe, expect, it } from 'vitest';
import { scoreReply } from '../../src/loop/score.js';
import { loadLabelledCases, measureAgreement } from '../helpers/agreement.js';

/**
 * The scorer against a person: test/fixtures/eval-agreement/cases.yaml holds bot replies (written
 * by hand, and made by the emulator's reply modes) with a person's verdict each. The scorer must
 * agree with the person on at least 90% of them. `node --import tsx test/bench/agreement.ts`
 * prints the disagreements.
 */
describe('eval agrees with a person', () => {
  const cases = loadLabelledCases();
  const scores = new Map(
    cases.map((c) => [c.id, scoreReply({ expect: c.expect, mustInclude: [], question: c.question }, c.reply)]),
  );
  const agreement = measureAgreement(cases, (c) => scores.get(c.id)?.pass === true);

  it('the labelled set is large and varied: ≥ 60 cases, hand-written and from every reply mode, both verdicts', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const from of ['hand', 'holdout', 'paraphrase', 'negated', 'wrong-number', 'unknown'])
      expect(agreement.byOrigin[from]?.total ?? 0, from).toBeGreaterThanOrEqual(4);
    expect(cases.filter((c) => c.person === 'right').length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((c) => c.person === 'wrong').length).toBeGreaterThanOrEqual(25);
  });

  it('agrees on at least 90% of the cases', () => {
    const detail = [...agreement.passedWrong, ...agreement.failedRight].map((c) => `${c.id} (person: ${c.person})`);
    expect(agreement.rate, `disagreements: ${detail.join(', ')}`).toBeGreaterThanOrEqual(0.9);
  });

  it('every verdict is explained: a failure has reasons, a pass has none, and both quote what they found', () => {
    for (const c of cases) {
      const s = scores.get(c.id);
      if (!s) throw new Error(c.id);
      if (s.pass) expect(s.reasons, c.id).toEqual([]);
      else expect(s.reasons.length, c.id).toBeGreaterThan(0);
    }
  });

  it('never passes what the emulator made wrong on purpose, nor an "unknown" reply', () => {
    const wrongOnPurpose = cases.filter((c) => ['negated', 'wrong-number', 'unknown'].includes(c.from));
    expect(wrongOnPurpose.filter((c) => scores.get(c.id)?.pass).map((c) => c.id)).toEqual([]);
  });
});
