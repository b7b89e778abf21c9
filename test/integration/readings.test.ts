import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CxGenieClient, type ClientOptions, type DateRangeFormat } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import type { ApiWarning } from '../../src/api/paging.js';
import { ShapeError } from '../../src/api/shape.js';
import { READING_CHOICES, type Readings } from '../../src/emulator/readings.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { CLI, runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { project } from '../helpers/project.js';
import { killWhenTestEnds } from '../helpers/spawn.js';

/**
 * Where the vendor document can be read two ways, the emulator plays each reading (its reading
 * switches), and the client must work under every one: each test below runs the client over
 * real loopback HTTP against an emulator set to one reading. See docs/api-readings.md.
 */

/** Every reading of every switch, one switch varied at a time from the defaults. */
const EACH: { name: string; readings: Partial<Readings> }[] = Object.entries(READING_CHOICES).flatMap(([k, values]) =>
  (values as readonly string[]).map((v) => ({ name: `${k}=${v}`, readings: { [k]: v } })),
);

function clientFor(emu: EmulatorHandle, over: Partial<ClientOptions> = {}): CxGenieClient {
  return new CxGenieClient({ baseUrl: emu.url, token: emu.token, botId: emu.botId, ...over });
}

function busiest(emu: EmulatorHandle) {
  const per = new Map<string, number>();
  for (const s of emu.world.sessions.values()) per.set(s.customer_id, (per.get(s.customer_id) ?? 0) + 1);
  const [customerId, sessionCount] = [...per.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const sessions = [...emu.world.sessions.values()]
    .filter((s) => s.customer_id === customerId)
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  const longest = [...emu.world.sessions.values()].sort((a, b) => b.messages.length - a.messages.length)[0]!;
  return { customerId, sessionCount, sessions, longest };
}

describe('the client under every reading of the document', () => {
  it.each(EACH)('works with the emulator playing $name', async ({ readings }) => {
    const emu = await emulator({ customers: 45, pageSize: 7, readings });
    const warnings: ApiWarning[] = [];
    const client = clientFor(emu, { onWarning: (w) => warnings.push(w) });

    // 3. Every customer, once, newest first (cursor paging: pages of 7, the last one short).
    const customers = client.iterateCustomers();
    const all = await customers.all();
    expect(all.map((c) => c.id)).toEqual([...emu.world.customers].reverse().map((c) => c.id));
    expect(customers.summary.rows).toBe(45);

    // 4. Customer detail, whichever name the server reads the token under.
    const detail = await client.getCustomer(all[3]!.id);
    expect(detail.id).toBe(all[3]!.id);

    // 5. Every conversation of the busiest customer, by pages of 4; and a date range.
    const { customerId, sessionCount, sessions, longest } = busiest(emu);
    expect(sessionCount).toBeGreaterThan(4);
    const paged = client.iterateSessions({ customer_id: customerId, limit: 4 });
    expect((await paged.all()).map((s) => s.id)).toEqual(sessions.map((s) => s.id));
    const window = sessions.slice(1, 4);
    const ranged = await client
      .iterateSessions({
        customer_id: customerId,
        limit: 2,
        date_range: [window.at(-1)!.created_at, window[0]!.created_at],
      })
      .all();
    expect(ranged.map((s) => s.id)).toEqual(window.map((s) => s.id));

    // 6. Every message of the longest conversation.
    const messages = await client
      .iterateMessages(longest.id, { customer_id: longest.customer_id, limit: 7, order: 'asc' })
      .all();
    expect(messages.map((m) => m.id)).toEqual(longest.messages.map((m) => m.id));

    // 7. Uploads, wherever the server reads the token.
    const bytes = randomBytes(300);
    const [file] = await client.uploadFiles([{ name: 'a.pdf', data: new Blob([bytes]) }]);
    expect(Buffer.from(await (await fetch(file!.url)).arrayBuffer()).equals(bytes)).toBe(true);

    // 2. A chat without metadata (the client sends {}), and 1. training data.
    expect(typeof (await client.sendMessage({ content: 'Hello?' }))).toBe('string');
    await client.createBotData({ type: 'DOCUMENT', content: file!.url, title: 'a.pdf' });
    expect(emu.created()).toHaveLength(1);

    // Only the date format may need a second try (auto); nothing else is worth a warning.
    expect(warnings.filter((w) => w.code !== 'date-format')).toEqual([]);
    expect(emu.stats().byStatus['400'] ?? 0).toBe(readings.dateRange === 'epoch-ms' ? 1 : 0);
  });

  it.each(['all', 'remaining', 'page', 'absent'] as const)(
    'total=%s: the review cases — 25 customers in pages of 20, 12 conversations in pages of 10',
    async (total) => {
      const emu = await emulator({ customers: 25, pageSize: 20, readings: { total } });
      const client = clientFor(emu);
      const customers = client.iterateCustomers();
      expect(await customers.all()).toHaveLength(25);
      expect(customers.summary.warnings).toEqual([]);
      if (total !== 'absent') expect(customers.summary.readings).toContain(total);

      const big = await emulator({ readings: { total } });
      const { customerId, sessionCount } = busiest(big);
      expect(sessionCount).toBeGreaterThan(10);
      const sessions = clientFor(big).iterateSessions({ customer_id: customerId, limit: 10 });
      expect(await sessions.all()).toHaveLength(sessionCount);
      expect(sessions.summary.warnings).toEqual([]);
    },
  );
});

describe('date_range: ISO text or epoch milliseconds', () => {
  const cases: [Readings['dateRange'], DateRangeFormat, 'ok' | 'refused'][] = [
    ['any', 'iso', 'ok'],
    ['any', 'epoch-ms', 'ok'],
    ['iso', 'iso', 'ok'],
    ['iso', 'epoch-ms', 'refused'],
    ['iso', 'auto', 'ok'],
    ['epoch-ms', 'epoch-ms', 'ok'],
    ['epoch-ms', 'iso', 'refused'],
    ['epoch-ms', 'auto', 'ok'],
  ];
  it.each(cases)('a server reading %s, a client sending %s: %s', async (server, format, outcome) => {
    const emu = await emulator({ readings: { dateRange: server } });
    const warnings: ApiWarning[] = [];
    const client = clientFor(emu, { dateRangeFormat: format, onWarning: (w) => warnings.push(w) });
    const { customerId, sessions } = busiest(emu);
    const range: [string, string] = [sessions.at(-1)!.created_at, sessions[0]!.created_at];
    const ask = () => client.listSessions({ customer_id: customerId, limit: 100, date_range: range });
    if (outcome === 'refused') {
      const err = await ask().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).message).toContain('date_range[0]');
      return;
    }
    // Twice: with auto, the second request goes straight out in the format that worked.
    expect((await ask()).sessions).toHaveLength(sessions.length);
    expect((await ask()).sessions).toHaveLength(sessions.length);
    const switched = format === 'auto' && server === 'epoch-ms';
    expect(emu.stats().byStatus['400'] ?? 0).toBe(switched ? 1 : 0);
    expect(client.dateRangeFormat).toBe(format === 'auto' ? (switched ? 'epoch-ms' : 'iso') : format);
    expect(warnings.map((w) => w.code)).toEqual(switched ? ['date-format'] : []);
    if (switched) expect(warnings[0]!.message).toContain('"dateRangeFormat": "epoch-ms"');
  });

  it('auto: a passing fault on the second try is thrown as it is (retryable), and settles nothing', async () => {
    const emu = await emulator({
      readings: { dateRange: 'epoch-ms' },
      faults: { schedule: [{ endpoint: 'GET /sessions-by-customer', at: 2, fault: 'error', status: 503 }] },
    });
    const client = clientFor(emu);
    const { customerId, sessions } = busiest(emu);
    const ask = () =>
      client.listSessions({
        customer_id: customerId,
        limit: 100,
        date_range: [sessions.at(-1)!.created_at, sessions[0]!.created_at],
      });
    const err = (await ask().catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect(client.dateRangeFormat).toBe('iso');
    // What a retrying caller does next: ISO refused again, epoch milliseconds read.
    expect((await ask()).sessions).toHaveLength(sessions.length);
    expect(client.dateRangeFormat).toBe('epoch-ms');
  });

  it('auto does not hide a 400 that is not about the range', async () => {
    const emu = await emulator({ readings: { dateRange: 'epoch-ms' } });
    const client = clientFor(emu);
    const { customerId } = busiest(emu);
    const err = await client
      .listSessions({ customer_id: customerId, limit: 500, date_range: ['2026-01-01', '2026-12-31'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain('limit must be');
    // Tried once each way, then settled: the next request is not doubled.
    expect(emu.stats().byStatus['400']).toBe(2);
    await client.listSessions({ customer_id: customerId, limit: 5 });
    expect(emu.stats().byStatus['400']).toBe(2);
  });
});

describe('replies of an unexpected type', () => {
  it('a chat reply that is not a string is a ShapeError naming the field, never "[object Object]"', async () => {
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 200, { success: true, data: { content: 'Hi there', type: 'TEXT' } }),
    );
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-object-reply', botId: 'b' });
    const err = await client.sendMessage({ content: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    const e = err as ShapeError;
    expect(e.message).toBe(
      'POST /messages: the API answered in a shape this version does not know: data: expected a string, got an object {content, type}',
    );
    expect(e.issues).toEqual([
      { path: 'data', field: 'data', kind: 'type', message: 'expected a string, got an object {content, type}' },
    ]);
    // The message was sent: a POST that answered may have taken effect.
    expect(e.delivery).toBe('unknown');
    expect(e.hint).toContain('kb-sync doctor');
  });

  it(
    'the same through `kb-sync chat`: exit 1, the field path on stderr, no [object Object]',
    { timeout: 120_000 },
    async () => {
      const srv = await tinyServer((_req, res) => sendJson(res, 200, { success: true, data: { text: 'Hi' } }));
      const p = project({});
      const r = await runCli(['chat', 'hello'], {
        cwd: p.dir,
        env: { CXGENIE_API_URL: srv.origin, CXGENIE_WORKSPACE_TOKEN: 'tok-chat-shape', CXGENIE_BOT_ID: 'b' },
      });
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).not.toContain('[object Object]');
      expect(r.stderr).toContain('the API answered in a shape this version does not know: data: expected a string');
      expect(r.stderr).not.toContain('internal error');
    },
  );

  it('a row without an id, deep in a page: the path names the row', async () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ id: `c${i}`, created_at: '2026-01-01T00:00:00Z' }));
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 200, { success: true, data: { total: 4, customers: [...rows.slice(0, 3), { id: 7 }] } }),
    );
    const client = new CxGenieClient({ baseUrl: srv.origin, token: 'tok-row-id', botId: 'b' });
    const err = (await client.listCustomers().catch((e: unknown) => e)) as ShapeError;
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toContain('data.customers[3].id: expected a string, got a number (7)');
    expect(err.message).toContain('data.customers[3].created_at: missing');
    expect(err.retryable).toBe(false);
  });

  it('onShape: the first reply of each endpoint is compared with the document, once', async () => {
    const emu = await emulator({ readings: { total: 'absent' } });
    const seen: [string, string[]][] = [];
    const client = clientFor(emu, {
      onShape: (ep, drift) => seen.push([ep, drift.map((d) => `${d.field}: ${d.message}`)]),
    });
    await client.listCustomers();
    await client.listCustomers();
    const { customerId } = busiest(emu);
    await client.listSessions({ customer_id: customerId });
    expect(seen).toEqual([
      ['GET /customer-list', ['data.total: missing']],
      ['GET /sessions-by-customer', ['total: missing']],
    ]);
  });
});

describe('the CLI under the readings', { timeout: 180_000 }, () => {
  it.each(['remaining', 'absent'] as const)(
    'total=%s: kb-sync customers and conversations list every row',
    async (total) => {
      const emu = await emulator({ customers: 25, pageSize: 20, readings: { total } });
      const p = project({}, { emu, config: { rateLimit: { requestsPerSecond: 1000, concurrency: 4 } } });
      const { customerId, sessionCount } = busiest(emu);
      const [customers, convs] = await Promise.all([
        runCli(['customers', '--json'], { cwd: p.dir, env: p.env }),
        runCli(['conversations', customerId, '--json'], { cwd: p.dir, env: p.env }),
      ]);
      expect(customers.code).toBe(0);
      const doc = JSON.parse(customers.stdout) as { count: number; total: number | null; warnings: string[] };
      expect(doc).toMatchObject({ count: 25, total: 25, warnings: [] });
      expect(convs.code).toBe(0);
      expect(JSON.parse(convs.stdout)).toMatchObject({ count: sessionCount, warnings: [] });
    },
  );
});

describe('the reading switches', { timeout: 120_000 }, () => {
  it('are read and set over /__emulator/readings; a bad one is refused with what is allowed', async () => {
    const emu = await emulator();
    const get = async () =>
      ((await (await fetch(`${emu.origin}/__emulator/readings`)).json()) as { data: Readings }).data;
    expect(await get()).toMatchObject({ total: 'all', uploadToken: 'either', dateRange: 'any' });
    const put = (body: unknown) =>
      fetch(`${emu.origin}/__emulator/readings`, { method: 'PUT', body: JSON.stringify(body) });
    expect((await put({ total: 'remaining', uploadToken: 'form' })).status).toBe(200);
    expect(await get()).toMatchObject({ total: 'remaining', uploadToken: 'form', metadata: 'optional' });
    expect(emu.readings.total).toBe('remaining');
    const bad = await put({ total: 'most' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe(
      'total must be one of all, remaining, page, absent',
    );
    // PUT replaces, like the fault switches: what is not given is back to its default.
    await put({ metadata: 'required' });
    expect(await get()).toMatchObject({ total: 'all', uploadToken: 'either', metadata: 'required' });
  });

  it('each strict reading refuses the other reading on its own (so the tests above prove something)', async () => {
    const emu = await emulator();
    const q = (path: string, params: Record<string, string>) =>
      fetch(`${emu.url}${path}?${new URLSearchParams(params).toString()}`);
    const id = emu.world.customers[0]!.id;
    emu.setReadings({ customerDetailToken: 'workshop_id' });
    expect((await q(`/customer-detail/${id}`, { workspace_token: emu.token })).status).toBe(401);
    expect((await q(`/customer-detail/${id}`, { workshop_id: emu.token })).status).toBe(200);
    emu.setReadings({ customerDetailToken: 'workspace_token' });
    expect((await q(`/customer-detail/${id}`, { workshop_id: emu.token })).status).toBe(401);

    const upload = (where: 'query' | 'form') => {
      const form = new FormData();
      form.append('files', new Blob(['x']), 'x.txt');
      if (where === 'form') form.append('workspace_token', emu.token);
      const qs = where === 'query' ? `?workspace_token=${emu.token}` : '';
      return fetch(`${emu.url}/upload/multiple${qs}`, { method: 'POST', body: form });
    };
    emu.setReadings({ uploadToken: 'query' });
    expect([(await upload('form')).status, (await upload('query')).status]).toEqual([401, 200]);
    emu.setReadings({ uploadToken: 'form' });
    expect([(await upload('query')).status, (await upload('form')).status]).toEqual([401, 200]);

    emu.setReadings({ metadata: 'required' });
    const chat = await fetch(`${emu.url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspace_token: emu.token, bot_id: emu.botId, content: 'hi' }),
    });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { message: string }).message).toBe('metadata is required');
  });

  it('kb-sync emulator --reading NAME=VALUE sets them (and says which differ); a bad one exits 2', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'emulator', '--port', '0', '--json', '--reading', 'total=absent', '--reading', 'upload-token=form'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    killWhenTestEnds(child);
    try {
      let out = '';
      const doc = await new Promise<{ url: string; origin: string; readings: Readings }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no JSON from the emulator')), 90_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          try {
            resolve(JSON.parse(out) as { url: string; origin: string; readings: Readings });
            clearTimeout(timer);
          } catch {
            /* not complete yet */
          }
        });
      });
      expect(doc.readings).toMatchObject({ total: 'absent', uploadToken: 'form', metadata: 'optional' });
      const live = (await (await fetch(`${doc.origin}/__emulator/readings`)).json()) as { data: Readings };
      expect(live.data.total).toBe('absent');
    } finally {
      child.kill('SIGINT');
    }
    const bad = await runCli(['emulator', '--port', '0', '--reading', 'total=most']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--reading total=most: total must be one of all, remaining, page, absent');
  });
});
