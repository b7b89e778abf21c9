import dns from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { ClientOptions, CxGenieClient } from '../api/client.js';
import { ApiError, networkErrorCode } from '../api/errors.js';
import { ENDPOINTS, type Endpoint } from '../api/types.js';
import { describeIssues, ShapeError, type ShapeIssue } from '../api/shape.js';
import { redactSecrets, redactUrl } from '../util/redact.js';
import { API_PATH, environmentOf, PRODUCTION_API_URL, DEMO_API_URL, type Environment } from './hosts.js';
import type { Checks } from './report.js';

/**
 * Doctor's checks of the way to the API, in the order a request takes it: the base URL, DNS,
 * TLS, a request without the token (redirects, whether it answers like CX Genie), and only then
 * the token. Read-only endpoints only.
 */

export interface ApiContext {
  baseUrl: string;
  timeoutMs: number;
  token: string | undefined;
  secrets: readonly string[];
}

/**
 * Makes the client of the checks that send the token. The CLI passes one whose requests go
 * through the shared `RequestPolicy` (src/push/policy.ts): a passing 429 or 503 is retried as a
 * sync would retry it, so doctor judges what a sync would meet; the retries are reported.
 */
export type ClientFactory = (opts: ClientOptions) => CxGenieClient;

/** What the checks before the token found: whether it is safe and useful to send it. */
export interface Reachable {
  ok: boolean;
  env: Environment;
}

export async function checkApi(checks: Checks, ctx: ApiContext): Promise<Reachable> {
  const url = new URL(ctx.baseUrl);
  const env = environmentOf(url.hostname);
  checkBaseUrl(checks, url, env);
  if (!(await checkDns(checks, url))) return { ok: false, env };
  if (!(await checkTls(checks, url, ctx.timeoutMs))) return { ok: false, env };
  return { ok: await probeWithoutToken(checks, ctx), env };
}

function checkBaseUrl(checks: Checks, url: URL, env: Environment): void {
  const where: Record<Environment, string> = {
    demo: "CX Genie's demo environment (the host the vendor document shows)",
    production: 'a CX Genie production host',
    local: 'a server on this machine (the emulator?)',
    other: 'not a cxgenie.ai host',
  };
  const data = { url: url.href, environment: env, protocol: url.protocol.slice(0, -1) };
  const title = `${url.href.replace(/\/$/, '')} — ${where[env]}`;
  if (url.protocol === 'http:' && env !== 'local') {
    checks.warn(
      'api',
      'api.url',
      `${title}, over plain HTTP`,
      `The token would travel unencrypted: use https://${url.host}${url.pathname}.`,
      { data },
    );
  } else if (!url.pathname.replace(/\/+$/, '').endsWith(API_PATH)) {
    checks.warn(
      'api',
      'api.url',
      `${title}; the path does not end in ${API_PATH}`,
      `The documented base URL is ${DEMO_API_URL}: keep the ${API_PATH} part.`,
      { data },
    );
  } else if (env === 'demo') {
    checks.info('api', 'api.url', title, {
      data,
      fix: `If your workspace is on the production service (the bot's launch URL is on chat.cxgenie.ai), the demo API refuses its token: set "apiBaseUrl" to the production API (${PRODUCTION_API_URL}, by the vendor's naming; confirm with CX Genie).`,
    });
  } else {
    checks.ok('api', 'api.url', title, { data });
  }
}

async function checkDns(checks: Checks, url: URL): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    checks.skip('api', 'api.dns', `DNS: not needed (${host} is an address)`);
    return true;
  }
  try {
    const addrs = await dns.lookup(host, { all: true });
    checks.ok('api', 'api.dns', `DNS: ${host} → ${addrs.map((a) => a.address).join(', ')}`, {
      data: { host, addresses: addrs.map((a) => a.address) },
    });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
    checks.fail(
      'api',
      'api.dns',
      `DNS: ${host} cannot be resolved (${code})`,
      code === 'ENOTFOUND'
        ? 'Check the host in "apiBaseUrl" (or CXGENIE_API_URL) for typos.'
        : 'Check the network connection and DNS settings.',
      { data: { host, code } },
    );
    return false;
  }
}

async function checkTls(checks: Checks, url: URL, timeoutMs: number): Promise<boolean> {
  if (url.protocol !== 'https:') {
    checks.skip('api', 'api.tls', 'TLS: not used (plain HTTP)');
    return true;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const r = await tlsHandshake(host, port, timeoutMs);
  if ('error' in r) {
    checks.fail(
      'api',
      'api.tls',
      `TLS: the connection to ${url.host} failed (${r.error})`,
      /CERT|SELF_SIGNED|VERIFY/.test(r.error)
        ? 'The certificate is not trusted: check the host name; behind a proxy that re-signs traffic, set NODE_EXTRA_CA_CERTS to its certificate.'
        : 'Check the network connection, a proxy or a firewall.',
      { data: { code: r.error } },
    );
    return false;
  }
  const days = Math.floor((Date.parse(r.validTo) - Date.now()) / 86_400_000);
  const title = `TLS: ${r.protocol}, certificate for ${r.subject} valid until ${new Date(r.validTo).toISOString().slice(0, 10)}`;
  const data = { protocol: r.protocol, subject: r.subject, issuer: r.issuer, validTo: r.validTo };
  if (days < 14)
    checks.warn('api', 'api.tls', `${title} (${days} day(s) left)`, 'The certificate expires soon.', { data });
  else checks.ok('api', 'api.tls', title, { data });
  return true;
}

function tlsHandshake(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ protocol: string; subject: string; issuer: string; validTo: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, timeout: timeoutMs });
    const done = (v: Parameters<typeof resolve>[0]) => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
      done({
        protocol: socket.getProtocol() ?? 'TLS',
        subject: first(cert.subject?.CN) ?? host,
        issuer: first(cert.issuer?.O) ?? first(cert.issuer?.CN) ?? 'unknown issuer',
        validTo: cert.valid_to,
      });
    });
    socket.once('timeout', () => done({ error: 'TIMEOUT' }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
  });
}

/**
 * `GET /customer-list` without any token: a CX Genie API refuses it with a JSON error. This
 * finds redirects and servers that are not the API before the token is sent anywhere.
 */
async function probeWithoutToken(checks: Checks, ctx: ApiContext): Promise<boolean> {
  const target = `${ctx.baseUrl.replace(/\/+$/, '')}/customer-list`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(target, {
      redirect: 'manual',
      headers: { accept: 'application/json', 'user-agent': 'cxgenie-kb-sync (doctor)' },
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const code = (err as Error).name === 'TimeoutError' ? 'TIMEOUT' : (networkErrorCode(err) ?? 'NETWORK');
    checks.fail(
      'api',
      'api.reach',
      `The API does not answer (${code})`,
      code === 'ECONNREFUSED'
        ? 'Nothing listens at that address: check the host and port in "apiBaseUrl".'
        : 'Check the network connection, a proxy or a firewall.',
      { data: { code } },
    );
    return false;
  }
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.get('location');
    const shown = to ? redactUrl(redactSecrets(new URL(to, target).href, ctx.secrets)) : '(no Location)';
    checks.fail(
      'api',
      'api.reach',
      `The API base URL redirects (HTTP ${res.status} to ${shown})`,
      'kb-sync never follows a redirect (it would carry the token along): set "apiBaseUrl" to the final address.',
      { data: { status: res.status, location: to ? shown : null } },
    );
    return false;
  }
  return judgeAnswer(checks, res, text);
}

function judgeAnswer(checks: Checks, res: Response, text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const type = res.headers.get('content-type') ?? '(none)';
  const data = { status: res.status, contentType: type };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    checks.fail(
      'api',
      'api.reach',
      `This does not answer like the CX Genie API: HTTP ${res.status}, ${type}, not a JSON object`,
      res.status === 404
        ? `Nothing at this path: the base URL ends in ${API_PATH}.`
        : `Check "apiBaseUrl": it should be the Public API V2 base URL, such as ${DEMO_API_URL}.`,
      { data },
    );
    return false;
  }
  const b = body as Record<string, unknown>;
  if (res.status === 404) {
    checks.fail(
      'api',
      'api.reach',
      `HTTP 404 for GET /customer-list: a JSON server, but no Public API V2 at this path`,
      `The base URL ends in ${API_PATH}, such as ${DEMO_API_URL}.`,
      { data },
    );
    return false;
  }
  if (res.status === 401 || res.status === 403 || b.success === false) {
    checks.ok(
      'api',
      'api.reach',
      `No redirect; answers like the CX Genie API (HTTP ${res.status} and a JSON error without a token)`,
      { data },
    );
    return true;
  }
  checks.warn(
    'api',
    'api.reach',
    `No redirect, but a request without a token got HTTP ${res.status}`,
    'A CX Genie API refuses requests without a token: check that "apiBaseUrl" is the real API.',
    { data },
  );
  return true;
}

// ------------------------------------------------------------------ token, bot, shapes

export interface ShapeLog {
  drift: Map<Endpoint, readonly ShapeIssue[]>;
  errors: Map<Endpoint, ShapeError>;
}

/** A client that records the shape of every endpoint's first reply. */
export function doctorClient(ctx: ApiContext & { botId: string; token: string; makeClient: ClientFactory }): {
  client: CxGenieClient;
  shapes: ShapeLog;
} {
  const shapes: ShapeLog = { drift: new Map(), errors: new Map() };
  const client = ctx.makeClient({
    baseUrl: ctx.baseUrl,
    token: ctx.token,
    botId: ctx.botId,
    timeoutMs: ctx.timeoutMs,
    userAgent: 'cxgenie-kb-sync (doctor)',
    dateRangeFormat: 'iso',
    onShape: (ep, drift) => shapes.drift.set(ep, drift),
    onResponse: (info) => {
      if (info.error instanceof ShapeError) shapes.errors.set(info.endpoint as Endpoint, info.error);
    },
  });
  return { client, shapes };
}

/** One line per endpoint: what its reply looked like against what the client expects. */
export function reportShapes(checks: Checks, shapes: ShapeLog, chatAsked: boolean, unavailable?: string): void {
  const notCalled: Partial<Record<Endpoint, string>> = {
    'POST /bot-data': 'not called: it would create training data (a sync checks it on its first push)',
    'POST /upload/multiple': 'not called: it would store a file',
    'POST /messages': chatAsked
      ? 'not answered'
      : 'not called: it would create a conversation (use --chat "question" to check it)',
  };
  for (const ep of ENDPOINTS) {
    const id = `shape.${ep}`;
    const err = shapes.errors.get(ep);
    if (err) {
      checks.fail(
        'shapes',
        id,
        `${ep}: the API answered in a shape this version does not know`,
        'kb-sync cannot read this reply (a sync may fail the same way): upgrade kb-sync, or report the fields below.',
        { details: describeIssues(err.issues), data: { issues: err.issues } },
      );
      continue;
    }
    const drift = shapes.drift.get(ep);
    if (drift === undefined) {
      const why =
        notCalled[ep] ?? (unavailable ? `not checked: ${unavailable}` : 'not checked: no data to ask it about');
      checks.skip('shapes', id, `${ep}: ${why}`);
      continue;
    }
    const differs = drift.filter((d) => d.kind !== 'extra');
    const extra = drift.filter((d) => d.kind === 'extra').map((d) => d.field);
    const more = extra.length > 0 ? ` (plus ${extra.length} field(s) it does not list)` : '';
    if (differs.length === 0)
      checks.ok('shapes', id, `${ep}: as the document describes${more}`, {
        data: { drift },
        details: extra.slice(0, 5),
      });
    else
      checks.warn(
        'shapes',
        id,
        `${ep}: ${differs.length} field(s) differ from the document${more}; kb-sync does not need them`,
        'Nothing to do now; if a later version needs these fields, this is where it shows first.',
        { details: describeIssues(differs), data: { drift } },
      );
  }
}

/** How an ApiError reads on one line, for a check's title. */
export function errorLine(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return (err as Error).message;
}
