import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import type { Message } from '../../src/api/types.js';
import { UNANSWERED_QUESTIONS } from '../../src/emulator/seed-topics.js';
import { extractQa } from '../../src/extract/qa.js';
import {
  findUnanswered,
  isHandoffRequest,
  isSmallTalk,
  isUnknownReply,
  roleOf,
  scrubContactDetails,
  type UnansweredQuestion,
} from '../../src/loop/classify.js';
import { GROUP_THRESHOLD, groupQuestions } from '../../src/loop/group.js';
import { harvestFileName, MAX_LINKS, renderHarvestFile, type HarvestMeta } from '../../src/loop/harvest-file.js';
import { parseDateRange } from '../../src/loop/range.js';

const CUSTOMER = 'cust-1';
const BOT = 'bot-1';
const AGENT = 'agent-7';
const UNKNOWN = "I'm sorry, I don't have an answer to that yet.";

let clock = Date.parse('2026-10-01T10:00:00Z');
let seq = 0;
function m(sender: string | null, content: string, extra: Partial<Message> = {}): Message {
  clock += 60_000;
  seq++;
  return {
    id: `m-${String(seq).padStart(4, '0')}`,
    content,
    sender_id: sender,
    bot_id: BOT,
    created_at: new Date(clock).toISOString(),
    unsent: false,
    deleted_at: null,
    media: [],
    bot: {
      id: BOT,
      name: 'Bot',
      avatar: '',
      auto_reply: true,
      reply_language: null,
      reply_unknown: UNKNOWN,
      workspace_id: 'w',
    },
    ...extra,
  } as Message;
}
const customer = (t: string) => m(CUSTOMER, t);
const bot = (t: string) => m(BOT, t);
const agent = (t: string) => m(AGENT, t);
const system = (t: string) => m(null, t);
const run = (messages: Message[], replyUnknown?: string) =>
  findUnanswered({
    sessionId: 's-1',
    customerId: CUSTOMER,
    botId: BOT,
    ...(replyUnknown ? { replyUnknown } : {}),
    messages,
  }).map((q) => [q.text, q.reason]);

describe('who wrote a message', () => {
  it('reads sender_id: the customer, the bot, nobody (system), anyone else (agent)', () => {
    expect(roleOf({ sender_id: CUSTOMER, bot_id: BOT }, CUSTOMER)).toBe('customer');
    expect(roleOf({ sender_id: BOT, bot_id: BOT }, CUSTOMER)).toBe('bot');
    expect(roleOf({ sender_id: null, bot_id: BOT }, CUSTOMER)).toBe('system');
    expect(roleOf({ sender_id: AGENT, bot_id: BOT }, CUSTOMER)).toBe('agent');
  });
});

describe('unanswered questions of a conversation', () => {
  it("the bot gave its unknown reply (from the message's bot)", () => {
    expect(run([customer('Hi there!'), customer('Do you ship to Iceland?'), bot(UNKNOWN)])).toEqual([
      ['Do you ship to Iceland?', 'unknown-reply'],
    ]);
  });

  it("the unknown reply from the session's bot, when the message carries none", () => {
    const other = 'Sorry, no idea — a human will get back to you.';
    const asked = customer('Do you ship to Iceland?');
    const b = m(BOT, other, { bot: undefined as unknown as Message['bot'] });
    expect(run([asked, b], other)).toEqual([['Do you ship to Iceland?', 'unknown-reply']]);
  });

  it('an answered question is not harvested', () => {
    expect(run([customer('How much is Growth?'), bot('Growth costs $29 a month.'), customer('Thanks!')])).toEqual([]);
  });

  it('an agent answered a question the bot left pending', () => {
    expect(
      run([
        customer('Do you ship to Iceland?'),
        customer('Can I talk to a person, please?'),
        system('Assigned to Maya'),
        agent('Hi, a human here!'),
      ]),
    ).toEqual([['Do you ship to Iceland?', 'agent']]);
  });

  it('the bot answered something else, the customer asked for a person, an agent stepped in', () => {
    expect(
      run([
        customer('Do you ship to Iceland?'),
        bot('Here is what I found: we work with USPS, UPS and FedEx.'),
        customer("That doesn't answer my question. Can I talk to a person, please?"),
        system('Assigned to Maya'),
        agent('Let me check.'),
      ]),
    ).toEqual([['Do you ship to Iceland?', 'agent']]);
  });

  it('an agent who merely follows up does not turn an answered question into an unanswered one', () => {
    expect(
      run([
        customer('How much is Growth?'),
        bot('Growth costs $29 a month.'),
        customer('Thanks!'),
        agent('Anything else?'),
      ]),
    ).toEqual([]);
  });

  it('the unknown reply then an agent counts once, as unknown-reply', () => {
    expect(run([customer('Is there a mobile app?'), bot(UNKNOWN), system('Assigned'), agent('Not yet!')])).toEqual([
      ['Is there a mobile app?', 'unknown-reply'],
    ]);
  });

  it('several messages before one reply are one question; greetings are not questions', () => {
    expect(
      run([
        customer('hey, quick question'),
        customer('My label prints tiny.'),
        customer('On a letter page?'),
        bot(UNKNOWN),
      ]),
    ).toEqual([['My label prints tiny. On a letter page?', 'unknown-reply']]);
  });

  it('messages out of order are put in order; unsent and deleted ones are skipped', () => {
    const q = customer('Do you ship to Iceland?');
    const gone = customer('ignore me');
    gone.deleted_at = gone.created_at;
    const unsent = customer('nor me');
    unsent.unsent = true;
    const r = bot(UNKNOWN);
    expect(run([r, unsent, gone, q])).toEqual([['Do you ship to Iceland?', 'unknown-reply']]);
  });

  it('customer messages after askedUntil are not questions; replies after it still count', () => {
    const q1 = customer('Do you ship to Iceland?');
    const until = q1.created_at;
    const later = [bot(UNKNOWN), customer('And to Norway?'), customer('Hello?'), bot(UNKNOWN)];
    const r = findUnanswered({
      sessionId: 's',
      customerId: CUSTOMER,
      botId: BOT,
      messages: [q1, ...later],
      askedUntil: until,
    });
    expect(r.map((x) => [x.text, x.reason])).toEqual([['Do you ship to Iceland?', 'unknown-reply']]);
    // A question left pending at the end of the range is not merged with later ones.
    const p1 = customer('Is there a mobile app?');
    const after = [customer('Anyone?'), customer('What about Android?'), bot(UNKNOWN)];
    const r2 = findUnanswered({
      sessionId: 's',
      customerId: CUSTOMER,
      botId: BOT,
      messages: [p1, ...after],
      askedUntil: p1.created_at,
    });
    expect(r2.map((x) => x.text)).toEqual(['Is there a mobile app?']);
  });

  it('contact details are scrubbed from harvested questions', () => {
    expect(scrubContactDetails('Mail me at ann.lee@example.com or call +1 (555) 123-4567, order 12345')).toBe(
      'Mail me at [email] or call [number], order 12345',
    );
    expect(run([customer('Where is parcel 9400111899223344556677? I am ann@example.com'), bot(UNKNOWN)])).toEqual([
      ['Where is parcel [number]? I am [email]', 'unknown-reply'],
    ]);
  });

  it.each([
    'Hi there!',
    'Hello, is anyone around?',
    'Good morning 👋',
    'hey, quick question',
    'Hi, I need some help please',
    "Hola! Hope you're having a good day",
    'Thanks!',
  ])('small talk: %j', (t) => expect(isSmallTalk(t)).toBe(true));
  it.each(['Do you ship to Iceland?', 'I have a question about returns', 'SOC 2?'])('not small talk: %j', (t) =>
    expect(isSmallTalk(t)).toBe(false),
  );
  it.each([
    'Can I talk to a person, please?',
    'I want to speak to a human',
    'agent please',
    "That doesn't help. Connect me with someone real",
  ])('asks for a person: %j', (t) => expect(isHandoffRequest(t)).toBe(true));
  it('the unknown reply matches after normalization, or inside a longer reply', () => {
    expect(isUnknownReply(`  ${UNKNOWN.toUpperCase()} `, [UNKNOWN])).toBe(true);
    expect(isUnknownReply(`Hmm. ${UNKNOWN} Meanwhile, see our help centre.`, [UNKNOWN])).toBe(true);
    expect(isUnknownReply('Growth costs $29.', [UNKNOWN])).toBe(false);
    expect(isUnknownReply('', [''])).toBe(false);
  });
});

// ------------------------------------------------------------------ grouping

let n = 0;
function q(
  text: string,
  at: string,
  reason: UnansweredQuestion['reason'] = 'unknown-reply',
  session = `s-${++n}`,
): UnansweredQuestion {
  return { text, at, reason, sessionId: session, customerId: `c-${n}`, messageId: `m-${n}` };
}

describe('near-duplicate grouping', () => {
  const seeded = UNANSWERED_QUESTIONS.map((t, i) =>
    q(t, `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`),
  );

  it('groups the seeded phrasings of the same question, and nothing else', () => {
    const groups = groupQuestions(seeded);
    const sets = groups.map((g) => g.variants.map((v) => v.text).sort());
    expect(groups).toHaveLength(9);
    // Each of the six multi-phrasing questions in one group of three, the three one-offs alone.
    for (let i = 0; i < 18; i += 3) expect(sets).toContainEqual(UNANSWERED_QUESTIONS.slice(i, i + 3).sort());
    for (const one of UNANSWERED_QUESTIONS.slice(18)) expect(sets).toContainEqual([one]);
  });

  it('the threshold keeps "ship to Iceland" apart from "ship to Norway"', () => {
    const g = groupQuestions([
      q('Do you ship to Iceland?', '2026-10-01T00:00:00Z'),
      q('Do you ship to Norway?', '2026-10-02T00:00:00Z'),
    ]);
    expect(g).toHaveLength(2);
    expect(GROUP_THRESHOLD).toBeGreaterThan(0.5);
  });

  it('the representative is the most frequent phrasing (loosely), ties to the first asked', () => {
    const g = groupQuestions([
      q('Is Iceland a destination you ship to?', '2026-10-01T00:00:00Z'),
      q('do u guys ship to iceland??', '2026-10-02T00:00:00Z', 'agent'),
      q('Do you ship to Iceland?', '2026-10-03T00:00:00Z'),
      q('do you ship to iceland', '2026-10-04T00:00:00Z'),
    ]);
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({
      question: 'Do you ship to Iceland?',
      count: 4,
      reasons: { 'unknown-reply': 3, agent: 1 },
      first: '2026-10-01T00:00:00Z',
      last: '2026-10-04T00:00:00Z',
    });
    expect(g[0]!.variants).toEqual([
      { text: 'Do you ship to Iceland?', count: 2 },
      { text: 'Is Iceland a destination you ship to?', count: 1 },
      { text: 'do u guys ship to iceland??', count: 1 },
    ]);
  });

  it('is deterministic: any order of the same questions gives the same groups', () => {
    const base = groupQuestions(seeded);
    fc.assert(
      fc.property(fc.shuffledSubarray(seeded, { minLength: seeded.length, maxLength: seeded.length }), (shuffled) => {
        expect(groupQuestions(shuffled)).toEqual(base);
      }),
      { numRuns: 50 },
    );
  });
});

// ------------------------------------------------------------------ the harvest file

const META: HarvestMeta = {
  botId: 'bot-1',
  since: '2026-09-01T00:00:00.000Z',
  until: '2026-10-31T23:59:59.999Z',
  customers: 12,
  sessions: 30,
  questions: 21,
  minCount: 1,
  belowMinCount: 0,
};

describe('the harvest file', () => {
  const groups = groupQuestions(
    UNANSWERED_QUESTIONS.map((t, i) =>
      q(t, `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`, i % 4 === 0 ? 'agent' : 'unknown-reply'),
    ),
  );

  it('every entry reads back through the Q&A extractor as a draft: sync skips them all and counts them', () => {
    const text = renderHarvestFile(groups, META);
    const r = extractQa(text, 'inbox/harvest-2026-10-31.qa.yaml', { maxItemsPerFile: 5000 });
    expect(r.extract).toMatchObject({ items: [], issues: [], complete: true, draftEntries: groups.length });
    expect(r.entries).toEqual([]);
    const doc = parse(text) as { questions: { q: string; a: string; draft: boolean }[] };
    expect(doc.questions).toEqual(groups.map((g) => ({ q: g.question, a: '', draft: true })));
  });

  it('comments carry the counts, other phrasings and conversations; nothing about "now"', () => {
    const text = renderHarvestFile(groups, META);
    expect(text).toContain('# bot: bot-1');
    expect(text).toContain('# range: 2026-09-01T00:00:00.000Z to 2026-10-31T23:59:59.999Z');
    expect(text).toMatch(
      /# asked 3 times \(\d unknown reply(, \d agent stepped in)?\) · first 2026-10-\d\d, last 2026-10-\d\d/,
    );
    expect(text).toMatch(/# also asked as: ".+"/);
    expect(text).toMatch(/# {3}s-\d+ --customer c-\d+/);
    expect(text).not.toContain(new Date().toISOString().slice(0, 10));
    expect(renderHarvestFile(groups, META)).toBe(text);
  });

  it('lists at most MAX_LINKS conversations per entry', () => {
    const many = groupQuestions(
      Array.from({ length: MAX_LINKS + 4 }, (_, i) =>
        q('Do you ship to Iceland?', `2026-10-01T00:00:${String(i).padStart(2, '0')}Z`),
      ),
    );
    const text = renderHarvestFile(many, META);
    expect(text.match(/# {3}s-\d+ --customer/g)).toHaveLength(MAX_LINKS);
    expect(text).toContain('… and 4 more');
  });

  it('any question text round-trips as a draft', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ''),
          { minLength: 1, maxLength: 8 },
        ),
        (texts) => {
          const gs = texts.map((t, i) => ({
            question: t.replace(/\s+/g, ' ').trim() || 'x',
            count: 1,
            reasons: { 'unknown-reply': 1, agent: 0 },
            variants: [
              { text: `${t}\n# not a key: [x]`, count: 1 },
              { text: 'other', count: 1 },
            ],
            occurrences: [q(t, '2026-10-01T00:00:00Z')],
            first: '2026-10-01T00:00:00Z',
            last: '2026-10-01T00:00:00Z',
            _i: i,
          }));
          const text = renderHarvestFile(gs, META);
          const r = extractQa(text, 'x.qa.yaml', { maxItemsPerFile: 5000 });
          expect(r.extract.issues).toEqual([]);
          expect(r.extract.draftEntries).toBe(gs.length);
          expect((parse(text) as { questions: { q: string }[] }).questions.map((e) => e.q)).toEqual(
            gs.map((g) => g.question),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is named after the last day of the range', () => {
    expect(harvestFileName('2026-10-31')).toBe('harvest-2026-10-31.qa.yaml');
  });
});

describe('date ranges', () => {
  const now = Date.parse('2026-11-26T07:00:00Z');
  it('defaults to the last 30 days, ending today (UTC)', () => {
    expect(parseDateRange({}, now)).toEqual({
      since: '2026-10-28T00:00:00.000Z',
      until: '2026-11-26T23:59:59.999Z',
      day: '2026-11-26',
    });
  });
  it('days are whole days; date-times are kept; Nd counts back from now', () => {
    expect(parseDateRange({ since: '2026-10-01', until: '2026-10-31' }, now)).toEqual({
      since: '2026-10-01T00:00:00.000Z',
      until: '2026-10-31T23:59:59.999Z',
      day: '2026-10-31',
    });
    expect(parseDateRange({ since: '2026-10-01T08:30:00Z', until: '2026-10-02T09:00:00+02:00' }, now)).toMatchObject({
      since: '2026-10-01T08:30:00.000Z',
      until: '2026-10-02T07:00:00.000Z',
    });
    expect(parseDateRange({ since: '7d' }, now).since).toBe('2026-11-19T00:00:00.000Z');
    expect(parseDateRange({ until: '2026-10-31' }, now).since).toBe('2026-10-02T00:00:00.000Z');
  });
  it.each([
    [{ since: 'yesterday' }, /--since must be/],
    [{ until: '2026-02-30' }, /not a date/],
    [{ since: '2026-11-01', until: '2026-10-01' }, /after --until/],
  ])('refuses %j', (opts, re) => expect(() => parseDateRange(opts, now)).toThrow(re));
});
