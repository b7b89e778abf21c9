import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { ApiError } from '../../api/errors.js';
import type { ResolvedConfig } from '../../config/load.js';
import { ConfigError, formatFileIssue, InterruptedError } from '../../errors.js';
import { extractQa } from '../../extract/qa.js';
import { readFileChecked } from '../../extract/read.js';
import { decodeText } from '../../extract/text.js';
import { parseEvalFile } from '../../loop/eval-file.js';
import {
  EVAL_CUSTOMER_NAME,
  evalCustomerId,
  parseThreshold,
  sampleCases,
  summarize,
  summarizeJudge,
  worst,
  type EvalResult,
  type EvalSummary,
  type JudgeOutcome,
} from '../../loop/eval.js';
import { judgeLabel, JudgeSettingsError, readJudgeSettings, type JudgeSettings } from '../../loop/judge.js';
import { createLexicon } from '../../loop/lexicon.js';
import { scoreReply, type EvalCase, type ScoreOptions } from '../../loop/score.js';
import { oneLine } from '../../loop/words.js';
import { annotation } from '../../report/github.js';
import { scanTree } from '../../scan/walk.js';
import { table, type Cell } from '../../util/table.js';
import { truncate } from '../../util/text.js';
import { onInterrupt } from '../context.js';
import { describeWait, RequestPolicy } from '../../push/policy.js';
import { askJudge, JudgeAuthError } from '../judge-client.js';
import { exitCodeForEval } from '../exit.js';
import { openLoop, type PacedClient } from '../loop-client.js';
import type { Output } from '../output.js';
import { cellWidth, intOption, textOption } from '../options.js';
import { markdownCell, safeText } from '../../util/safe-text.js';

/** Failing cases shown in full under "Worst answers". */
const WORST = 5;
/** Above this many cases, the table lists only the failures unless --verbose. */
const FULL_TABLE_MAX = 50;

/**
 * `kb-sync eval`: ask the bot every Q&A question of the knowledge folder (or every case of
 * `--file evals.yaml`), score each reply against the expected answer (see src/loop/score.ts),
 * print a pass/fail table and the worst answers, and exit 1 when the pass rate is below
 * `--threshold` (default 100%). Questions go through the rate-limited, retrying client.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { threshold, sample, judge } = evalOptions(argv);
  const started = performance.now();
  const stop = new AbortController();
  const { out, cfg, botId, client } = openLoop(argv, { retryUnknownSends: true, signal: stop.signal });
  if (judge?.key !== undefined) out.addSecret(judge.key);

  const file = textOption(argv.file, 'file');
  const all = file !== undefined ? casesFromFile(file) : casesFromKnowledge(cfg, out);
  if (all.length === 0) {
    throw new ConfigError(
      `No Q&A items to evaluate in ${display(cfg.knowledgeDir) || '.'}.`,
      'eval asks the bot every question of the Q&A files (*.qa.yaml) there; or pass --file evals.yaml.',
    );
  }
  const cases = sample !== undefined ? sampleCases(all, sample) : all;
  out.info(
    out.c.dim(
      `Asking the bot ${cases.length} question(s)${cases.length < all.length ? ` (a fixed sample of ${all.length})` : ''} from ${file ?? display(cfg.knowledgeDir)}…`,
    ),
  );

  const scoring: ScoreOptions = { lexicon: createLexicon(cfg.eval), language: cfg.eval.language };
  const interrupt = onInterrupt(out, 0, () => stop.abort());
  const bar = out.progress('Asking');
  let asked: Asked;
  try {
    asked = await askAll(client, cases, scoring, { judge, stop, out, cfg, onDone: (n) => bar.update(n, cases.length) });
  } finally {
    bar.stop();
    interrupt.dispose();
  }
  if (asked.authError) throw asked.authError;
  const results = asked.results;
  const interrupted = asked.interrupted && interrupt.signal !== undefined;

  const summary = summarize(results, all.length, threshold);
  const judged = judge ? summarizeJudge(results) : undefined;
  const exitCode = exitCodeForEval(summary.ok, interrupted ? interrupt.signal : undefined);
  const durationMs = Math.round(performance.now() - started);

  if (out.github) githubReport(out, results, summary);
  if (out.json) {
    out.document({
      ok: summary.ok && !interrupted,
      botId,
      source: file !== undefined ? 'file' : 'knowledge',
      file: file ?? null,
      knowledgeDir: file !== undefined ? null : display(cfg.knowledgeDir),
      sample: sample ?? null,
      threshold,
      counts: {
        total: summary.total,
        evaluated: summary.evaluated,
        passed: summary.passed,
        failed: summary.failed,
        errors: summary.errors,
      },
      passRate: round(summary.passRate),
      results: results.map(resultJson),
      judge: judge && judged ? { model: judge.model, url: new URL(judge.url).origin, ...judged } : null,
      requests: client.counters.requests,
      retries: client.counters.retries,
      rateLimited: client.counters.rateLimited,
      interrupted,
      exitCode,
      durationMs,
    });
  }
  if (!out.quiet) humanReport(out, results, summary, judge !== undefined);
  out.final(finalLine(out, summary, { threshold, judge, judged, interrupted, durationMs }));
  return exitCode;
}

/** `--threshold`, `--sample` and `--judge` (its settings from the environment), checked. */
function evalOptions(argv: Record<string, unknown>): {
  threshold: number;
  sample: number | undefined;
  judge: JudgeSettings | undefined;
} {
  let threshold = 1;
  if (argv.threshold !== undefined) {
    try {
      threshold = parseThreshold(argv.threshold);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  const sample = intOption(argv.sample, 'sample', 1);
  let judge: JudgeSettings | undefined;
  if (argv.judge === true) {
    try {
      judge = readJudgeSettings(process.env);
    } catch (err) {
      if (err instanceof JudgeSettingsError) throw new ConfigError(err.message, err.hint);
      throw err;
    }
  }
  return { threshold, sample, judge };
}

/** One case's result in the `--json` document. */
function resultJson(r: EvalResult) {
  return {
    id: r.case.id,
    source: r.case.source ?? null,
    question: r.case.question,
    expected: r.case.expect ?? null,
    mustInclude: r.case.mustInclude,
    reply: r.reply,
    pass: r.score?.pass ?? false,
    score: r.score?.score ?? 0,
    components: r.score ? { overlap: r.score.overlap, phrases: r.score.phrases, facts: r.score.facts } : null,
    contradictions: r.score?.contradictions ?? [],
    language: r.score?.language ?? null,
    reasons: r.error !== null ? [r.error] : (r.score?.reasons ?? []),
    notes: r.score?.notes ?? [],
    judge: r.judge ?? null,
    error: r.error,
    ms: r.ms,
  };
}

/** The last line: the pass rate against the threshold (or where an interrupt stopped), and the judge's agreement. */
function finalLine(
  out: Output,
  summary: EvalSummary,
  r: {
    threshold: number;
    judge: JudgeSettings | undefined;
    judged: ReturnType<typeof summarizeJudge> | undefined;
    interrupted: boolean;
    durationMs: number;
  },
): string {
  const { c } = out;
  const { judge, judged, threshold } = r;
  const rate = `${summary.passed} of ${summary.evaluated} passed (${pct(summary.passRate)})`;
  const extra =
    (summary.errors > 0 ? c.red(` · ${summary.errors} not asked (API errors)`) : '') +
    (judge && judged
      ? ` · judge (${judgeLabel(judge)}) agrees on ${judged.agreed} of ${judged.judged}${judged.errors > 0 ? c.yellow(`, ${judged.errors} not judged`) : ''}`
      : '');
  const secs = (r.durationMs / 1000).toFixed(1);
  if (r.interrupted) return c.yellow(`! Interrupted after ${secs}s: ${rate}${extra}.`);
  if (summary.ok) return `${c.green('✔')} Eval in ${secs}s: ${rate}${extra} · threshold ${pct(threshold)}`;
  return `${c.red('✗')} Eval in ${secs}s: ${rate}${extra}, below the threshold of ${pct(threshold)}`;
}

// ------------------------------------------------------------------ asking

interface Asked {
  results: EvalResult[];
  interrupted: boolean;
  authError: ApiError | undefined;
}

/** Ask every question (paced and retried by the client), score each reply, and ask the judge when there is one. */
async function askAll(
  client: PacedClient,
  cases: readonly EvalCase[],
  scoring: ScoreOptions,
  ctx: {
    judge: JudgeSettings | undefined;
    stop: AbortController;
    out: Output;
    cfg: ResolvedConfig;
    onDone: (n: number) => void;
  },
): Promise<Asked> {
  let authError: ApiError | undefined;
  let interrupted = false;
  let judgeStopped: string | undefined;
  const judgeQueue = new PQueue({ concurrency: ctx.cfg.rateLimit.concurrency });
  const judgePolicy = new RequestPolicy({
    retry: ctx.cfg.retry,
    requestsPerSecond: ctx.cfg.rateLimit.requestsPerSecond,
    onWait: (w) => ctx.out.warn(ctx.out.c.yellow(`Judge: ${describeWait(w, 'judging resumes')}`)),
  });
  const results: (EvalResult | undefined)[] = cases.map(() => undefined);
  let done = 0;
  const judgeOne = async (c: EvalCase, reply: string): Promise<JudgeOutcome> => {
    const j = ctx.judge as JudgeSettings;
    if (judgeStopped !== undefined) return { error: `not judged: ${judgeStopped}` };
    try {
      return await judgeQueue.add(() =>
        askJudge(j, c, reply, { timeoutMs: ctx.cfg.timeoutMs, policy: judgePolicy, signal: ctx.stop.signal }),
      );
    } catch (err) {
      if (ctx.stop.signal.aborted) return { error: 'not judged: interrupted' };
      if (err instanceof JudgeAuthError) {
        if (judgeStopped === undefined)
          ctx.out.warn(ctx.out.c.yellow(`Judge: ${err.message}; no more cases are judged.`));
        judgeStopped ??= err.message;
      }
      return { error: ctx.out.redact((err as Error).message) };
    }
  };
  await Promise.all(
    cases.map(async (c, i) => {
      const t0 = performance.now();
      try {
        const reply = await client.sendMessage({
          content: c.question,
          customer_info: { name: EVAL_CUSTOMER_NAME, external_id: evalCustomerId(c.question) },
          metadata: { source: 'kb-sync eval' },
        });
        const score = scoreReply({ ...c, question: c.question }, reply, scoring);
        const ms = Math.round(performance.now() - t0);
        const judge = ctx.judge ? await judgeOne(c, reply) : null;
        results[i] = { case: c, reply, score, error: null, ms, ...(ctx.judge ? { judge } : {}) };
      } catch (err) {
        if (err instanceof InterruptedError) {
          interrupted = true;
          return;
        }
        if (!(err instanceof ApiError)) throw err;
        if (err.kind === 'auth' || err.kind === 'config') {
          authError ??= err;
          ctx.stop.abort();
          return;
        }
        results[i] = { case: c, reply: null, score: null, error: err.message, ms: Math.round(performance.now() - t0) };
      }
      ctx.onDone(++done);
    }),
  );
  return { results: results.filter((r): r is EvalResult => r !== undefined), interrupted, authError };
}

// ------------------------------------------------------------------ cases

function casesFromFile(file: string): EvalCase[] {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `--file ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`}`,
    );
  }
  const shown = display(abs);
  const decoded = decodeText(bytes, shown);
  if ('issue' in decoded) throw new ConfigError(formatFileIssue(decoded.issue));
  const parsed = parseEvalFile(decoded.text, shown);
  if (parsed.issues.length > 0) {
    throw new ConfigError(
      `Invalid eval file:\n${parsed.issues.map((i) => `  ${formatFileIssue(i)}`).join('\n')}`,
      'Each case is {question, expect?, must_include?, id?}, with expect or must_include (see docs/knowledge-loop.md).',
    );
  }
  return parsed.cases;
}

/** Every (non-draft) Q&A entry of the knowledge folder, with its answer as the expected answer. */
function casesFromKnowledge(cfg: ResolvedConfig, out: Output): EvalCase[] {
  if (!fs.existsSync(cfg.knowledgeDir) || !fs.statSync(cfg.knowledgeDir).isDirectory()) {
    throw new ConfigError(
      `The knowledge folder ${cfg.knowledgeDir} does not exist.`,
      'Check "knowledgeDir" in sync.config.json, or pass --file evals.yaml.',
    );
  }
  const scan = scanTree({
    root: cfg.knowledgeDir,
    include: cfg.include,
    exclude: cfg.exclude,
    kinds: cfg.kinds,
    skip: [cfg.stateFile],
  });
  const cases: EvalCase[] = [];
  let drafts = 0;
  for (const f of scan.files) {
    if (f.kind !== 'qa') continue;
    const shown = display(path.join(cfg.knowledgeDir, f.relPath));
    const r = readFileChecked(f.absPath, shown, cfg.limits.maxTextBytes, 'the file is larger than limits.maxTextBytes');
    if (!r.ok) {
      out.warn(out.c.yellow(`${formatFileIssue(r.issue)} (not evaluated)`));
      continue;
    }
    const d = decodeText(r.bytes, shown);
    if ('issue' in d) {
      out.warn(out.c.yellow(`${formatFileIssue(d.issue)} (not evaluated)`));
      continue;
    }
    const qa = extractQa(d.text, f.relPath, { maxItemsPerFile: cfg.limits.maxItemsPerFile });
    for (const issue of qa.extract.issues) {
      out.warn(
        out.c.yellow(
          `${formatFileIssue({ ...issue, file: shown })}${issue.severity === 'error' ? ' (not evaluated)' : ''}`,
        ),
      );
    }
    drafts += qa.extract.draftEntries ?? 0;
    for (const e of qa.entries) {
      // The Q&A key (file and id, else file and question) survives edits elsewhere in the file.
      cases.push({ id: e.key, question: e.question, expect: e.answer, mustInclude: [], source: `${shown}:${e.line}` });
    }
  }
  if (drafts > 0) out.detail(out.c.dim(`Skipped ${drafts} draft Q&A entr${drafts === 1 ? 'y' : 'ies'} (draft: true).`));
  return cases;
}

// ------------------------------------------------------------------ reports

function humanReport(out: Output, results: readonly EvalResult[], s: EvalSummary, judged: boolean): void {
  const c = out.c;
  const shown = results.length > FULL_TABLE_MAX && !out.verbose ? results.filter((r) => !r.score?.pass) : results;
  const verdict = (pass: boolean | undefined): Cell =>
    pass ? { text: 'pass', paint: c.green } : { text: 'FAIL', paint: c.red };
  if (shown.length > 0) {
    out.info(
      table(
        ['RESULT', ...(judged ? ['JUDGE'] : []), 'SCORE', 'OVERLAP', 'PHRASES', 'FACTS', 'CASE', 'QUESTION'],
        shown.map((r): Cell[] => [
          r.error !== null ? { text: 'error', paint: c.red } : verdict(r.score?.pass),
          ...(judged
            ? [!r.judge ? '—' : 'error' in r.judge ? { text: 'error', paint: c.yellow } : verdict(r.judge.pass)]
            : []),
          r.score ? r.score.score.toFixed(2) : '',
          r.score?.overlap ? pct(r.score.overlap.score) : '—',
          r.score?.phrases
            ? `${r.score.phrases.found.length}/${r.score.phrases.found.length + r.score.phrases.missing.length}`
            : '—',
          r.score?.facts
            ? `${r.score.facts.matched.length}/${r.score.facts.matched.length + r.score.facts.missing.length}`
            : '—',
          r.case.source ?? r.case.id,
          oneLine(r.case.question),
        ]),
        { maxWidth: cellWidth(out, 40), width: out.columns },
      ),
    );
    if (shown.length < results.length)
      out.info(
        c.dim(
          `  (${results.length - shown.length} passing case(s) not listed; --verbose lists all, --json for scripts)`,
        ),
      );
  }
  const bad = worst(results, WORST);
  if (bad.length > 0) {
    out.info('');
    out.info(c.bold(`Worst answers (${bad.length} of ${s.failed + s.errors} failing):`));
    for (const r of bad) explain(out, r, c.red('✗'));
  }
  // The judge disagrees: both sides, so a person can decide.
  const split = judged ? results.filter((r) => r.judge && 'pass' in r.judge && r.judge.pass !== r.score?.pass) : [];
  if (split.length > 0) {
    out.info('');
    out.info(c.bold(`The judge disagrees on ${split.length} case(s):`));
    for (const r of split) if (!bad.includes(r)) explain(out, r, r.score?.pass ? c.green('✓') : c.red('✗'));
    if (split.every((r) => bad.includes(r))) out.info(c.dim('  (shown above)'));
  }
  if (out.verbose) {
    const passing = results.filter((r) => r.score?.pass && r.score.notes.length > 0);
    if (passing.length > 0) {
      out.info('');
      out.info(c.bold('Why the passing cases passed:'));
      for (const r of passing) {
        out.info(`${c.green('✓')} ${safeText(r.case.source ?? r.case.id)}`);
        for (const n of r.score?.notes ?? []) out.info(`    ${c.dim('·')} ${safeText(n)}`);
      }
    }
  }
}

/** One case in full: question, expected, reply, reasons and notes, and the judge's verdict. */
function explain(out: Output, r: EvalResult, mark: string): void {
  const c = out.c;
  // Questions, replies and the judge's words are untrusted: each shown on one line (safeText).
  const one = (s: string) => safeText(truncate(oneLine(s), 200));
  out.info(
    `${mark} ${safeText(r.case.source ?? r.case.id)}${r.score ? c.dim(`  score ${r.score.score.toFixed(2)}`) : ''}`,
  );
  out.info(`    question: ${one(r.case.question)}`);
  if (r.case.expect !== undefined) out.info(`    expected: ${one(r.case.expect)}`);
  if (r.case.mustInclude.length > 0)
    out.info(`    must include: ${r.case.mustInclude.map((p) => `"${safeText(p)}"`).join(', ')}`);
  if (r.reply !== null) out.info(`    reply:    ${one(r.reply)}`);
  const why = r.error !== null ? [`not asked: ${r.error}`] : (r.score?.reasons ?? []);
  for (const w of why) out.info(`    ${c.yellow('•')} ${safeText(w)}`);
  for (const n of r.score?.notes ?? []) out.info(`    ${c.dim('·')} ${c.dim(safeText(n))}`);
  if (r.judge) {
    if ('error' in r.judge) out.info(`    judge: ${c.yellow(safeText(r.judge.error))}`);
    else out.info(`    judge: ${r.judge.pass ? c.green('pass') : c.red('FAIL')} — ${safeText(r.judge.reason)}`);
  }
}

function githubReport(out: Output, results: readonly EvalResult[], s: EvalSummary): void {
  for (const r of results) {
    if (r.score?.pass) continue;
    const m = r.case.source ? /^(.*):(\d+)$/.exec(r.case.source) : null;
    const message = `eval failed: ${r.error ?? (r.score?.reasons ?? []).join('; ')}`;
    out.command(
      annotation({
        file: m?.[1] ?? r.case.id,
        ...(m ? { line: Number(m[2]) } : {}),
        severity: s.ok ? 'warning' : 'error',
        message,
      }),
    );
  }
  const outputs = process.env.GITHUB_OUTPUT;
  if (outputs) {
    try {
      fs.appendFileSync(outputs, `pass-rate=${round(s.passRate)}\npassed=${s.passed}\nfailed=${s.failed}\n`);
    } catch (err) {
      out.warn(`Could not write the step outputs: ${(err as Error).message}`);
    }
  }
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const lines = [
    `### kb-sync eval: ${s.passed} of ${s.evaluated} passed (${pct(s.passRate)}) ${s.ok ? '✅' : `❌ below ${pct(s.threshold)}`}`,
    '',
  ];
  const failing = worst(results, 50);
  if (failing.length > 0) {
    lines.push('| case | question | why |', '|---|---|---|');
    for (const r of failing)
      lines.push(
        `| ${markdownCell(r.case.source ?? r.case.id)} | ${markdownCell(truncate(r.case.question, 120))} | ${markdownCell(r.error ?? (r.score?.reasons ?? []).join('; '))} |`,
      );
  }
  try {
    fs.appendFileSync(file, `${out.redact(lines.join('\n'))}\n\n`);
  } catch (err) {
    out.warn(`Could not write the step summary: ${(err as Error).message}`);
  }
}

function display(p: string): string {
  return toPosix(path.relative(process.cwd(), p)) || '.';
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
