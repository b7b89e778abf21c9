import { describe, expect, it } from 'vitest';
import {
  ApiError,
  isConfigCode,
  isNotSentCode,
  isPermanentNetworkCode,
  isRetryableStatus,
  networkErrorCode,
  networkErrorDetail,
  parseRetryAfter,
  stripUserinfo,
  URL_CREDENTIALS_CODE,
  type ApiErrorKind,
} from '../../src/api/errors.js';
import { exitCodeForError } from '../../src/cli/exit.js';
import { ExitCode } from '../../src/errors.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

/** An error shaped like Node's: a message and a string `code`. */
function sysErr(message: string, code?: string, cause?: unknown): Error {
  const e = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code?: string };
  if (code !== undefined) e.code = code;
  return e;
}

/** What undici's `fetch` rejects with: `TypeError: fetch failed` wrapping the real cause. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

describe('parseRetryAfter', () => {
  const inSeconds = (s: number) => s * 1000;
  const httpDate = (offsetMs: number) => new Date(NOW + offsetMs).toUTCString();

  it.each<[string, string | null | undefined, number | undefined]>([
    // delay-seconds
    ['zero seconds', '0', 0],
    ['an integer number of seconds', '3', inSeconds(3)],
    ['a large number of seconds', '120', inSeconds(120)],
    ['surrounding whitespace', '  7 ', inSeconds(7)],
    ['a decimal number of seconds (tolerated)', '1.5', 1500],
    // HTTP dates (the three forms of RFC 9110 §5.6.7), all with second precision
    ['an IMF-fixdate 30 s ahead', httpDate(30_000), 30_000],
    ['an IMF-fixdate 1 h ahead', httpDate(3_600_000), 3_600_000],
    ['the obsolete RFC 850 form', 'Sunday, 01-Mar-26 12:00:10 GMT', 10_000],
    ['the obsolete asctime form', 'Sun Mar  1 12:00:20 2026', 20_000],
    ['a date in the past is never negative', httpDate(-60_000), 0],
    ['the current instant', httpDate(0), 0],
    // absent or unreadable
    ['null (no header)', null, undefined],
    ['undefined', undefined, undefined],
    ['the empty string', '', undefined],
    ['only spaces', '   ', undefined],
    ['words', 'soon', undefined],
    ['a unit suffix', '5s', undefined],
    ['a negative number', '-1', undefined],
    ['a decimal comma', '1,5', undefined],
    ['exponent notation', '1e3', undefined],
    ['hexadecimal', '0x10', undefined],
  ])('%s: %j', (_name, header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it('reads every HTTP-date form as GMT whatever the local time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
        process.env.TZ = tz;
        expect(parseRetryAfter('Sun Mar  1 12:00:20 2026', NOW), tz).toBe(20_000);
        expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:20 GMT', NOW), tz).toBe(20_000);
        expect(parseRetryAfter('Sunday, 01-Mar-26 12:00:20 GMT', NOW), tz).toBe(20_000);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('measures a date from the given clock, not the real one', () => {
    const header = httpDate(45_000);
    expect(parseRetryAfter(header, NOW)).toBe(45_000);
    expect(parseRetryAfter(header, NOW + 15_000)).toBe(30_000);
  });
});

describe('isRetryableStatus', () => {
  it.each<[number, boolean]>([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [405, false],
    [409, false],
    [413, false],
    [422, false],
    [408, true], // request timeout
    [425, true], // too early
    [429, true], // rate limited
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
  ])('HTTP %i → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('networkErrorCode', () => {
  const refused = sysErr('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED');
  const cyclic = sysErr('loop', 'ECONNRESET');
  (cyclic as { cause?: unknown }).cause = cyclic;

  it.each<[string, unknown, string | undefined]>([
    ['a bare system error', refused, 'ECONNREFUSED'],
    ['fetch failed → cause', fetchFailed(refused), 'ECONNREFUSED'],
    [
      'the innermost code wins',
      fetchFailed(sysErr('outer', 'UND_ERR_SOCKET', sysErr('inner', 'ECONNRESET'))),
      'ECONNRESET',
    ],
    [
      'an outer code stays when the inner error has none',
      fetchFailed(sysErr('outer', 'UND_ERR_SOCKET', new Error('no code'))),
      'UND_ERR_SOCKET',
    ],
    [
      'an AggregateError of happy-eyeballs attempts',
      fetchFailed(new AggregateError([sysErr('v6', 'ECONNREFUSED'), sysErr('v4', 'ECONNREFUSED')], 'all failed')),
      'ECONNREFUSED',
    ],
    ['a DNS failure', fetchFailed(sysErr('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND')), 'ENOTFOUND'],
    ['undici socket error', fetchFailed(sysErr('other side closed', 'UND_ERR_SOCKET')), 'UND_ERR_SOCKET'],
    ['fetch refusing a "bad port" (an Error without code)', fetchFailed(new Error('bad port')), 'ERR_BAD_PORT'],
    [
      'a numeric code (DOMException) is not a network code',
      Object.assign(new Error('timeout'), { code: 23 }),
      undefined,
    ],
    ['no code anywhere', fetchFailed(new Error('something')), undefined],
    ['a cyclic cause chain terminates', cyclic, 'ECONNRESET'],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
    ['a string', 'ECONNREFUSED', undefined],
  ])('%s', (_name, err, expected) => {
    expect(networkErrorCode(err)).toBe(expected);
  });
});

describe('isNotSentCode', () => {
  it.each<[string | undefined, boolean]>([
    // The request never left: safe to send again.
    ['ECONNREFUSED', true],
    ['ENOTFOUND', true],
    ['EAI_AGAIN', true],
    ['EHOSTUNREACH', true],
    ['ENETUNREACH', true],
    ['UND_ERR_CONNECT_TIMEOUT', true],
    ['ERR_BAD_PORT', true],
    ['CERT_HAS_EXPIRED', true],
    // It may have arrived.
    ['ECONNRESET', false],
    ['EPIPE', false],
    ['UND_ERR_SOCKET', false],
    ['UND_ERR_HEADERS_TIMEOUT', false],
    ['TIMEOUT', false],
    ['NETWORK', false],
    [undefined, false],
  ])('%s → %s', (code, notSent) => {
    expect(isNotSentCode(code)).toBe(notSent);
  });
});

describe('networkErrorDetail', () => {
  it('takes the innermost message, skipping the generic "fetch failed"', () => {
    expect(networkErrorDetail(fetchFailed(sysErr('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED')), [])).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(networkErrorDetail(new TypeError('fetch failed'), [])).toBeUndefined();
  });

  it('redacts secrets and stays short', () => {
    const token = 'very-secret-token';
    const detail = networkErrorDetail(
      fetchFailed(new Error(`boom at /x?workspace_token=${token} ${'z'.repeat(500)}`)),
      [token],
    );
    expect(detail).toBeDefined();
    expect(detail).not.toContain(token);
    expect(detail).toContain('***');
    expect(detail!.length).toBeLessThanOrEqual(200);
  });
});

describe('ApiError', () => {
  it.each<
    [
      string,
      ConstructorParameters<typeof ApiError>[0],
      { isAuth: boolean; mayHaveTakenEffect: boolean; exitCode: number; message: RegExp },
    ]
  >([
    [
      '401 is an authentication error that stops the run',
      {
        endpoint: 'POST /bot-data',
        status: 401,
        serverMessage: 'Invalid workspace token',
        delivery: 'answered',
        retryable: false,
      },
      {
        isAuth: true,
        mayHaveTakenEffect: false,
        exitCode: ExitCode.usage,
        message: /^POST \/bot-data failed with HTTP 401: Invalid workspace token$/,
      },
    ],
    [
      '403 is an authentication error too',
      { endpoint: 'GET /customer-list', status: 403, delivery: 'answered', retryable: false },
      { isAuth: true, mayHaveTakenEffect: false, exitCode: ExitCode.usage, message: /HTTP 403$/ },
    ],
    [
      '429 is partial, with the server message',
      {
        endpoint: 'POST /bot-data',
        status: 429,
        serverMessage: 'Too many',
        delivery: 'answered',
        retryable: true,
        retryAfterMs: 2000,
      },
      { isAuth: false, mayHaveTakenEffect: false, exitCode: ExitCode.partial, message: /HTTP 429: Too many/ },
    ],
    [
      'a lost response may have taken effect',
      {
        endpoint: 'POST /bot-data',
        delivery: 'unknown',
        retryable: true,
        code: 'UND_ERR_SOCKET',
        detail: 'other side closed',
      },
      {
        isAuth: false,
        mayHaveTakenEffect: true,
        exitCode: ExitCode.partial,
        message: /response was lost \(UND_ERR_SOCKET: other side closed\).*may have taken effect/,
      },
    ],
    [
      'a refused connection was not sent',
      { endpoint: 'GET /customer-list', delivery: 'not-sent', retryable: true, code: 'ECONNREFUSED' },
      {
        isAuth: false,
        mayHaveTakenEffect: false,
        exitCode: ExitCode.partial,
        message: /was not sent \(ECONNREFUSED\)/,
      },
    ],
  ])('%s', (_name, init, want) => {
    const err = new ApiError(init);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ApiError');
    expect(err.message).toMatch(want.message);
    expect(err.isAuth).toBe(want.isAuth);
    expect(err.mayHaveTakenEffect).toBe(want.mayHaveTakenEffect);
    expect(exitCodeForError(err)).toBe(want.exitCode);
    // toJSON carries every classification field.
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({
      name: 'ApiError',
      endpoint: init.endpoint,
      delivery: init.delivery,
      retryable: init.retryable,
      ...(init.status !== undefined ? { status: init.status } : {}),
      ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
      ...(init.code !== undefined ? { code: init.code } : {}),
    });
  });
});

describe('ApiError kinds', () => {
  const base = { endpoint: 'POST /bot-data', delivery: 'answered' as const, retryable: false };
  it.each<[string, ConstructorParameters<typeof ApiError>[0], ApiErrorKind, number]>([
    ['401', { ...base, status: 401 }, 'auth', 2],
    ['403', { ...base, status: 403 }, 'auth', 2],
    ['429', { ...base, status: 429, retryable: true }, 'rate-limited', 1],
    ['500', { ...base, status: 500, retryable: true }, 'server', 1],
    ['503', { ...base, status: 503, retryable: true }, 'server', 1],
    ['504 (may have taken effect)', { ...base, status: 504, delivery: 'unknown', retryable: true }, 'server', 1],
    ['408', { ...base, status: 408, retryable: true }, 'server', 1],
    ['400', { ...base, status: 400 }, 'bad-request', 1],
    ['409', { ...base, status: 409 }, 'bad-request', 1],
    ['413', { ...base, status: 413 }, 'bad-request', 1],
    ['200 with success: false', { ...base, status: 200 }, 'bad-request', 1],
    ['404', { ...base, status: 404 }, 'not-found', 1],
    ['301 (a redirect)', { ...base, status: 301 }, 'config', 2],
    ['200 with an unusable body, for a create', { ...base, status: 200, delivery: 'unknown' }, 'lost-response', 1],
    [
      '200 with an unusable body, for a read',
      { ...base, endpoint: 'GET /customer-list', status: 200, retryable: true },
      'server',
      1,
    ],
    ['a refused connection', { ...base, delivery: 'not-sent', retryable: true, code: 'ECONNREFUSED' }, 'never-sent', 1],
    ['an unknown host', { ...base, delivery: 'not-sent', code: 'ENOTFOUND' }, 'never-sent', 1],
    ['a reset', { ...base, delivery: 'unknown', retryable: true, code: 'ECONNRESET' }, 'lost-response', 1],
    ['a timeout', { ...base, delivery: 'unknown', retryable: true, code: 'TIMEOUT' }, 'lost-response', 1],
    ['cut by Ctrl-C', { ...base, delivery: 'unknown', code: 'ABORTED' }, 'lost-response', 1],
    [
      'https:// to a plain-HTTP port',
      { ...base, delivery: 'not-sent', code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
      'config',
      2,
    ],
    ['a URL with credentials', { ...base, delivery: 'not-sent', code: 'ERR_URL_CREDENTIALS' }, 'config', 2],
    ['a port fetch refuses', { ...base, delivery: 'not-sent', code: 'ERR_BAD_PORT' }, 'config', 2],
  ])('%s → %s, exit %d', (_name, init, kind, exit) => {
    const err = new ApiError(init);
    expect(err.kind).toBe(kind);
    expect(exitCodeForError(err)).toBe(exit);
    expect(err.isAuth).toBe(kind === 'auth');
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ kind });
  });

  it('an explicit kind wins over the derived one', () => {
    expect(new ApiError({ ...base, status: 500, kind: 'config' }).kind).toBe('config');
  });

  it('a configuration error hints at the base URL', () => {
    const err = new ApiError({ ...base, delivery: 'not-sent', code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(err.hint).toMatch(/API base URL/);
  });
});

describe('errors that never left', () => {
  const opensslDump =
    '80ACA5121B7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
  const wrongVersion = fetchFailed(sysErr(opensslDump, 'ERR_SSL_WRONG_VERSION_NUMBER'));
  const credentials = new TypeError(
    'Request cannot be constructed from a URL that includes credentials: http://admin:hunter2@127.0.0.1:9/bot-data',
  );

  it('https:// to a plain-HTTP port is never sent, not retried, a configuration error, said in one line', () => {
    const code = networkErrorCode(wrongVersion);
    expect(code).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
    expect(isNotSentCode(code)).toBe(true);
    expect(isPermanentNetworkCode(code)).toBe(true);
    expect(isConfigCode(code)).toBe(true);
    const detail = networkErrorDetail(wrongVersion, []);
    expect(detail).toBe('no TLS on the other side: is this a plain-HTTP port? Use http://, or the HTTPS port');
  });

  it('a URL with credentials is named, never sent, and its password is not repeated', () => {
    const code = networkErrorCode(credentials);
    expect(code).toBe(URL_CREDENTIALS_CODE);
    expect(isNotSentCode(code)).toBe(true);
    expect(isConfigCode(code)).toBe(true);
    expect(networkErrorDetail(credentials, [])).not.toContain('hunter2');
  });

  it('any other detail is its first line, without a URL userinfo', () => {
    expect(networkErrorDetail(fetchFailed(sysErr('first line\nsecond line', 'EPROTO')), [])).toBe('first line');
    expect(networkErrorDetail(fetchFailed(sysErr('GET https://u:pw@h/x failed', 'ECONNRESET')), [])).toBe(
      'GET https://***@h/x failed',
    );
    expect(stripUserinfo('see http://a:b@x.y/z and https://c@d/')).toBe('see http://***@x.y/z and https://***@d/');
  });
});
