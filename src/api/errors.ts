import { KbSyncError, ExitCode } from '../errors.js';
import { redactSecrets } from '../util/redact.js';

/**
 * What is known about whether a request reached the server:
 * - `not-sent`: it never left (connection refused, DNS failure, connect timeout): safe to repeat;
 * - `answered`: the server answered with an error: it did not take effect;
 * - `unknown`: it may have been processed (connection reset or timeout after sending, a gateway
 *   timeout, a success status with an unreadable body): a POST may have created something.
 */
export type Delivery = 'not-sent' | 'answered' | 'unknown';

export interface ApiErrorInit {
  endpoint: string;
  status?: number;
  serverMessage?: string;
  delivery: Delivery;
  retryable: boolean;
  retryAfterMs?: number;
  code?: string;
  detail?: string;
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

  constructor(init: ApiErrorInit) {
    super(describe(init), {
      exitCode: init.status === 401 || init.status === 403 ? ExitCode.usage : ExitCode.partial,
      hint: hintFor(init),
    });
    this.endpoint = init.endpoint;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.delivery = init.delivery;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
  }

  /** True for 401/403: the token or its permissions are wrong; the whole run must stop. */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** True when a POST may have taken effect although no success was seen. */
  get mayHaveTakenEffect(): boolean {
    return this.delivery === 'unknown';
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
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

function describe(init: ApiErrorInit): string {
  const head = `${init.endpoint} failed`;
  if (init.status !== undefined) {
    const msg = init.serverMessage ? `: ${init.serverMessage}` : '';
    return `${head} with HTTP ${init.status}${msg}`;
  }
  switch (init.delivery) {
    case 'not-sent':
      return `${head}: the request was not sent (${init.code ?? 'network error'}${init.detail ? `: ${init.detail}` : ''})`;
    default:
      return `${head}: the response was lost (${init.code ?? 'network error'}${init.detail ? `: ${init.detail}` : ''}); the request may have taken effect`;
  }
}

function hintFor(init: ApiErrorInit): string | undefined {
  switch (init.status) {
    case 401:
      return 'Check CXGENIE_WORKSPACE_TOKEN: copy the workspace token again from the workspace general settings.';
    case 403:
      return 'The workspace token is not allowed to do this: check that the bot belongs to its workspace.';
    case 404:
      return 'Check the bot id (CXGENIE_BOT_ID or "botId") and the API base URL.';
    case 429:
      return 'The API is rate limiting: lower "rateLimit.requestsPerSecond".';
    default:
      if (init.delivery === 'not-sent') return 'Check the API base URL and the network connection.';
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
  'ERR_INVALID_URL',
  'ERR_BAD_PORT',
  ...TLS_CODES,
]);

/** Find the innermost error code in a `fetch` failure (`TypeError: fetch failed` → cause → …). */
export function networkErrorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  let code: string | undefined;
  let badPort = false;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    // fetch refuses "bad ports" (6000, 6667, …) before connecting, with a bare Error('bad port').
    if ((cur as { message?: unknown }).message === 'bad port') badPort = true;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      // AggregateError from happy-eyeballs: every address refused.
      const codes = errors.map((e) => (e as { code?: unknown }).code).filter((x) => typeof x === 'string');
      if (codes.length > 0) code = codes[0];
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return code ?? (badPort ? 'ERR_BAD_PORT' : undefined);
}

const PERMANENT_CODES = new Set([
  'ENOTFOUND',
  'EAI_FAIL',
  'EAI_NONAME',
  'ERR_INVALID_URL',
  'ERR_BAD_PORT',
  ...TLS_CODES,
]);

/** Network failures that trying again cannot fix (an unknown host, a bad certificate, a bad URL). */
export function isPermanentNetworkCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_CODES.has(code);
}

/** Whether a network failure happened before the request left (true) or after (false). */
export function isNotSentCode(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/** A short, redacted description of a network failure for an error message. */
export function networkErrorDetail(err: unknown, secrets: readonly string[]): string | undefined {
  let cur: unknown = err;
  let detail: string | undefined;
  for (let depth = 0; cur && depth < 6; depth++) {
    const m = (cur as { message?: unknown }).message;
    if (typeof m === 'string' && m !== 'fetch failed') detail = m;
    cur = (cur as { cause?: unknown }).cause;
  }
  return detail === undefined ? undefined : redactSecrets(detail, secrets).slice(0, 200);
}
