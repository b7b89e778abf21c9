import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageByCursor, pageByOffset, TotalHints, type ApiWarning, type Page } from '../../src/api/paging.js';

/**
 * The paging rules of src/api/paging.ts against simulated servers (pure: no HTTP; the same rules
 * run over loopback in test/integration/readings.test.ts). Each server answers `total` in one of
 * the readings the vendor document allows, or with garbage: rows must never go missing because
 * of what `total` said.
 */

type Reading = 'all' | 'remaining' | 'page' | 'absent';
interface Row {
  id: string;
  created_at: string;
}

const BASE = Date.parse('2026-01-01T00:00:00Z');
/** `n` rows, newest first, one second apart. */
function rows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}`, created_at: new Date(BASE - i * 1000).toISOString() }));
}

function totalFor(reading: Reading, all: number, remaining: number, page: number): number | undefined {
  return reading === 'all' ? all : reading === 'remaining' ? remaining : reading === 'page' ? page : undefined;
}

/** A customer-list-like server: newest first, `cursor` = created_at of the last row seen. */
function cursorServer(data: Row[], pageSize: number, reading: Reading, inclusive = false) {
  const calls: (string | undefined)[] = [];
  const fetchPage = (cursor: string | undefined): Promise<Page<Row>> => {
    calls.push(cursor);
    const c = cursor === undefined ? Infinity : Date.parse(cursor);
    const after = data.filter((r) => (inclusive ? Date.parse(r.created_at) <= c : Date.parse(r.created_at) < c));
    const page = after.slice(0, pageSize);
    return Promise.resolve({ rows: page, total: totalFor(reading, data.length, after.length, page.length) });
  };
  return { calls, fetchPage };
}

/** A sessions-like server: limit/offset, with an optional cap on the page size. */
function offsetServer(data: Row[], reading: Reading, cap = Infinity) {
  const calls: number[] = [];
  const fetchPage = (offset: number, limit: number): Promise<Page<Row>> => {
    calls.push(offset);
    const page = data.slice(offset, offset + Math.min(limit, cap));
    return Promise.resolve({
      rows: page,
      total: totalFor(reading, data.length, Math.max(0, data.length - offset), page.length),
    });
  };
  return { calls, fetchPage };
}

function byCursor(fetchPage: (c: string | undefined) => Promise<Page<Row>>, warnings: ApiWarning[] = []) {
  return pageByCursor(
    'GET /customer-list',
    fetchPage,
    { idOf: (r) => r.id, cursorOf: (r) => r.created_at },
    { noun: 'customer', onWarning: (w) => warnings.push(w) },
  );
}

function byOffset(fetchPage: (o: number, l: number) => Promise<Page<Row>>, limit: number, warnings: ApiWarning[] = []) {
  return pageByOffset('GET /sessions-by-customer', fetchPage, limit, (r) => r.id, {
    noun: 'conversation',
    onWarning: (w) => warnings.push(w),
  });
}

const READINGS: Reading[] = ['all', 'remaining', 'page', 'absent'];

describe('cursor paging (customer-list)', () => {
  it('yields every row once, in order, without a warning, under every reading of total and both cursors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 2, max: 15 }),
        fc.constantFrom(...READINGS),
        fc.boolean(),
        async (n, pageSize, reading, inclusive) => {
          const data = rows(n);
          const srv = cursorServer(data, pageSize, reading, inclusive);
          const warnings: ApiWarning[] = [];
          const paged = byCursor(srv.fetchPage, warnings);
          const got = await paged.all();
          expect(got.map((r) => r.id)).toEqual(data.map((r) => r.id));
          expect(warnings).toEqual([]);
          expect(paged.summary.rows).toBe(n);
          // Each page brings pageSize new rows (one fewer when the cursor repeats the boundary row),
          // plus at most one page that ends it.
          const perPage = inclusive ? pageSize - 1 : pageSize;
          expect(srv.calls.length).toBeLessThanOrEqual(Math.ceil(n / perPage) + 1);
          if (reading !== 'absent' && n > 0) expect(paged.summary.readings).toContain(reading);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never stops early because of total: any totals at all, and still every row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }), { minLength: 1, maxLength: 60 }),
        async (n, pageSize, garbage) => {
          const data = rows(n);
          const srv = cursorServer(data, pageSize, 'absent');
          let i = 0;
          const paged = byCursor(async (c) => ({ ...(await srv.fetchPage(c)), total: garbage[i++ % garbage.length] }));
          expect((await paged.all()).map((r) => r.id)).toEqual(data.map((r) => r.id));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the bug of the review: total as the rows left after the cursor no longer cuts the list at 20 of 25', async () => {
    const data = rows(25);
    const srv = cursorServer(data, 20, 'remaining');
    const paged = byCursor(srv.fetchPage);
    expect(await paged.all()).toHaveLength(25);
    expect(paged.summary).toMatchObject({ pages: 2, rows: 25, totals: [25, 5], readings: ['remaining'], end: 'short' });
  });

  it('a short page that total says is not the last: asks for one more', async () => {
    // A server whose pages vary in size (it drops hidden rows after choosing the page).
    const data = rows(30);
    const sizes = [10, 10, 4, 6];
    let call = 0;
    const calls: (string | undefined)[] = [];
    const paged = byCursor((cursor) => {
      calls.push(cursor);
      const c = cursor === undefined ? Infinity : Date.parse(cursor);
      const page = data.filter((r) => Date.parse(r.created_at) < c).slice(0, sizes[call++] ?? 10);
      return Promise.resolve({ rows: page, total: 30 });
    });
    expect(await paged.all()).toHaveLength(30);
    expect(paged.summary.warnings).toEqual([]);
  });

  it('warns when the counts disagree (rows removed while the list was read)', async () => {
    const data = rows(12);
    const warnings: ApiWarning[] = [];
    let first = true;
    const paged = byCursor((cursor) => {
      const c = cursor === undefined ? Infinity : Date.parse(cursor);
      // After the first page, two rows are deleted; the total still says 12.
      const live = first ? data : data.filter((r) => r.id !== 'r8' && r.id !== 'r9');
      first = false;
      return Promise.resolve({ rows: live.filter((r) => Date.parse(r.created_at) < c).slice(0, 5), total: 12 });
    }, warnings);
    expect(await paged.all()).toHaveLength(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ endpoint: 'GET /customer-list', code: 'count-mismatch' });
    expect(warnings[0]!.message).toContain("the server's total (12) does not match the 10 customer(s) received");
    expect(paged.summary.readings).toEqual([]);
  });

  it('stops on a cursor that does not move (a full page of rows created at the same moment), with a warning', async () => {
    const same = '2026-01-01T00:00:00.000Z';
    const data = Array.from({ length: 9 }, (_, i) => ({ id: `t${i}`, created_at: same }));
    const warnings: ApiWarning[] = [];
    let calls = 0;
    const paged = byCursor((cursor) => {
      calls++;
      // Inclusive cursor: every page starts again at the same moment.
      const c = cursor === undefined ? Infinity : Date.parse(cursor);
      const start = cursor === undefined ? 0 : 3;
      return Promise.resolve({
        rows: data.filter((r) => Date.parse(r.created_at) <= c).slice(start, start + 3),
        total: 9,
      });
    }, warnings);
    const got = await paged.all();
    expect(got.map((r) => r.id)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(calls).toBe(2);
    expect(warnings.map((w) => w.code)).toEqual(['repeated-cursor', 'count-mismatch']);
    expect(paged.summary.end).toBe('repeated-cursor');
  });

  it('stops on a page of rows already received (a server that ignores the cursor), with a warning', async () => {
    const data = rows(8);
    const warnings: ApiWarning[] = [];
    let calls = 0;
    const paged = byCursor(() => {
      calls++;
      return Promise.resolve({ rows: data.slice(0, 4), total: undefined });
    }, warnings);
    expect(await paged.all()).toHaveLength(4);
    expect(calls).toBe(2);
    expect(warnings.map((w) => w.code)).toEqual(['no-progress']);
  });

  it('a caller that stops early leaves the summary "stopped" and gets no count warning', async () => {
    const warnings: ApiWarning[] = [];
    const paged = byCursor(cursorServer(rows(40), 10, 'all').fetchPage, warnings);
    let n = 0;
    for await (const _ of paged) if (++n === 12) break;
    expect(paged.summary).toMatchObject({ end: 'stopped', rows: 20, expected: 40 });
    expect(warnings).toEqual([]);
  });
});

describe('offset paging (sessions-by-customer, detail-sessions)', () => {
  it('yields every row once, under every reading of total, also when the server caps the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 15 }),
        fc.constantFrom(...READINGS),
        fc.integer({ min: 1, max: 20 }),
        async (n, limit, reading, capRaw) => {
          // A capped page looks like the last one unless a total says otherwise: with no usable
          // total a cap cannot be told from the end, so the cap only applies when `total` counts.
          const cap = reading === 'all' || reading === 'remaining' ? capRaw : Infinity;
          const data = rows(n);
          const srv = offsetServer(data, reading, cap);
          const warnings: ApiWarning[] = [];
          const paged = byOffset(srv.fetchPage, limit, warnings);
          expect((await paged.all()).map((r) => r.id)).toEqual(data.map((r) => r.id));
          expect(warnings).toEqual([]);
          // Offsets only grow: none asked for twice.
          expect(new Set(srv.calls).size).toBe(srv.calls.length);
          expect(srv.calls.length).toBeLessThanOrEqual(Math.ceil(n / Math.min(limit, cap)) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the bug of the review: 12 conversations without a top-level total are all listed, not 10', async () => {
    const srv = offsetServer(rows(12), 'absent');
    const paged = byOffset(srv.fetchPage, 10);
    expect(await paged.all()).toHaveLength(12);
    expect(srv.calls).toEqual([0, 10]);
    expect(paged.summary).toMatchObject({ totals: [null, null], readings: [], end: 'short' });
  });

  it('a full last page costs one more request, which comes back empty (total alone never ends paging)', async () => {
    const srv = offsetServer(rows(20), 'all');
    await byOffset(srv.fetchPage, 10).all();
    expect(srv.calls).toEqual([0, 10, 20]);
  });

  it('a server that ignores offset: stops at the repeated page, with a warning', async () => {
    const data = rows(30);
    const warnings: ApiWarning[] = [];
    const paged = byOffset(() => Promise.resolve({ rows: data.slice(0, 10), total: 30 }), 10, warnings);
    expect(await paged.all()).toHaveLength(10);
    expect(warnings.map((w) => w.code)).toEqual(['no-progress', 'count-mismatch']);
    expect(warnings[0]!.message).toContain('ignore "offset"');
  });
});

describe('TotalHints', () => {
  it('tells the readings apart as pages arrive', () => {
    const h = new TotalHints();
    h.add({ len: 10, fresh: 10, dupes: 0, before: 0, total: 25 });
    expect(h.readings()).toEqual(['all', 'remaining']);
    expect(h.expected()).toBe(25);
    expect(h.moreExpected()).toBe(true);
    h.add({ len: 10, fresh: 10, dupes: 0, before: 10, total: 15 });
    expect(h.readings()).toEqual(['remaining']);
    expect(h.expected()).toBe(25);
    h.add({ len: 5, fresh: 5, dupes: 0, before: 20, total: 5 });
    expect(h.readings(true)).toEqual(['remaining']);
    expect(h.moreExpected()).toBe(false);
  });

  it('has no reading and no expectation without a total', () => {
    const h = new TotalHints();
    h.add({ len: 10, fresh: 10, dupes: 0, before: 0, total: undefined });
    expect([h.sent, h.readings(), h.expected(), h.moreExpected()]).toEqual([false, [], undefined, false]);
  });
});
