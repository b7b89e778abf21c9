import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CxGenieClient } from '../../src/api/client.js';
import type { Customer, Message, Session } from '../../src/api/types.js';
import { ANSWERABLE_QUESTIONS, UNANSWERED_QUESTIONS } from '../../src/emulator/seed-topics.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { extractQa } from '../../src/extract/qa.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project, type Project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * The loop commands (chat, customers, conversations, conversation, eval, harvest) as a user runs
 * them: the built CLI against the emulator on loopback. Every command's output is checked, where
 * it is produced, for the workspace token (as given, and URL-encoded).
 */

async function kb(p: Project, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: p.dir, env: { ...p.env, ...env } });
  const text = r.stdout + r.stderr;
  for (const t of [p.env.CXGENIE_WORKSPACE_TOKEN, env.CXGENIE_WORKSPACE_TOKEN]) {
    if (!t) continue;
    expect(text.includes(t), `kb-sync ${args.join(' ')} printed the token`).toBe(false);
    expect(text.includes(encodeURIComponent(t)), `kb-sync ${args.join(' ')} printed the token (URL-encoded)`).toBe(
      false,
    );
  }
  return r;
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

const ndjson = <T>(r: CliResult): T[] =>
  r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/** Fast pacing for the emulator (the real default is 5 requests/s). */
const FAST = { rateLimit: { requestsPerSecond: 1000, concurrency: 8 } };

const sessionsOf = (emu: EmulatorHandle, customerId: string) =>
  [...emu.world.sessions.values()].filter((s) => s.customer_id === customerId);

const FAQ = [
  '- q: How long do I have to void a label I did not use?',
  '  a: You can void an unused, unscanned label for up to 30 days after you bought it.',
  '- q: How much is the Growth plan?',
  '  a: Growth costs $29 a month and includes 1,000 labels.',
  '- q: When will I get the postage back for a voided USPS label?',
  '  a: USPS refunds can take up to 15 days. UPS and FedEx refunds usually arrive within 5 business days.',
  '',
].join('\n');

/** Two cases the emulator's bot answers right, two it gets wrong. */
const EVALS = [
  '- id: growth',
  '  question: How much is the Growth plan?',
  '  expect: Growth costs $29 a month and includes 1,000 labels.',
  '  must_include: ["$29"]',
  '- id: void-window',
  '  question: How long do I have to void a label I did not use?',
  '  must_include: [30 days]',
  '- id: usps-refund',
  '  question: How long does a USPS refund take after I void a label?',
  '  expect: USPS refunds can take up to 15 days.',
  '- id: iceland',
  '  question: Do you ship to Iceland?',
  '  must_include: [Iceland]',
  '',
].join('\n');

describe('kb-sync customers', () => {
  it('follows the cursor through every page: no row missed or repeated', async () => {
    const emu = await emulator({ pageSize: 7 });
    const p = project({}, { emu, config: FAST });
    const newestFirst = [...emu.world.customers].reverse().map((c) => c.id);
    expect(newestFirst.length).toBe(60);

    const all = await kb(p, ['customers', '--json']);
    expect(all.code).toBe(0);
    const doc = json<{ total: number; count: number; customers: Customer[] }>(all);
    expect(doc.customers.map((c) => c.id)).toEqual(newestFirst);
    expect(doc).toMatchObject({ total: 60, count: 60 });
    expect(emu.stats().byEndpoint['GET /customer-list']).toBe(Math.ceil(60 / 7));

    const before = emu.stats().byEndpoint['GET /customer-list'] ?? 0;
    const limited = ndjson<Customer>(await kb(p, ['customers', '--ndjson', '--limit', '10']));
    expect(limited.map((c) => c.id)).toEqual(newestFirst.slice(0, 10));
    // Two pages of 7 for ten rows: paging stops once the limit is reached.
    expect((emu.stats().byEndpoint['GET /customer-list'] ?? 0) - before).toBe(2);

    // Filters, and the table people read: users (e-mail and phone) who are not test customers.
    const human = await kb(p, ['customers', '--type', 'users', '--no-testing']);
    expect(human.code).toBe(0);
    const isUser = (c: Customer) => c.email !== '' && c.phone_number !== '';
    const rows = human.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/NAME\s+EMAIL\s+PHONE\s+TYPE\s+TEST\s+CREATED\s+LAST MESSAGE\s+ID/);
    expect(rows.at(-1)).toMatch(/^\d+ customer\(s\)$/);
    expect(rows.slice(1, -1).map((l) => l.trim().split(/\s+/).at(-1))).toEqual(
      [...emu.world.customers]
        .reverse()
        .filter((c) => isUser(c) && !c.is_testing)
        .map((c) => c.id),
    );
  });
});

describe('kb-sync conversations and conversation', () => {
  it('page through every session and every message, in order', async () => {
    const emu = await emulator();
    const p = project({}, { emu, config: FAST });
    // The customer with the most conversations: more than one page of 10.
    const counts = new Map<string, number>();
    for (const s of emu.world.sessions.values()) counts.set(s.customer_id, (counts.get(s.customer_id) ?? 0) + 1);
    const [busiest, n] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(n).toBeGreaterThan(10);
    const expected = sessionsOf(emu, busiest)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
      .map((s) => s.id);

    // --since/--until become date_range: a window around the middle sessions.
    const times = sessionsOf(emu, busiest)
      .map((s) => s.created_at)
      .sort();
    const [from, to] = [times[3]!, times[8]!];
    // The longest conversation: several pages of 10 messages.
    const long = [...emu.world.sessions.values()].sort((a, b) => b.messages.length - a.messages.length)[0]!;
    expect(long.messages.length).toBeGreaterThan(20);
    expect(long.messages.some((m) => m.role === 'system')).toBe(true);

    const [list, filtered, transcript, descNoSystem, text] = await Promise.all([
      kb(p, ['conversations', busiest]),
      kb(p, ['conversations', busiest, '--json', '--status', 'closed', '--since', from, '--until', to]),
      kb(p, ['conversation', long.id, '--customer', long.customer_id, '--json']),
      kb(p, ['conversation', long.id, '--customer', long.customer_id, '--ndjson', '--order', 'desc', '--no-system']),
      kb(p, ['conversation', long.id, '--customer', long.customer_id]),
    ]);
    expect(list.code).toBe(0);
    const table = list.stdout.trim().split('\n');
    expect(table[0]).toMatch(/SESSION\s+CREATED\s+STATUS\s+READ\s+AGENT\s+LAST BY\s+LAST MESSAGE/);
    expect(table.at(-1)).toContain(`${n} conversation(s)`);
    expect(table.slice(1, -1).map((l) => l.trim().split(/\s+/)[0])).toEqual(expected);
    const want = sessionsOf(emu, busiest)
      .filter((s) => s.status === 'CLOSED' && s.created_at >= from && s.created_at <= to)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
      .map((s) => s.id);
    expect(want.length).toBeGreaterThan(0);
    expect(json<{ sessions: Session[] }>(filtered).sessions.map((s) => s.id)).toEqual(want);

    const t = json<{ count: number; messages: (Message & { role: string })[] }>(transcript);
    expect(t.messages.map((m) => m.id)).toEqual(long.messages.map((m) => m.id));
    expect(t.messages.map((m) => m.role)).toEqual(long.messages.map((m) => m.role));
    expect(ndjson<Message>(descNoSystem).map((m) => m.id)).toEqual(
      long.messages
        .filter((m) => m.role !== 'system')
        .map((m) => m.id)
        .reverse(),
    );
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(long.messages.length + 1);
    expect(text.stdout).toContain(long.messages.at(-1)!.content);
  });
});

describe('kb-sync chat', () => {
  it('uploads an attachment first and sends it as media; customer info and metadata go along', async () => {
    const emu = await emulator();
    const p = project({}, { emu, config: FAST });
    const bytes = randomBytes(5000);
    fs.writeFileSync(path.join(p.dir, 'label photo.png'), bytes);

    const r = await kb(p, [
      'chat',
      'My label looks like this',
      '--attach',
      'label photo.png',
      '--customer-name',
      'Ann Lee',
      '--email',
      'ann@example.com',
      '--phone',
      '+15550001111',
      '--external-id',
      'crm-42',
      '--metadata',
      '{"order":"1234"}',
    ]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Bot: I'm sorry");

    const uploads = [...emu.world.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.name).toBe('label photo.png');
    expect(uploads[0]!.type).toBe('image/png');
    expect(Buffer.compare(uploads[0]!.bytes, bytes)).toBe(0);

    const customer = emu.world.customers.find((c) => c.email === 'ann@example.com')!;
    expect(customer).toMatchObject({ name: 'Ann Lee', phone_number: '+15550001111', external_id: 'crm-42' });
    const session = emu.world.sessions.get(customer.last_session_id)!;
    const sent = session.messages.find((m) => m.role === 'customer')!;
    expect(sent.content).toBe('My label looks like this');
    expect(sent.media).toHaveLength(1);
    expect(sent.media[0]).toMatchObject({ name: 'label photo.png', size: bytes.length, type: 'image/png' });
    expect(emu.world.uploadForUrl(sent.media[0]!.url)?.bytes.equals(bytes)).toBe(true);

    const [transcript, raw] = await Promise.all([
      kb(p, ['conversation', session.id, '--customer', customer.id]),
      kb(p, ['chat', 'hello', '--json']),
    ]);
    expect(transcript.stdout).toContain('[attachment] label photo.png (image/png, 5000 bytes)');
    expect(json(raw)).toEqual({ success: true, data: expect.any(String) as unknown });
  });
});

describe('kb-sync eval', () => {
  // Many CLI runs in a row: generous on a busy machine.
  it(
    'scores good and bad answers, explains the failures, and the threshold sets the exit code',
    { timeout: 180_000 },
    async () => {
      const emu = await emulator();
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
      fs.writeFileSync(path.join(p.dir, 'evals.yaml'), EVALS);

      expect((await inProcess(p, emu).sync()).counts.create).toBe(3);
      const [folder, file, atHalf, human, sample, bad] = await Promise.all([
        kb(p, ['eval', '--json']),
        kb(p, ['eval', '--file', 'evals.yaml', '--json']),
        kb(p, ['eval', '--file', 'evals.yaml', '--threshold', '50%']),
        kb(p, ['eval', '--file', 'evals.yaml', '--threshold', '0.6']),
        kb(p, ['eval', '--file', 'evals.yaml', '--sample', '2', '--json']),
        (fs.writeFileSync(path.join(p.dir, 'evals-bad.yaml'), '- question: Q?\n  answer: A\n'),
        kb(p, ['eval', '--file', 'evals-bad.yaml'])),
      ]);
      expect(folder.code).toBe(0);
      expect(json(folder)).toMatchObject({
        ok: true,
        source: 'knowledge',
        counts: { total: 3, evaluated: 3, passed: 3, failed: 0, errors: 0 },
        passRate: 1,
      });

      expect(file.code).toBe(1);
      const doc = json<{
        ok: boolean;
        passRate: number;
        results: { id: string; pass: boolean; reasons: string[]; reply: string }[];
      }>(file);
      expect(doc.ok).toBe(false);
      expect(doc.passRate).toBe(0.5);
      const byId = Object.fromEntries(doc.results.map((r) => [r.id, r]));
      expect(byId.growth!.pass).toBe(true);
      expect(byId['void-window']!.pass).toBe(true);
      // The emulator's bot answers the refund question with the void window: the number gives it away.
      expect(byId['usps-refund']!.pass).toBe(false);
      expect(byId['usps-refund']!.reasons.join('\n')).toMatch(/"15 days".*\(the reply says "30 days"\)/);
      expect(byId.iceland!.pass).toBe(false);
      expect(byId.iceland!.reasons).toContain('required phrase missing: "Iceland"');

      // The pass rate is 50%: the default threshold (100%) and 60% fail, 50% passes.
      expect(atHalf.code).toBe(0);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/RESULT\s+SCORE\s+OVERLAP\s+PHRASES\s+FACTS\s+CASE\s+QUESTION/);
      expect(human.stdout).toContain('Worst answers (2 of 2 failing):');
      expect(human.stdout).toContain('required phrase missing: "Iceland"');
      expect(human.stdout).toMatch(/✗ Eval in [\d.]+s: 2 of 4 passed \(50%\), below the threshold of 60%/);
      expect(json<{ counts: { evaluated: number; total: number } }>(sample).counts).toMatchObject({
        evaluated: 2,
        total: 4,
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('evals-bad.yaml:2:3 unknown key "answer" (did you mean "expect"?)');

      // 429 (Retry-After: 0) and a 503 on the way: retried through the queue, nothing lost.
      emu.setFaults({
        schedule: [
          { endpoint: 'POST /messages', at: 1, fault: 'rate-limit', retryAfterSec: 0 },
          { endpoint: 'POST /messages', at: 3, fault: 'error', status: 503 },
        ],
      });
      const flaky = await kb(p, ['eval', '--file', 'evals.yaml', '--threshold', '0.5', '--json', '--verbose']);
      expect(flaky.code).toBe(0);
      const f = json<{
        counts: { evaluated: number; errors: number; passed: number };
        rateLimited: number;
        retries: number;
      }>(flaky);
      expect(f.counts).toMatchObject({ evaluated: 4, errors: 0, passed: 2 });
      expect(f.rateLimited).toBe(1);
      expect(f.retries).toBe(2);
      expect(flaky.stderr).toMatch(/retrying in \d+ ms/);
    },
  );
});

describe('kb-sync harvest', () => {
  const RANGE = ['--since', '2026-09-01', '--until', '2026-11-01'];

  // Many CLI runs in a row: generous on a busy machine.
  it(
    'groups the unanswered questions, is idempotent, never overwrites, and sync skips its drafts',
    { timeout: 180_000 },
    async () => {
      const emu = await emulator();
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });

      const first = await kb(p, ['harvest', ...RANGE, '--out', 'a.qa.yaml', '--json']);
      expect(first.stderr).not.toContain('internal error');
      expect(first.code).toBe(0);
      type Group = {
        question: string;
        count: number;
        reasons: { 'unknown-reply': number; agent: number };
        variants: { text: string }[];
        occurrences: { sessionId: string }[];
      };
      const doc = json<{ written: boolean; file: string; groups: Group[]; questions: number }>(first);
      expect(doc.written).toBe(true);
      // Six questions asked in three phrasings each, and three one-offs.
      expect(doc.groups).toHaveLength(9);
      const iceland = doc.groups.find((g) => g.variants.some((v) => /iceland/i.test(v.text)))!;
      expect(iceland.variants.map((v) => v.text).sort()).toEqual(UNANSWERED_QUESTIONS.slice(0, 3).slice().sort());
      expect(
        new Set(iceland.occurrences.map((o) => emu.world.sessions.get(o.sessionId)!.customer_id)).size,
      ).toBeGreaterThan(1);
      const texts = doc.groups.flatMap((g) => g.variants.map((v) => v.text));
      for (const t of texts) expect(UNANSWERED_QUESTIONS).toContain(t);
      for (const t of ANSWERABLE_QUESTIONS) expect(texts).not.toContain(t);
      // Some were caught only because an agent stepped in after an off-topic bot answer.
      const agentOnly = doc.groups
        .flatMap((g) => g.occurrences)
        .filter((o) => {
          const s = emu.world.sessions.get(o.sessionId)!;
          return (
            s.messages.some((m) => m.role === 'agent') &&
            !s.messages.some((m) => m.role === 'bot' && m.content === emu.world.bots.get(s.bot_id)!.reply_unknown)
          );
        });
      expect(agentOnly.length).toBeGreaterThan(0);
      expect(doc.groups.reduce((n, g) => n + g.reasons.agent, 0)).toBeGreaterThanOrEqual(agentOnly.length);
      expect(doc.groups.reduce((n, g) => n + g.count, 0)).toBe(doc.questions);

      // New activity after the range changes nothing: a new customer, and a new unanswered question
      // in a conversation that started inside the range (asked today, after --until).
      const client = new CxGenieClient({ baseUrl: emu.url, token: emu.token, botId: emu.botId });
      await client.sendMessage({ content: 'Do you sell gift cards?' });
      const open = emu.world.customers.find(
        (c) => c.email !== '' && !c.is_testing && emu.world.sessions.get(c.last_session_id)?.status === 'OPEN',
      )!;
      expect(emu.world.sessions.get(open.last_session_id)!.created_at < '2026-11-01').toBe(true);
      await client.sendMessage({ content: 'Do you ship to Iceland?', customer_info: { email: open.email } });
      expect(emu.world.sessions.get(open.last_session_id)!.messages.at(-1)!.content).toBe(
        emu.world.bots.get(emu.botId)!.reply_unknown,
      );

      // The same range again, into another file and into the default place: the same bytes.
      const [second, human] = await Promise.all([
        kb(p, ['harvest', ...RANGE, '--out', 'b.qa.yaml']),
        kb(p, ['harvest', ...RANGE]),
      ]);
      expect(second.code).toBe(0);
      const a = fs.readFileSync(path.join(p.dir, 'a.qa.yaml'));
      const b = fs.readFileSync(path.join(p.dir, 'b.qa.yaml'));
      expect(b.equals(a)).toBe(true);

      // The default place is knowledge/inbox/harvest-<until>.qa.yaml, never overwritten.
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('Wrote knowledge/inbox/harvest-2026-11-01.qa.yaml: 9 draft question(s)');
      expect(human.stdout).toMatch(/ASKED\s+QUESTION\s+PHRASINGS/);
      const inbox = path.join(p.knowledge, 'inbox', 'harvest-2026-11-01.qa.yaml');
      expect(fs.readFileSync(inbox).equals(a)).toBe(true);
      const mtime = fs.statSync(inbox).mtimeMs;
      const [again, sync, minRun] = await Promise.all([
        kb(p, ['harvest', ...RANGE]),
        kb(p, ['sync', '--json']),
        kb(p, ['harvest', ...RANGE, '--min-count', '14', '--out', 'c.qa.yaml', '--json']),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        'knowledge/inbox/harvest-2026-11-01.qa.yaml already exists; harvest never overwrites a file.',
      );
      expect(fs.readFileSync(inbox).equals(a)).toBe(true);
      expect(fs.statSync(inbox).mtimeMs).toBe(mtime);

      // Every entry is a draft: the Q&A extractor skips and counts them, and so does sync.
      const qa = extractQa(a.toString('utf8'), 'inbox/x.qa.yaml', { maxItemsPerFile: 5000 });
      expect(qa.extract).toMatchObject({ items: [], issues: [], complete: true, draftEntries: 9 });
      expect(sync.code).toBe(0);
      const synced = json<{ counts: { create: number }; skippedDrafts: number }>(sync);
      expect(synced.skippedDrafts).toBe(9);
      expect(synced.counts.create).toBe(3);
      expect(emu.created(emu.botId).map((d) => d.content)).not.toContain(iceland.question);

      // --min-count leaves out the questions asked less often.
      const min = json<{ groups: Group[]; belowMinCount: number }>(minRun);
      expect(min.groups.every((g) => g.count >= 14)).toBe(true);
      expect(min.groups.length + min.belowMinCount).toBe(9);
    },
  );

  // Many CLI runs in a row: generous on a busy machine.
  it(
    'leaves out the customers eval asks as, keeps real chats, writes nothing when nothing is found',
    { timeout: 180_000 },
    async () => {
      // Seeded conversations end two days ago: today holds only what this test says.
      const emu = await emulator({ now: Date.now() - 2 * 86_400_000 });
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
      fs.writeFileSync(path.join(p.dir, 'evals.yaml'), EVALS);
      const today = new Date().toISOString().slice(0, 10);

      // The bot knows nothing yet: every eval question gets the unknown reply, like the chat.
      const [asked, chatted] = await Promise.all([
        kb(p, ['eval', '--file', 'evals.yaml', '--threshold', '0']),
        kb(p, ['chat', 'Do you sell gift cards?']),
      ]);
      expect(asked.code).toBe(0);
      expect(chatted.code).toBe(0);
      const [after, none] = await Promise.all([
        kb(p, ['harvest', '--since', today, '--out', 'after.qa.yaml', '--json']),
        kb(p, ['harvest', '--since', '2020-01-01', '--until', '2020-01-31', '--json']),
      ]);
      // The anonymous chat is harvested; the eval's questions are not.
      expect(json<{ groups: { question: string }[] }>(after).groups.map((g) => g.question)).toEqual([
        'Do you sell gift cards?',
      ]);

      expect(none.code).toBe(0);
      expect(json(none)).toMatchObject({ written: false, file: null, groups: [] });
      expect(fs.existsSync(path.join(p.knowledge, 'inbox'))).toBe(false);
    },
  );
});

describe('secrets', () => {
  it('a wrong token is refused with exit 2 and never printed', async () => {
    const emu = await emulator();
    const p = project({}, { emu, config: FAST });
    const wrong = { CXGENIE_WORKSPACE_TOKEN: 'wrong-token-ABCDEF123456' };
    const all = [
      ['customers', '--verbose'],
      ['harvest', '--json'],
    ];
    const results = await Promise.all(all.map((args) => kb(p, args, wrong)));
    for (const [i, r] of results.entries()) {
      expect(r.code, all[i]!.join(' ')).toBe(2);
      expect(r.stderr).toContain('HTTP 401');
    }
  });
});
