import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CxGenieClient } from '../../src/api/client.js';
import type { Customer, Session } from '../../src/api/types.js';
import { FAULT_ENDPOINTS } from '../../src/emulator/faults.js';
import { DEFAULT_EMULATOR_BOT, DEFAULT_EMULATOR_TOKEN, type EmulatorHandle } from '../../src/emulator/server.js';
import { CLI } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { killWhenTestEnds, until } from '../helpers/spawn.js';
import {
  botDataShape,
  customerDetailShape,
  customerShape,
  messageShape,
  problems,
  sessionShape,
  uploadedFileShape,
} from '../helpers/shapes.js';

// ------------------------------------------------------------------ raw HTTP, curl-like

interface Reply {
  status: number;
  headers: Headers;
  json: { success?: boolean; message?: string; data?: unknown; total?: number } & Record<string, unknown>;
}

async function raw(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Reply['json'] = {};
  try {
    json = JSON.parse(text) as Reply['json'];
  } catch {
    /* not JSON: leave empty */
  }
  return { status: res.status, headers: res.headers, json };
}

/** GET `emu.url + path` with a query given as a list of pairs (so keys can repeat), token included unless given. */
function get(
  emu: EmulatorHandle,
  path: string,
  pairs: [string, string][] = [],
  opts: { token?: boolean } = {},
): Promise<Reply> {
  const q = new URLSearchParams(pairs);
  if (opts.token !== false && !pairs.some(([k]) => k === 'workspace_token' || k === 'workshop_id'))
    q.set('workspace_token', emu.token);
  return raw(`${emu.url}${path}?${q.toString()}`);
}

function postJson(
  emu: EmulatorHandle,
  path: string,
  body: Record<string, unknown>,
  init: RequestInit = {},
): Promise<Reply> {
  return raw(`${emu.url}${path}`, {
    ...init,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace_token: emu.token, bot_id: emu.botId, ...body }),
  });
}

function createText(emu: EmulatorHandle, content: string, bot = emu.botId): Promise<Reply> {
  return postJson(emu, '/bot-data', { type: 'TEXT', content, title: content, bot_id: bot });
}

function admin(emu: EmulatorHandle, method: string, name: string, body?: unknown): Promise<Reply> {
  return raw(`${emu.origin}/__emulator/${name}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  });
}

const customersOf = (r: Reply) => (r.json.data as { total: number; customers: Customer[] }).customers;
const totalOf = (r: Reply) => (r.json.data as { total: number; customers: Customer[] }).total;
const isUser = (c: Customer) => c.email !== '' && c.phone_number !== '';

/** The three ways the contract lets a client write an array in a query. */
function arrayForms(key: string, values: string[]): [string, [string, string][]][] {
  return [
    ['repeated keys', values.map((v) => [key, v])],
    ['key[]=', values.map((v) => [`${key}[]`, v])],
    ['comma-separated', [[key, values.join(',')]]],
  ];
}

/** The seeded customer with the most conversations. */
function busiestCustomer(emu: EmulatorHandle): { id: string; sessions: number } {
  const n = new Map<string, number>();
  for (const s of emu.world.sessions.values()) n.set(s.customer_id, (n.get(s.customer_id) ?? 0) + 1);
  const [id, sessions] = [...n.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return { id, sessions };
}

// ------------------------------------------------------------------ routes

describe('routes under the API prefix', () => {
  it('answers all seven endpoints under the prefix, with the documented shapes', async () => {
    const emu = await emulator();
    const created = await createText(emu, 'An article');
    expect(created.status).toBe(200);
    expect(created.json.success).toBe(true);
    expect(problems(created.json.data, botDataShape)).toEqual([]);

    const chat = await postJson(emu, '/messages', {
      content: 'hello',
      customer_info: { name: 'Raw Curl', email: 'raw@curl.example' },
    });
    expect(chat.status).toBe(200);
    expect(chat.json).toMatchObject({ success: true });
    expect(typeof chat.json.data).toBe('string');

    const list = await get(emu, '/customer-list');
    expect(list.status).toBe(200);
    for (const c of customersOf(list)) expect(problems(c, customerShape)).toEqual([]);

    const customer = customersOf(list)[0]!;
    const detail = await get(emu, `/customer-detail/${customer.id}`);
    expect(detail.status).toBe(200);
    expect(problems(detail.json.data, customerDetailShape)).toEqual([]);

    const sessions = await get(emu, '/sessions-by-customer', [['customer_id', customer.id]]);
    expect(sessions.status).toBe(200);
    // Endpoint 5 puts total beside data, not inside it.
    expect(sessions.json.total).toBe(1);
    const session = (sessions.json.data as Session[])[0]!;
    expect(problems(session, sessionShape)).toEqual([]);

    const messages = await get(emu, `/detail-sessions/${session.id}`, [['customer_id', customer.id]]);
    expect(messages.status).toBe(200);
    for (const m of messages.json.data as unknown[]) expect(problems(m, messageShape)).toEqual([]);

    const form = new FormData();
    form.append('files', new Blob(['abc'], { type: 'text/plain' }), 'a.txt');
    form.append('workspace_token', emu.token);
    const upload = await raw(`${emu.url}/upload/multiple`, { method: 'POST', body: form });
    expect(upload.status).toBe(200);
    expect(problems((upload.json.data as unknown[])[0], uploadedFileShape)).toEqual([]);

    expect(emu.stats().requests).toBe(7);
  });

  it('serves the API under a configured prefix only', async () => {
    const emu = await emulator({ prefix: '/custom/v9/' });
    expect(emu.url).toBe(`${emu.origin}/custom/v9`);
    expect((await get(emu, '/customer-list')).status).toBe(200);
    const dflt = await raw(`${emu.origin}/api/v2/public-api/customer-list?workspace_token=${emu.token}`);
    expect(dflt.status).toBe(404);
  });

  it('404 for unknown routes, inside and outside the prefix and among the test routes', async () => {
    const emu = await emulator();
    for (const url of [
      `${emu.url}/no-such-endpoint`,
      `${emu.url}/bot-data/extra`,
      `${emu.origin}/elsewhere`,
      `${emu.origin}/__emulator/nope`,
      `${emu.origin}/uploads/${'0'.repeat(8)}/x`,
    ]) {
      const r = await raw(url);
      expect(r.status, url).toBe(404);
      expect(r.json.success).toBe(false);
      expect(r.json.message).toMatch(/not found/i);
    }
  });

  it('404, not a 500, for an id in the path that is not valid percent-encoding', async () => {
    const emu = await emulator();
    const customer = emu.world.customers[0]!.id;
    for (const path of ['/customer-detail/%ZZ', '/detail-sessions/%E0%A4%A']) {
      const r = await get(emu, path, [['customer_id', customer]]);
      expect(r.status, path).toBe(404);
      expect(r.json.success).toBe(false);
    }
    expect(emu.stats().byStatus).toEqual({ '404': 2 });
  });

  it('405 for a known path with the wrong method, not counted as an API request', async () => {
    const emu = await emulator({ faults: { schedule: [{ at: 1, fault: 'error', status: 503 }] } });
    const r = await raw(`${emu.url}/bot-data?workspace_token=${emu.token}`);
    expect(r.status).toBe(405);
    expect(r.json.success).toBe(false);
    expect(emu.stats().requests).toBe(0);
    expect(Object.keys(emu.stats().byEndpoint)).toEqual([]);
    // It did not consume the first scheduled fault of "any endpoint" either.
    expect((await get(emu, '/customer-list')).status).toBe(503);
  });

  it('413 for a request body above maxBodyBytes (JSON and multipart); nothing created', async () => {
    const maxBodyBytes = 2048;
    const emu = await emulator({ maxBodyBytes });
    const small = await createText(emu, 'fits');
    expect(small.status).toBe(200);

    const big = await createText(emu, 'x'.repeat(maxBodyBytes));
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ success: false });
    expect(big.json.message).toContain(String(maxBodyBytes));

    const form = new FormData();
    form.append('files', new Blob([randomBytes(maxBodyBytes * 2)]), 'big.bin');
    form.append('workspace_token', emu.token);
    expect((await raw(`${emu.url}/upload/multiple`, { method: 'POST', body: form })).status).toBe(413);

    // A body streamed without Content-Length is cut off as well.
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        workspace_token: emu.token,
        bot_id: emu.botId,
        type: 'TEXT',
        content: 'y'.repeat(maxBodyBytes),
      }),
    );
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
    const chunked = await raw(`${emu.url}/bot-data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);

    expect(emu.created().map((d) => d.content)).toEqual(['fits']);
    expect(emu.stats().uploads).toBe(0);
    // And the server still serves.
    expect((await get(emu, '/customer-list')).status).toBe(200);
  });
});

// ------------------------------------------------------------------ query arrays and auth variants

describe('query arrays: repeated keys, key[]= and comma-separated (decision 2)', () => {
  it('types on customer-list', async () => {
    const emu = await emulator();
    const all = await get(emu, '/customer-list');
    const total = totalOf(all);
    const users = emu.world.customers.filter(isUser).map((c) => c.id);
    expect(users.length).toBeGreaterThan(0);
    expect(users.length).toBeLessThan(total);
    for (const [form, pairs] of arrayForms('types', ['lead', 'users'])) {
      expect(totalOf(await get(emu, '/customer-list', pairs)), form).toBe(total);
    }
    for (const [form, pairs] of arrayForms('types', ['users'])) {
      const r = await get(emu, '/customer-list', pairs);
      expect(totalOf(r), form).toBe(users.length);
      expect(customersOf(r).every(isUser), form).toBe(true);
    }
    // An invalid member is refused in every form: the value really is read.
    for (const [form, pairs] of arrayForms('types', ['users', 'bogus'])) {
      expect((await get(emu, '/customer-list', pairs)).status, form).toBe(400);
    }
  });

  it('bot_ids on customer-list', async () => {
    const emu = await emulator({ extraBotIds: ['bot-2'] });
    const onBot2 = emu.world.customers.filter((c) => c.bot_id === 'bot-2').length;
    expect(onBot2).toBeGreaterThan(0);
    for (const [form, pairs] of arrayForms('bot_ids', ['bot-2'])) {
      const r = await get(emu, '/customer-list', pairs);
      expect(totalOf(r), form).toBe(onBot2);
      expect(
        customersOf(r).every((c) => c.bot_id === 'bot-2'),
        form,
      ).toBe(true);
    }
    for (const [form, pairs] of arrayForms('bot_ids', [emu.botId, 'bot-2'])) {
      expect(totalOf(await get(emu, '/customer-list', pairs)), form).toBe(emu.world.customers.length);
    }
  });

  it('status, reply_status and date_range on sessions-by-customer', async () => {
    const emu = await emulator();
    const { id, sessions } = busiestCustomer(emu);
    const base: [string, string][] = [
      ['customer_id', id],
      ['limit', '100'],
    ];
    const rows = (r: Reply) => r.json.data as Session[];
    const closed = [...emu.world.sessions.values()].filter((s) => s.customer_id === id && s.status === 'CLOSED').length;

    for (const [form, pairs] of arrayForms('status', ['OPEN', 'CLOSED'])) {
      expect((await get(emu, '/sessions-by-customer', [...base, ...pairs])).json.total, form).toBe(sessions);
    }
    for (const [form, pairs] of arrayForms('status', ['CLOSED'])) {
      const r = await get(emu, '/sessions-by-customer', [...base, ...pairs]);
      expect(r.json.total, form).toBe(closed);
      expect(
        rows(r).every((s) => s.status === 'CLOSED'),
        form,
      ).toBe(true);
    }
    for (const [form, pairs] of arrayForms('reply_status', ['UNREAD_ONLY', 'READ_ONLY'])) {
      // Every conversation is either read or unread.
      expect((await get(emu, '/sessions-by-customer', [...base, ...pairs])).json.total, form).toBe(sessions);
    }
    for (const [form, pairs] of arrayForms('reply_status', ['UNREAD_ONLY'])) {
      expect(
        rows(await get(emu, '/sessions-by-customer', [...base, ...pairs])).every((s) => !s.is_read),
        form,
      ).toBe(true);
    }

    // A window around the middle conversations: in every form, exactly those inside it.
    const times = rows(await get(emu, '/sessions-by-customer', base))
      .map((s) => s.created_at)
      .sort();
    const start = times[2]!;
    const end = times[times.length - 3]!;
    const inside = times.filter((t) => t >= start && t <= end).length;
    expect(inside).toBeLessThan(sessions);
    for (const [form, pairs] of arrayForms('date_range', [start, end])) {
      const r = await get(emu, '/sessions-by-customer', [...base, ...pairs]);
      expect(r.status, form).toBe(200);
      expect(r.json.total, form).toBe(inside);
      expect(
        rows(r).every((s) => s.created_at >= start && s.created_at <= end),
        form,
      ).toBe(true);
    }
    expect((await get(emu, '/sessions-by-customer', [...base, ['date_range', start]])).status).toBe(400);
  });
});

describe('auth variants', () => {
  it('customer-detail accepts workshop_id as well as workspace_token (decision 1)', async () => {
    const emu = await emulator();
    const id = emu.world.customers[0]!.id;
    const viaToken = await get(emu, `/customer-detail/${id}`, [['workspace_token', emu.token]]);
    const viaWorkshop = await get(emu, `/customer-detail/${id}`, [['workshop_id', emu.token]]);
    expect(viaToken.status).toBe(200);
    expect(viaWorkshop.status).toBe(200);
    expect(viaWorkshop.json.data).toEqual(viaToken.json.data);
    expect((await get(emu, `/customer-detail/${id}`, [['workshop_id', 'wrong-token']])).status).toBe(401);
    expect((await get(emu, `/customer-detail/${id}`, [], { token: false })).status).toBe(401);
  });

  it('upload takes the token as a form field or as a query parameter (decision 3)', async () => {
    const emu = await emulator();
    const upload = (token: { form?: string; query?: string }) => {
      const form = new FormData();
      form.append('files', new Blob(['hello'], { type: 'text/plain' }), 'hello.txt');
      if (token.form !== undefined) form.append('workspace_token', token.form);
      const q = token.query !== undefined ? `?${new URLSearchParams({ workspace_token: token.query }).toString()}` : '';
      return raw(`${emu.url}/upload/multiple${q}`, { method: 'POST', body: form });
    };
    expect((await upload({ form: emu.token })).status).toBe(200);
    expect((await upload({ query: emu.token })).status).toBe(200);
    expect((await upload({})).status).toBe(401);
    expect((await upload({ form: 'wrong-token' })).status).toBe(401);
    expect((await upload({ query: 'wrong-token' })).status).toBe(401);
    expect(emu.stats().uploads).toBe(2);
    // Not multipart at all.
    const notForm = await raw(`${emu.url}/upload/multiple?workspace_token=${emu.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notForm.status).toBe(400);
  });
});

// ------------------------------------------------------------------ test-only routes

describe('test-only routes under /__emulator/', () => {
  it('bot-data lists what was created, for all bots or one', async () => {
    const emu = await emulator({ extraBotIds: ['bot-2'] });
    const a = await createText(emu, 'first');
    const b = await createText(emu, 'second', 'bot-2');
    const c = await createText(emu, 'third');
    const all = await admin(emu, 'GET', 'bot-data');
    expect(all.status).toBe(200);
    expect(all.json.data).toEqual([a.json.data, b.json.data, c.json.data]);
    const one = await raw(`${emu.origin}/__emulator/bot-data?bot_id=bot-2`);
    expect(one.json.data).toEqual([b.json.data]);
  });

  it('stats count requests by endpoint and status, and what they created', async () => {
    const emu = await emulator();
    await createText(emu, 'one');
    await createText(emu, 'two');
    await postJson(emu, '/bot-data', { type: 'TEXT' }); // 400
    await postJson(emu, '/messages', { content: 'hi' });
    await get(emu, '/customer-list');
    await get(emu, '/customer-list', [['workspace_token', 'nope']]); // 401
    const form = new FormData();
    form.append('files', new Blob(['1']), 'a.txt');
    form.append('files', new Blob(['2']), 'b.txt');
    form.append('workspace_token', emu.token);
    await raw(`${emu.url}/upload/multiple`, { method: 'POST', body: form });

    const r = await admin(emu, 'GET', 'stats');
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual(emu.stats());
    expect(r.json.data).toMatchObject({
      requests: 7,
      byEndpoint: { 'POST /bot-data': 3, 'POST /messages': 1, 'GET /customer-list': 2, 'POST /upload/multiple': 1 },
      byStatus: { '200': 5, '400': 1, '401': 1 },
      created: 2,
      uploads: 2,
      messages: 1,
      rateLimited: 0,
      lost: 0,
    });
    // Test routes are not API requests.
    expect(emu.stats().requests).toBe(7);
  });

  it('PUT faults sets the switches, GET faults reads them back', async () => {
    const emu = await emulator();
    const config = {
      errorRate: 0,
      latencyMs: [1, 2],
      schedule: [{ endpoint: 'POST /bot-data', at: 1, fault: 'rate-limit', retryAfterSec: 4 }],
    };
    const put = await admin(emu, 'PUT', 'faults', config);
    expect(put.status).toBe(200);
    expect(put.json.data).toEqual(config);
    expect((await admin(emu, 'GET', 'faults')).json.data).toEqual(config);
    const limited = await createText(emu, 'x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('4');
  });

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"errorRate": ', /JSON/],
    ['not an object', [1, 2], /object/],
    ['an unknown switch', { errorRat: 0.5 }, /unknown fault switch "errorRat"/],
    ['a probability above 1', { errorRate: 1.5 }, /errorRate/],
    ['a negative probability', { lossRate: -0.1 }, /lossRate/],
    ['a probability that is a string', { resetRate: '0.5' }, /resetRate/],
    ['a negative latency', { latencyMs: -5 }, /latencyMs/],
    ['a latency range of three', { latencyMs: [1, 2, 3] }, /latencyMs/],
    ['a rate limit of zero', { rateLimit: { requestsPerSecond: 0 } }, /requestsPerSecond/],
    ['a burst below one', { rateLimit: { requestsPerSecond: 5, burst: 0 } }, /burst/],
    ['a schedule that is not a list', { schedule: { at: 1, fault: 'error' } }, /schedule/],
    ['a scheduled fault at index 0', { schedule: [{ at: 0, fault: 'error' }] }, /schedule\[0\]\.at/],
    ['an unknown fault kind', { schedule: [{ at: 1, fault: 'explode' }] }, /schedule\[0\]\.fault/],
    [
      'a misspelt endpoint (it would never fire)',
      { schedule: [{ endpoint: 'POST /bot-dta', at: 1, fault: 'error' }] },
      /schedule\[0\]\.endpoint/,
    ],
    [
      'an endpoint without its method',
      { schedule: [{ endpoint: '/bot-data', at: 1, fault: 'error' }] },
      /schedule\[0\]\.endpoint/,
    ],
    ['a fractional times', { schedule: [{ at: 1, times: 1.5, fault: 'error' }] }, /schedule\[0\]\.times/],
    [
      'an error status that is not an error',
      { schedule: [{ at: 1, fault: 'error', status: 200 }] },
      /schedule\[0\]\.status/,
    ],
    [
      'a negative Retry-After',
      { schedule: [{ at: 1, fault: 'rate-limit', retryAfterSec: -1 }] },
      /schedule\[0\]\.retryAfterSec/,
    ],
    ['a negative delay', { schedule: [{ at: 1, fault: 'delay', delayMs: -1 }] }, /schedule\[0\]\.delayMs/],
    // Node would wait 1 ms for a timer longer than 2³¹ − 1 ms: the answer would not be late at all.
    [
      'a delay longer than a timer can wait',
      '{"schedule":[{"at":1,"fault":"late-answer","delayMs":1e400}]}',
      /schedule\[0\]\.delayMs must be a number from 0 to 2147483647/,
    ],
    ['a late answer without its delay', { schedule: [{ at: 1, fault: 'late-answer' }] }, /delayMs is required/],
    ['a latency longer than a timer can wait', { latencyMs: [0, 2 ** 31] }, /latencyMs/],
    ['a seed that is not a number', { seed: 'abc' }, /seed/],
    ['a rate limit that is not an object', { rateLimit: 5 }, /rateLimit/],
  ])('PUT faults refuses %s with 400 and keeps the switches', async (_name, body, mentions) => {
    const emu = await emulator();
    const before = { errorRate: 0 };
    expect((await admin(emu, 'PUT', 'faults', before)).status).toBe(200);
    const r = await admin(emu, 'PUT', 'faults', body);
    expect(r.status).toBe(400);
    expect(r.json.success).toBe(false);
    expect(r.json.message).toMatch(mentions);
    expect((await admin(emu, 'GET', 'faults')).json.data).toEqual(before);
  });

  it('POST reset forgets created items, uploads and counters; seeded customers stay', async () => {
    const emu = await emulator();
    await createText(emu, 'one');
    const form = new FormData();
    form.append('files', new Blob(['1']), 'a.txt');
    form.append('workspace_token', emu.token);
    const up = await raw(`${emu.url}/upload/multiple`, { method: 'POST', body: form });
    const fileUrl = (up.json.data as { url: string }[])[0]!.url;
    expect((await raw(fileUrl)).status).toBe(200);
    const customersBefore = totalOf(await get(emu, '/customer-list'));

    const r = await admin(emu, 'POST', 'reset');
    expect(r.status).toBe(200);
    expect(r.json.success).toBe(true);
    expect((await admin(emu, 'GET', 'bot-data')).json.data).toEqual([]);
    expect(emu.stats()).toMatchObject({ requests: 0, created: 0, uploads: 0, byEndpoint: {}, byStatus: {} });
    expect((await raw(fileUrl)).status).toBe(404);
    expect(totalOf(await get(emu, '/customer-list'))).toBe(customersBefore);
  });
});

// ------------------------------------------------------------------ faults

describe('fault switches', () => {
  it('schedule: the 3rd POST /bot-data fails with 500, and only that one', async () => {
    const emu = await emulator({
      faults: { schedule: [{ endpoint: 'POST /bot-data', at: 3, fault: 'error', status: 500 }] },
    });
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      // Requests to other endpoints in between do not move the count of POST /bot-data.
      expect((await get(emu, '/customer-list')).status).toBe(200);
      statuses.push((await createText(emu, `item ${i}`)).status);
    }
    expect(statuses).toEqual([200, 200, 500, 200, 200]);
    expect(emu.created().map((d) => d.content)).toEqual(['item 1', 'item 2', 'item 4', 'item 5']);

    // Setting the switches again starts the counts again: the same request fails the same way.
    emu.setFaults(emu.faults.config);
    const again: number[] = [];
    for (let i = 1; i <= 4; i++) again.push((await createText(emu, `again ${i}`)).status);
    expect(again).toEqual([200, 200, 500, 200]);
  });

  it('schedule: every endpoint name the validator accepts is one the server routes', async () => {
    // One scheduled 503 per endpoint name: if a name were not the server's own, its fault would never fire.
    const emu = await emulator();
    emu.setFaults({
      schedule: FAULT_ENDPOINTS.map((endpoint) => ({ endpoint, at: 1, fault: 'error' as const, status: 503 })),
    });
    const client = new CxGenieClient({ baseUrl: emu.url, token: emu.token, botId: emu.botId });
    const s = [...emu.world.sessions.values()][0]!;
    const calls = [
      () => client.createBotData({ type: 'TEXT', content: 'x' }),
      () => client.sendMessage({ content: 'x' }),
      () => client.listCustomers(),
      () => client.getCustomer(s.customer_id),
      () => client.listSessions({ customer_id: s.customer_id }),
      () => client.listMessages(s.id, { customer_id: s.customer_id }),
      () => client.uploadFiles([{ name: 'a.txt', data: new Blob(['a']) }]),
    ];
    expect(calls).toHaveLength(FAULT_ENDPOINTS.length);
    for (const call of calls) await expect(call()).rejects.toMatchObject({ status: 503 });
    expect(Object.keys(emu.stats().byEndpoint).sort()).toEqual([...FAULT_ENDPOINTS].sort());
  });

  it('schedule: "*" counts every endpoint, times covers a run, times 0 never ends', async () => {
    const emu = await emulator({ faults: { schedule: [{ at: 2, times: 2, fault: 'unauthorized' }] } });
    const seq = [
      await get(emu, '/customer-list'),
      await createText(emu, 'a'),
      await get(emu, '/customer-list'),
      await createText(emu, 'b'),
    ];
    expect(seq.map((r) => r.status)).toEqual([200, 401, 401, 200]);

    emu.setFaults({
      schedule: [{ endpoint: 'GET /customer-list', at: 2, times: 0, fault: 'rate-limit', retryAfterSec: 9 }],
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await get(emu, '/customer-list'));
    expect(statuses.map((r) => r.status)).toEqual([200, 429, 429, 429, 429]);
    expect(statuses[1]!.headers.get('retry-after')).toBe('9');
    expect((await createText(emu, 'other endpoint')).status).toBe(200);
  });

  it('schedule: reset and lose both kill the connection; only lose has processed the request', async () => {
    const emu = await emulator({
      faults: {
        schedule: [
          { endpoint: 'POST /bot-data', at: 1, fault: 'reset' },
          { endpoint: 'POST /bot-data', at: 2, fault: 'lose' },
        ],
      },
    });
    await expect(createText(emu, 'reset')).rejects.toThrow(TypeError);
    await expect(createText(emu, 'lost')).rejects.toThrow(TypeError);
    expect(emu.created().map((d) => d.content)).toEqual(['lost']);
    expect(emu.stats()).toMatchObject({ resets: 1, lost: 1 });
  });

  it('schedule: a client that gives up on a delay leaves nothing; on a late answer, the item is created', async () => {
    const emu = await emulator({
      faults: {
        schedule: [
          { endpoint: 'POST /bot-data', at: 1, fault: 'delay', delayMs: 300 },
          { endpoint: 'POST /bot-data', at: 2, fault: 'late-answer', delayMs: 30_000 },
          { endpoint: 'POST /bot-data', at: 3, fault: 'late-answer', delayMs: 300 },
        ],
      },
    });
    const post = (content: string, signal?: AbortSignal) =>
      postJson(emu, '/bot-data', { type: 'TEXT', content }, { signal });
    const handled = () => emu.stats().byEndpoint['POST /bot-data'] ?? 0;
    // Held before processing: given up on, it is never processed.
    const a = new AbortController();
    const held = post('held', a.signal);
    await until(() => emu.stats().requests === 1, 'the held request to arrive');
    a.abort();
    await expect(held).rejects.toThrow();
    await until(() => handled() === 1, 'the emulator to be done with the held request');
    // Processed at once, answered in half a minute: given up on, it is created all the same.
    const b = new AbortController();
    const late = post('late', b.signal);
    // Well before its answer is due: it was processed as it came.
    await until(() => emu.created().length === 1, 'the late request to be processed', { timeout: 10_000 });
    b.abort();
    await expect(late).rejects.toThrow();
    // A client that waits gets its answer.
    expect((await post('patient')).status).toBe(200);
    expect(emu.created().map((d) => d.content)).toEqual(['late', 'patient']);
  });

  it('errorRate: 1 fails everything before processing, and a seeded rate repeats exactly', async () => {
    const emu = await emulator({ faults: { errorRate: 1 } });
    for (let i = 0; i < 3; i++) expect((await createText(emu, `x${i}`)).status).toBe(500);
    expect(emu.created()).toEqual([]);

    const run = async (): Promise<number[]> => {
      emu.reset();
      emu.setFaults({ errorRate: 0.5, seed: 11 });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await createText(emu, `r${i}`)).status);
      return out;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500]));
    expect(emu.created()).toHaveLength(first.filter((s) => s === 200).length);
    expect(emu.stats().byStatus).toEqual({
      '200': first.filter((s) => s === 200).length,
      '500': first.filter((s) => s === 500).length,
    });
  });

  it('latencyMs delays every answer, as a number or a [min, max] range', async () => {
    const emu = await emulator({ faults: { latencyMs: 200 } });
    const timed = async () => {
      const t = performance.now();
      const r = await get(emu, '/customer-list');
      expect(r.status).toBe(200);
      return performance.now() - t;
    };
    // Lower bounds only: a busy machine makes answers slower, never faster.
    for (let i = 0; i < 2; i++) expect(await timed()).toBeGreaterThanOrEqual(195);
    emu.setFaults({ latencyMs: [60, 80] });
    for (let i = 0; i < 3; i++) expect(await timed()).toBeGreaterThanOrEqual(55);
    // Switched off: after a latency of ten minutes, the next request is answered at all (the
    // test's ceiling is far shorter than ten minutes), with no upper bound on a wall clock.
    emu.setFaults({ latencyMs: 600_000 });
    emu.setFaults({});
    expect((await get(emu, '/customer-list')).status).toBe(200);
  });

  it('rateLimit answers 429 with Retry-After once the bucket is empty, and refills with time', async () => {
    // The bucket's clock is moved by hand: what it answers does not depend on the machine's speed.
    let now = 0;
    const emu = await emulator({ faults: { rateLimit: { requestsPerSecond: 1, burst: 3 } }, clock: () => now });
    const statuses = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await get(emu, '/customer-list'));
      return out;
    };
    const first = await statuses(5);
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(first[3]!.headers.get('retry-after')).toBe('1');
    expect(emu.stats().rateLimited).toBe(2);
    // Two seconds later: two tokens, then empty again.
    now += 2_000;
    expect((await statuses(3)).map((r) => r.status)).toEqual([200, 200, 429]);
    // Never more than the burst, however long the wait.
    now += 60_000;
    expect((await statuses(4)).map((r) => r.status)).toEqual([200, 200, 200, 429]);
  });
});

// ------------------------------------------------------------------ the CLI

describe('kb-sync emulator (the CLI)', () => {
  function cleanEnv(): Record<string, string> {
    const env: Record<string, string> = { NO_COLOR: '1' };
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('CXGENIE_') && k !== 'CI') env[k] = v;
    return env;
  }

  async function startCli(args: string[]) {
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--json', ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killWhenTestEnds(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const doc = await new Promise<{ url: string; origin: string; token: string; botId: string }>((resolve, reject) => {
      // A ceiling for a loaded machine (below the test's own), so a hang shows what it printed.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no JSON from the emulator; stderr: ${stderr}`));
      }, 90_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        try {
          const parsed = JSON.parse(stdout) as { url: string; origin: string; token: string; botId: string };
          clearTimeout(timer);
          resolve(parsed);
        } catch {
          /* not complete yet */
        }
      });
      child.on('exit', () => reject(new Error(`the emulator exited early; stderr: ${stderr}`)));
    });
    return { child, doc, exited, stderr: () => stderr, stdout: () => stdout };
  }

  it('prints its URL, token and bot as JSON, serves all seven endpoints, stops cleanly on SIGINT', async () => {
    const token = 'cli-test-token-55aa';
    const bot = 'cli-bot';
    const cli = await startCli(['--token', token, '--bot', bot]);
    try {
      expect(cli.doc.token).toBe(token);
      expect(cli.doc.botId).toBe(bot);
      const origin = new URL(cli.doc.url);
      expect(origin.hostname).toBe('127.0.0.1');
      expect(Number(origin.port)).toBeGreaterThan(0);
      expect(cli.doc.url).toBe(`${cli.doc.origin}/api/v2/public-api`);

      const client = new CxGenieClient({ baseUrl: cli.doc.url, token: cli.doc.token, botId: cli.doc.botId });
      const bytes = randomBytes(1000);
      const [file] = await client.uploadFiles([
        { name: 'guide.pdf', data: new Blob([bytes], { type: 'application/pdf' }) },
      ]);
      expect(Buffer.from(await (await fetch(file!.url)).arrayBuffer()).equals(bytes)).toBe(true);
      const item = await client.createBotData({ type: 'DOCUMENT', content: file!.url, title: file!.name });
      expect(item).toMatchObject({ bot_id: bot, filename: 'guide.pdf', size: bytes.length });
      const reply = await client.sendMessage({
        content: 'hello',
        customer_info: { name: 'Cli User', email: 'cli@user.example' },
      });
      expect(typeof reply).toBe('string');
      const { customers } = await client.listCustomers({ search: 'cli@user.example' });
      expect(customers).toHaveLength(1);
      const detail = await client.getCustomer(customers[0]!.id);
      expect(detail.email).toBe('cli@user.example');
      const { sessions } = await client.listSessions({ customer_id: detail.id });
      const messages = await client.listMessages(sessions[0]!.id, { customer_id: detail.id });
      expect(messages.map((m) => m.content)).toEqual(['hello', reply]);

      const requestsMade = 7;
      cli.child.kill('SIGINT');
      const { code, signal } = await cli.exited;
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(cli.stderr()).toContain(
        `Emulator stopped after ${requestsMade} request(s); 1 training data item(s) created.`,
      );
      // Only the JSON document on stdout.
      expect(JSON.parse(cli.stdout())).toEqual(cli.doc);
      // The port is closed.
      await expect(fetch(`${cli.doc.url}/customer-list`)).rejects.toThrow();
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('stops on SIGINT while requests are held for ten minutes (one before it is processed, one after)', async () => {
    const faults = {
      schedule: [
        { endpoint: 'GET /customer-list', at: 1, fault: 'delay', delayMs: 600_000 },
        { endpoint: 'GET /customer-list', at: 2, fault: 'late-answer', delayMs: 600_000 },
      ],
    };
    const cli = await startCli(['--faults', JSON.stringify(faults)]);
    try {
      const held = [1, 2].map(() =>
        fetch(`${cli.doc.url}/customer-list?workspace_token=${cli.doc.token}`).then(
          (r) => r.status,
          () => 'dropped',
        ),
      );
      const stats = async () =>
        ((await (await fetch(`${cli.doc.origin}/__emulator/stats`)).json()) as { data: { requests: number } }).data;
      await expect.poll(async () => (await stats()).requests, { timeout: 60_000, interval: 20 }).toBe(2);
      cli.child.kill('SIGINT');
      // Stopped now, not in ten minutes (the test's ceiling is far shorter).
      expect((await cli.exited).code).toBe(0);
      expect(await Promise.all(held)).toEqual(['dropped', 'dropped']);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('uses the documented default token and bot when none are given', async () => {
    const cli = await startCli([]);
    try {
      expect(cli.doc.token).toBe(DEFAULT_EMULATOR_TOKEN);
      expect(cli.doc.botId).toBe(DEFAULT_EMULATOR_BOT);
      const page = await new CxGenieClient({
        baseUrl: cli.doc.url,
        token: cli.doc.token,
        botId: cli.doc.botId,
      }).listCustomers();
      expect(page.total).toBeGreaterThan(0);
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
