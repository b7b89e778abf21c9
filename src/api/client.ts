import {
  ApiError,
  isNotSentCode,
  isPermanentNetworkCode,
  isRetryableStatus,
  networkErrorCode,
  networkErrorDetail,
  parseRetryAfter,
} from './errors.js';
import { redactSecrets, redactUrl } from '../util/redact.js';
import { pageByCursor, pageByOffset, type ApiWarning, type Paged, type PagingOptions } from './paging.js';
import { ENDPOINTS, type Endpoint } from './types.js';
import { checkNeeds, documentedDrift, ShapeError, type ShapeIssue } from './shape.js';
import { formatLimit, MAX_RESPONSE_BYTES, readBody, type BodyRead } from './body.js';
import { fileUrlProblem, remoteIdProblem } from './ids.js';
import type {
  BotData,
  CreateBotDataInput,
  Customer,
  CustomerDetail,
  CustomerList,
  ListCustomersQuery,
  ListMessagesQuery,
  ListSessionsQuery,
  Message,
  SendMessageInput,
  Session,
  SessionList,
  UploadInput,
  UploadedFile,
} from './types.js';

export const DEFAULT_API_BASE_URL = 'https://api-demo.cxgenie.ai/api/v2/public-api';

/**
 * How `date_range` travels ("timestamp strings" in the document): ISO 8601 text, or epoch
 * milliseconds as text. `auto` sends ISO and, if the server refuses a ranged request (400/422),
 * repeats it once in epoch milliseconds and keeps whichever worked.
 */
export type DateRangeFormat = 'auto' | 'iso' | 'epoch-ms';

export interface ClientOptions {
  /** Base URL up to and including the public-api prefix, e.g. `https://api-demo.cxgenie.ai/api/v2/public-api`. */
  baseUrl: string;
  /** The workspace token. Kept in a private field; never printed. */
  token: string;
  /** The bot that training data and chats go to. */
  botId: string;
  /** Timeout of each JSON request in ms (default 30 000). */
  timeoutMs?: number;
  /** Timeout of each upload in ms (default 120 000). */
  uploadTimeoutMs?: number;
  /** Called after every request, for logs and metrics. Carries no token. */
  onResponse?: (info: ResponseInfo) => void;
  /** Clock for `Retry-After` dates (tests). */
  now?: () => number;
  userAgent?: string;
  /** The format of `date_range` (default `auto`). */
  dateRangeFormat?: DateRangeFormat;
  /** Warnings that did not stop the work: paging counts that disagree, a date format switched. */
  onWarning?: (w: ApiWarning) => void;
  /**
   * Called once per endpoint, with the first successful reply's differences from the vendor
   * document (empty when it matches): the early warning that the real API differs.
   */
  onShape?: (endpoint: Endpoint, drift: readonly ShapeIssue[]) => void;
  /**
   * The largest response body read, in bytes (default `MAX_RESPONSE_BYTES`, 4 MiB). A larger
   * answer is cut off and fails as a lost response (for a create: it may have been created).
   */
  maxResponseBytes?: number;
}

export interface ResponseInfo {
  endpoint: string;
  status: number | undefined;
  ms: number;
  error?: ApiError;
}

export interface RequestOptions {
  /** Abort the request (it then fails as `unknown` delivery: it may have been sent). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

interface Payload {
  query?: Query;
  /** The query parameters that carry the token (default `workspace_token`; only with `query`). */
  tokenParams?: readonly string[];
  body?: Record<string, unknown>;
  form?: FormData;
}

/**
 * A typed client for the seven endpoints of CX Genie Public API V2, on Node's own `fetch`.
 * Every method makes exactly one request (no retries: the caller decides, knowing from
 * `ApiError.delivery` whether a POST may have taken effect). Pagination helpers are the
 * `iterate*` methods.
 */
export class CxGenieClient {
  readonly baseUrl: string;
  readonly botId: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #uploadTimeoutMs: number;
  readonly #onResponse: ((info: ResponseInfo) => void) | undefined;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #dateFormat: DateRangeFormat;
  readonly #onWarning: ((w: ApiWarning) => void) | undefined;
  readonly #onShape: ClientOptions['onShape'];
  readonly #shapeSeen = new Set<string>();
  /** `auto`: the format to send next, and whether a ranged request has settled it. */
  #dateGuess: 'iso' | 'epoch-ms' = 'iso';
  #dateSettled = false;
  readonly #maxResponseBytes: number;

  constructor(opts: ClientOptions) {
    if (!opts.baseUrl) throw new TypeError('CxGenieClient: baseUrl is required');
    if (!opts.token) throw new TypeError('CxGenieClient: token is required');
    if (!opts.botId) throw new TypeError('CxGenieClient: botId is required');
    let parsed: URL;
    try {
      parsed = new URL(opts.baseUrl);
    } catch {
      throw new TypeError(`CxGenieClient: baseUrl is not a URL: ${redactSecrets(opts.baseUrl, [opts.token])}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`CxGenieClient: baseUrl must be http(s), got ${parsed.protocol}`);
    }
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.botId = opts.botId;
    this.#token = opts.token;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#uploadTimeoutMs = opts.uploadTimeoutMs ?? 120_000;
    this.#onResponse = opts.onResponse;
    this.#now = opts.now ?? Date.now;
    this.#userAgent = opts.userAgent ?? 'cxgenie-kb-sync';
    this.#dateFormat = opts.dateRangeFormat ?? 'auto';
    this.#onWarning = opts.onWarning;
    this.#onShape = opts.onShape;
    this.#maxResponseBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  }

  /** The `date_range` format the next ranged request uses. */
  get dateRangeFormat(): 'iso' | 'epoch-ms' {
    return this.#dateFormat === 'auto' ? this.#dateGuess : this.#dateFormat;
  }

  /** Secrets to redact from anything printed about this client's traffic. */
  get secrets(): readonly string[] {
    return [this.#token];
  }

  // ------------------------------------------------------------ 1. POST /bot-data

  /** Create one training data item. */
  async createBotData(input: CreateBotDataInput, opts: RequestOptions = {}): Promise<BotData> {
    const body: Record<string, unknown> = {
      bot_id: this.botId,
      content: input.content,
      type: input.type,
      workspace_token: this.#token,
    };
    if (input.content_value !== undefined) body.content_value = input.content_value;
    if (input.title !== undefined) body.title = input.title;
    // Callers keep `data.id`: a success without it is a ShapeError (may have taken effect), not a crash.
    const data = await this.#json<BotData>('POST', '/bot-data', { body }, opts);
    // The id is stored and printed: only a plausible one (something may have been created all the same).
    const idProblem = remoteIdProblem((data as { id?: unknown }).id, this.secrets);
    if (idProblem !== undefined) throw this.#badBody('POST /bot-data', 200, idProblem);
    return data;
  }

  // ------------------------------------------------------------ 2. POST /messages

  /**
   * Send a customer message to the bot; resolves to the bot's reply (always a string: any other
   * type is a ShapeError). The document does not mark `metadata` optional: `{}` goes when none is given.
   */
  async sendMessage(input: SendMessageInput, opts: RequestOptions = {}): Promise<string> {
    const body: Record<string, unknown> = {
      workspace_token: this.#token,
      bot_id: this.botId,
      content: input.content,
      metadata: input.metadata ?? {},
    };
    if (input.media !== undefined) body.media = input.media;
    if (input.customer_info !== undefined) body.customer_info = input.customer_info;
    return this.#json<string>('POST', '/messages', { body }, opts);
  }

  // ------------------------------------------------------------ 3. GET /customer-list

  /**
   * One page of customers. Pass the `created_at` of the last row seen as `cursor` for the next.
   * `total` is the server's number, when it sent one: see `iterateCustomers` for why it is only a hint.
   */
  async listCustomers(query: ListCustomersQuery = {}, opts: RequestOptions = {}): Promise<CustomerList> {
    const data = await this.#json<{ total?: unknown; customers: Customer[] }>(
      'GET',
      '/customer-list',
      {
        query: {
          search: query.search,
          bot_ids: query.bot_ids,
          types: query.types,
          is_testing: query.is_testing,
          cursor: query.cursor,
        },
      },
      opts,
    );
    return { ...data, total: count(data.total), customers: data.customers };
  }

  // ------------------------------------------------------------ 4. GET /customer-detail/:id

  /**
   * The document names this endpoint's token parameter `workshop_id`; the contract chose
   * `workspace_token`. Both go, with the token, so either reading works.
   */
  async getCustomer(customerId: string, opts: RequestOptions = {}): Promise<CustomerDetail> {
    return this.#json<CustomerDetail>(
      'GET',
      `/customer-detail/${encodeURIComponent(customerId)}`,
      { query: {}, tokenParams: ['workspace_token', 'workshop_id'] },
      opts,
    );
  }

  // ------------------------------------------------------------ 5. GET /sessions-by-customer

  /**
   * One page of a customer's conversations. `total` is the server's number when it sent one (only
   * a hint: see `iterateSessions`). `date_range` takes anything `Date.parse` reads (or epoch ms)
   * and is sent in the client's `dateRangeFormat`.
   */
  async listSessions(query: ListSessionsQuery, opts: RequestOptions = {}): Promise<SessionList> {
    const range = query.date_range;
    if (range === undefined || this.#dateFormat !== 'auto' || this.#dateSettled) {
      return this.#listSessionsAs(query, this.dateRangeFormat, opts);
    }
    const first = this.#dateGuess;
    try {
      const page = await this.#listSessionsAs(query, first, opts);
      this.#dateSettled = true;
      return page;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 422)) throw err;
      const other = first === 'iso' ? 'epoch-ms' : 'iso';
      let page: SessionList;
      try {
        page = await this.#listSessionsAs(query, other, opts);
      } catch (again) {
        // A passing fault: let the caller retry (both formats are tried again then).
        if (again instanceof ApiError && again.retryable) throw again;
        // Refused in both formats: the range is not the problem. Do not try twice again.
        this.#dateSettled = true;
        throw err;
      }
      this.#dateGuess = other;
      this.#dateSettled = true;
      this.#onWarning?.({
        endpoint: 'GET /sessions-by-customer',
        code: 'date-format',
        message: `GET /sessions-by-customer: the server refused date_range as ${first === 'iso' ? 'ISO text' : 'epoch milliseconds'} (HTTP ${err.status}) and accepted ${other === 'iso' ? 'ISO text' : 'epoch milliseconds'}; set "dateRangeFormat": "${other}" in sync.config.json to skip the first try.`,
      });
      return page;
    }
  }

  async #listSessionsAs(query: ListSessionsQuery, as: 'iso' | 'epoch-ms', opts: RequestOptions): Promise<SessionList> {
    const range = query.date_range;
    const raw = await this.#request(
      'GET',
      '/sessions-by-customer',
      {
        query: {
          customer_id: query.customer_id,
          limit: query.limit,
          offset: query.offset,
          bot_ids: query.bot_ids,
          status: query.status,
          reply_status: query.reply_status,
          date_range: range ? [formatDate(range[0], as), formatDate(range[1], as)] : undefined,
        },
      },
      opts,
    );
    return { total: count(raw.total), sessions: raw.data as Session[] };
  }

  // ------------------------------------------------------------ 6. GET /detail-sessions/:id

  /** One page of a conversation's messages. */
  async listMessages(sessionId: string, query: ListMessagesQuery, opts: RequestOptions = {}): Promise<Message[]> {
    return this.#json<Message[]>(
      'GET',
      `/detail-sessions/${encodeURIComponent(sessionId)}`,
      {
        query: {
          customer_id: query.customer_id,
          limit: query.limit,
          offset: query.offset,
          order: query.order,
          remove_system_message: query.remove_system_message,
        },
      },
      opts,
    );
  }

  // ------------------------------------------------------------ 7. POST /upload/multiple

  /**
   * Upload one or more files in one multipart request; one result per file, in order. The
   * document lists `workspace_token` under "Query" while the body is multipart: it goes in the
   * query string and as a form field, so either reading works.
   */
  async uploadFiles(files: readonly UploadInput[], opts: RequestOptions = {}): Promise<UploadedFile[]> {
    if (files.length === 0) return [];
    const form = new FormData();
    for (const f of files) form.append('files', f.data, f.name);
    form.append('workspace_token', this.#token);
    const data = await this.#json<UploadedFile[]>(
      'POST',
      '/upload/multiple',
      { query: {}, form },
      { ...opts, timeoutMs: opts.timeoutMs ?? this.#uploadTimeoutMs },
    );
    if (data.length !== files.length) {
      throw this.#badBody('POST /upload/multiple', 200, `expected ${files.length} uploaded file(s) in data`);
    }
    // Each URL goes into training data (which the bot's customers may see): only a plausible one.
    for (const [i, f] of (data as unknown[]).entries()) {
      const problem = fileUrlProblem((f as { url?: unknown } | null)?.url, this.secrets);
      if (problem !== undefined) throw this.#badBody('POST /upload/multiple', 200, `file ${i + 1}: ${problem}`);
    }
    return data;
  }

  // ------------------------------------------------------------ pagination helpers

  /**
   * Every customer, following the cursor (`created_at` of the last row) page by page, each once.
   * `total` is only a hint: paging ends on an empty page, a page shorter than the earlier ones, a
   * page with nothing new, or a cursor that does not move; `summary` says how it went, and a
   * warning goes to `onWarning` when the server's total and the rows received disagree.
   */
  iterateCustomers(
    query: Omit<ListCustomersQuery, 'cursor'> = {},
    opts: RequestOptions & PagingOptions = {},
  ): Paged<Customer> {
    const { onWarning, onPage, ...req } = opts;
    return pageByCursor(
      'GET /customer-list',
      async (cursor) => {
        const page = await this.listCustomers({ ...query, cursor }, req);
        return { rows: page.customers, total: page.total };
      },
      { idOf: (c) => c.id, cursorOf: (c) => c.created_at },
      { noun: 'customer', onWarning: onWarning ?? this.#onWarning, ...(onPage ? { onPage } : {}) },
    );
  }

  /** Every conversation of a customer, by limit and offset, each once (paging as in `iterateCustomers`). */
  iterateSessions(query: Omit<ListSessionsQuery, 'offset'>, opts: RequestOptions & PagingOptions = {}): Paged<Session> {
    const { onWarning, onPage, ...req } = opts;
    return pageByOffset(
      'GET /sessions-by-customer',
      async (offset, limit) => {
        const page = await this.listSessions({ ...query, limit, offset }, req);
        return { rows: page.sessions, total: page.total };
      },
      query.limit ?? 50,
      (s) => s.id,
      { noun: 'conversation', onWarning: onWarning ?? this.#onWarning, ...(onPage ? { onPage } : {}) },
    );
  }

  /** Every message of a conversation, by limit and offset, in the requested order, each once. */
  iterateMessages(
    sessionId: string,
    query: Omit<ListMessagesQuery, 'offset'>,
    opts: RequestOptions & PagingOptions = {},
  ): Paged<Message> {
    const { onWarning, onPage, ...req } = opts;
    return pageByOffset(
      'GET /detail-sessions/:id',
      async (offset, limit) => ({
        rows: await this.listMessages(sessionId, { ...query, limit, offset }, req),
        total: undefined,
      }),
      query.limit ?? 50,
      (m) => m.id,
      { noun: 'message', onWarning: onWarning ?? this.#onWarning, ...(onPage ? { onPage } : {}) },
    );
  }

  // ------------------------------------------------------------ transport

  async #json<T>(method: 'GET' | 'POST', path: string, payload: Payload, opts: RequestOptions): Promise<T> {
    const raw = await this.#request(method, path, payload, opts);
    return raw.data as T;
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    payload: Payload,
    opts: RequestOptions,
  ): Promise<Record<string, unknown>> {
    const endpoint = `${method} ${path.replace(/\/(customer-detail|detail-sessions)\/[^/]+$/, '/$1/:id')}`;
    const url = new URL(this.baseUrl + path);
    if (payload.query !== undefined) {
      appendQuery(url, payload.query);
      for (const name of payload.tokenParams ?? ['workspace_token']) url.searchParams.set(name, this.#token);
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    let body: string | FormData | undefined;
    if (payload.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload.body);
    } else if (payload.form !== undefined) {
      body = payload.form;
    }
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
    } catch (err) {
      throw this.#report(endpoint, started, this.#networkError(endpoint, err, timeout.aborted, timeoutMs));
    }
    if (res.status >= 300 && res.status < 400) {
      // Never follow a redirect: it would carry the token to wherever it points. A redirect means
      // the base URL is not the final one (http → https, a moved host): a configuration problem.
      await res.body?.cancel().catch(() => undefined);
      const to = res.headers.get('location');
      const error = new ApiError({
        endpoint,
        status: res.status,
        serverMessage: `redirected${to ? ` to ${redactUrl(redactSecrets(to, this.secrets))}` : ''}; set the API base URL to the final address`,
        delivery: 'answered',
        retryable: false,
      });
      throw this.#report(endpoint, started, error);
    }
    let answer: BodyRead;
    try {
      answer = await readBody(res, this.#maxResponseBytes);
    } catch (err) {
      // Headers arrived, the body did not: for a POST the server has acted.
      throw this.#report(endpoint, started, this.#networkError(endpoint, err, timeout.aborted, timeoutMs));
    }
    // A success too large to read is a lost answer (a create may have happened); an error status
    // is an error whatever its body says, so what was read of it will do.
    if (answer.tooLarge && res.ok) throw this.#report(endpoint, started, tooLargeError(endpoint, answer.limit));
    const text = answer.text;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const obj =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    if (!res.ok) {
      const serverMessage = pickMessage(obj, text, this.secrets);
      const error = new ApiError({
        endpoint,
        status: res.status,
        serverMessage,
        // A gateway timeout means an upstream may have processed the request.
        delivery: res.status === 504 ? 'unknown' : 'answered',
        retryable: isRetryableStatus(res.status),
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), this.#now()),
      });
      throw this.#report(endpoint, started, error);
    }
    if (obj === undefined) {
      throw this.#report(endpoint, started, this.#badBody(endpoint, res.status, 'the response is not a JSON object'));
    }
    if (obj.success === false) {
      const error = new ApiError({
        endpoint,
        status: res.status,
        serverMessage: pickMessage(obj, text, this.secrets) ?? 'success: false',
        delivery: 'answered',
        retryable: false,
      });
      throw this.#report(endpoint, started, error);
    }
    this.#checkShape(endpoint, res.status, obj, started);
    this.#onResponse?.({ endpoint, status: res.status, ms: performance.now() - started });
    return obj;
  }

  /** What the client reads must be there (else a ShapeError); the first reply of each endpoint is compared with the document. */
  #checkShape(endpoint: string, status: number, body: Record<string, unknown>, started: number): void {
    if (!(ENDPOINTS as readonly string[]).includes(endpoint)) return;
    const ep = endpoint as Endpoint;
    const problems = checkNeeds(ep, body);
    if (problems.length > 0) throw this.#report(endpoint, started, new ShapeError(endpoint, status, problems));
    if (this.#onShape && !this.#shapeSeen.has(endpoint)) {
      this.#shapeSeen.add(endpoint);
      this.#onShape(ep, documentedDrift(ep, body));
    }
  }

  #report(endpoint: string, started: number, error: ApiError): ApiError {
    this.#onResponse?.({ endpoint, status: error.status, ms: performance.now() - started, error });
    return error;
  }

  #badBody(endpoint: string, status: number, why: string): ApiError {
    // A success status with a body we cannot use: for a POST the server may well have acted.
    return new ApiError({
      endpoint,
      status,
      serverMessage: `unexpected response: ${why}`,
      delivery: endpoint.startsWith('POST') ? 'unknown' : 'answered',
      retryable: endpoint.startsWith('GET'),
    });
  }

  #networkError(endpoint: string, err: unknown, timedOut: boolean, timeoutMs: number): ApiError {
    if (timedOut) {
      return new ApiError({
        endpoint,
        delivery: 'unknown',
        retryable: true,
        code: 'TIMEOUT',
        detail: `no response within ${timeoutMs} ms`,
      });
    }
    const name = (err as { name?: unknown } | undefined)?.name;
    if (name === 'AbortError') {
      return new ApiError({ endpoint, delivery: 'unknown', retryable: false, code: 'ABORTED', detail: 'cancelled' });
    }
    const code = networkErrorCode(err);
    const notSent = isNotSentCode(code);
    return new ApiError({
      endpoint,
      delivery: notSent ? 'not-sent' : 'unknown',
      retryable: !isPermanentNetworkCode(code),
      code: code ?? 'NETWORK',
      detail: networkErrorDetail(err, this.secrets),
    });
  }

  /** A printable form without the token. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CxGenieClient { baseUrl: '${this.baseUrl}', botId: '${this.botId}' }`;
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, botId: this.botId };
  }
}

/** A success whose body passed the limit: read no further, and take it as a lost answer. */
function tooLargeError(endpoint: string, limit: number): ApiError {
  return new ApiError({
    endpoint,
    delivery: 'unknown',
    retryable: true,
    code: 'RESPONSE_TOO_LARGE',
    detail: `the answer passed the ${formatLimit(limit)} limit and was not read further`,
  });
}

function appendQuery(url: URL, query: Query): void {
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of value) url.searchParams.append(key, String(v));
    } else {
      url.searchParams.set(key, String(value));
    }
  }
}

function pickMessage(
  obj: Record<string, unknown> | undefined,
  text: string,
  secrets: readonly string[],
): string | undefined {
  let msg: unknown = obj?.message ?? obj?.error;
  if (Array.isArray(msg)) msg = msg.join('; ');
  if (msg !== null && typeof msg === 'object') msg = JSON.stringify(msg);
  if (typeof msg !== 'string' || msg === '') {
    const t = text.trim();
    if (t === '' || obj !== undefined) return undefined;
    msg = t.length > 200 ? `${t.slice(0, 200)}…` : t;
  }
  return redactSecrets(msg as string, secrets);
}

/** A `total` as a number: a finite non-negative number or digits; anything else is "not sent". */
function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** A `date_range` bound (anything `Date.parse` reads, or epoch milliseconds) in the wire format. */
export function formatDate(v: string, as: 'iso' | 'epoch-ms'): string {
  const ms = /^\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new TypeError(`date_range: not a date: ${JSON.stringify(v)}`);
  return as === 'iso' ? new Date(ms).toISOString() : String(ms);
}
