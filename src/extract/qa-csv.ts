import { parse } from 'csv-parse/sync';
import { oneLine, oneOf, QaCollector, qaFailure, QaProblem, type QaResult } from './qa-entries.js';
import type { ExtractSettings, QaFields } from './types.js';

/**
 * Q&A in CSV, as help desks export it (`*.qa.csv`): a header row naming the question and answer
 * columns (the names of `qa.question` and `qa.answer`, in any case; an `id` column is used when
 * there is one; other columns are ignored), then one row per entry. The delimiter is the one of
 * `,` `;` and tab that the header row uses most. Errors cite the row and its line.
 */

interface CsvRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

export function extractQaCsv(
  text: string,
  relPath: string,
  settings: Pick<ExtractSettings, 'maxItemsPerFile'>,
  fields: QaFields,
): QaResult {
  const header = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const delimiter = [',', ';', '\t']
    .map((d) => [d, header.split(d).length] as const)
    .sort((a, b) => b[1] - a[1])[0]![0];
  let records: CsvRecord[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
    }) as unknown as CsvRecord[];
  } catch (e) {
    const err = e as Error & { lines?: number; code?: string };
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      return qaFailure(relPath, {
        line: openQuoteLine(text),
        message: 'invalid CSV: a quoted cell is not closed (a " is missing)',
      });
    }
    const reason = err.message.replace(/ at line \d+/, '');
    return qaFailure(relPath, { line: err.lines ?? 1, message: `invalid CSV: ${reason}` });
  }
  const out = new QaCollector(relPath, settings);
  if (records.length === 0) return out.result();
  const names = records[0]!.record.map((c) => c.trim().toLowerCase());
  const column = (accepted: readonly string[]) => {
    for (const a of accepted) {
      const i = names.indexOf(a.toLowerCase());
      if (i >= 0) return i;
    }
    return -1;
  };
  const qi = column(fields.question);
  const ai = column(fields.answer);
  const idi = names.indexOf('id');
  const cols = records[0]!.record.map((c) => `"${c.trim()}"`).join(', ');
  if (qi < 0 || ai < 0) {
    const [what, accepted, setting] =
      qi < 0 ? ['question', fields.question, 'qa.question'] : ['answer', fields.answer, 'qa.answer'];
    return qaFailure(relPath, {
      line: startLine(records[0]!),
      message: `the header row names no ${what} column: it has ${cols}; name one ${oneOf(accepted)} (or set "${setting}" in sync.config.json)`,
    });
  }
  try {
    for (const [n, r] of records.slice(1).entries()) {
      const row = n + 2;
      const line = startLine(r);
      const cell = (i: number) => (r.record[i] ?? '').trim();
      if (r.record.every((c) => c.trim() === '')) continue;
      const question = oneLine(cell(qi));
      const answer = cell(ai);
      if (question === '')
        throw new QaProblem(`row ${row}: the question (column "${records[0]!.record[qi]}") is empty`, line);
      if (answer === '')
        throw new QaProblem(`row ${row}: the answer (column "${records[0]!.record[ai]}") is empty`, line);
      const id = idi >= 0 ? cell(idi) : '';
      out.add({ question, answer, line, ...(id !== '' ? { id } : {}) });
    }
  } catch (e) {
    if (e instanceof QaProblem) return qaFailure(relPath, { line: e.line, message: e.message });
    throw e;
  }
  return out.result();
}

/** The line a record starts on (`info.lines` is the line it ends on; `raw` may start with skipped empty lines). */
function startLine(r: CsvRecord): number {
  const body = r.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
  return r.info.lines - n;
}

/** The line of the quote that opens the cell left unclosed at the end of the text. */
function openQuoteLine(text: string): number {
  let line = 1;
  let open = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '"') {
      if (quoted && text[i + 1] === '"') i++;
      else {
        quoted = !quoted;
        if (quoted) open = line;
      }
    }
  }
  return open;
}
