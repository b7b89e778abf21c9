import type { Customer, CustomerType, ListCustomersQuery } from '../../api/types.js';
import { table } from '../../util/table.js';
import { openLoop } from '../loop-client.js';
import { cellWidth, choiceList, intOption, textOption } from '../options.js';

/**
 * `kb-sync customers`: the bot's customers, newest first, following the cursor through every
 * page (`--limit N` stops after N). A table for people; `--json` (one document) or `--ndjson`
 * (one customer per line, as it arrives) for scripts, each row as the API returns it. The
 * server's `total` is only a hint (src/api/paging.ts): the count shown is the rows received.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const types = choiceList<CustomerType>(argv.type, 'type', ['lead', 'users']);
  const limit = intOption(argv.limit, 'limit', 1);
  const ndjson = Boolean(argv.ndjson);
  const { out, botId, client } = openLoop(argv);
  const query: Omit<ListCustomersQuery, 'cursor'> = { bot_ids: [botId] };
  const search = textOption(argv.search, 'search');
  if (search !== undefined && search !== '') query.search = search;
  if (types.length > 0) query.types = types;
  if (argv.testing !== undefined) query.is_testing = Boolean(argv.testing);

  const rows: Customer[] = [];
  let count = 0;
  const bar = out.progress('Customers');
  const paged = client.iterateCustomers(query, {
    onPage: (p) => bar.update(p.rows, Math.max(p.rows, p.expected ?? 0)),
  });
  try {
    for await (const c of paged) {
      count++;
      if (ndjson) out.raw(JSON.stringify(c));
      else rows.push(c);
      if (limit !== undefined && count >= limit) break;
    }
  } finally {
    bar.stop();
  }
  // Every row when paging ended by itself; the server's hint when --limit stopped it.
  const total = paged.summary.end === 'stopped' ? paged.summary.expected : count;
  if (ndjson) return 0;
  if (out.json) {
    out.document({
      botId,
      total: total ?? null,
      count: rows.length,
      customers: rows,
      warnings: paged.summary.warnings.map((w) => w.message),
    });
    return 0;
  }
  const width = cellWidth(out, 32);
  if (rows.length > 0) {
    out.final(
      table(
        ['NAME', 'EMAIL', 'PHONE', 'TYPE', 'TEST', 'CREATED', 'LAST MESSAGE', 'ID'],
        rows.map((c) => [
          c.name,
          c.email,
          c.phone_number,
          c.email !== '' && c.phone_number !== '' ? 'users' : 'lead',
          c.is_testing ? 'yes' : '',
          day(c.created_at),
          day(c.last_message_at),
          c.id,
        ]),
        // The id is what people copy (to `kb-sync conversations ID`): never cut.
        { maxWidth: width, width: out.columns, keep: [7] },
      ),
    );
  }
  const more = total !== undefined && total > rows.length ? ` of ${total}` : '';
  out.info(
    out.c.dim(
      `${rows.length}${more} customer(s)${limit !== undefined && total !== undefined && total > rows.length ? ` (--limit ${limit})` : ''}`,
    ),
  );
  return 0;
}

function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}
