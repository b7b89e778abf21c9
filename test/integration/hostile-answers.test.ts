import type http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES } from '../../src/api/body.js';
import { CxGenieClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { MAX_REMOTE_ID_LENGTH } from '../../src/api/ids.js';
import { exitCodeForRun } from '../../src/cli/exit.js';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/sync/run.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { project } from '../helpers/project.js';

/**
 * Server answers are untrusted (issue 11): a body is read up to a documented limit however it is
 * sent (item 5), and an id or file URL from an answer is kept only when it is plausible and
 * holds no token (item 12). Hostile servers written here, plain node:http on loopback.
 */

const TOKEN = 'tok-answers-0123456789';
const FILES = { 'faq.qa.yaml': '- q: One?\n  a: Yes.\n- q: Two?\n  a: No.\n' };

/** Stream `chunk` for ever (respecting back-pressure) until the client goes; counts what it accepted. */
function streamForever(res: http.ServerResponse, status = 200) {
  const sent = { bytes: 0, closed: false };
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write('{"success":true,"data":{"id":"x","pad":"');
  const pump = () => {
    while (!res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  res.on('close', () => (sent.closed = true));
  pump();
  return sent;
}

function client(origin: string, extra: Partial<ConstructorParameters<typeof CxGenieClient>[0]> = {}) {
  return new CxGenieClient({ baseUrl: origin, token: TOKEN, botId: 'bot-1', timeoutMs: 120_000, ...extra });
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function setup(origin: string) {
  const p = project(FILES, { config: { rateLimit: { requestsPerSecond: 200, concurrency: 1 } } });
  const cfg = { ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }), apiBaseUrl: origin };
  const sync = () =>
    runSync({ config: cfg, botId: 'bot-1', dryRun: false, token: TOKEN, cwd: p.dir, random: () => 0.5 });
  return { p, sync };
}

describe('response bodies are capped (item 5)', () => {
  it('a 200 that streams for ever: the read stops at the limit, a create fails as a lost answer (may have been created)', async () => {
    const streams: ReturnType<typeof streamForever>[] = [];
    const srv = await tinyServer((_req, res) => void streams.push(streamForever(res)));
    const err = await apiError(client(srv.origin).createBotData({ type: 'TEXT', title: 't', content: 'c' }));
    expect(err.kind).toBe('lost-response');
    expect(err.delivery).toBe('unknown');
    expect(err.mayHaveTakenEffect).toBe(true);
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.message).toBe(
      'POST /bot-data failed: the response was lost (RESPONSE_TOO_LARGE: the answer passed the 4 MiB limit and was not read further); the request may have taken effect',
    );
    // The connection was dropped: the server could hand over no more than the limit plus what
    // the sockets buffer (memory follows what was accepted, not the stream).
    await expect.poll(() => streams[0]?.closed, { timeout: 30_000 }).toBe(true);
    expect(streams[0]!.bytes).toBeGreaterThan(MAX_RESPONSE_BYTES);
    expect(streams[0]!.bytes).toBeLessThan(MAX_RESPONSE_BYTES + 32 * 1024 * 1024);
  });

  it('a Content-Length past the limit is refused before any of the body is read; a read is retryable', async () => {
    const srv = await tinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) });
      res.write('{"success":true,');
    });
    const err = await apiError(client(srv.origin).listCustomers());
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.retryable).toBe(true);
  });

  it('the limit is a client option; an answer within it is read whole', async () => {
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 200, { success: true, data: { id: 'abc-1', type: 'TEXT', pad: 'x'.repeat(2000) } }),
    );
    const small = await apiError(
      client(srv.origin, { maxResponseBytes: 1024 }).createBotData({ type: 'TEXT', content: 'c' }),
    );
    expect(small.message).toContain('the 1 KiB limit');
    const ok = await client(srv.origin).createBotData({ type: 'TEXT', content: 'c' });
    expect(ok.id).toBe('abc-1');
  });

  it('an error status with an endless body is still that error, read no further than the limit', async () => {
    const streams: ReturnType<typeof streamForever>[] = [];
    const srv = await tinyServer((_req, res) => void streams.push(streamForever(res, 500)));
    const err = await apiError(client(srv.origin).createBotData({ type: 'TEXT', content: 'c' }));
    expect(err.status).toBe(500);
    expect(err.kind).toBe('server');
    await expect.poll(() => streams[0]?.closed, { timeout: 30_000 }).toBe(true);
  });

  it('in a sync: each create that streamed for ever is failed and uncertain, retried a bounded number of times', async () => {
    const streams: ReturnType<typeof streamForever>[] = [];
    const srv = await tinyServer((_req, res) => void streams.push(streamForever(res)));
    const { sync } = setup(srv.origin);
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(1);
    const creates = r.items.filter((i) => i.action === 'create');
    expect(creates.map((i) => [i.status, i.uncertain])).toEqual([
      ['failed', true],
      ['failed', true],
    ]);
    expect(creates[0]?.error).toContain('passed the 4 MiB limit');
    // project() allows 4 attempts per item.
    expect(streams.length).toBeLessThanOrEqual(2 * 4);
    expect(r.uncertain.map((u) => u.key).sort()).toEqual(creates.map((i) => i.key).sort());
  });
});

describe('ids and URLs from the server are data, not trust (item 12)', () => {
  const ESC = '\u001b';
  it.each<[string, unknown]>([
    ['too long', 'a'.repeat(MAX_REMOTE_ID_LENGTH + 1)],
    ['a control sequence', `id-1${ESC}[2J${ESC}]0;pwned\u0007`],
    ['a newline', 'id-1\n::error::spoofed'],
    ['a path', '../../etc/passwd'],
    ['spaces', 'id 1'],
    ['empty', ''],
    ['the token itself', TOKEN],
    ['the token inside', `x-${TOKEN}-y`],
    ['a number', 42],
  ])('a created item whose id is %s: a malformed answer, the item uncertain, nothing stored', async (_n, id) => {
    const srv = await tinyServer((_req, res) => sendJson(res, 200, { success: true, data: { id, type: 'Q_AND_A' } }));
    const err = await apiError(client(srv.origin).createBotData({ type: 'Q_AND_A', content: 'q', content_value: 'a' }));
    expect(err.kind).toBe('lost-response');
    expect(err.mayHaveTakenEffect).toBe(true);
    expect(err.retryable).toBe(false);
    if (typeof id === 'string' && id.length > 0) expect(err.message).not.toContain(id);
    expect(err.message).not.toContain(TOKEN);

    const { sync } = setup(srv.origin);
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(1);
    const creates = r.items.filter((i) => i.action === 'create');
    expect(creates.every((i) => i.status === 'failed' && i.uncertain && i.remoteId === undefined)).toBe(true);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    if (typeof id === 'string' && id.length > 3) expect(JSON.stringify(r)).not.toContain(JSON.stringify(id));
    // Nothing was stored as created: the next run sends them again (and reports them as uncertain).
    const again = await sync();
    expect(again.items.filter((i) => i.action === 'create')).toHaveLength(2);
  });

  it.each<[string, string, RegExp]>([
    ['the token in the query', `http://files.example.com/f.pdf?workspace_token=${TOKEN}`, /holds the workspace token/],
    [
      'the token URL-encoded',
      `http://files.example.com/${encodeURIComponent(`a/${TOKEN}`)}`,
      /holds the workspace token/,
    ],
    ['a javascript: URL', 'javascript:alert(1)', /not http\(s\)/],
    ['a newline', 'http://files.example.com/f.pdf\n::error::x', /spaces or control characters/],
    ['too long', `http://files.example.com/${'a'.repeat(3000)}`, /characters long/],
  ])('an uploaded file whose URL has %s: the upload is a malformed answer, nothing created', async (_n, url, why) => {
    const srv = await tinyServer((req, res) => {
      if (req.url?.includes('/upload/multiple'))
        return sendJson(res, 200, { success: true, data: [{ name: 'a.pdf', url, type: 'application/pdf', size: 4 }] });
      sendJson(res, 200, { success: true, data: { id: 'id-1', type: 'DOCUMENT' } });
    });
    const err = await apiError(
      client(srv.origin).uploadFiles([{ name: 'a.pdf', data: new Blob(['%PDF'], { type: 'application/pdf' }) }]),
    );
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain(TOKEN);
    expect(srv.requests.filter((r) => r.url.includes('/bot-data'))).toHaveLength(0);
  });

  it('plausible ids pass: UUIDs, ObjectIds, numbers as text, with _ . : -', async () => {
    for (const id of ['3f2b8c1e-9d4a-4b7e-8f00-0123456789ab', '65a1f0c2e4b0a1b2c3d4e5f6', '12345', 'bd_1.v2:x-y']) {
      const srv = await tinyServer((_req, res) => sendJson(res, 200, { success: true, data: { id, type: 'TEXT' } }));
      expect((await client(srv.origin).createBotData({ type: 'TEXT', content: 'c' })).id).toBe(id);
    }
  });
});
