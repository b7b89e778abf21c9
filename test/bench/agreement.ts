/**
 * How often the eval scorer agrees with a person on the labelled replies of
 * test/fixtures/eval-agreement/cases.yaml (never part of `npm test`; the agreement test asserts
 * the floor). Prints the agreement, the confusion and every disagreement with its reasons.
 *
 *   node --import tsx test/bench/agreement.ts            # this tree's scorer
 *   node --import tsx test/bench/agreement.ts --src DIR  # the scorer of another checkout's src/
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLabelledCases, measureAgreement } from '../helpers/agreement.js';

type Score = { pass: boolean; reasons: string[] };
type ScoreFn = (c: { expect?: string; mustInclude: string[]; question?: string }, reply: string) => Score;

const args = process.argv.slice(2);
const i = args.indexOf('--src');
const src = i >= 0 ? path.resolve(args[i + 1] as string) : path.resolve(import.meta.dirname, '../../src');
const mod = (await import(pathToFileURL(path.join(src, 'loop/score.ts')).href)) as { scoreReply: ScoreFn };

const cases = loadLabelledCases();
const scores = new Map<string, Score>();
const a = measureAgreement(cases, (c) => {
  const s = mod.scoreReply({ expect: c.expect, mustInclude: [], question: c.question }, c.reply);
  scores.set(c.id, s);
  return s.pass;
});
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
console.log(`scorer: ${path.relative(process.cwd(), src) || '.'}/loop/score.ts`);
console.log(`agreement: ${a.agreed} of ${a.total} (${pct(a.rate)})`);
console.log(`passed, person says wrong: ${a.passedWrong.length} · failed, person says right: ${a.failedRight.length}`);
for (const [from, o] of Object.entries(a.byOrigin)) console.log(`  ${from}: ${o.agreed} of ${o.total}`);
for (const [label, list] of [
  ['PASSED (person: wrong)', a.passedWrong],
  ['FAILED (person: right)', a.failedRight],
] as const) {
  for (const c of list) {
    console.log(`\n${label}  ${c.id}  — ${c.why}`);
    console.log(`  reply: ${c.reply}`);
    for (const r of scores.get(c.id)?.reasons ?? []) console.log(`  • ${r}`);
  }
}
