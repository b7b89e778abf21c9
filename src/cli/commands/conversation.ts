import type { Message } from '../../api/types.js';
import { ConfigError } from '../../errors.js';
import { roleOf, type Role } from '../../loop/classify.js';
import { openLoop, PAGE_SIZE } from '../loop-client.js';
import { textOption } from '../options.js';
import { safeBlock, safeText } from '../../util/safe-text.js';

/**
 * `kb-sync conversation SESSION_ID --customer ID`: the transcript of one conversation, every
 * page of it, oldest first (`--order desc` for newest first; `--no-system` leaves out system
 * messages such as "Conversation assigned to …").
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const sessionId = (textOption(argv.session, 'session') ?? '').trim();
  if (sessionId === '')
    throw new ConfigError('Name the conversation: kb-sync conversation SESSION_ID --customer CUSTOMER_ID.');
  const customerId = (textOption(argv.customer, 'customer') ?? '').trim();
  if (customerId === '') {
    throw new ConfigError(
      '--customer CUSTOMER_ID is required (the API reads a conversation only with its customer).',
      'Find both with `kb-sync customers` and `kb-sync conversations CUSTOMER_ID`.',
    );
  }
  const order = (textOption(argv.order, 'order') ?? 'asc').toLowerCase();
  if (order !== 'asc' && order !== 'desc')
    throw new ConfigError(`--order must be asc or desc, not "${String(argv.order)}"`);
  const removeSystem = argv.system === false;
  const ndjson = Boolean(argv.ndjson);
  const { out, client } = openLoop(argv);

  const messages: (Message & { role: Role })[] = [];
  const paged = client.iterateMessages(sessionId, {
    customer_id: customerId,
    limit: PAGE_SIZE,
    order,
    remove_system_message: removeSystem,
  });
  for await (const m of paged) {
    const row = { ...m, role: roleOf(m, customerId) };
    if (ndjson) out.raw(JSON.stringify(row));
    else messages.push(row);
  }
  if (ndjson) return 0;
  if (out.json) {
    out.document({
      sessionId,
      customerId,
      order,
      removeSystemMessages: removeSystem,
      count: messages.length,
      messages,
      warnings: paged.summary.warnings.map((w) => w.message),
    });
    return 0;
  }
  const c = out.c;
  out.info(
    c.bold(`Conversation ${safeText(sessionId)}`) +
      c.dim(
        ` · customer ${customerId} · ${messages.length} message(s), ${order === 'asc' ? 'oldest' : 'newest'} first`,
      ),
  );
  const label: Record<Role, (s: string) => string> = { customer: c.cyan, bot: c.green, agent: c.yellow, system: c.dim };
  const lines: string[] = [];
  for (const m of messages) {
    const when = m.created_at.slice(0, 19).replace('T', ' ');
    const who = label[m.role](m.role.padEnd(8));
    // The messages are the customers', the bot's and the agents' text: lines kept, controls escaped.
    const text = safeBlock(m.content ?? '').split('\n');
    lines.push(`${c.dim(when)}  ${who}  ${m.role === 'system' ? c.dim(text[0] ?? '') : (text[0] ?? '')}`);
    for (const more of text.slice(1)) lines.push(`${' '.repeat(31)}${more}`);
    for (const f of m.media ?? [])
      lines.push(
        `${' '.repeat(31)}${c.dim(`[attachment] ${safeText(f.name)} (${safeText(f.type)}, ${f.size} bytes) ${safeText(f.url)}`)}`,
      );
  }
  if (lines.length > 0) out.final(lines.join('\n'));
  return 0;
}
