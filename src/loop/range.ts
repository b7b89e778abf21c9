/**
 * `--since` / `--until` → the `date_range` of `GET /sessions-by-customer`. Pure: "now" comes in.
 *
 * Each accepts a day (`2026-10-01`, UTC: `--since` from its first millisecond, `--until` to its
 * last), an ISO date-time (`2026-10-01T08:00:00Z`), or a number of days before now (`7d`).
 * Without `--until` the range ends at the end of today (UTC); without `--since` it starts
 * `defaultDays` days before the end day (default 30).
 */

export interface DateRange {
  /** ISO, inclusive. */
  since: string;
  /** ISO, inclusive. */
  until: string;
  /** `YYYY-MM-DD` of `until` (UTC): names the harvest file. */
  day: string;
}

export class DateRangeError extends Error {}

const DAY_MS = 86_400_000;

export function parseDateRange(
  opts: { since?: string | undefined; until?: string | undefined; defaultDays?: number },
  nowMs: number,
): DateRange {
  const defaultDays = opts.defaultDays ?? 30;
  const until =
    opts.until !== undefined && opts.until !== '' ? parseBound(opts.until, 'until', nowMs) : endOfDay(nowMs);
  const since =
    opts.since !== undefined && opts.since !== ''
      ? parseBound(opts.since, 'since', nowMs)
      : startOfDay(startOfDay(until) - (defaultDays - 1) * DAY_MS);
  if (since > until) {
    throw new DateRangeError(`--since (${iso(since)}) is after --until (${iso(until)})`);
  }
  return { since: iso(since), until: iso(until), day: iso(until).slice(0, 10) };
}

function parseBound(v: string, which: 'since' | 'until', nowMs: number): number {
  const s = v.trim();
  const rel = /^(\d+)d$/i.exec(s);
  if (rel) {
    const t = nowMs - Number(rel[1]) * DAY_MS;
    return which === 'since' ? startOfDay(t) : endOfDay(t);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = Date.parse(`${s}T00:00:00.000Z`);
    if (Number.isNaN(t) || iso(t).slice(0, 10) !== s) throw new DateRangeError(`--${which} is not a date: "${v}"`);
    return which === 'since' ? t : t + DAY_MS - 1;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  throw new DateRangeError(
    `--${which} must be a day (2026-10-01), an ISO date-time (2026-10-01T08:00:00Z) or a number of days ago (7d), not "${v}"`,
  );
}

function startOfDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

function endOfDay(t: number): number {
  return startOfDay(t) + DAY_MS - 1;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
