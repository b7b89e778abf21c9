import type { ListSessionsQuery, ReplyStatus, Session, SessionStatus } from '../../api/types.js';
import { ConfigError } from '../../errors.js';
import { DateRangeError, parseDateRange } from '../../loop/range.js';
import { oneLine } from '../../loop/words.js';
import { table } from '../../util/table.js';
import { openLoop, PAGE_SIZE } from '../loop-client.js';
import { cellWidth, choiceList, textOption } from '../options.js';

/**
 * `kb-sync conversations CUSTOMER_ID`: a customer's conversations (sessions), newest first, every
 * page. `--since/--until` become `date_range`; `--status` and `--reply-status` filter.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const customerId = (textOption(argv.customer, 'customer') ?? '').trim();
  if (customerId === '')
    throw new ConfigError('Name the customer: kb-sync conversations CUSTOMER_ID (ids are in `kb-sync customers`).');
  const status = choiceList<SessionStatus>(argv.status, 'status', ['OPEN', 'CLOSED']);
  const replyStatus = choiceList<ReplyStatus>(argv.replyStatus, 'reply-status', [
    'UNREAD_ONLY',
    'READ_ONLY',
    'REPLIED_ONLY',
  ]);
  const range = rangeOf(argv);
  const ndjson = Boolean(argv.ndjson);
  const { out, botId, client } = openLoop(argv);

  const query: Omit<ListSessionsQuery, 'offset'> = { customer_id: customerId, limit: PAGE_SIZE, bot_ids: [botId] };
  if (status.length > 0) query.status = status;
  if (replyStatus.length > 0) query.reply_status = replyStatus;
  if (range) query.date_range = [range.since, range.until];

  const rows: Session[] = [];
  const paged = client.iterateSessions(query);
  for await (const s of paged) {
    if (ndjson) out.raw(JSON.stringify(s));
    else rows.push(s);
  }
  if (ndjson) return 0;
  if (out.json) {
    out.document({
      botId,
      customerId,
      range: range ? { since: range.since, until: range.until } : null,
      count: rows.length,
      sessions: rows,
      warnings: paged.summary.warnings.map((w) => w.message),
    });
    return 0;
  }
  if (rows.length > 0) {
    out.final(
      table(
        ['SESSION', 'CREATED', 'STATUS', 'READ', 'AGENT', 'LAST BY', 'LAST MESSAGE'],
        rows.map((s) => [
          s.id,
          s.created_at.slice(0, 16).replace('T', ' '),
          s.status,
          s.is_read ? 'yes' : 'no',
          s.have_message_from_agent ? 'yes' : '',
          s.last_message_by,
          oneLine(s.last_message?.content ?? ''),
        ]),
        // The session id is what people copy (to `kb-sync conversation ID`): never cut.
        { maxWidth: cellWidth(out, 48), width: out.columns, keep: [0] },
      ),
    );
  }
  out.info(
    out.c.dim(
      `${rows.length} conversation(s)${rows.length > 0 ? ` · read one with: kb-sync conversation SESSION --customer ${customerId}` : ''}`,
    ),
  );
  return 0;
}

/** `--since/--until` as a date range, or undefined when neither is given. */
export function rangeOf(argv: Record<string, unknown>): { since: string; until: string; day: string } | undefined {
  const since = textOption(argv.since, 'since');
  const until = textOption(argv.until, 'until');
  if (since === undefined && until === undefined) return undefined;
  try {
    // Only one bound given: the other is open (the epoch, or the end of today).
    return parseDateRange({ since: since ?? '1970-01-01', until }, Date.now());
  } catch (err) {
    if (err instanceof DateRangeError) throw new ConfigError(err.message);
    throw err;
  }
}
