import { randomBytes, randomUUID } from 'node:crypto';
import util from 'node:util';
import { describe, expect, it } from 'vitest';
import { CxGenieClient, type ClientOptions, type ResponseInfo } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { ShapeError } from '../../src/api/shape.js';
import type { CreateBotDataInput, Customer, Message, SendMessageInput, Session } from '../../src/api/types.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { exitCodeForError } from '../../src/cli/exit.js';
import { ExitCode } from '../../src/errors.js';
import { emulator } from '../helpers/emulator.js';
import { closedPort, sendJson, tinyServer } from '../helpers/http.js';
import {
  botDataShape,
  customerDetailShape,
  customerShape,
  isUuid,
  messageShape,
  problems,
  sessionShape,
  uploadedFileShape,
} from '../helpers/shapes.js';

// ------------------------------------------------------------------ helpers

const SEEDED = 60;
const PAGE = 20;

function clientFor(emu: EmulatorHandle, over: Partial<ClientOptions> = {}): CxGenieClient {
  return new CxGenieClient({ baseUrl: emu.url, token: emu.token, botId: emu.botId, ...over });
}

/** Run `fn`, expect it to reject with an ApiError, return it. */
async function apiError(fn: () => Promise<unknown>): Promise<ApiError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected the call to fail').toBeInstanceOf(ApiError);
  return caught as ApiError;
}

/** The token in none of the forms an error or a client is printed in. */
function expectNoToken(token: string, ...things: unknown[]): void {
  for (const thing of things) {
    const forms = [
      util.inspect(thing),
      util.inspect(thing, { showHidden: true, depth: Infinity, getters: true }),
      JSON.stringify(thing),
      String(thing),
    ];
    if (thing instanceof Error)
      forms.push(thing.message, thing.stack ?? '', 'hint' in thing && typeof thing.hint === 'string' ? thing.hint : '');
    for (const text of forms) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(encodeURIComponent(token));
    }
  }
}

/** Every seeded customer through the pagination helper. */
async function allCustomers(
  client: CxGenieClient,
  query: Parameters<CxGenieClient['iterateCustomers']>[0] = {},
): Promise<Customer[]> {
  const out: Customer[] = [];
  for await (const c of client.iterateCustomers(query)) out.push(c);
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const isUser = (c: { email: string; phone_number: string }) => c.email !== '' && c.phone_number !== '';

/** The seeded customer with the most conversations, and the conversation with the most messages. */
function busiest(emu: EmulatorHandle): {
  customerId: string;
  sessionCount: number;
  sessionId: string;
  sessionCustomer: string;
  messageCount: number;
} {
  const perCustomer = new Map<string, number>();
  let longest = { id: '', customer: '', n: 0 };
  for (const s of emu.world.sessions.values()) {
    perCustomer.set(s.customer_id, (perCustomer.get(s.customer_id) ?? 0) + 1);
    if (s.messages.length > longest.n) longest = { id: s.id, customer: s.customer_id, n: s.messages.length };
  }
  const [customerId, sessionCount] = [...perCustomer.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return {
    customerId,
    sessionCount,
    sessionId: longest.id,
    sessionCustomer: longest.customer,
    messageCount: longest.n,
  };
}

// ------------------------------------------------------------------ 1. POST /bot-data

describe('createBotData (POST /bot-data)', () => {
  it('creates one item of each type, shaped field for field like BotData', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const inputs: CreateBotDataInput[] = [
      { type: 'TEXT', title: 'Shipping zones', content: 'We ship to every zone from 1 to 8.' },
      { type: 'Q_AND_A', content: 'How do I void a label?', content_value: 'Open the label and press Void.' },
      { type: 'URL', content: 'https://help.example.com/returns' },
    ];
    const rows = [];
    for (const input of inputs) rows.push(await client.createBotData(input));

    for (const [i, row] of rows.entries()) {
      const input = inputs[i]!;
      expect(problems(row, botDataShape)).toEqual([]);
      expect(row).toMatchObject({
        bot_id: emu.botId,
        type: input.type,
        content: input.content,
        content_value: input.content_value ?? null,
        title: input.title ?? null,
        status_learning: 'WAITING',
        source: 'USER',
        deleted_at: null,
      });
      expect(isUuid(row.id)).toBe(true);
      expect(Date.parse(row.updated_at)).toBeGreaterThanOrEqual(Date.parse(row.created_at));
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    // The server holds exactly what the client was told, in order.
    expect(emu.created(emu.botId)).toEqual(rows);
  });

  it('the shape check is not vacuous: it catches a missing key, an extra key and a wrong type', async () => {
    const emu = await emulator();
    const row = await clientFor(emu).createBotData({ type: 'TEXT', content: 'x' });
    const { title: _title, ...missing } = row;
    expect(problems(missing, botDataShape)).toEqual(['$.title: missing']);
    expect(problems({ ...row, extra: 1 }, botDataShape)).toEqual(['$.extra: not in the type']);
    expect(problems({ ...row, size: '12' }, botDataShape)).toEqual(['$.size: expected number, got string']);
    expect(problems({ ...row, id: 'not-a-uuid' }, botDataShape)).toHaveLength(1);
    expect(problems({ ...row, created_at: '2026-01-01 10:00' }, botDataShape)).toHaveLength(1);
    expect(problems({ ...row, status_learning: 'DONE' }, botDataShape)).toHaveLength(1);
  });

  it('creates a DOCUMENT from an uploaded file (decision 4): file name, size and type carried over', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const bytes = randomBytes(3000);
    const [file] = await client.uploadFiles([
      { name: 'rates.pdf', data: new Blob([bytes], { type: 'application/pdf' }) },
    ]);
    const row = await client.createBotData({ type: 'DOCUMENT', content: file!.url, title: file!.name });
    expect(problems(row, botDataShape)).toEqual([]);
    expect(row).toMatchObject({
      type: 'DOCUMENT',
      content: file!.url,
      title: 'rates.pdf',
      filename: 'rates.pdf',
      size: bytes.length,
      mimetype: 'application/pdf',
    });
  });
});

// ------------------------------------------------------------------ 3 + 4. customers

describe('listCustomers / iterateCustomers / getCustomer (GET /customer-list, /customer-detail/:id)', () => {
  it('returns a page of customers shaped like Customer, newest first, with the total of all pages', async () => {
    const emu = await emulator({ customers: SEEDED, pageSize: PAGE });
    const page = await clientFor(emu).listCustomers();
    expect(page.total).toBe(SEEDED);
    expect(page.customers).toHaveLength(PAGE);
    for (const c of page.customers) expect(problems(c, customerShape)).toEqual([]);
    const times = page.customers.map((c) => Date.parse(c.created_at));
    // The cursor is "created_at of the last row seen": that only pages if rows go newest first.
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThan(times[i - 1]!);
  });

  it('the cursor is the created_at of the last row: the next page starts strictly after it', async () => {
    const emu = await emulator({ customers: SEEDED, pageSize: PAGE });
    const client = clientFor(emu);
    const first = await client.listCustomers();
    const cursor = first.customers.at(-1)!.created_at;
    const second = await client.listCustomers({ cursor });
    expect(second.customers).toHaveLength(PAGE);
    for (const c of second.customers) expect(Date.parse(c.created_at)).toBeLessThan(Date.parse(cursor));
    const firstIds = new Set(first.customers.map((c) => c.id));
    expect(second.customers.filter((c) => firstIds.has(c.id))).toEqual([]);
  });

  it.each([
    [SEEDED, PAGE],
    [45, PAGE], // a last page that is not full
    [7, 3],
  ])('iterateCustomers yields each of %i customers exactly once over pages of %i', async (customers, pageSize) => {
    const emu = await emulator({ customers, pageSize });
    const calls: ResponseInfo[] = [];
    const client = clientFor(emu, { onResponse: (i) => calls.push(i) });
    const all = await allCustomers(client);
    const ids = all.map((c) => c.id);
    expect(ids).toHaveLength(customers);
    expect(new Set(ids).size).toBe(customers);
    expect(new Set(ids)).toEqual(new Set(emu.world.customers.map((c) => c.id)));
    // Every page was needed, and at most one more (the empty one that ends it).
    expect(calls.length).toBeGreaterThanOrEqual(Math.ceil(customers / pageSize));
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(customers / pageSize) + 1);
    expect(calls.every((c) => c.endpoint === 'GET /customer-list' && c.status === 200)).toBe(true);
  });

  it('iterateCustomers applies search, types and is_testing on every page', async () => {
    const emu = await emulator({ customers: SEEDED, pageSize: 5 });
    const client = clientFor(emu);
    const all = await allCustomers(client);
    const ids = (cs: Customer[]) => cs.map((c) => c.id).sort();

    const users = await allCustomers(client, { types: ['users'] });
    expect(users.length).toBeGreaterThan(5); // more than one page
    expect(ids(users)).toEqual(ids(all.filter(isUser)));
    const leads = await allCustomers(client, { types: ['lead'] });
    expect(ids(leads)).toEqual(ids(all.filter((c) => !isUser(c))));
    expect(ids(await allCustomers(client, { types: ['lead', 'users'] }))).toEqual(ids(all));

    const testing = await allCustomers(client, { is_testing: true });
    expect(testing.length).toBeGreaterThan(0);
    expect(ids(testing)).toEqual(ids(all.filter((c) => c.is_testing)));
    expect(ids(await allCustomers(client, { is_testing: false }))).toEqual(ids(all.filter((c) => !c.is_testing)));

    // Search by the last name of a customer: every hit contains it; every customer named so is a hit.
    const term = all[0]!.name.split(' ').at(-1)!;
    const found = await allCustomers(client, { search: term.toUpperCase() });
    const has = (c: Customer) =>
      [c.name, c.email, c.phone_number].some((f) => f.toLowerCase().includes(term.toLowerCase()));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every(has)).toBe(true);
    expect(ids(found)).toEqual(ids(all.filter(has)));

    // Filters combine.
    const both = await allCustomers(client, { types: ['users'], is_testing: false });
    expect(ids(both)).toEqual(ids(all.filter((c) => isUser(c) && !c.is_testing)));
  });

  it('iterateCustomers yields a row once when a server repeats the boundary row (inclusive cursor)', async () => {
    // 7 customers, pages of 3, a server that answers `created_at <= cursor`.
    const base = Date.parse('2026-01-01T00:00:00Z');
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `c${i}`,
      created_at: new Date(base + i * 1000).toISOString(),
    })).reverse();
    const srv = await tinyServer((req, res) => {
      const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor');
      const after = cursor ? rows.filter((r) => Date.parse(r.created_at) <= Date.parse(cursor)) : rows;
      sendJson(res, 200, { success: true, data: { total: rows.length, customers: after.slice(0, 3) } });
    });
    const client = new CxGenieClient({ baseUrl: `${srv.origin}/api`, token: 'tok-inclusive', botId: 'b' });
    const seen = (await allCustomers(client)).map((c) => c.id);
    expect(seen).toEqual(rows.map((r) => r.id));
    // It sent the created_at of the last row as the cursor.
    const cursors = srv.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('cursor'));
    expect(cursors[0]).toBeNull();
    expect(cursors[1]).toBe(rows[2]!.created_at);
  });

  it('getCustomer returns the detail shaped like CustomerDetail, consistent with the list row', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const { customers } = await client.listCustomers();
    for (const c of customers.slice(0, 5)) {
      const d = await client.getCustomer(c.id);
      expect(problems(d, customerDetailShape)).toEqual([]);
      const { contact_tag_ids: _t, ...common } = c;
      expect(d).toMatchObject(common);
      expect(d.last_session.id).toBe(c.last_session_id);
      expect(d.last_message.id).toBe(c.message_id);
    }
  });

  it('getCustomer of an unknown customer is a 404 error', async () => {
    const emu = await emulator();
    const err = await apiError(() => clientFor(emu).getCustomer(randomUUID()));
    expect(err).toMatchObject({
      status: 404,
      delivery: 'answered',
      retryable: false,
      endpoint: 'GET /customer-detail/:id',
    });
    expectNoToken(emu.token, err);
  });
});

// ------------------------------------------------------------------ 5 + 6. sessions and messages

describe('listSessions / iterateSessions (GET /sessions-by-customer)', () => {
  it('pages through a customer with more conversations than a page, matching one large page', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const { customerId, sessionCount } = busiest(emu);
    expect(sessionCount).toBeGreaterThan(10); // more than the default page

    const big = await client.listSessions({ customer_id: customerId, limit: 100 });
    expect(big.total).toBe(sessionCount);
    expect(big.sessions).toHaveLength(sessionCount);
    for (const s of big.sessions) {
      expect(problems(s, sessionShape)).toEqual([]);
      expect(s.customer.id).toBe(customerId);
      expect(s.from_user_id).toBe(customerId);
    }

    // Default limit (10) per the document, with the total of all pages.
    const dflt = await client.listSessions({ customer_id: customerId });
    expect(dflt.sessions).toHaveLength(10);
    expect(dflt.total).toBe(sessionCount);

    const calls: ResponseInfo[] = [];
    const paging = clientFor(emu, { onResponse: (i) => calls.push(i) });
    const paged = await collect(paging.iterateSessions({ customer_id: customerId, limit: 4 }));
    expect(paged.map((s) => s.id)).toEqual(big.sessions.map((s) => s.id));
    expect(calls).toHaveLength(Math.ceil(sessionCount / 4));
  });

  it('filters by status', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const { customerId, sessionCount } = busiest(emu);
    const open = await collect(client.iterateSessions({ customer_id: customerId, status: ['OPEN'], limit: 3 }));
    const closed = await collect(client.iterateSessions({ customer_id: customerId, status: ['CLOSED'], limit: 3 }));
    expect(open.every((s) => s.status === 'OPEN')).toBe(true);
    expect(closed.every((s) => s.status === 'CLOSED')).toBe(true);
    expect(open.length + closed.length).toBe(sessionCount);
    const either = await collect(
      client.iterateSessions({ customer_id: customerId, status: ['OPEN', 'CLOSED'], limit: 3 }),
    );
    expect(either).toHaveLength(sessionCount);
  });
});

describe('listMessages / iterateMessages (GET /detail-sessions/:id)', () => {
  it('pages through a long conversation, matching one large page, in both orders', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const { sessionId, sessionCustomer, messageCount } = busiest(emu);
    expect(messageCount).toBeGreaterThan(10);

    const big = await client.listMessages(sessionId, { customer_id: sessionCustomer, limit: 100 });
    expect(big).toHaveLength(messageCount);
    for (const m of big) {
      expect(problems(m, messageShape)).toEqual([]);
      expect(m.session_id).toBe(sessionId);
    }
    // Ascending by default.
    for (let i = 1; i < big.length; i++)
      expect(Date.parse(big[i]!.created_at)).toBeGreaterThanOrEqual(Date.parse(big[i - 1]!.created_at));

    const dflt = await client.listMessages(sessionId, { customer_id: sessionCustomer });
    expect(dflt.map((m) => m.id)).toEqual(big.slice(0, 10).map((m) => m.id));

    const paged = await collect(client.iterateMessages(sessionId, { customer_id: sessionCustomer, limit: 7 }));
    expect(paged.map((m) => m.id)).toEqual(big.map((m) => m.id));

    const desc = await collect(
      client.iterateMessages(sessionId, { customer_id: sessionCustomer, limit: 7, order: 'desc' }),
    );
    expect(desc.map((m) => m.id)).toEqual(big.map((m) => m.id).reverse());
  });

  it('remove_system_message drops only system messages', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    // A conversation that has a system message ("Conversation closed", an assignment, …).
    const session = [...emu.world.sessions.values()].find((s) => s.messages.some((m) => m.role === 'system'))!;
    const all = await client.listMessages(session.id, { customer_id: session.customer_id, limit: 100 });
    const kept = await client.listMessages(session.id, {
      customer_id: session.customer_id,
      limit: 100,
      remove_system_message: true,
    });
    const systemIds = new Set(session.messages.filter((m) => m.role === 'system').map((m) => m.id));
    expect(kept.map((m) => m.id)).toEqual(all.map((m) => m.id).filter((id) => !systemIds.has(id)));
    expect(kept.length).toBeLessThan(all.length);
  });

  it('requires the conversation to belong to the customer', async () => {
    const emu = await emulator();
    const { sessionId } = busiest(emu);
    const { sessionCustomer } = busiest(emu);
    const other = emu.world.customers.find((c) => c.id !== sessionCustomer)!;
    const err = await apiError(() => clientFor(emu).listMessages(sessionId, { customer_id: other.id }));
    expect(err.status).toBe(404);
  });
});

// ------------------------------------------------------------------ 7. uploads

describe('uploadFiles (POST /upload/multiple)', () => {
  it('uploads several files in one request; one result per file, in order, bytes intact', async () => {
    const emu = await emulator();
    const calls: ResponseInfo[] = [];
    const client = clientFor(emu, { onResponse: (i) => calls.push(i) });
    const files = [
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('Plain text, ünïcödé included.\n') },
      { name: 'logo.png', type: 'image/png', bytes: randomBytes(2048) },
      { name: 'Price list 2026.pdf', type: 'application/pdf', bytes: randomBytes(70_000) },
      { name: 'empty.csv', type: 'text/csv', bytes: Buffer.alloc(0) },
    ];
    const out = await client.uploadFiles(
      files.map((f) => ({ name: f.name, data: new Blob([f.bytes], { type: f.type }) })),
    );
    expect(calls).toHaveLength(1); // one multipart request for all
    expect(out).toHaveLength(files.length);
    for (const [i, f] of files.entries()) {
      const u = out[i]!;
      expect(problems(u, uploadedFileShape)).toEqual([]);
      expect(u).toMatchObject({ name: f.name, type: f.type, size: f.bytes.length });
      expect(new URL(u.url).protocol).toBe('http:');
      const res = await fetch(u.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(f.type);
      expect(Buffer.from(await res.arrayBuffer()).equals(f.bytes)).toBe(true);
    }
    expect(new Set(out.map((u) => u.url)).size).toBe(files.length);
    expect(emu.stats().uploads).toBe(files.length);
  });

  it('sends nothing for an empty list', async () => {
    const emu = await emulator();
    expect(await clientFor(emu).uploadFiles([])).toEqual([]);
    expect(emu.stats().requests).toBe(0);
  });
});

// ------------------------------------------------------------------ 2. chat

describe('sendMessage (POST /messages)', () => {
  it("answers from a Q&A created first, and falls back to the bot's reply_unknown", async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const question = 'How do I reset my Parcelly password?';
    const answer = 'Open Settings, then Security, then press "Reset password".';
    await client.createBotData({ type: 'Q_AND_A', content: question, content_value: answer });

    const info = {
      name: 'Quinn Q',
      email: `quinn.${randomUUID()}@mail.example`,
      phone_number: '+15550001111',
      external_id: randomUUID(),
    };
    expect(await client.sendMessage({ content: 'how can I reset my parcelly password', customer_info: info })).toBe(
      answer,
    );

    const unknown = await client.sendMessage({ content: 'Is the moon made of green cheese?', customer_info: info });
    expect(unknown).not.toBe(answer);
    // The bot's fallback reply, read back through the API (sessions carry bot.reply_unknown).
    const customer = (await allCustomers(client, { search: info.email }))[0]!;
    const { sessions } = await client.listSessions({ customer_id: customer.id });
    expect(sessions[0]!.bot.reply_unknown).not.toBe('');
    expect(unknown).toBe(sessions[0]!.bot.reply_unknown);
  });

  it('creates a customer from customer_info that shows in customer-list and customer-detail', async () => {
    const emu = await emulator({ customers: SEEDED });
    const client = clientFor(emu);
    const info = {
      name: 'Ada Lovelace',
      email: `ada.${randomUUID()}@mail.example`,
      phone_number: '+15557654321',
      external_id: randomUUID(),
    };
    const reply = await client.sendMessage({
      content: 'Hello, anyone there?',
      customer_info: info,
      metadata: { page: '/pricing' },
    });
    expect(typeof reply).toBe('string');

    const first = await client.listCustomers();
    expect(first.total).toBe(SEEDED + 1);
    // The newest customer comes first.
    const c = first.customers[0]!;
    expect(problems(c, customerShape)).toEqual([]);
    expect(c).toMatchObject({
      name: info.name,
      email: info.email,
      phone_number: info.phone_number,
      external_id: info.external_id,
      bot_id: emu.botId,
    });

    const bySearch = await allCustomers(client, { search: info.email });
    expect(bySearch.map((x) => x.id)).toEqual([c.id]);
    // Both email and phone: a "users" customer, not a lead.
    expect((await allCustomers(client, { types: ['users'], search: info.email })).map((x) => x.id)).toEqual([c.id]);
    expect(await allCustomers(client, { types: ['lead'], search: info.email })).toEqual([]);

    const d = await client.getCustomer(c.id);
    expect(problems(d, customerDetailShape)).toEqual([]);
    expect(d).toMatchObject({
      id: c.id,
      name: info.name,
      email: info.email,
      phone_number: info.phone_number,
      external_id: info.external_id,
    });
    expect(d.last_message.content).toBe(reply);
    expect(d.last_session.status).toBe('OPEN');
    expect(d.is_customer_answered).toBe(true);
  });

  it("appends to the customer's conversation, visible through sessions and messages", async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const info = { name: 'Sam', email: `sam.${randomUUID()}@mail.example`, external_id: randomUUID() };
    const upload = (
      await client.uploadFiles([{ name: 'photo.jpg', data: new Blob([randomBytes(500)], { type: 'image/jpeg' }) }])
    )[0]!;
    const media = [{ uid: randomUUID(), name: upload.name, size: upload.size, url: upload.url, type: upload.type }];
    const turns: SendMessageInput[] = [
      { content: 'My parcel has not arrived', customer_info: info, media },
      { content: 'It was sent a week ago', customer_info: info },
    ];
    const replies: string[] = [];
    for (const t of turns) replies.push(await client.sendMessage(t));

    const customer = (await allCustomers(client, { search: info.email }))[0]!;
    const sessions = await collect(client.iterateSessions({ customer_id: customer.id }));
    expect(sessions).toHaveLength(1); // both turns in one open conversation
    const s: Session = sessions[0]!;
    expect(problems(s, sessionShape)).toEqual([]);
    expect(s).toMatchObject({ status: 'OPEN', bot_id: emu.botId, is_last_session: true, last_message_by: 'BOT' });
    expect(s.last_message.content).toBe(replies[1]);

    const msgs: Message[] = await collect(client.iterateMessages(s.id, { customer_id: customer.id, limit: 3 }));
    expect(msgs.map((m) => m.content)).toEqual([turns[0]!.content, replies[0], turns[1]!.content, replies[1]]);
    for (const m of msgs) expect(problems(m, messageShape)).toEqual([]);
    expect(msgs.map((m) => m.sender_id)).toEqual([customer.id, emu.botId, customer.id, emu.botId]);
    expect(msgs[0]!.media).toEqual(media);
    expect(msgs[2]!.media).toEqual([]);
    expect(s.last_message_id).toBe(msgs[3]!.id);
  });

  it('without customer_info the chat is an anonymous customer', async () => {
    const emu = await emulator({ customers: SEEDED });
    const client = clientFor(emu);
    await client.sendMessage({ content: 'Just looking around' });
    const page = await client.listCustomers();
    expect(page.total).toBe(SEEDED + 1);
    expect(page.customers[0]).toMatchObject({ email: '', phone_number: '', external_id: null });
  });
});

// ------------------------------------------------------------------ errors the server answers

describe('errors the server answers', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['missing content', { type: 'TEXT', title: 'x' }, /content/],
    ['an unknown type', { type: 'VIDEO', content: 'x' }, /type/],
    ['content of the wrong JSON type', { type: 'TEXT', content: 123 }, /content/],
    ['title of the wrong JSON type', { type: 'TEXT', content: 'x', title: ['a'] }, /title/],
    ['a Q&A without its answer', { type: 'Q_AND_A', content: 'Why?' }, /content_value/],
    ['a URL item that is not a URL', { type: 'URL', content: 'not a url' }, /URL/],
  ])('400 for %s', async (_name, input, mentions) => {
    const emu = await emulator();
    const client = clientFor(emu);
    const err = await apiError(() => client.createBotData(input as unknown as CreateBotDataInput));
    expect(err).toMatchObject({ status: 400, delivery: 'answered', retryable: false, endpoint: 'POST /bot-data' });
    expect(err.serverMessage).toMatch(mentions);
    expect(err.message).toContain(err.serverMessage);
    expect(err.mayHaveTakenEffect).toBe(false);
    expect(emu.created()).toEqual([]);
    expectNoToken(emu.token, err, client);
  });

  it('400 for a body that is not JSON (raw fetch)', async () => {
    const emu = await emulator();
    for (const body of ['{"bot_id": "bot-1", "content": ', 'content=x&type=TEXT', '[1, 2]']) {
      const res = await fetch(`${emu.url}/bot-data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { success: boolean; message: string };
      expect(json.success).toBe(false);
      expect(json.message).toMatch(/JSON/);
    }
    expect(emu.created()).toEqual([]);
  });

  it('401 on every endpoint for a wrong token; the token appears nowhere in the errors', async () => {
    const emu = await emulator();
    const wrong = 'wrong-token-abcdef123456';
    const client = new CxGenieClient({ baseUrl: emu.url, token: wrong, botId: emu.botId });
    const { customerId, sessionId, sessionCustomer } = busiest(emu);
    const calls: [string, () => Promise<unknown>][] = [
      ['POST /bot-data', () => client.createBotData({ type: 'TEXT', content: 'x' })],
      ['POST /messages', () => client.sendMessage({ content: 'hi' })],
      ['GET /customer-list', () => client.listCustomers()],
      ['GET /customer-detail/:id', () => client.getCustomer(customerId)],
      ['GET /sessions-by-customer', () => client.listSessions({ customer_id: customerId })],
      ['GET /detail-sessions/:id', () => client.listMessages(sessionId, { customer_id: sessionCustomer })],
      ['POST /upload/multiple', () => client.uploadFiles([{ name: 'a.txt', data: new Blob(['a']) }])],
    ];
    for (const [endpoint, call] of calls) {
      const err = await apiError(call);
      expect(err, endpoint).toMatchObject({
        endpoint,
        status: 401,
        delivery: 'answered',
        retryable: false,
        isAuth: true,
        kind: 'auth',
      });
      expect(exitCodeForError(err), endpoint).toBe(ExitCode.usage);
      expect(err.hint).toMatch(/CXGENIE_WORKSPACE_TOKEN/);
      expectNoToken(wrong, err);
      expectNoToken(emu.token, err);
    }
    expectNoToken(wrong, client);
    expect(emu.created()).toEqual([]);
    expect(emu.stats().uploads).toBe(0);
  });

  it('401 for a missing token (raw fetch), and the client refuses to start without one', async () => {
    const emu = await emulator();
    const post = await fetch(`${emu.url}/bot-data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bot_id: emu.botId, type: 'TEXT', content: 'x' }),
    });
    expect(post.status).toBe(401);
    expect(((await post.json()) as { message: string }).message).toMatch(/workspace_token/);
    const get = await fetch(`${emu.url}/customer-list`);
    expect(get.status).toBe(401);
    expect(() => new CxGenieClient({ baseUrl: emu.url, token: '', botId: emu.botId })).toThrow(TypeError);
  });

  it('404 for an unknown bot, on create and on chat; nothing created', async () => {
    const emu = await emulator();
    const client = clientFor(emu, { botId: 'no-such-bot' });
    for (const call of [
      () => client.createBotData({ type: 'TEXT', content: 'x' }),
      () => client.sendMessage({ content: 'hi' }),
    ]) {
      const err = await apiError(call);
      expect(err).toMatchObject({ status: 404, delivery: 'answered', retryable: false });
      expect(err.serverMessage).toMatch(/bot/i);
      expect(err.hint).toMatch(/bot id/i);
      expectNoToken(emu.token, err);
    }
    expect(emu.created()).toEqual([]);
    expect(emu.stats().messages).toBe(0);
  });

  it('5xx is retryable; 500 was answered (no effect), 504 may have taken effect', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    emu.setFaults({
      schedule: [
        { endpoint: 'POST /bot-data', at: 1, fault: 'error', status: 500 },
        { endpoint: 'POST /bot-data', at: 2, fault: 'error', status: 504 },
      ],
    });
    const e500 = await apiError(() => client.createBotData({ type: 'TEXT', content: 'a' }));
    expect(e500).toMatchObject({ status: 500, delivery: 'answered', retryable: true });
    const e504 = await apiError(() => client.createBotData({ type: 'TEXT', content: 'b' }));
    expect(e504).toMatchObject({ status: 504, delivery: 'unknown', retryable: true, mayHaveTakenEffect: true });
    expectNoToken(emu.token, e500, e504);
    // The third request is past the schedule.
    await client.createBotData({ type: 'TEXT', content: 'c' });
    expect(emu.created().map((d) => d.content)).toEqual(['c']);
  });
});

// ------------------------------------------------------------------ 429 and Retry-After

describe('429 and Retry-After', () => {
  it('parses Retry-After in seconds from a scheduled rate limit; nothing created', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const retryAfterSec = 7;
    emu.setFaults({ schedule: [{ endpoint: 'POST /bot-data', at: 1, fault: 'rate-limit', retryAfterSec }] });
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(err).toMatchObject({
      status: 429,
      delivery: 'answered',
      retryable: true,
      retryAfterMs: retryAfterSec * 1000,
      mayHaveTakenEffect: false,
    });
    expect(err.hint).toMatch(/rate/i);
    expectNoToken(emu.token, err, client);
    expect(emu.created()).toEqual([]);
    expect(emu.stats().rateLimited).toBe(1);
  });

  it("parses Retry-After from the emulator's token bucket", async () => {
    // 0.5 requests per second, a bucket of 1: the second request right after the first must wait
    // (1 token) / (0.5 per second) = 2 s; 1.2 s later, 0.8 s: announced in whole seconds, rounded up.
    // The bucket's clock is moved by hand: the answers do not depend on the machine's speed.
    let now = 0;
    const emu = await emulator({ faults: { rateLimit: { requestsPerSecond: 0.5, burst: 1 } }, clock: () => now });
    const client = clientFor(emu);
    await client.listCustomers();
    const err = await apiError(() => client.listCustomers());
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000 });
    now += 1_200;
    expect(await apiError(() => client.listCustomers())).toMatchObject({ status: 429, retryAfterMs: 1000 });
    expectNoToken(emu.token, err);
  });

  it("parses Retry-After given as an HTTP date, against the client's clock", async () => {
    const now = Date.parse('2026-05-05T10:00:00Z');
    const srv = await tinyServer((_req, res) => {
      sendJson(
        res,
        429,
        { success: false, message: 'Slow down' },
        { 'retry-after': new Date(now + 90_000).toUTCString() },
      );
    });
    const token = 'tok-http-date-123';
    const client = new CxGenieClient({ baseUrl: `${srv.origin}/api/v2/public-api`, token, botId: 'b', now: () => now });
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(err).toMatchObject({ status: 429, retryAfterMs: 90_000, retryable: true, serverMessage: 'Slow down' });
    expectNoToken(token, err);
  });

  it('has no retryAfterMs without the header, or with an unreadable one', async () => {
    let header: string | undefined;
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 429, { success: false, message: 'Slow down' }, header ? { 'retry-after': header } : {}),
    );
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-no-header', botId: 'b' });
    for (const h of [undefined, 'later', '-5']) {
      header = h;
      const err = await apiError(() => client.listCustomers());
      expect(err.status).toBe(429);
      expect(err.retryAfterMs, String(h)).toBeUndefined();
    }
  });
});

// ------------------------------------------------------------------ lost, refused, timed out

describe('requests whose fate is unknown or that never left', () => {
  it('a lost response (schedule "lose") is delivery unknown, and the item really was created', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    emu.setFaults({ schedule: [{ endpoint: 'POST /bot-data', at: 1, fault: 'lose' }] });
    const content = `lost-${randomUUID()}`;
    const err = await apiError(() => client.createBotData({ type: 'TEXT', title: 'Lost', content }));
    expect(err).toMatchObject({ delivery: 'unknown', mayHaveTakenEffect: true, retryable: true, status: undefined });
    expect(err.message).toMatch(/may have taken effect/);
    expectNoToken(emu.token, err, client);
    const created = emu.created();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ content, title: 'Lost', type: 'TEXT' });
    expect(emu.stats().lost).toBe(1);
  });

  it('lossRate 1 loses every response of a chat, which still happened', async () => {
    const emu = await emulator({ customers: SEEDED, faults: { lossRate: 1 } });
    const client = clientFor(emu);
    const email = `lost.${randomUUID()}@mail.example`;
    const err = await apiError(() =>
      client.sendMessage({ content: 'Is anyone there?', customer_info: { name: 'Lost', email } }),
    );
    expect(err).toMatchObject({ delivery: 'unknown', retryable: true });
    expectNoToken(emu.token, err);
    emu.setFaults({});
    const found = await allCustomers(client, { search: email });
    expect(found).toHaveLength(1);
  });

  it('a connection reset before processing is also unknown to the client (and created nothing)', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    emu.setFaults({ schedule: [{ endpoint: 'POST /bot-data', at: 1, fault: 'reset' }] });
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(err.delivery).toBe('unknown');
    expectNoToken(emu.token, err);
    expect(emu.created()).toEqual([]);
  });

  it('a refused connection is delivery not-sent (safe to repeat)', async () => {
    const port = await closedPort();
    const token = 'tok-refused-0987654321';
    const client = new CxGenieClient({ baseUrl: `http://127.0.0.1:${port}/api/v2/public-api`, token, botId: 'b' });
    for (const call of [
      () => client.createBotData({ type: 'TEXT', content: 'x' }),
      () => client.listCustomers({ search: 'x' }),
    ]) {
      const err = await apiError(call);
      expect(err).toMatchObject({
        delivery: 'not-sent',
        code: 'ECONNREFUSED',
        retryable: true,
        status: undefined,
        mayHaveTakenEffect: false,
      });
      expect(err.message).toMatch(/not sent/);
      expect(err.hint).toMatch(/base URL/);
      expectNoToken(token, err, client);
    }
  });

  it('a port that fetch refuses to use ("bad port") is not-sent, not "may have taken effect"', async () => {
    const token = 'tok-bad-port-123456';
    // 6000 is on the fetch standard's list of bad ports: fetch never connects.
    const client = new CxGenieClient({ baseUrl: 'http://127.0.0.1:6000/api', token, botId: 'b' });
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(err).toMatchObject({ delivery: 'not-sent', code: 'ERR_BAD_PORT' });
    expectNoToken(token, err);
  });

  it('a timeout (emulator latency above timeoutMs) is unknown and retryable', async () => {
    // An answer that would take ten minutes: a result at all means the timeout cut the request.
    const timeoutMs = 100;
    const emu = await emulator({ faults: { latencyMs: 600_000 } });
    const client = clientFor(emu, { timeoutMs });
    const started = performance.now();
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'slow' }));
    expect(err).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown', retryable: true, mayHaveTakenEffect: true });
    expect(err.message).toContain(`${timeoutMs} ms`);
    // A lower bound only: a busy machine is late, never early.
    expect(performance.now() - started).toBeGreaterThanOrEqual(timeoutMs - 5);
    expectNoToken(emu.token, err, client);
  });

  it('a server that accepts and never answers times out (per-request timeout too)', async () => {
    const srv = await tinyServer(() => {
      /* never answer */
    });
    const token = 'tok-silent-server-42';
    // The client's own timeout is ten minutes: the request's 2 s is the one that fires (long
    // enough for the request to arrive first on a busy machine).
    const client = new CxGenieClient({ baseUrl: srv.origin, token, botId: 'b', timeoutMs: 600_000 });
    const err = await apiError(() => client.listCustomers({}, { timeoutMs: 2_000 }));
    expect(err).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown', retryable: true });
    expect(err.message).toContain('2000 ms');
    expect(srv.requests).toHaveLength(1); // it did arrive
    expectNoToken(token, err, client);
  });

  it('a cancelled request is unknown and not retryable', async () => {
    const srv = await tinyServer(() => {
      /* never answer */
    });
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-cancel-1234', botId: 'b' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }, { signal: ac.signal }));
    expect(err).toMatchObject({ code: 'ABORTED', delivery: 'unknown', retryable: false });
  });
});

// ------------------------------------------------------------------ odd servers, and secrets

describe('odd server answers and the token', () => {
  it('redacts the token when a server echoes it in message, error or a text body', async () => {
    const token = 'tok-echo+/=secret 1';
    let mode = 0;
    const srv = await tinyServer((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen =
        url.searchParams.get('workspace_token') ??
        (JSON.parse(body || '{}') as { workspace_token?: string }).workspace_token ??
        '';
      if (mode === 0) sendJson(res, 400, { success: false, message: `bad request for token ${seen}` });
      else if (mode === 1) sendJson(res, 403, { success: false, error: `forbidden: ${encodeURIComponent(seen)}` });
      else if (mode === 2) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`upstream said: ${req.url}`);
      } else sendJson(res, 200, { success: false, message: `rejected ${seen}` });
    });
    const client = new CxGenieClient({ baseUrl: srv.origin, token, botId: 'b' });
    const got: ApiError[] = [];
    for (mode = 0; mode < 4; mode++)
      got.push(
        await apiError(() =>
          mode % 2 === 0 ? client.listCustomers() : client.createBotData({ type: 'TEXT', content: 'x' }),
        ),
      );
    expect(got.map((e) => e.status)).toEqual([400, 403, 502, 200]);
    for (const e of got) {
      expect(e.serverMessage).toContain('***');
      expectNoToken(token, e);
      expect(util.inspect(e)).not.toContain(new URLSearchParams({ t: token }).toString().slice(2));
    }
    // success: false with HTTP 200 is an error too, answered, not worth repeating.
    expect(got[3]).toMatchObject({ delivery: 'answered', retryable: false });
  });

  it('a success status with a body that is not JSON: unknown for a POST, retryable for a GET', async () => {
    const srv = await tinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-html-body', botId: 'b' });
    const post = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(post).toMatchObject({ delivery: 'unknown', mayHaveTakenEffect: true });
    const get = await apiError(() => client.listCustomers());
    expect(get).toMatchObject({ delivery: 'answered', retryable: true });
  });

  it('a success without the data it promises is a ShapeError, not a crash (POST: may have taken effect)', async () => {
    const srv = await tinyServer((_req, res) => sendJson(res, 200, { success: true }));
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-no-data', botId: 'b' });
    const post = await apiError(() => client.createBotData({ type: 'TEXT', content: 'x' }));
    expect(post).toBeInstanceOf(ShapeError);
    expect(post).toMatchObject({ delivery: 'unknown', mayHaveTakenEffect: true, endpoint: 'POST /bot-data' });
    expect(post.message).toBe('POST /bot-data: the API answered in a shape this version does not know: data: missing');
    const list = await apiError(() => client.listCustomers());
    // The same request gets the same reply: not worth retrying.
    expect(list).toMatchObject({ delivery: 'answered', retryable: false, endpoint: 'GET /customer-list' });
    // The pagination helper surfaces the same error instead of a TypeError.
    await expect(collect(client.iterateCustomers())).rejects.toBeInstanceOf(ApiError);
    await expect(collect(client.iterateSessions({ customer_id: 'c' }))).rejects.toBeInstanceOf(ApiError);
    await expect(collect(client.iterateMessages('s', { customer_id: 'c' }))).rejects.toBeInstanceOf(ApiError);
  });

  it('sends the token only where the document puts it: body, query or form field', async () => {
    const token = 'tok-where-it-goes-77';
    const srv = await tinyServer((req, res) => {
      if (req.url?.startsWith('/upload'))
        sendJson(res, 200, {
          success: true,
          data: [{ name: 'a.txt', url: 'http://x/a', type: 'text/plain', size: 1 }],
        });
      else if (req.url?.startsWith('/sessions')) sendJson(res, 200, { success: true, total: 0, data: [] });
      else if (req.url?.startsWith('/customer-list'))
        sendJson(res, 200, { success: true, data: { total: 0, customers: [] } });
      else sendJson(res, 200, { success: true, data: { id: randomUUID() } });
    });
    const client = new CxGenieClient({ baseUrl: srv.origin, token, botId: 'b' });
    await client.createBotData({ type: 'TEXT', content: 'x' });
    await client.listCustomers({ types: ['lead', 'users'], bot_ids: ['b1', 'b2'] });
    await client.getCustomer('c-1');
    await client.listSessions({ customer_id: 'c-1', status: ['OPEN', 'CLOSED'] });
    await client.uploadFiles([{ name: 'a.txt', data: new Blob(['a']) }]);
    const [create, list, detail, sessions, upload] = srv.requests;
    expect(JSON.parse(create!.body)).toMatchObject({ workspace_token: token, bot_id: 'b' });
    expect(create!.url).not.toContain('workspace_token');
    const q = new URL(list!.url, 'http://x').searchParams;
    expect(q.get('workspace_token')).toBe(token);
    // Decision 2: arrays as repeated keys.
    expect(q.getAll('types')).toEqual(['lead', 'users']);
    expect(q.getAll('bot_ids')).toEqual(['b1', 'b2']);
    expect(new URL(sessions!.url, 'http://x').searchParams.getAll('status')).toEqual(['OPEN', 'CLOSED']);
    // Decision 1, both ways: workspace_token (the contract) and workshop_id (the document) on customer-detail.
    const dq = new URL(detail!.url, 'http://x').searchParams;
    expect([dq.get('workspace_token'), dq.get('workshop_id')]).toEqual([token, token]);
    // Decision 3, both ways: in the query string ("Query" in the document) and as a form field (the body is multipart).
    expect(new URL(upload!.url, 'http://x').searchParams.get('workspace_token')).toBe(token);
    expect(upload!.body).toMatch(/name="workspace_token"\r\n\r\ntok-where-it-goes-77\r\n/);
  });

  it('neither util.inspect nor JSON.stringify of a client shows the token; onResponse carries none', async () => {
    const emu = await emulator();
    const infos: ResponseInfo[] = [];
    const client = clientFor(emu, { onResponse: (i) => infos.push(i) });
    expectNoToken(emu.token, client);
    expect(util.inspect(client)).toContain(emu.botId);
    await client.listCustomers();
    await apiError(() => client.createBotData({ type: 'TEXT', content: '' }));
    expect(infos.map((i) => [i.endpoint, i.status])).toEqual([
      ['GET /customer-list', 200],
      ['POST /bot-data', 400],
    ]);
    expectNoToken(emu.token, ...infos);
    expect(client.secrets).toEqual([emu.token]);
  });
});

describe('redirects and hopeless network errors', () => {
  it('never follows a redirect (it would carry the token): a non-retryable error naming the new address', async () => {
    const token = 'tok-redirect-0123456789';
    const target = await tinyServer((_req, res) =>
      sendJson(res, 200, { success: true, data: { total: 0, customers: [] } }),
    );
    const srv = await tinyServer((req, res) => {
      res.writeHead(301, { location: `${target.origin}${req.url ?? '/'}` });
      res.end();
    });
    const client = new CxGenieClient({ baseUrl: srv.origin, token, botId: 'b' });
    const err = await apiError(() => client.listCustomers());
    expect(err.status).toBe(301);
    expect(err.retryable).toBe(false);
    expect(err.delivery).toBe('answered');
    expect(err.serverMessage).toContain(target.origin);
    expect(err.serverMessage).toContain('final address');
    expect(target.requests).toHaveLength(0);
    expectNoToken(token, err);
  });

  it('an unknown host is not retried (a typo does not heal by waiting)', async () => {
    const client = new CxGenieClient({
      baseUrl: 'http://no-such-host.invalid/api',
      token: 'tok-0123456789',
      botId: 'b',
      // Ample for a slow resolver: the name is refused, not timed out.
      timeoutMs: 60_000,
    });
    const err = await apiError(() => client.listCustomers());
    expect(err.delivery).toBe('not-sent');
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(err.code);
    if (err.code === 'ENOTFOUND') expect(err.retryable).toBe(false);
  });
});
