import { KbSyncError } from '../errors.js';
import { redactSecrets } from '../util/redact.js';

/**
 * What is known about whether a request reached the server:
 * - `not-sent`: it never left (connection refused, DNS failure, connect timeout): safe to repeat;
 * - `answered`: the server answered with an error: it did not take effect;
 * - `unknown`: it may have been processed (connection reset or timeout after sending, a gateway
 *   timeout, a success status with an unreadable body): a POST may have created something.
 */
export type Delivery = 'not-sent' | 'answered' | 'unknown';

/**
 * What went wrong, for callers to switch on (instead of status numbers):
 * - `auth`: 401/403, the token or its rights are wrong; nothing else can succeed;
 * - `rate-limited`: 429; wait (at least the `Retry-After`) and try again;
 * - `server`: 5xx, 408, 425, or a success status whose body is unusable for a read: try again;
 * - `bad-request`: any other 4xx, or `success: false`: this request is refused as it is;
 * - `not-found`: 404, a wrong id (or, for every request, a wrong bot id or base URL);
 * - `never-sent`: no connection carried the request (refused, DNS, connect timeout, a refused certificate);
 * - `lost-response`: the request may have arrived, the answer did not (reset, timeout, cut, a
 *   success status whose body is unusable for a create);
 * - `config`: the way to the server is configured wrongly (a redirect, a bad URL, `https://` to a
 *   plain-HTTP port, a URL with a user name or password): nothing left, and waiting cannot fix it.
 */
export type ApiErrorKind =
  'auth' | 'rate-limited' | 'server' | 'bad-request' | 'not-found' | 'never-sent' | 'lost-response' | 'config';

export interface ApiErrorInit {
  endpoint: string;
  status?: number;
  serverMessage?: string;
  delivery: Delivery;
  retryable: boolean;
  retryAfterMs?: number;
  code?: string;
  detail?: string;
  /** Derived from the status, code and delivery when absent. */
  kind?: ApiErrorKind;
}

/**
 * An error from the CX Genie API or from the way to it. Never carries the workspace token:
 * messages are built from the endpoint (a method and path, never a URL with a query) and the
 * server's message with every known secret redacted.
 */
export class ApiError extends KbSyncError {
  /** `METHOD /path`, without host or query. */
  readonly endpoint: string;
  /** HTTP status when a response arrived. */
  readonly status: number | undefined;
  /** The server's `message` (or `error`) field, redacted. */
  readonly serverMessage: string | undefined;
  readonly delivery: Delivery;
  readonly retryable: boolean;
  /** From a `Retry-After` header (seconds or an HTTP date), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** A network error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, `TIMEOUT`, …) when there was no response. */
  readonly code: string | undefined;
  /** What went wrong (see `ApiErrorKind`): what callers switch on. */
  readonly kind: ApiErrorKind;

  constructor(init: ApiErrorInit) {
    const kind = init.kind ?? kindOf(init);
    super(describe(init, kind), { hint: hintFor(kind, init) });
    this.kind = kind;
    this.endpoint = init.endpoint;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.delivery = init.delivery;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
  }

  /** True for 401/403 (`kind === 'auth'`): the token or its permissions are wrong; the whole run must stop. */
  get isAuth(): boolean {
    return this.kind === 'auth';
  }

  /** True when a POST may have taken effect although no success was seen. */
  get mayHaveTakenEffect(): boolean {
    return this.delivery === 'unknown';
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      endpoint: this.endpoint,
      status: this.status,
      serverMessage: this.serverMessage,
      delivery: this.delivery,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      code: this.code,
    };
  }
}

function describe(init: ApiErrorInit, kind: ApiErrorKind): string {
  const head = `${init.endpoint} failed`;
  if (init.status !== undefined) {
    const msg = init.serverMessage ? `: ${init.serverMessage}` : '';
    return `${head} with HTTP ${init.status}${msg}`;
  }
  const why = `${init.code ?? 'network error'}${init.detail ? `: ${init.detail}` : ''}`;
  if (kind === 'config') return `${head}: the request was not sent (${why})`;
  switch (init.delivery) {
    case 'not-sent':
      return `${head}: the request was not sent (${why})`;
    default:
      return `${head}: the response was lost (${why}); the request may have taken effect`;
  }
}

/** The kind of an error from what is known about it (the one place status numbers are read). */
function kindOf(init: ApiErrorInit): ApiErrorKind {
  const { status } = init;
  if (status === undefined) {
    if (isConfigCode(init.code)) return 'config';
    return init.delivery === 'not-sent' ? 'never-sent' : 'lost-response';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limited';
  if (status === 404) return 'not-found';
  if (status >= 300 && status < 400) return 'config';
  if (isRetryableStatus(status)) return 'server';
  // A success status with a body that cannot be used: for a create, the item may exist.
  if (status < 300) return init.delivery === 'unknown' ? 'lost-response' : init.retryable ? 'server' : 'bad-request';
  return 'bad-request';
}

function hintFor(kind: ApiErrorKind, init: ApiErrorInit): string | undefined {
  switch (kind) {
    case 'auth':
      return init.status === 403
        ? 'The workspace token is not allowed to do this: check that the bot belongs to its workspace.'
        : 'Check CXGENIE_WORKSPACE_TOKEN: copy the workspace token again from the workspace general settings.';
    case 'not-found':
      return 'Check the bot id (CXGENIE_BOT_ID or "botId") and the API base URL.';
    case 'rate-limited':
      return 'The API is rate limiting: lower "rateLimit.requestsPerSecond".';
    case 'config':
      return 'Check the API base URL (CXGENIE_API_URL or "apiBaseUrl").';
    case 'never-sent':
      return 'Check the API base URL and the network connection.';
    default:
      return undefined;
  }
}

/** Statuses after which trying the same request again can succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Parse a `Retry-After` header: delay-seconds (`"3"`, also tolerating `"1.5"`) or an HTTP date.
 * Returns milliseconds from `nowMs`, never negative; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form names the month in letters; without this, V8's lenient Date.parse reads
  // invalid values such as "-1" or "1,5" as dates in 2001 (i.e. "retry now").
  if (!/[a-z]{3}/i.test(text)) return undefined;
  // HTTP dates are always GMT; the asctime form says so nowhere, and Date.parse would read it as local time.
  const zoned = /\b(?:GMT|UTC|UT)\b|[+-]\d{2}:?\d{2}$|\dZ$/i.test(text);
  const at = Date.parse(zoned ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A TLS certificate that is refused: the connection never carried the request. */
const TLS_CODES = [
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
];

/** `fetch` refuses a URL with a user name or password (a `TypeError` without a code): named here. */
export const URL_CREDENTIALS_CODE = 'ERR_URL_CREDENTIALS';

/**
 * Failures that mean the way to the server is configured wrongly: never sent, and waiting cannot
 * help. The TLS ones are a handshake that found no TLS (or no common version) on the other side,
 * typically `https://` to a plain-HTTP port.
 */
const CONFIG_CODES = new Map<string, string | undefined>([
  ['ERR_INVALID_URL', undefined],
  ['ERR_BAD_PORT', undefined],
  [
    URL_CREDENTIALS_CODE,
    'the API base URL holds a user name or password; remove them (the token goes in CXGENIE_WORKSPACE_TOKEN)',
  ],
  [
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'no TLS on the other side: is this a plain-HTTP port? Use http://, or the HTTPS port',
  ],
  [
    'ERR_SSL_PACKET_LENGTH_TOO_LONG',
    'no TLS on the other side: is this a plain-HTTP port? Use http://, or the HTTPS port',
  ],
  ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'the server offers no TLS version this Node.js accepts'],
  ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'the server offers no TLS version this Node.js accepts'],
]);

/** Whether a network failure code is a configuration error (kind `config`). */
export function isConfigCode(code: string | undefined): boolean {
  return code !== undefined && CONFIG_CODES.has(code);
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  ...CONFIG_CODES.keys(),
  ...TLS_CODES,
]);

/** Find the innermost error code in a `fetch` failure (`TypeError: fetch failed` → cause → …). */
export function networkErrorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  let code: string | undefined;
  let badPort = false;
  let credentials = false;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    const message = (cur as { message?: unknown }).message;
    // fetch refuses "bad ports" (6000, 6667, …) before connecting, with a bare Error('bad port'),
    // and a URL with credentials with a bare TypeError.
    if (message === 'bad port') badPort = true;
    if (typeof message === 'string' && message.includes('URL that includes credentials')) credentials = true;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      // AggregateError from happy-eyeballs: every address refused.
      const codes = errors.map((e) => (e as { code?: unknown }).code).filter((x) => typeof x === 'string');
      if (codes.length > 0) code = codes[0];
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return code ?? (badPort ? 'ERR_BAD_PORT' : credentials ? URL_CREDENTIALS_CODE : undefined);
}

const PERMANENT_CODES = new Set(['ENOTFOUND', 'EAI_FAIL', 'EAI_NONAME', ...CONFIG_CODES.keys(), ...TLS_CODES]);

/** Network failures that trying again cannot fix (an unknown host, a bad certificate, a bad URL). */
export function isPermanentNetworkCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_CODES.has(code);
}

/** Whether a network failure happened before the request left (true) or after (false). */
export function isNotSentCode(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/**
 * A short, one-line, redacted description of a network failure for an error message. Known
 * configuration errors get a plain sentence (never OpenSSL's dump, never a URL with a password).
 */
export function networkErrorDetail(err: unknown, secrets: readonly string[]): string | undefined {
  const known = CONFIG_CODES.get(networkErrorCode(err) ?? '');
  if (known !== undefined) return known;
  let cur: unknown = err;
  let detail: string | undefined;
  for (let depth = 0; cur && depth < 6; depth++) {
    const m = (cur as { message?: unknown }).message;
    if (typeof m === 'string' && m !== 'fetch failed') detail = m;
    cur = (cur as { cause?: unknown }).cause;
  }
  if (detail === undefined) return undefined;
  const line = detail.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return redactSecrets(stripUserinfo(line.trim()), secrets).slice(0, 200);
}

/** `scheme://user:password@host` → `scheme://***@host`, anywhere in a text. */
export function stripUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1***@');
}
