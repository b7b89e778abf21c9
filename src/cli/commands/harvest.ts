import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import type { Customer, Message } from '../../api/types.js';
import { ConfigError, IncompleteError, InterruptedError, KbSyncError } from '../../errors.js';
import { findUnanswered, type UnansweredQuestion } from '../../loop/classify.js';
import { EVAL_CUSTOMER_PREFIX } from '../../loop/eval.js';
import { GROUP_THRESHOLD, groupQuestions, type QuestionGroup } from '../../loop/group.js';
import { harvestFileName, renderHarvestFile } from '../../loop/harvest-file.js';
import { createTalkRules, type TalkRules } from '../../loop/talk.js';
import { DateRangeError, parseDateRange, type DateRange } from '../../loop/range.js';
import { table } from '../../util/table.js';
import { onInterrupt } from '../context.js';
import { signalExitCode } from '../exit.js';
import { openLoop, PAGE_SIZE, type LoopContext } from '../loop-client.js';
import type { Output } from '../output.js';
import { cellWidth, intOption, textOption } from '../options.js';

/**
 * `kb-sync harvest`: walk the bot's customers, their conversations started in the date range
 * (default: the last 30 days) and every message of those, find the customer questions the bot
 * could not answer (src/loop/classify.ts), group near-duplicates (src/loop/group.ts) and write
 * them as draft Q&A entries to `knowledge/inbox/harvest-YYYY-MM-DD.qa.yaml` (`--out` to choose).
 *
 * It never overwrites a file, writes nothing unless the whole walk succeeded, and gives the same
 * bytes for the same range and the same conversations. Test customers (`is_testing`) and the
 * customers `kb-sync eval` asks as are left out.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const minCount = intOption(argv.minCount, 'min-count', 1) ?? 1;
  const range = rangeOption(argv);
  const stop = new AbortController();
  const loop = openLoop(argv, { signal: stop.signal });
  const { out, cfg, botId, client } = loop;
  const outFile = textOption(argv.out, 'out');
  const target =
    outFile !== undefined && outFile !== ''
      ? path.resolve(outFile)
      : path.join(cfg.knowledgeDir, 'inbox', harvestFileName(range.day));
  const shown = display(target);
  if (fs.existsSync(target)) throw exists(shown);
  const talk = createTalkRules(cfg.harvest);

  out.info(
    out.c.dim(
      `Harvesting conversations of bot ${botId} started ${range.since.slice(0, 10)} … ${range.until.slice(0, 10)}…`,
    ),
  );
  const interrupt = onInterrupt(out, 0, () => stop.abort());
  const { questions, counts, failure } = await walk(loop, range, stop, talk);
  interrupt.dispose();

  if (interrupt.signal !== undefined) {
    out.final(out.c.yellow('! Interrupted: nothing was written.'));
    return signalExitCode(interrupt.signal);
  }
  if (failure !== undefined && !(failure instanceof InterruptedError)) {
    const e = failure as Error;
    throw new IncompleteError(`Harvest stopped: ${e.message}. Nothing was written.`, {
      cause: e,
      hint:
        e instanceof KbSyncError && e.hint
          ? e.hint
          : 'Run it again: a harvest writes its file only after a complete walk.',
    });
  }

  const groups = groupQuestions(questions);
  const kept = groups.filter((g) => g.count >= minCount);
  const meta = {
    botId,
    since: range.since,
    until: range.until,
    // Only what lies in the range goes into the file, so that the same range gives the same bytes.
    customers: counts.withConversations,
    sessions: counts.sessions,
    questions: questions.length,
    minCount,
    belowMinCount: groups.length - kept.length,
  };
  out.detail(
    out.c.dim(
      `Listed ${counts.customersListed} customer(s): walked ${counts.customers} (${counts.withConversations} with conversations in the range), skipped ${counts.quietCustomers} with no message since ${range.since.slice(0, 10)} and ${counts.evalCustomers} eval customer(s); ${counts.sessions} conversation(s), ${counts.messages} message(s), ${client.counters.requests} request(s).`,
    ),
  );

  const written = kept.length > 0;
  if (written) writeNew(target, shown, renderHarvestFile(kept, meta));
  if (out.json) {
    out.document({
      ok: true,
      botId,
      range: { since: range.since, until: range.until },
      file: written ? shown : null,
      written,
      scanned: {
        customers: counts.withConversations,
        walked: counts.customers,
        skippedCustomers: counts.quietCustomers + counts.evalCustomers,
        sessions: counts.sessions,
        messages: counts.messages,
      },
      questions: questions.length,
      minCount,
      belowMinCount: meta.belowMinCount,
      groupThreshold: GROUP_THRESHOLD,
      groups: kept.map(groupDoc),
      requests: client.counters.requests,
    });
  }
  humanReport(out, { kept, groups, minCount, counts, range, shown, written });
  return 0;
}

/** `--since` / `--until` (default: the last 30 days). */
function rangeOption(argv: Record<string, unknown>): DateRange {
  try {
    return parseDateRange(
      {
        since: textOption(argv.since, 'since'),
        until: textOption(argv.until, 'until'),
      },
      Date.now(),
    );
  } catch (err) {
    if (err instanceof DateRangeError) throw new ConfigError(err.message);
    throw err;
  }
}

interface WalkCounts {
  customersListed: number;
  customers: number;
  withConversations: number;
  evalCustomers: number;
  quietCustomers: number;
  sessions: number;
  messages: number;
}

/**
 * Every customer, their conversations started in the range and every message of those, a few
 * customers at a time; the unanswered questions asked in the range. The first failure stops the
 * walk (and is returned, not thrown).
 */
async function walk(
  { out, cfg, botId, client }: LoopContext,
  range: DateRange,
  stop: AbortController,
  talk: TalkRules,
): Promise<{ questions: UnansweredQuestion[]; counts: WalkCounts; failure: unknown }> {
  const sinceMs = Date.parse(range.since);
  const untilMs = Date.parse(range.until);
  const questions: UnansweredQuestion[] = [];
  const counts: WalkCounts = {
    customersListed: 0,
    customers: 0,
    withConversations: 0,
    evalCustomers: 0,
    quietCustomers: 0,
    sessions: 0,
    messages: 0,
  };
  let failure: unknown;
  const bar = out.progress('Harvesting');
  const pool = new PQueue({ concurrency: cfg.rateLimit.concurrency });
  let done = 0;

  const walkCustomer = async (c: Customer) => {
    let any = false;
    for await (const s of client.iterateSessions({
      customer_id: c.id,
      bot_ids: [botId],
      date_range: [range.since, range.until],
      limit: PAGE_SIZE,
    })) {
      if (!any) counts.withConversations++;
      any = true;
      const messages: Message[] = [];
      for await (const m of client.iterateMessages(s.id, { customer_id: c.id, order: 'asc', limit: PAGE_SIZE }))
        messages.push(m);
      counts.sessions++;
      counts.messages += messages.length;
      const found = findUnanswered(
        {
          sessionId: s.id,
          customerId: c.id,
          botId: s.bot_id || botId,
          ...(typeof s.bot?.reply_unknown === 'string' ? { replyUnknown: s.bot.reply_unknown } : {}),
          messages,
          askedUntil: range.until,
        },
        talk,
      );
      for (const q of found) {
        const t = Date.parse(q.at);
        if (t >= sinceMs && t <= untilMs) questions.push(q);
      }
    }
  };

  try {
    for await (const c of client.iterateCustomers({ bot_ids: [botId], is_testing: false })) {
      counts.customersListed++;
      if (c.external_id?.startsWith(EVAL_CUSTOMER_PREFIX)) {
        counts.evalCustomers++;
        continue;
      }
      // No message since the range began: no conversation of theirs can have started in it.
      const last = Date.parse(c.last_message_at);
      if (!Number.isNaN(last) && last < sinceMs) {
        counts.quietCustomers++;
        continue;
      }
      if (failure !== undefined) break;
      counts.customers++;
      await pool.onSizeLessThan(cfg.rateLimit.concurrency * 2);
      void pool
        .add(() => walkCustomer(c))
        .then(
          () => bar.update(++done, counts.customers),
          (err: unknown) => {
            failure ??= err;
            stop.abort();
          },
        );
    }
  } catch (err) {
    failure ??= err;
    stop.abort();
  }
  await pool.onIdle();
  bar.stop();
  return { questions, counts, failure };
}

function humanReport(
  out: Output,
  h: {
    kept: QuestionGroup[];
    groups: QuestionGroup[];
    minCount: number;
    counts: WalkCounts;
    range: DateRange;
    shown: string;
    written: boolean;
  },
): void {
  const { kept, counts, range } = h;
  if (!out.quiet && kept.length > 0) {
    out.info(
      table(
        ['ASKED', 'QUESTION', 'PHRASINGS', 'UNKNOWN REPLY', 'AGENT', 'LAST ASKED'],
        kept.map((g) => [
          String(g.count),
          g.question,
          String(g.variants.length),
          String(g.reasons['unknown-reply']),
          String(g.reasons.agent),
          g.last.slice(0, 10),
        ]),
        { maxWidth: cellWidth(out, 60), width: out.columns },
      ),
    );
  }
  const c = out.c;
  if (!h.written) {
    out.final(
      `${c.green('✔')} No unanswered questions${h.minCount > 1 && h.groups.length > 0 ? ` asked ${h.minCount} times or more` : ''} in ${counts.sessions} conversation(s) from ${range.since.slice(0, 10)} to ${range.until.slice(0, 10)}; nothing written.`,
    );
    return;
  }
  out.final(
    `${c.green('✔')} Wrote ${h.shown}: ${kept.length} draft question(s), asked ${kept.reduce((n, g) => n + g.count, 0)} time(s) in ${counts.sessions} conversation(s) of ${counts.withConversations} customer(s).` +
      c.dim(' Answer them in a pull request (write `a`, delete `draft: true`, move them out of inbox/), then sync.'),
  );
}

function groupDoc(g: QuestionGroup) {
  return {
    question: g.question,
    count: g.count,
    reasons: g.reasons,
    variants: g.variants,
    first: g.first,
    last: g.last,
    occurrences: g.occurrences.map((o) => ({
      sessionId: o.sessionId,
      customerId: o.customerId,
      messageId: o.messageId,
      at: o.at,
      text: o.text,
      reason: o.reason,
    })),
  };
}

function exists(shown: string): KbSyncError {
  return new IncompleteError(`${shown} already exists; harvest never overwrites a file.`, {
    hint: 'Answer or delete the entries in it first, or write this harvest elsewhere with --out FILE.',
  });
}

/** Create `target` with `text`, refusing to replace a file (also one created since the first check). */
function writeNew(target: string, shown: string, text: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    try {
      fs.linkSync(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw exists(shown);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
      // No hard links on this file system: exclusive create instead.
      try {
        fs.writeFileSync(target, text, { flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists(shown);
        throw e;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function display(p: string): string {
  return path.relative(process.cwd(), p).split(path.sep).join('/') || p;
}
