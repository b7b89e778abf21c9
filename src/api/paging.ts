/**
 * Paging that never trusts `total` alone. The vendor document defines `total` only as "number":
 * a server may send the count of all matching rows, the rows remaining from the cursor or offset
 * on, the rows of this page, or nothing. So paging goes on until a page that is empty, short, or
 * brings nothing new; `total` is used only as a hint (for progress, and to ask for one more page
 * when a short page and the total disagree); a cursor or offset that repeats stops it; rows are
 * yielded once by id; and when the counts disagree at the end, a warning says so.
 *
 * Used by `CxGenieClient.iterate*`; commands and the loop client only call those.
 */

/** How a server's `total` can be read. */
export type TotalReading = 'all' | 'remaining' | 'page';

/** A warning about an API reply that did not stop the work (paging counts, a format switch). */
export interface ApiWarning {
  endpoint: string;
  code: 'count-mismatch' | 'repeated-cursor' | 'no-progress' | 'date-format';
  message: string;
}

/** One page as an endpoint answered it. */
export interface Page<T> {
  rows: readonly T[];
  /** The server's `total`, when it sent a number. */
  total: number | undefined;
}

export interface PageProgress {
  endpoint: string;
  pages: number;
  /** Distinct rows so far. */
  rows: number;
  /** The best guess at the number of rows in all, from `total`; undefined without one. */
  expected: number | undefined;
}

export interface PagingOptions {
  onWarning?: (w: ApiWarning) => void;
  onPage?: (p: PageProgress) => void;
}

export type PagingEnd = 'empty' | 'short' | 'no-new-rows' | 'repeated-cursor' | 'stopped';

export interface PagingSummary {
  endpoint: string;
  pages: number;
  /** Distinct rows yielded. */
  rows: number;
  /** Rows the server sent again (dropped). */
  duplicates: number;
  /** `total` of each page, as sent (null: none). */
  totals: (number | null)[];
  /** The readings of `total` that fit every page seen (and, once paging ended, the count). */
  readings: TotalReading[];
  expected: number | undefined;
  /** Why paging stopped (`stopped`: the caller stopped early); undefined while it runs. */
  end: PagingEnd | undefined;
  warnings: ApiWarning[];
}

interface PageFacts {
  len: number;
  fresh: number;
  dupes: number;
  /** Distinct rows before this page. */
  before: number;
  total: number | undefined;
}

/**
 * What the `total`s of the pages seen so far say, under each reading. Pure.
 * - all: every total is the same N, the number of rows in all;
 * - remaining: each total is the rows from this page on, so before + total = N (a server with an
 *   inclusive cursor counts the repeated boundary row again: up to `dupes` more);
 * - page: each total is that page's length (says nothing about more pages).
 */
export class TotalHints {
  readonly #pages: PageFacts[] = [];

  add(p: PageFacts): void {
    this.#pages.push(p);
  }

  get sent(): boolean {
    return this.#pages.some((p) => p.total !== undefined);
  }

  get seen(): number {
    const last = this.#pages.at(-1);
    return last ? last.before + last.fresh : 0;
  }

  /** The readings consistent with the pages so far; with `final`, also with the count. */
  readings(final = false): TotalReading[] {
    const withTotal = this.#pages.filter((p) => p.total !== undefined) as (PageFacts & { total: number })[];
    if (withTotal.length === 0) return [];
    const seen = this.seen;
    const out: TotalReading[] = [];
    const first = withTotal[0]!.total;
    if (withTotal.every((p) => p.total === first) && (final ? first === seen : first >= seen)) out.push('all');
    const bounds = this.#remainingBounds(withTotal);
    if (bounds.low <= bounds.high && (final ? bounds.low <= seen && seen <= bounds.high : bounds.high >= seen)) {
      out.push('remaining');
    }
    if (withTotal.every((p) => p.total === p.len)) out.push('page');
    return out;
  }

  /** The row count `total` predicts (the progress hint), when a reading that predicts one fits. */
  expected(): number | undefined {
    const r = this.readings();
    const withTotal = this.#pages.filter((p) => p.total !== undefined) as (PageFacts & { total: number })[];
    if (r.includes('all')) return withTotal[0]!.total;
    if (r.includes('remaining')) return Math.max(this.seen, this.#remainingBounds(withTotal).low);
    return undefined;
  }

  /** Whether a reading that fits says more rows exist than were seen. */
  moreExpected(): boolean {
    const e = this.expected();
    return e !== undefined && e > this.seen;
  }

  #remainingBounds(withTotal: readonly (PageFacts & { total: number })[]): { low: number; high: number } {
    let low = -Infinity;
    let high = Infinity;
    for (const p of withTotal) {
      const n = p.before + p.total;
      low = Math.max(low, n - p.dupes);
      high = Math.min(high, n);
    }
    return { low, high };
  }
}

/** The rows of every page, once each, with a summary of how paging went. Iterate it once. */
export class Paged<T> implements AsyncIterable<T> {
  readonly summary: PagingSummary;
  readonly #run: (summary: PagingSummary) => AsyncGenerator<T>;

  constructor(endpoint: string, run: (summary: PagingSummary) => AsyncGenerator<T>) {
    this.summary = emptySummary(endpoint);
    this.#run = run;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    Object.assign(this.summary, emptySummary(this.summary.endpoint));
    return this.#run(this.summary);
  }

  /** Every row, in order. */
  async all(): Promise<T[]> {
    const out: T[] = [];
    for await (const r of this) out.push(r);
    return out;
  }
}

function emptySummary(endpoint: string): PagingSummary {
  return {
    endpoint,
    pages: 0,
    rows: 0,
    duplicates: 0,
    totals: [],
    readings: [],
    expected: undefined,
    end: undefined,
    warnings: [],
  };
}

interface Run<T> {
  summary: PagingSummary;
  hints: TotalHints;
  seen: Set<string>;
  opts: PagingOptions & { noun: string };
  idOf: (row: T) => string;
}

/** Record one page; returns its rows not seen before. */
function take<T>(run: Run<T>, page: Page<T>): T[] {
  const fresh: T[] = [];
  for (const r of page.rows) {
    const id = run.idOf(r);
    if (run.seen.has(id)) continue;
    run.seen.add(id);
    fresh.push(r);
  }
  const before = run.summary.rows;
  const dupes = page.rows.length - fresh.length;
  run.hints.add({ len: page.rows.length, fresh: fresh.length, dupes, before, total: page.total });
  const s = run.summary;
  s.pages++;
  s.rows += fresh.length;
  s.duplicates += dupes;
  s.totals.push(page.total ?? null);
  s.readings = run.hints.readings();
  s.expected = run.hints.expected();
  run.opts.onPage?.({ endpoint: s.endpoint, pages: s.pages, rows: s.rows, expected: s.expected });
  return fresh;
}

function warn<T>(run: Run<T>, code: ApiWarning['code'], message: string): void {
  const w: ApiWarning = { endpoint: run.summary.endpoint, code, message: `${run.summary.endpoint}: ${message}` };
  run.summary.warnings.push(w);
  run.opts.onWarning?.(w);
}

/** Paging ended by itself: settle the readings, and warn when no reading of `total` fits the count. */
function finish<T>(run: Run<T>, end: PagingEnd): void {
  const s = run.summary;
  s.end = end;
  s.readings = run.hints.readings(true);
  if (!run.hints.sent || s.readings.length > 0) {
    if (s.readings.includes('all') || s.readings.includes('remaining')) s.expected = s.rows;
    return;
  }
  const totals = s.totals.filter((t): t is number => t !== null);
  const said =
    totals.length === 1 || totals.every((t) => t === totals[0])
      ? String(totals[0])
      : `${totals[0]} on the first page, ${totals.at(-1)} on the last`;
  warn(
    run,
    'count-mismatch',
    `the server's total (${said}) does not match the ${s.rows} ${run.opts.noun}(s) received in ${s.pages} page(s). Rows may have been added or removed while they were read, or the server pages in a way this version does not expect; run it again, and if the counts still differ, report it.`,
  );
}

/**
 * Cursor paging (`GET /customer-list`): the cursor of the next page is `cursorOf(last row)`. The
 * server chooses the page size: a page shorter than an earlier one is the last, unless `total`
 * says more remain (then one more page is asked for).
 */
export function pageByCursor<T>(
  endpoint: string,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  keys: { idOf: (row: T) => string; cursorOf: (row: T) => string },
  opts: PagingOptions & { noun: string },
): Paged<T> {
  return new Paged(endpoint, async function* (summary) {
    const run: Run<T> = { summary, hints: new TotalHints(), seen: new Set(), opts, idOf: keys.idOf };
    const sent = new Set<string>();
    let cursor: string | undefined;
    let longest = 0;
    try {
      for (;;) {
        const page = await fetchPage(cursor);
        const fresh = take(run, page);
        yield* fresh;
        const len = page.rows.length;
        const last = page.rows.at(-1);
        let end: PagingEnd | undefined;
        let next: string | undefined;
        if (len === 0 || last === undefined) end = 'empty';
        else if (fresh.length === 0) {
          if (run.hints.moreExpected() || len > 1)
            warn(run, 'no-progress', `the page after cursor ${cursor ?? '(none)'} held only rows already received.`);
          end = 'no-new-rows';
        } else if (len < longest && !run.hints.moreExpected()) end = 'short';
        else {
          next = keys.cursorOf(last);
          if (next === cursor || sent.has(next)) {
            warn(
              run,
              'repeated-cursor',
              `the cursor did not move on (${next} again): rows created at that same moment beyond this page cannot be reached, and may be missing.`,
            );
            end = 'repeated-cursor';
          }
        }
        longest = Math.max(longest, len);
        if (end !== undefined || next === undefined) return finish(run, end ?? 'empty');
        sent.add(next);
        cursor = next;
      }
    } finally {
      summary.end ??= 'stopped';
    }
  });
}

/**
 * Limit/offset paging (`GET /sessions-by-customer`, `GET /detail-sessions/:id`). The next offset
 * is the previous one plus the rows received (a server that caps `limit` skips nothing, and no
 * offset is asked for twice); a page shorter than `limit` is the last, unless `total` says more
 * remain. A page of rows already received means the server ignores `offset`: it stops there.
 */
export function pageByOffset<T>(
  endpoint: string,
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>,
  limit: number,
  idOf: (row: T) => string,
  opts: PagingOptions & { noun: string },
): Paged<T> {
  return new Paged(endpoint, async function* (summary) {
    const run: Run<T> = { summary, hints: new TotalHints(), seen: new Set(), opts, idOf };
    let offset = 0;
    try {
      for (;;) {
        const page = await fetchPage(offset, limit);
        const fresh = take(run, page);
        yield* fresh;
        const len = page.rows.length;
        let end: PagingEnd | undefined;
        if (len === 0) end = 'empty';
        else if (fresh.length === 0) {
          if (run.hints.moreExpected() || (!run.hints.sent && len <= limit))
            warn(
              run,
              'no-progress',
              `the page at offset ${offset} held only rows already received: the server seems to ignore "offset".`,
            );
          end = 'no-new-rows';
        } else if (len < limit && !run.hints.moreExpected()) end = 'short';
        if (end !== undefined) return finish(run, end);
        // Offsets only grow (len > 0 here): none is asked for twice.
        offset += len;
      }
    } finally {
      summary.end ??= 'stopped';
    }
  });
}
