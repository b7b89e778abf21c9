import type * as z from 'zod/mini';
import { ApiError } from './errors.js';
import { DOCUMENTED, NEEDS } from './schemas.js';
import type { Endpoint } from './types.js';
import { ENGLISH } from '../util/zod-english.js';

/**
 * Checking a reply's shape against the schemas of `schemas.ts`, and describing what differs in
 * words a person can act on: `data.customers[3].id: expected a string, got a number`.
 */

export const UNKNOWN_SHAPE = 'the API answered in a shape this version does not know';

/** One difference between a reply and a schema. */
export interface ShapeIssue {
  /** `data.customers[3].id` (array positions kept). */
  path: string;
  /** The path with every array position as `[*]`: one line per field, however many rows. */
  field: string;
  kind: 'missing' | 'type' | 'value' | 'extra';
  /** What was wrong, without the path. */
  message: string;
}

/** A reply that this version cannot read: valid JSON, success, but not the fields the client uses. */
export class ShapeError extends ApiError {
  readonly issues: readonly ShapeIssue[];

  constructor(endpoint: string, status: number, issues: readonly ShapeIssue[]) {
    const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
    super({
      endpoint,
      status,
      serverMessage: `${UNKNOWN_SHAPE}: ${shown.join('; ')}${more}`,
      // A POST answered with a success status has done its work, whatever its reply looks like.
      delivery: endpoint.startsWith('POST') ? 'unknown' : 'answered',
      // The same request gets the same reply: trying again does not help.
      retryable: false,
    });
    this.issues = issues;
    // "failed with HTTP 200" would mislead: the request worked, its reply could not be read.
    this.message = `${endpoint}: ${UNKNOWN_SHAPE}: ${shown.join('; ')}${more}`;
    // ApiError derives its hint from the status; a 200 has none. (A plain field: set it here.)
    (this as { hint: string | undefined }).hint =
      'Run `kb-sync doctor` to compare each reply with what this version expects. If the API has changed, upgrade kb-sync, or report the field path above.';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), shape: UNKNOWN_SHAPE, issues: this.issues };
  }
}

/** Problems with what the client needs from a reply (empty: it can be read). */
export function checkNeeds(endpoint: Endpoint, body: unknown): ShapeIssue[] {
  return issuesOf(NEEDS[endpoint], body);
}

/** Every difference between a reply and the vendor document, one per field (array rows folded). */
export function documentedDrift(endpoint: Endpoint, body: unknown): ShapeIssue[] {
  const all = issuesOf(DOCUMENTED[endpoint], body);
  const seen = new Set<string>();
  const out: ShapeIssue[] = [];
  for (const i of all) {
    const key = `${i.kind} ${i.field} ${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}

/** One line per issue, for people. */
export function describeIssues(issues: readonly ShapeIssue[], max = 5): string[] {
  const lines = issues.slice(0, max).map((i) => `${i.field}: ${i.message}`);
  if (issues.length > max) lines.push(`… and ${issues.length - max} more`);
  return lines;
}

function issuesOf(schema: z.ZodMiniType, body: unknown): ShapeIssue[] {
  const r = schema.safeParse(body, ENGLISH);
  if (r.success) return [];
  const out: ShapeIssue[] = [];
  for (const issue of r.error.issues) {
    const base = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const p = [...base, k];
        out.push({ path: pathText(p), field: fieldText(p), kind: 'extra', message: 'not in the document' });
      }
      continue;
    }
    const value = valueAt(body, base);
    const path = pathText(base);
    const field = fieldText(base);
    if (value === undefined) {
      out.push({ path, field, kind: 'missing', message: 'missing' });
    } else if (issue.code === 'invalid_type') {
      out.push({ path, field, kind: 'type', message: `expected ${article(issue.expected)}, got ${describe(value)}` });
    } else if (issue.code === 'invalid_value') {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      out.push({ path, field, kind: 'value', message: `expected one of ${allowed}, got ${describe(value)}` });
    } else {
      out.push({ path, field, kind: 'value', message: `${issue.message}, got ${describe(value)}` });
    }
  }
  return out;
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = body;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? '(the reply)' : s;
}

function fieldText(path: readonly (string | number)[]): string {
  return pathText(path.map((p) => (typeof p === 'number' ? -1 : p))).replace(/\[-1\]/g, '[*]');
}

function article(t: string): string {
  if (t === 'object' || t === 'array') return `an ${t}`;
  if (t === 'null') return 'null';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** A value's type in words, with a short sample for scalars (never more than 40 characters). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    return `an object${keys.length > 0 ? ` {${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}` : ' {}'}`;
  }
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v)}`;
  return `${article(typeof v)} (${JSON.stringify(v)})`;
}
