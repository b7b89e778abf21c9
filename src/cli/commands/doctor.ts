import { readToken, type ResolvedConfig } from '../../config/load.js';
import { environmentOf } from '../../doctor/hosts.js';
import { checkConfig, checkFolder, checkState } from '../../doctor/local.js';
import { checkApi, doctorClient, reportShapes, type ClientFactory } from '../../doctor/remote.js';
import { SECTION_TITLES, SECTIONS, Checks, type Check, type DoctorReport } from '../../doctor/report.js';
import { checkBotId, checkBotSeen, checkChat, checkToken, probeDateRange, probeLists } from '../../doctor/workspace.js';
import { ConfigError } from '../../errors.js';
import { describeWait } from '../../push/policy.js';
import { exitCodeForDoctor } from '../exit.js';
import { PacedClient } from '../loop-client.js';
import { textOption } from '../options.js';
import { currentTarget } from '../targets.js';
import { Output } from '../output.js';
import { safeText } from '../../util/safe-text.js';

/**
 * `kb-sync doctor`: a checklist of everything `sync` needs — configuration, knowledge folder, the
 * way to the API, the token, the bot, the shape of each reply, the state — one line per check,
 * with a fix. It creates nothing (read-only endpoints; the state opened read-only) unless
 * `--chat` asks it to send one real message. Exit 0 when `sync` has what it needs, 2 otherwise.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  // Under targets, the target being checked: its output section and its merged configuration.
  const target = currentTarget();
  const out =
    target?.out ?? new Output({ json: Boolean(argv.json), quiet: Boolean(argv.quiet), verbose: Boolean(argv.verbose) });
  const env = process.env;
  const chat = textOption(argv.chat, 'chat');
  if (chat !== undefined && chat.trim() === '')
    throw new ConfigError('--chat needs a question: kb-sync doctor --chat "What are your opening hours?"');
  const ctx = { cwd: process.cwd(), env, ci: env.CI === 'true' || env.CI === '1' };
  const checks = new Checks();
  const cfg = checkConfig(checks, argv.config as string | undefined, ctx, target?.cfg);
  const token = readToken(env, cfg);
  out.addSecret(token);
  if (cfg) {
    const apiEnv = environmentOf(new URL(cfg.apiBaseUrl).hostname);
    const botUrl = textOption(argv.botUrl, 'bot-url');
    const botId = checkBotId(checks, cfg.botId, { apiEnv, ...(botUrl ? { botUrl } : {}) });
    if (!out.json && !out.quiet) out.warn(out.c.dim('Checking the configuration, the folder, the API and the state…'));
    const plan = await checkFolder(checks, cfg, botId, ctx);
    await checkRemote(checks, cfg, { botId, token, chat, out });
    checkState(checks, cfg, botId, { ...ctx, ...(plan ? { plan } : {}) });
  }
  const report = checks.report();
  const exitCode = exitCodeForDoctor(report);
  if (out.json) {
    out.document({ ...report, exitCode, apiBaseUrl: cfg?.apiBaseUrl ?? null, botId: cfg?.botId ?? null });
  } else {
    render(out, report);
  }
  return exitCode;
}

async function checkRemote(
  checks: Checks,
  cfg: ResolvedConfig,
  opts: { botId: string | undefined; token: string | undefined; chat: string | undefined; out: Output },
): Promise<void> {
  const { botId, token, chat, out } = opts;
  const base = {
    baseUrl: cfg.apiBaseUrl,
    timeoutMs: Math.min(cfg.timeoutMs, 15_000),
    token,
    secrets: token ? [token] : [],
  };
  if (!token)
    checks.fail(
      'api',
      'api.token',
      'No workspace token',
      `Set the ${cfg.tokenEnv} environment variable (copy the token from the workspace general settings; in CI, from a secret).`,
    );
  const reach = await checkApi(checks, base);
  if (!reach.ok || !token || !botId) {
    if (token && !reach.ok) checks.skip('api', 'api.token', 'Token not sent: the API base URL is not usable (above)');
    const why = !token ? 'no token' : !botId ? 'no usable bot id' : 'the API base URL is not usable';
    reportShapes(checks, { drift: new Map(), errors: new Map() }, false, why);
    return;
  }
  const { makeClient, retries } = pacedClients(cfg, out);
  const { client, shapes } = doctorClient({ ...base, botId, token, makeClient });
  const first = await checkToken(checks, client, botId, { apiEnv: reach.env });
  if (first) {
    const anyone = await checkBotSeen(checks, client, botId, first);
    const at = await probeLists(checks, client, botId, first, anyone);
    if (at) await probeDateRange(checks, { ...base, botId, token, configured: cfg.dateRangeFormat, makeClient }, at);
  }
  if (chat !== undefined && first) await checkChat(checks, client, chat);
  else if (chat !== undefined) checks.skip('chat', 'chat', 'Not sent: the token was not accepted');
  reportShapes(checks, shapes, chat !== undefined, first ? undefined : 'the token was not accepted');
  const seen = retries();
  if (seen.retries > 0)
    checks.warn(
      'api',
      'api.retries',
      `The API needed ${seen.retries} retr${seen.retries === 1 ? 'y' : 'ies'} (${seen.rateLimited} answered 429), which doctor made as a sync would`,
      'Passing errors are retried by every command; if this keeps happening, lower "rateLimit.requestsPerSecond" or check the service status.',
      { data: seen },
    );
}

/**
 * Doctor's requests that carry the token go through the same `RequestPolicy` as every other
 * command (src/cli/loop-client.ts): paced, and a passing 429, 5xx or timeout retried, so doctor
 * judges what a sync would meet. A Retry-After is waited out up to a minute (a checklist should
 * not sit for the five minutes a sync may); a message is never sent twice (`--chat`). The probes
 * before the token (DNS, TLS, the request without a token) are single raw requests: they look at
 * the transport itself, and what they find (a redirect, a certificate) does not pass with a retry.
 */
function pacedClients(
  cfg: ResolvedConfig,
  out: Output,
): { makeClient: ClientFactory; retries: () => { retries: number; rateLimited: number } } {
  const made: PacedClient[] = [];
  const makeClient: ClientFactory = (o) => {
    const client = new PacedClient({
      ...o,
      rateLimit: cfg.rateLimit,
      retry: { ...cfg.retry, maxRetryAfterMs: Math.min(cfg.retry.maxRetryAfterMs, 60_000) },
      retryUnknownSends: false,
      onRetry: (err, attempt, delay) =>
        out.detail(out.c.dim(`${err.message}; retrying in ${delay} ms (attempt ${attempt + 1})`)),
      onWait: (w) => out.warn(out.c.yellow(describeWait(w, 'doctor resumes'))),
    });
    made.push(client);
    return client;
  };
  const retries = () => ({
    retries: made.reduce((n, c) => n + c.counters.retries, 0),
    rateLimited: made.reduce((n, c) => n + c.counters.rateLimited, 0),
  });
  return { makeClient, retries };
}

function render(out: Output, report: DoctorReport): void {
  const c = out.c;
  const mark: Record<Check['status'], string> = {
    ok: c.green('✓'),
    warn: c.yellow('!'),
    fail: c.red('✗'),
    info: c.dim('·'),
    skip: c.dim('-'),
  };
  const lines: string[] = [];
  for (const section of SECTIONS) {
    const list = report.checks.filter((k) => k.section === section);
    if (list.length === 0) continue;
    lines.push(c.bold(SECTION_TITLES[section]));
    for (const k of list) {
      // Titles and details can quote the server (a reply, an error): one line each (safeText).
      const title = k.status === 'skip' || k.status === 'info' ? c.dim(safeText(k.title)) : safeText(k.title);
      lines.push(`  ${mark[k.status]} ${title}`);
      const loud = k.status === 'warn' || k.status === 'fail';
      if (k.details && (loud || out.verbose || section === 'chat'))
        for (const d of k.details) lines.push(`      ${c.dim(safeText(d))}`);
      if (k.fix && (loud || k.status === 'info'))
        lines.push(`    ${loud ? '→' : c.dim('→')} ${loud ? k.fix : c.dim(k.fix)}`);
    }
  }
  const { fail, warn } = report.counts;
  const warnings = warn > 0 ? `; ${warn} warning(s) worth a look` : '';
  lines.push('');
  lines.push(
    report.ready
      ? c.green(`Ready to sync${warnings}.`)
      : c.red(`Not ready to sync: ${fail} problem(s) to fix${warnings} (exit 2).`),
  );
  out.final(lines.join('\n'));
}
