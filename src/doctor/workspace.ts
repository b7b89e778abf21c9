import type { CxGenieClient, DateRangeFormat } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { RetryLaterError } from '../push/policy.js';
import { TotalHints, type TotalReading } from '../api/paging.js';
import { ShapeError } from '../api/shape.js';
import type { Customer, Session } from '../api/types.js';
import { environmentOf, isUuid, pairingProblem, PRODUCTION_API_URL, readBotRef, type Environment } from './hosts.js';
import type { Checks } from './report.js';
import type { ApiContext, ClientFactory } from './remote.js';

/**
 * Doctor's checks with the token, through read-only endpoints only (and `POST /messages` when
 * `--chat` asks for it): is the token accepted, what do the replies say about the bot, how does
 * this server read the ambiguous parts of the document.
 */

/** The bot id as configured: its format, and whether it came with a launch URL of the other environment. */
export function checkBotId(
  checks: Checks,
  botId: string | undefined,
  ctx: { apiEnv: Environment; botUrl?: string },
): string | undefined {
  if (!botId) {
    checks.fail(
      'bot',
      'bot.id',
      'No bot id',
      'Set "botId" in sync.config.json or CXGENIE_BOT_ID: the "aid" parameter of the bot\'s launch URL.',
    );
    return undefined;
  }
  const ref = readBotRef(botId);
  const given = ctx.botUrl ? readBotRef(ctx.botUrl) : undefined;
  if (ctx.botUrl && !given?.url)
    checks.warn('bot', 'bot.url', `--bot-url is not a launch URL with an aid: ${ctx.botUrl}`, undefined);
  for (const url of [ref?.url, given?.url]) {
    if (!url) continue;
    const problem = pairingProblem(ctx.apiEnv, environmentOf(url.hostname));
    if (problem)
      checks.warn(
        'bot',
        'bot.environment',
        `${url.hostname} (the bot) and the API base URL are in different environments`,
        `${problem} Use the API of the bot's environment${ctx.apiEnv === 'demo' ? ` (production: ${PRODUCTION_API_URL}, by the vendor's naming)` : ''}.`,
      );
  }
  if (given?.botId && given.url && given.botId !== (ref?.botId ?? botId))
    checks.warn(
      'bot',
      'bot.url',
      `The launch URL's aid (${given.botId}) is not the configured bot id (${botId})`,
      'Use the aid of the bot you mean to train.',
    );
  if (ref && ref.botId !== botId) {
    checks.fail(
      'bot',
      'bot.id',
      `The bot id is a URL or snippet, not an id: ${botId}`,
      `Use only its aid: "botId": "${ref.botId}".`,
    );
    return undefined;
  }
  if (/\s/.test(botId) || botId.length > 200) {
    checks.fail(
      'bot',
      'bot.id',
      `The bot id has spaces in it or is too long: "${botId.slice(0, 60)}"`,
      'Copy the aid again.',
    );
    return undefined;
  }
  if (isUuid(botId)) checks.ok('bot', 'bot.id', `Bot id ${botId} has the format of a CX Genie id (a UUID)`);
  else if (ctx.apiEnv === 'local') checks.ok('bot', 'bot.id', `Bot id ${botId} (not a UUID: fine for the emulator)`);
  else
    checks.warn(
      'bot',
      'bot.id',
      `Bot id ${botId} is not a UUID, which CX Genie bot ids are`,
      "Copy the aid parameter of the bot's launch URL (https://chat.cxgenie.ai?aid=<bot_id>) again.",
    );
  return botId;
}

/** The token, with `GET /customer-list` of this bot. Returns the first page when it was accepted. */
export async function checkToken(
  checks: Checks,
  client: CxGenieClient,
  botId: string,
  ctx: { apiEnv: Environment },
): Promise<{ customers: Customer[]; total: number | undefined } | undefined> {
  try {
    const page = await client.listCustomers({ bot_ids: [botId] });
    checks.ok('api', 'api.token', 'The workspace token is accepted (GET /customer-list, read-only)');
    return { customers: page.customers, total: page.total };
  } catch (err) {
    if (err instanceof ShapeError) {
      checks.ok('api', 'api.token', 'The workspace token is accepted (GET /customer-list answered HTTP 200)');
      return undefined;
    }
    if (err instanceof RetryLaterError) {
      checks.fail('api', 'api.token', `The token could not be checked: ${err.message}`, err.hint, {
        data: { status: err.cause instanceof ApiError ? (err.cause.status ?? null) : null },
      });
      return undefined;
    }
    if (!(err instanceof ApiError)) throw err;
    if (err.isAuth) {
      const other =
        ctx.apiEnv === 'demo'
          ? ` If your workspace is on the production service, set "apiBaseUrl" to its API (${PRODUCTION_API_URL}, by the vendor's naming).`
          : ctx.apiEnv === 'production'
            ? ' If your workspace is on the demo service, use https://api-demo.cxgenie.ai/api/v2/public-api.'
            : '';
      checks.fail(
        'api',
        'api.token',
        `The workspace token is refused (HTTP ${err.status}${err.serverMessage ? `: ${err.serverMessage}` : ''})`,
        `${err.hint ?? 'Copy the workspace token again from the workspace general settings.'}${other}`,
        { data: { status: err.status } },
      );
    } else {
      checks.fail('api', 'api.token', `The token could not be checked: ${err.message}`, err.hint, {
        data: { status: err.status ?? null, code: err.code ?? null },
      });
    }
    return undefined;
  }
}

/**
 * What the customer list says about the bot: its name, or the bots the workspace's customers talk
 * to. Returns customers of the workspace to probe the other endpoints with.
 */
export async function checkBotSeen(
  checks: Checks,
  client: CxGenieClient,
  botId: string,
  page: { customers: Customer[] },
): Promise<Customer[]> {
  const mine = page.customers.filter((c) => c.bot_id === botId);
  const foreign = page.customers.filter((c) => c.bot_id !== botId);
  if (foreign.length > 0)
    checks.warn(
      'bot',
      'bot.filter',
      `GET /customer-list?bot_ids=${botId} also returned customers of other bots (${[...new Set(foreign.map((c) => c.bot_id))].join(', ')})`,
      'The server reads bot_ids differently from this version (see docs/api-readings.md): `kb-sync customers` may list other bots too.',
    );
  if (mine.length > 0) {
    const name = mine.find((c) => c.bot?.name)?.bot.name;
    checks.ok('bot', 'bot.seen', `The workspace knows bot ${botId}${name ? ` ("${name}")` : ''}: it has customers`, {
      data: { name: name ?? null },
    });
    return page.customers;
  }
  // The same list without the bot filter (read-only): which bots do this workspace's customers talk to?
  const others = await client.listCustomers({}).then(
    (p) => p.customers,
    () => [] as Customer[],
  );
  const bots = new Map<string, string>();
  for (const c of others) if (c.bot_id !== botId) bots.set(c.bot_id, c.bot?.name ?? '');
  if (bots.size > 0) {
    checks.warn(
      'bot',
      'bot.seen',
      `No customer of bot ${botId}; the workspace's customers talk to ${[...bots].map(([id, n]) => (n ? `${id} ("${n}")` : id)).join(', ')}`,
      'If this bot is new, nothing is wrong. Otherwise check the bot id: `kb-sync doctor --chat "hello"` proves it (it creates a conversation).',
      { data: { otherBots: Object.fromEntries(bots) } },
    );
  } else {
    checks.info(
      'bot',
      'bot.seen',
      'No customers in this workspace yet: the read-only endpoints cannot confirm the bot id',
      { fix: '`kb-sync doctor --chat "hello"` proves it (it creates a conversation).' },
    );
  }
  return others;
}

const READING_WORDS: Record<TotalReading, string> = {
  all: 'every matching row',
  remaining: 'the rows from the cursor on',
  page: "this page's rows",
};

function readingLine(r: TotalReading[], sent: boolean): string {
  if (!sent) return 'no total';
  if (r.length === 0) return 'a total that fits no known reading';
  return r.map((x) => READING_WORDS[x]).join(' or ');
}

/** Read a customer, their conversations and one transcript: the shapes of those replies, and how `total` reads. */
export async function probeLists(
  checks: Checks,
  client: CxGenieClient,
  botId: string,
  first: { customers: Customer[]; total: number | undefined },
  anyone: readonly Customer[],
): Promise<{ customer: Customer; session: Session } | undefined> {
  const customers = first.customers;
  const last = customers.at(-1);
  if (last) {
    const hints = new TotalHints();
    hints.add({ len: customers.length, fresh: customers.length, dupes: 0, before: 0, total: first.total });
    try {
      const next = await client.listCustomers({ bot_ids: [botId], cursor: last.created_at });
      const ids = new Set(customers.map((c) => c.id));
      const fresh = next.customers.filter((c) => !ids.has(c.id)).length;
      hints.add({
        len: next.customers.length,
        fresh,
        dupes: next.customers.length - fresh,
        before: customers.length,
        total: next.total,
      });
      checks.info(
        'readings',
        'reading.customers-total',
        `GET /customer-list sends ${readingLine(hints.readings(), hints.sent)} as total; paging does not depend on it`,
        {
          data: { totals: [first.total ?? null, next.total ?? null], readings: hints.readings() },
        },
      );
    } catch {
      // Reported by the shape lines.
    }
  }
  let found: { customer: Customer; session: Session } | undefined;
  const probe = anyone.slice(0, 3);
  for (const c of probe) {
    try {
      if (c === probe[0]) await client.getCustomer(c.id);
      const page = await client.listSessions({ customer_id: c.id, limit: 1, offset: 0 });
      const s = page.sessions[0];
      if (!s) continue;
      const second = await client.listSessions({ customer_id: c.id, limit: 1, offset: 1 });
      const hints = new TotalHints();
      hints.add({ len: 1, fresh: 1, dupes: 0, before: 0, total: page.total });
      hints.add({
        len: second.sessions.length,
        fresh: second.sessions.length,
        dupes: 0,
        before: 1,
        total: second.total,
      });
      checks.info(
        'readings',
        'reading.sessions-total',
        `GET /sessions-by-customer sends ${readingLine(hints.readings(), hints.sent)} as total; paging does not depend on it`,
        {
          data: { totals: [page.total ?? null, second.total ?? null], readings: hints.readings() },
        },
      );
      await client.listMessages(s.id, { customer_id: c.id, limit: 5 });
      found = { customer: c, session: s };
      break;
    } catch {
      // A reply the client cannot read is reported by the shape lines; go on with what is known.
      break;
    }
  }
  return found;
}

/** Ask for one conversation with a range around it, in each format: which ones does the server read? */
export async function probeDateRange(
  checks: Checks,
  ctx: ApiContext & { botId: string; token: string; configured: DateRangeFormat; makeClient: ClientFactory },
  at: { customer: Customer; session: Session },
): Promise<void> {
  const t = Date.parse(at.session.created_at);
  if (Number.isNaN(t)) return;
  const range: [string, string] = [new Date(t - 3_600_000).toISOString(), new Date(t + 3_600_000).toISOString()];
  const result: Record<'iso' | 'epoch-ms', 'read' | 'refused' | 'ignored'> = { iso: 'refused', 'epoch-ms': 'refused' };
  for (const format of ['iso', 'epoch-ms'] as const) {
    const client = ctx.makeClient({
      baseUrl: ctx.baseUrl,
      token: ctx.token,
      botId: ctx.botId,
      timeoutMs: ctx.timeoutMs,
      dateRangeFormat: format,
    });
    try {
      const page = await client.listSessions({ customer_id: at.customer.id, limit: 100, date_range: range });
      result[format] = page.sessions.some((s) => s.id === at.session.id) ? 'read' : 'ignored';
    } catch {
      result[format] = 'refused';
    }
  }
  const data = { iso: result.iso, epochMs: result['epoch-ms'], configured: ctx.configured };
  const both = result.iso === 'read' && result['epoch-ms'] === 'read';
  const works = (f: 'iso' | 'epoch-ms') => result[f] === 'read';
  const title = `date_range: ISO text ${result.iso}, epoch milliseconds ${result['epoch-ms']}`;
  if (both || (ctx.configured === 'auto' && works('iso')) || (ctx.configured !== 'auto' && works(ctx.configured))) {
    checks.ok('readings', 'reading.date-range', `${title}; "dateRangeFormat": "${ctx.configured}" works`, { data });
  } else if (ctx.configured === 'auto' && result.iso === 'refused' && works('epoch-ms')) {
    checks.ok('readings', 'reading.date-range', `${title}; "auto" switches to epoch milliseconds after one refusal`, {
      data,
      fix: 'Set "dateRangeFormat": "epoch-ms" to skip the first try.',
    });
  } else {
    const good = works('iso') ? 'iso' : works('epoch-ms') ? 'epoch-ms' : undefined;
    checks.warn(
      'readings',
      'reading.date-range',
      `${title}; "dateRangeFormat": "${ctx.configured}" does not find the conversation`,
      good
        ? `Set "dateRangeFormat": "${good}" in sync.config.json (conversations --since/--until and harvest use it).`
        : 'Neither format finds a conversation by its date: report this; --since/--until and harvest may miss conversations.',
      { data },
    );
  }
}

/** `--chat "question"`: one real message (it creates a conversation), and the bot's reply. */
export async function checkChat(checks: Checks, client: CxGenieClient, question: string): Promise<void> {
  try {
    const reply = await client.sendMessage({ content: question });
    const shown = reply.length > 300 ? `${reply.slice(0, 297)}…` : reply;
    checks.ok('chat', 'chat', `The bot replied: ${JSON.stringify(shown)}`, {
      data: { question, reply },
      details: ['This created a conversation (an anonymous customer) in the workspace.'],
    });
  } catch (err) {
    if (err instanceof ShapeError) {
      checks.fail(
        'chat',
        'chat',
        'The bot answered, in a shape this version does not know (see "Response shapes")',
        'kb-sync chat and eval cannot read such replies: upgrade kb-sync, or report the fields shown.',
      );
      return;
    }
    const e = err as ApiError;
    checks.fail('chat', 'chat', `The message was not answered: ${e.message}`, e.hint ?? undefined);
  }
}
