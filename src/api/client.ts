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
    const data = await this.#json<unknown>('POST', '/bot-data', { body }, opts);
    // Callers keep `data.id`: a success without it must not pass as created (nor crash them).
    if (data === null || typeof data !== 'object' || typeof (data as { id?: unknown }).id !== 'string') {
      throw this.#badBody('POST /bot-data', 200, 'data is not a training data item with an id');
    }
    return data as BotData;
  }

  // ------------------------------------------------------------ 2. POST /messages

  /** Send a customer message to the bot; resolves to the bot's reply. */
  async sendMessage(input: SendMessageInput, opts: RequestOptions = {}): Promise<string> {
    const body: Record<string, unknown> = {
      workspace_token: this.#token,
      bot_id: this.botId,
      content: input.content,
    };
    if (input.media !== undefined) body.media = input.media;
    if (input.metadata !== undefined) body.metadata = input.metadata;
    if (input.customer_info !== undefined) body.customer_info = input.customer_info;
    return this.#json<string>('POST', '/messages', { body }, opts);
  }

  // ------------------------------------------------------------ 3. GET /customer-list

  /** One page of customers. Pass the `created_at` of the last row seen as `cursor` for the next. */
  async listCustomers(query: ListCustomersQuery = {}, opts: RequestOptions = {}): Promise<CustomerList> {
    const data = await this.#json<unknown>(
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
    const customers = (data as { customers?: unknown } | null | undefined)?.customers;
    if (!Array.isArray(customers)) throw this.#badBody('GET /customer-list', 200, 'data.customers is not a list');
    return data as CustomerList;
  }

  // ------------------------------------------------------------ 4. GET /customer-detail/:id

  async getCustomer(customerId: string, opts: RequestOptions = {}): Promise<CustomerDetail> {
    return this.#json<CustomerDetail>('GET', `/customer-detail/${encodeURIComponent(customerId)}`, { query: {} }, opts);
  }

  // ------------------------------------------------------------ 5. GET /sessions-by-customer

  /** One page of a customer's conversations. The response's `total` counts all pages. */
  async listSessions(query: ListSessionsQuery, opts: RequestOptions = {}): Promise<SessionList> {
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
          date_range: query.date_range,
        },
      },
      opts,
    );
    const total = typeof raw.total === 'number' ? raw.total : undefined;
    const data = raw.data;
    if (!Array.isArray(data)) throw this.#badBody('GET /sessions-by-customer', 200, 'data is not a list');
    return { total: total ?? data.length, sessions: data as Session[] };
  }

  // ------------------------------------------------------------ 6. GET /detail-sessions/:id

  /** One page of a conversation's messages. */
  async listMessages(sessionId: string, query: ListMessagesQuery, opts: RequestOptions = {}): Promise<Message[]> {
    const data = await this.#json<unknown>(
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
    if (!Array.isArray(data)) throw this.#badBody('GET /detail-sessions/:id', 200, 'data is not a list');
    return data as Message[];
  }

  // ------------------------------------------------------------ 7. POST /upload/multiple

  /** Upload one or more files in one multipart request; one result per file, in order. */
  async uploadFiles(files: readonly UploadInput[], opts: RequestOptions = {}): Promise<UploadedFile[]> {
    if (files.length === 0) return [];
    const form = new FormData();
    for (const f of files) form.append('files', f.data, f.name);
    form.append('workspace_token', this.#token);
    const data = await this.#json<unknown>(
      'POST',
      '/upload/multiple',
      { form },
      { ...opts, timeoutMs: opts.timeoutMs ?? this.#uploadTimeoutMs },
    );
    if (!Array.isArray(data) || data.length !== files.length) {
      throw this.#badBody('POST /upload/multiple', 200, `expected ${files.length} uploaded file(s) in data`);
    }
    return data as UploadedFile[];
  }

  // ------------------------------------------------------------ pagination helpers

  /**
   * Every customer, following the cursor (`created_at` of the last row) page by page. Rows are
   * yielded once even if the server repeats the boundary row; stops when a page brings nothing new.
   */
  async *iterateCustomers(
    query: Omit<ListCustomersQuery, 'cursor'> = {},
    opts: RequestOptions = {},
  ): AsyncGenerator<Customer> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await this.listCustomers({ ...query, cursor }, opts);
      let fresh = 0;
      for (const c of page.customers) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        fresh++;
        yield c;
      }
      const last = page.customers.at(-1);
      if (fresh === 0 || !last || last.created_at === cursor) return;
      if (page.total !== undefined && seen.size >= page.total && cursor !== undefined) return;
      cursor = last.created_at;
    }
  }

  /** Every conversation of a customer, by limit and offset. */
  async *iterateSessions(query: Omit<ListSessionsQuery, 'offset'>, opts: RequestOptions = {}): AsyncGenerator<Session> {
    const limit = query.limit ?? 50;
    const seen = new Set<string>();
    for (let offset = 0; ; offset += limit) {
      const page = await this.listSessions({ ...query, limit, offset }, opts);
      for (const s of page.sessions) {
        if (seen.has(s.id)) continue;
        seen.add(s.id);
        yield s;
      }
      if (page.sessions.length < limit || offset + limit >= page.total) return;
    }
  }

  /** Every message of a conversation, by limit and offset, in the requested order. */
  async *iterateMessages(
    sessionId: string,
    query: Omit<ListMessagesQuery, 'offset'>,
    opts: RequestOptions = {},
  ): AsyncGenerator<Message> {
    const limit = query.limit ?? 50;
    const seen = new Set<string>();
    for (let offset = 0; ; offset += limit) {
      const page = await this.listMessages(sessionId, { ...query, limit, offset }, opts);
      for (const m of page) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        yield m;
      }
      if (page.length < limit) return;
    }
  }

  // ------------------------------------------------------------ transport

  async #json<T>(
    method: 'GET' | 'POST',
    path: string,
    payload: { query?: Query; body?: Record<string, unknown>; form?: FormData },
    opts: RequestOptions,
  ): Promise<T> {
    const raw = await this.#request(method, path, payload, opts);
    return raw.data as T;
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    payload: { query?: Query; body?: Record<string, unknown>; form?: FormData },
    opts: RequestOptions,
  ): Promise<Record<string, unknown>> {
    const endpoint = `${method} ${path.replace(/\/(customer-detail|detail-sessions)\/[^/]+$/, '/$1/:id')}`;
    const url = new URL(this.baseUrl + path);
    if (payload.query !== undefined) {
      appendQuery(url, payload.query);
      url.searchParams.set('workspace_token', this.#token);
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
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // Headers arrived, the body did not: for a POST the server has acted.
      throw this.#report(endpoint, started, this.#networkError(endpoint, err, timeout.aborted, timeoutMs));
    }
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
    this.#onResponse?.({ endpoint, status: res.status, ms: performance.now() - started });
    return obj;
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
