import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import mime from 'mime-types';
import type { BotData, BotDataType, Customer, Media } from '../api/types.js';
import { BOT_DATA_TYPES } from '../api/types.js';
import { answerFrom, replyInMode } from './answer.js';
import { FaultPlan, validateFaultConfig, type FaultConfig } from './faults.js';
import { DEFAULT_READINGS, validateReadings, type Readings } from './readings.js';
import { World } from './world.js';

export const DEFAULT_PREFIX = '/api/v2/public-api';
export const DEFAULT_EMULATOR_TOKEN = 'emulator-workspace-token';
export const DEFAULT_EMULATOR_BOT = 'demo-bot';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /** Path prefix of the API (default `/api/v2/public-api`). */
  prefix?: string;
  token?: string;
  botId?: string;
  /** More bots in the same workspace (for tests that switch bots). */
  extraBotIds?: string[];
  /** Seed of the sample customers and conversations (default 42). */
  seed?: number;
  /** Number of seeded customers (default 60). */
  customers?: number;
  /** The emulator's notion of "now" for seeded data (default: the real clock at start). */
  now?: number;
  faults?: FaultConfig;
  /**
   * The clock of the rate limit's bucket, in milliseconds (default: `performance.now`). Tests
   * give one they move by hand, so what the bucket answers does not depend on the machine's speed.
   */
  clock?: () => number;
  /** How to read the places where the vendor document is ambiguous (default: the lenient reading of each). */
  readings?: Partial<Readings>;
  /** Customers per page of `GET /customer-list` (default 20). */
  pageSize?: number;
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** One line per request (never with the token). */
  log?: (line: string) => void;
}

export interface EmulatorStats {
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  lost: number;
  resets: number;
  created: number;
  uploads: number;
  messages: number;
}

export interface EmulatorHandle {
  /** The API base URL to configure (`http://127.0.0.1:PORT/api/v2/public-api`). */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly botId: string;
  readonly world: World;
  readonly faults: FaultPlan;
  /** The reading switches in force. */
  readonly readings: Readings;
  /** Training data created so far, oldest first (for one bot, or all). */
  created(botId?: string): BotData[];
  stats(): EmulatorStats;
  setFaults(config: FaultConfig): void;
  /** Replace the reading switches (those not given take their default). */
  setReadings(readings: Partial<Readings>): void;
  /** Forget created training data and counters (the seeded customers stay). */
  reset(): void;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    byEndpoint: {},
    byStatus: {},
    rateLimited: 0,
    lost: 0,
    resets: 0,
    created: 0,
    uploads: 0,
    messages: 0,
  };
}

/** Start a local CX Genie emulator on loopback. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emulator = new EmulatorServer(opts);
  await emulator.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return emulator.api();
}

/** The emulator's state and its request handlers; `startEmulator` builds one, listens and hands out its `api()`. */
class EmulatorServer {
  private readonly prefix: string;
  private readonly token: string;
  private readonly botId: string;
  private readonly pageSize: number;
  private readonly maxBody: number;
  private readonly world: World;
  private readonly faults: FaultPlan;
  /** Aborted by stop(): ends the waits of requests held by latency or a fault. */
  private readonly stopping = new AbortController();
  private readonly readings: Readings;
  private readonly log: ((line: string) => void) | undefined;
  private readonly server: http.Server;
  private stats = emptyStats();
  private origin = '';
  private port = 0;

  constructor(opts: EmulatorOptions) {
    this.prefix = (opts.prefix ?? DEFAULT_PREFIX).replace(/\/+$/, '');
    this.token = opts.token ?? DEFAULT_EMULATOR_TOKEN;
    this.botId = opts.botId ?? DEFAULT_EMULATOR_BOT;
    this.pageSize = opts.pageSize ?? 20;
    this.maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.world = new World({
      botIds: [this.botId, ...(opts.extraBotIds ?? [])],
      seed: opts.seed,
      customers: opts.customers,
      now: opts.now,
    });
    if (opts.faults) {
      const problem = validateFaultConfig(opts.faults);
      if (problem) throw new TypeError(`emulator faults: ${problem}`);
    }
    this.faults = new FaultPlan(opts.faults ?? {}, opts.clock);
    this.readings = checkedReadings(opts.readings ?? {});
    this.log = opts.log;
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(port: number, host: string): Promise<void> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.origin = `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${addr.port}`;
    this.port = addr.port;
  }

  /** The handle given to callers (call after `listen`). */
  api(): EmulatorHandle {
    const { origin, world, faults, readings, server } = this;
    return {
      url: `${origin}${this.prefix}`,
      origin,
      port: this.port,
      token: this.token,
      botId: this.botId,
      world,
      faults,
      readings,
      created: (bot?: string) => (bot ? world.botData.filter((d) => d.bot_id === bot) : [...world.botData]),
      stats: () => structuredClone(this.stats),
      setFaults: (config) => {
        const problem = validateFaultConfig(config);
        if (problem) throw new TypeError(`emulator faults: ${problem}`);
        faults.set(config);
      },
      setReadings: (r) => {
        Object.assign(readings, checkedReadings(r));
      },
      reset: () => this.reset(),
      stop: () =>
        new Promise<void>((resolve) => {
          // Requests held by a latency or a fault end now: none keeps the process alive.
          this.stopping.abort();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  private reset(): void {
    this.world.botData.length = 0;
    this.world.uploads.clear();
    this.stats = emptyStats();
  }

  private count(endpoint: string, status: number): void {
    const stats = this.stats;
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
    stats.byStatus[String(status)] = (stats.byStatus[String(status)] ?? 0) + 1;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    this.handle(req, res)
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof HttpError ? err.message : 'Internal emulator error';
        if (!res.headersSent && !res.destroyed) send(res, status, { success: false, message });
      })
      .finally(() => {
        const path = (req.url ?? '').split('?')[0];
        this.log?.(
          `${req.method} ${path} ${res.destroyed && !res.writableFinished ? 'dropped' : res.statusCode} ${Math.round(performance.now() - started)}ms`,
        );
      });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const prefix = this.prefix;

    // ---- test-only routes and served uploads (not part of CX Genie) ----
    if (path.startsWith('/__emulator/'))
      return this.testRoute(req, res, method, path.slice('/__emulator/'.length), url);
    if (method === 'GET' && path.startsWith('/uploads/')) return this.serveUpload(res, path);

    if (!path.startsWith(`${prefix}/`)) throw new HttpError(404, `Not found: ${method} ${path}`);
    const route = path.slice(prefix.length);
    const endpoint = endpointOf(method, route);
    if (!endpoint) throw new HttpError(404, `Not found: ${method} ${route}`);
    // A known path with the wrong method: answer before counting it or letting it consume a fault.
    if (endpoint === 'X') throw new HttpError(405, `Method not allowed: ${method} ${route}`);

    this.stats.requests++;
    const decision = this.faults.decide(endpoint);
    if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { signal: this.stopping.signal });
    switch (decision.action) {
      case 'reset':
        this.stats.resets++;
        this.count(endpoint, 0);
        req.socket.destroy();
        return;
      case 'rate-limit':
        this.stats.rateLimited++;
        this.count(endpoint, 429);
        res.setHeader('retry-after', String(decision.retryAfterSec));
        return send(res, 429, { success: false, message: 'Too many requests' });
      case 'error':
        this.count(endpoint, decision.status);
        return send(res, decision.status, { success: false, message: 'Internal server error (emulated fault)' });
      case 'unauthorized':
        this.count(endpoint, 401);
        return send(res, 401, { success: false, message: 'Invalid workspace token' });
      default:
        break;
    }

    let status = 200;
    let body: unknown;
    try {
      body = await this.route(req, method, route, url, endpoint);
    } catch (err) {
      if (err instanceof HttpError) status = err.status;
      this.count(endpoint, status === 200 ? 500 : status);
      throw err;
    }
    this.count(endpoint, status);
    if (decision.lose) {
      // Processed, then the connection dies before any reply: the client cannot know.
      this.stats.lost++;
      req.socket.destroy();
      return;
    }
    // Processed; the answer is late (a client that gave up meanwhile is not answered).
    if (decision.answerDelayMs) await sleep(decision.answerDelayMs, undefined, { signal: this.stopping.signal });
    if (!res.destroyed) send(res, status, body);
  }

  private async route(
    req: http.IncomingMessage,
    method: string,
    route: string,
    url: URL,
    endpoint: string,
  ): Promise<unknown> {
    const world = this.world;
    switch (endpoint) {
      case 'POST /bot-data': {
        const b = await readJson(req, this.maxBody);
        this.authBody(b);
        const bot = this.botOf(b.bot_id);
        const input = validateBotData(b);
        const row = world.addBotData({ ...input, bot_id: bot });
        this.stats.created++;
        return { success: true, data: row };
      }
      case 'POST /messages':
        return this.message(req);
      case 'GET /customer-list': {
        this.authQuery(url.searchParams);
        return { success: true, data: this.listCustomers(url.searchParams) };
      }
      case 'GET /customer-detail/:id': {
        authCustomerDetail(url.searchParams, this.readings.customerDetailToken, this.token);
        const id = pathId(route);
        const c = world.customers.find((x) => x.id === id);
        if (!c) throw new HttpError(404, 'Customer not found');
        return { success: true, data: world.customerDetail(c) };
      }
      case 'GET /sessions-by-customer': {
        this.authQuery(url.searchParams);
        return this.listSessions(url.searchParams);
      }
      case 'GET /detail-sessions/:id': {
        this.authQuery(url.searchParams);
        const id = pathId(route);
        return { success: true, data: this.listMessages(id, url.searchParams) };
      }
      case 'POST /upload/multiple': {
        return { success: true, data: await this.upload(req, url) };
      }
      default:
        throw new HttpError(405, `Method not allowed: ${method} ${route}`);
    }
  }

  // ------------------------------------------------------------------ auth

  private authBody(b: Record<string, unknown>): void {
    const t = b.workspace_token;
    if (t === undefined || t === null || t === '') throw new HttpError(401, 'workspace_token is required');
    if (t !== this.token) throw new HttpError(401, 'Invalid workspace token');
  }

  private authQuery(q: URLSearchParams): void {
    const t = q.get('workspace_token');
    if (t === null || t === '') throw new HttpError(401, 'workspace_token is required');
    if (t !== this.token) throw new HttpError(401, 'Invalid workspace token');
  }

  private botOf(id: unknown): string {
    if (id === undefined || id === null || id === '') throw new HttpError(400, 'bot_id is required');
    if (typeof id !== 'string') throw new HttpError(400, 'bot_id must be a string');
    if (!this.world.bots.has(id)) throw new HttpError(404, 'Bot not found');
    return id;
  }

  // ------------------------------------------------------------------ endpoints

  private async message(req: http.IncomingMessage) {
    const world = this.world;
    const b = await readJson(req, this.maxBody);
    this.authBody(b);
    const bot = this.botOf(b.bot_id);
    if (this.readings.metadata === 'required' && (b.metadata === undefined || b.metadata === null))
      throw new HttpError(400, 'metadata is required');
    const { content, media, customerInfo } = validateMessage(b);
    const known = world.botData.filter((d) => d.bot_id === bot);
    const answer = answerFrom(content, known);
    const unknown = world.bots.get(bot)?.reply_unknown ?? '';
    const reply = replyInMode(this.faults.config.replyMode ?? 'exact', answer?.text ?? null, content, unknown);
    const customer = world.customerFor(bot, customerInfo);
    world.chat(bot, customer, content, media, reply);
    this.stats.messages++;
    return { success: true, data: reply };
  }

  private listCustomers(q: URLSearchParams) {
    const search = q.get('search')?.toLowerCase() ?? '';
    const botIds = arrayParam(q, 'bot_ids');
    const types = arrayParam(q, 'types');
    for (const t of types) if (t !== 'lead' && t !== 'users') throw new HttpError(400, 'types must be lead or users');
    const testing = boolParam(q, 'is_testing');
    const cursorRaw = q.get('cursor');
    let cursor: number | undefined;
    if (cursorRaw !== null && cursorRaw !== '') {
      cursor = Date.parse(cursorRaw);
      if (Number.isNaN(cursor))
        throw new HttpError(400, 'cursor must be an ISO date (created_at of the last customer seen)');
    }
    const matching = this.world.customers.filter((c) => {
      if (botIds.length > 0 && !botIds.includes(c.bot_id)) return false;
      if (types.length > 0 && !types.includes(isUser(c) ? 'users' : 'lead')) return false;
      if (testing !== undefined && c.is_testing !== testing) return false;
      if (search && ![c.name, c.email, c.phone_number].some((f) => f.toLowerCase().includes(search))) return false;
      return true;
    });
    const newestFirst = [...matching].reverse();
    const inclusive = this.readings.cursor === 'inclusive';
    const after =
      cursor === undefined
        ? newestFirst
        : newestFirst.filter((c) =>
            inclusive ? Date.parse(c.created_at) <= cursor : Date.parse(c.created_at) < cursor,
          );
    const customers = after.slice(0, this.pageSize);
    return { ...totalOf(this.readings.total, matching.length, after.length, customers.length), customers };
  }

  private listSessions(q: URLSearchParams) {
    const customerId = q.get('customer_id');
    if (!customerId) throw new HttpError(400, 'customer_id is required');
    if (!this.world.customers.some((c) => c.id === customerId)) throw new HttpError(404, 'Customer not found');
    const { limit, offset } = paging(q);
    const botIds = arrayParam(q, 'bot_ids');
    const statuses = arrayParam(q, 'status');
    for (const s of statuses)
      if (s !== 'OPEN' && s !== 'CLOSED') throw new HttpError(400, 'status must be OPEN or CLOSED');
    const replies = arrayParam(q, 'reply_status');
    for (const r of replies) {
      if (!['UNREAD_ONLY', 'READ_ONLY', 'REPLIED_ONLY'].includes(r)) {
        throw new HttpError(400, 'reply_status must be UNREAD_ONLY, READ_ONLY or REPLIED_ONLY');
      }
    }
    const range = arrayParam(q, 'date_range');
    let from = -Infinity;
    let to = Infinity;
    if (range.length > 0) {
      if (range.length !== 2) throw new HttpError(400, 'date_range must be [start, end]');
      from = parseDate(range[0] as string, 'date_range[0]', this.readings.dateRange);
      to = parseDate(range[1] as string, 'date_range[1]', this.readings.dateRange);
    }
    const rows = [...this.world.sessions.values()]
      .filter((s) => s.customer_id === customerId)
      .filter((s) => botIds.length === 0 || botIds.includes(s.bot_id))
      .filter((s) => statuses.length === 0 || statuses.includes(s.status))
      .filter((s) => {
        if (replies.length === 0) return true;
        const replied = s.messages.some((m) => m.role === 'bot' || m.role === 'agent');
        return replies.some((r) => (r === 'UNREAD_ONLY' ? !s.is_read : r === 'READ_ONLY' ? s.is_read : replied));
      })
      .filter((s) => {
        const t = Date.parse(s.created_at);
        return t >= from && t <= to;
      })
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
    const page = rows.slice(offset, offset + limit);
    return {
      success: true,
      ...totalOf(this.readings.total, rows.length, Math.max(0, rows.length - offset), page.length),
      data: page.map((s) => this.world.sessionView(s)),
    };
  }

  private listMessages(sessionId: string, q: URLSearchParams) {
    const customerId = q.get('customer_id');
    if (!customerId) throw new HttpError(400, 'customer_id is required');
    const session = this.world.sessions.get(sessionId);
    if (!session || session.customer_id !== customerId) throw new HttpError(404, 'Session not found');
    const { limit, offset } = paging(q);
    const order = q.get('order') ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw new HttpError(400, 'order must be asc or desc');
    const noSystem = boolParam(q, 'remove_system_message') ?? false;
    let rows = session.messages.filter((m) => !(noSystem && m.role === 'system'));
    if (order === 'desc') rows = [...rows].reverse();
    return rows.slice(offset, offset + limit).map((m) => this.world.messageView(m));
  }

  private async upload(req: http.IncomingMessage, url: URL) {
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data')) {
      throw new HttpError(400, 'Content-Type must be multipart/form-data');
    }
    const raw = await readBody(req, this.maxBody);
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    } catch {
      throw new HttpError(400, 'The multipart body could not be parsed');
    }
    // Where the token is read from: the `uploadToken` reading.
    const formToken = form.get('workspace_token');
    const q = new URLSearchParams(this.readings.uploadToken === 'form' ? '' : url.search);
    if (typeof formToken === 'string' && this.readings.uploadToken !== 'query') q.set('workspace_token', formToken);
    this.authQuery(q);
    const files = form.getAll('files');
    if (files.length === 0) throw new HttpError(400, 'files is required');
    const out = [];
    for (const [i, f] of files.entries()) {
      if (typeof f === 'string') throw new HttpError(400, `files[${i}] must be a file`);
      const id = randomUUID();
      const name = f.name || `file-${i + 1}`;
      const ctype = f.type || mime.lookup(name) || 'application/octet-stream';
      const bytes = Buffer.from(await f.arrayBuffer());
      this.world.uploads.set(id, { id, name, type: ctype, bytes, created_at: this.world.stamp() });
      this.stats.uploads++;
      out.push({
        name,
        url: `${this.origin}/uploads/${id}/${encodeURIComponent(name)}`,
        type: ctype,
        size: bytes.length,
      });
    }
    return out;
  }

  private serveUpload(res: http.ServerResponse, path: string): void {
    const id = path.split('/')[2] ?? '';
    const f = this.world.uploads.get(id);
    if (!f) throw new HttpError(404, 'File not found');
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.bytes.length });
    res.end(f.bytes);
  }

  // ------------------------------------------------------------------ test-only routes

  private async testRoute(req: http.IncomingMessage, res: http.ServerResponse, method: string, name: string, url: URL) {
    if (method === 'GET' && name === 'bot-data') {
      const bot = url.searchParams.get('bot_id');
      return send(res, 200, {
        success: true,
        data: bot ? this.world.botData.filter((d) => d.bot_id === bot) : this.world.botData,
      });
    }
    if (method === 'GET' && name === 'stats') return send(res, 200, { success: true, data: this.stats });
    if (method === 'GET' && name === 'faults') return send(res, 200, { success: true, data: this.faults.config });
    if ((method === 'PUT' || method === 'POST') && name === 'faults') {
      const b = await readJson(req, 1024 * 1024);
      const problem = validateFaultConfig(b);
      if (problem) throw new HttpError(400, problem);
      this.faults.set(b);
      return send(res, 200, { success: true, data: this.faults.config });
    }
    if (method === 'GET' && name === 'readings') return send(res, 200, { success: true, data: this.readings });
    if ((method === 'PUT' || method === 'POST') && name === 'readings') {
      const b = await readJson(req, 64 * 1024);
      const problem = validateReadings(b);
      if (problem) throw new HttpError(400, problem);
      Object.assign(this.readings, checkedReadings(b));
      return send(res, 200, { success: true, data: this.readings });
    }
    if (method === 'POST' && name === 'reset') {
      this.reset();
      return send(res, 200, { success: true });
    }
    throw new HttpError(404, `Not found: ${method} /__emulator/${name}`);
  }
}

// -------------------------------------------------------------------- helpers

function endpointOf(method: string, route: string): string | undefined {
  if (route === '/bot-data') return method === 'POST' ? 'POST /bot-data' : 'X';
  if (route === '/messages') return method === 'POST' ? 'POST /messages' : 'X';
  if (route === '/customer-list') return method === 'GET' ? 'GET /customer-list' : 'X';
  if (route === '/sessions-by-customer') return method === 'GET' ? 'GET /sessions-by-customer' : 'X';
  if (route === '/upload/multiple') return method === 'POST' ? 'POST /upload/multiple' : 'X';
  if (/^\/customer-detail\/[^/]+$/.test(route)) return method === 'GET' ? 'GET /customer-detail/:id' : 'X';
  if (/^\/detail-sessions\/[^/]+$/.test(route)) return method === 'GET' ? 'GET /detail-sessions/:id' : 'X';
  return undefined;
}

/** The `:id` of `/customer-detail/:id` or `/detail-sessions/:id`; a malformed escape names nothing (404, not a 500). */
function pathId(route: string): string {
  try {
    return decodeURIComponent(route.split('/')[2] ?? '');
  } catch {
    throw new HttpError(404, 'Not found: the id in the path is not valid percent-encoding');
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) throw new HttpError(413, `Request body too large (limit ${max} bytes)`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `Request body too large (limit ${max} bytes)`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const raw = await readBody(req, max);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function validateBotData(b: Record<string, unknown>): {
  content: string;
  content_value?: string;
  type: BotDataType;
  title?: string;
} {
  const { content, type, title, content_value } = b;
  if (type === undefined || type === null || type === '') throw new HttpError(400, 'type is required');
  if (typeof type !== 'string' || !BOT_DATA_TYPES.includes(type as BotDataType)) {
    throw new HttpError(400, `type must be one of ${BOT_DATA_TYPES.join(', ')}`);
  }
  if (content === undefined || content === null) throw new HttpError(400, 'content is required');
  if (typeof content !== 'string') throw new HttpError(400, 'content must be a string');
  if (content.trim() === '') throw new HttpError(400, 'content must not be empty');
  if (title !== undefined && title !== null && typeof title !== 'string')
    throw new HttpError(400, 'title must be a string');
  if (content_value !== undefined && content_value !== null && typeof content_value !== 'string') {
    throw new HttpError(400, 'content_value must be a string');
  }
  if (type === 'Q_AND_A' && (typeof content_value !== 'string' || content_value.trim() === '')) {
    throw new HttpError(400, 'content_value is required for Q_AND_A (the answer)');
  }
  if ((type === 'URL' || type === 'DOCUMENT') && !/^https?:\/\/[^\s]+$/i.test(content)) {
    throw new HttpError(400, `content must be an absolute http(s) URL for ${type}`);
  }
  return {
    content,
    type: type as BotDataType,
    ...(typeof title === 'string' ? { title } : {}),
    ...(typeof content_value === 'string' ? { content_value } : {}),
  };
}

function validateMessage(b: Record<string, unknown>): {
  content: string;
  media: Media[];
  customerInfo: { name?: string; email?: string; phone_number?: string; external_id?: string } | undefined;
} {
  const { content, media, metadata, customer_info } = b;
  if (content === undefined || content === null) throw new HttpError(400, 'content is required');
  if (typeof content !== 'string') throw new HttpError(400, 'content must be a string');
  if (content.trim() === '' && !(Array.isArray(media) && media.length > 0))
    throw new HttpError(400, 'content must not be empty');
  const items: Media[] = [];
  if (media !== undefined && media !== null) {
    if (!Array.isArray(media)) throw new HttpError(400, 'media must be a list');
    for (const [i, m] of media.entries()) {
      if (m === null || typeof m !== 'object') throw new HttpError(400, `media[${i}] must be an object`);
      const r = m as Record<string, unknown>;
      if (typeof r.url !== 'string') throw new HttpError(400, `media[${i}].url must be a string`);
      if (r.name !== undefined && typeof r.name !== 'string')
        throw new HttpError(400, `media[${i}].name must be a string`);
      if (r.size !== undefined && typeof r.size !== 'number')
        throw new HttpError(400, `media[${i}].size must be a number`);
      items.push({
        uid: typeof r.uid === 'string' ? r.uid : randomUUID(),
        name: typeof r.name === 'string' ? r.name : '',
        size: typeof r.size === 'number' ? r.size : 0,
        url: r.url,
        type: typeof r.type === 'string' ? r.type : 'application/octet-stream',
      });
    }
  }
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new HttpError(400, 'metadata must be an object');
  }
  let info: Record<string, string> | undefined;
  if (customer_info !== undefined && customer_info !== null) {
    if (typeof customer_info !== 'object' || Array.isArray(customer_info))
      throw new HttpError(400, 'customer_info must be an object');
    info = {};
    for (const k of ['name', 'email', 'phone_number', 'external_id']) {
      const v = (customer_info as Record<string, unknown>)[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw new HttpError(400, `customer_info.${k} must be a string`);
      info[k] = v;
    }
  }
  return { content, media: items, customerInfo: info };
}

function arrayParam(q: URLSearchParams, key: string): string[] {
  const raw = [...q.getAll(key), ...q.getAll(`${key}[]`)];
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function boolParam(q: URLSearchParams, key: string): boolean | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new HttpError(400, `${key} must be true or false`);
}

function paging(q: URLSearchParams): { limit: number; offset: number } {
  const limit = intParam(q, 'limit', 10);
  const offset = intParam(q, 'offset', 0);
  if (limit < 1 || limit > 100) throw new HttpError(400, 'limit must be an integer from 1 to 100');
  if (offset < 0) throw new HttpError(400, 'offset must be an integer ≥ 0');
  return { limit, offset };
}

function intParam(q: URLSearchParams, key: string, dflt: number): number {
  const v = q.get(key);
  if (v === null || v === '') return dflt;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, `${key} must be an integer`);
  return Number(v);
}

/** A `date_range` bound: ISO text or epoch milliseconds, or only one of them (the `dateRange` reading). */
function parseDate(v: string, name: string, accept: Readings['dateRange']): number {
  const digits = /^\d+$/.test(v);
  if (accept === 'iso' && digits) throw new HttpError(400, `${name} must be an ISO 8601 date, not a number`);
  if (accept === 'epoch-ms' && !digits) throw new HttpError(400, `${name} must be a timestamp in milliseconds`);
  const t = digits ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `${name} must be a date`);
  return t;
}

/** The `total` key of a list reply, as the `total` reading has it. */
function totalOf(reading: Readings['total'], all: number, remaining: number, page: number): { total?: number } {
  switch (reading) {
    case 'all':
      return { total: all };
    case 'remaining':
      return { total: remaining };
    case 'page':
      return { total: page };
    default:
      return {};
  }
}

/** The document names the token of customer detail `workshop_id`: the `customerDetailToken` reading says which name is read. */
function authCustomerDetail(q: URLSearchParams, mode: Readings['customerDetailToken'], token: string): void {
  const name = mode === 'either' ? (q.has('workspace_token') ? 'workspace_token' : 'workshop_id') : mode;
  const t = q.get(name);
  if (t === null || t === '') throw new HttpError(401, `${name} is required`);
  if (t !== token) throw new HttpError(401, 'Invalid workspace token');
}

function checkedReadings(r: Partial<Readings>): Readings {
  const problem = validateReadings(r);
  if (problem) throw new TypeError(`emulator readings: ${problem}`);
  return { ...DEFAULT_READINGS, ...r };
}

function isUser(c: Customer): boolean {
  return c.email !== '' && c.phone_number !== '';
}
