import { containsPhrase, keyWords, oneLine } from './words.js';

/**
 * The eval scorer: deterministic and explainable. A reply is compared with what the case
 * expects through up to three components, each with its own score in [0, 1] and its reasons:
 *
 * - **overlap**: the share of the expected answer's key words (normalized, stopwords out,
 *   stemmed, numbers left to the fact rule) that the reply contains. Passes at ≥ 0.5.
 * - **phrases**: every `must_include` phrase must occur in the reply (case, accents, spacing
 *   and punctuation ignored; whole words). Passes when none is missing.
 * - **facts**: every number (`$29`, `30 days`, `1,000`, `20%`) and URL in the expected answer
 *   must occur in the reply exactly (the value, and its currency or unit when it has one).
 *   Passes when none is missing.
 *
 * A case passes when every component it has passes. `score` is the weighted mean of the
 * components present (overlap 0.5, phrases 0.3, facts 0.2), used to rank the worst answers.
 */

export const OVERLAP_PASS = 0.5;
export const WEIGHTS = { overlap: 0.5, phrases: 0.3, facts: 0.2 } as const;

export interface EvalCase {
  /** Stable identity: the file's `id`, else `file:line`. */
  id: string;
  question: string;
  /** The expected answer (a Q&A answer, or `expect:` in an eval file). */
  expect?: string;
  /** Phrases that must appear in the reply. */
  mustInclude: string[];
  /** `file:line` where the case is written. */
  source?: string;
}

export interface OverlapResult {
  score: number;
  pass: boolean;
  matched: number;
  total: number;
  /** Key words of the expected answer not in the reply, as written there. */
  missing: string[];
}

export interface PhrasesResult {
  score: number;
  pass: boolean;
  found: string[];
  missing: string[];
}

export interface FactsResult {
  score: number;
  pass: boolean;
  /** The expected answer's numbers and URLs that the reply has, as written in the expected answer. */
  matched: string[];
  missing: string[];
}

export interface EvalScore {
  pass: boolean;
  score: number;
  overlap: OverlapResult | null;
  phrases: PhrasesResult | null;
  facts: FactsResult | null;
  /** Why it failed, one sentence per problem (empty when it passed). */
  reasons: string[];
}

// ------------------------------------------------------------------ facts

export type FactKind = 'url' | 'money' | 'quantity' | 'number';

export interface Fact {
  kind: FactKind;
  /** As written. */
  text: string;
  /** Canonical: `url:…`, `$29`, `30 day`, `1000`. */
  key: string;
  /** The canonical number (for money, quantities and numbers). */
  value?: string;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`()[\]{}]+/gi;
const CURRENCY: Record<string, string> = { $: '$', '€': '€', '£': '£', '¥': '¥' };
const UNITS: readonly [RegExp, string][] = [
  [/^(?:%|percent|per cent)$/, '%'],
  [/^business days?$/, 'business day'],
  [/^working days?$/, 'business day'],
  [/^days?$/, 'day'],
  [/^(?:hours?|hrs?)$/, 'hour'],
  [/^(?:minutes?|mins?)$/, 'minute'],
  [/^(?:seconds?|secs?)$/, 'second'],
  [/^weeks?$/, 'week'],
  [/^months?$/, 'month'],
  [/^years?$/, 'year'],
  [/^(?:lbs?|pounds?)$/, 'lb'],
  [/^(?:kgs?|kilograms?|kilos?)$/, 'kg'],
  [/^(?:oz|ounces?)$/, 'oz'],
  [/^(?:g|grams?)$/, 'g'],
  [/^(?:km|kilometers?|kilometres?)$/, 'km'],
  [/^miles?$/, 'mile'],
  [/^(?:cm|centimeters?|centimetres?)$/, 'cm'],
  [/^(?:mm|millimeters?|millimetres?)$/, 'mm'],
  [/^(?:inch|inches)$/, 'inch'],
  [/^(?:ft|feet|foot)$/, 'ft'],
  [/^(?:kb|kilobytes?)$/, 'kb'],
  [/^(?:mb|megabytes?)$/, 'mb'],
  [/^(?:gb|gigabytes?)$/, 'gb'],
  [/^(?:tb|terabytes?)$/, 'tb'],
];
const UNIT_WORDS =
  '%|per cent|percent|business days?|working days?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|weeks?|months?|years?|lbs?|pounds?|kgs?|kilograms?|kilos?|oz|ounces?|grams?|g|km|kilometers?|kilometres?|miles?|cm|centimeters?|centimetres?|mm|millimeters?|millimetres?|inch|inches|ft|feet|foot|kb|kilobytes?|mb|megabytes?|gb|gigabytes?|tb|terabytes?';
// A currency symbol, a number (1,000 · 1000 · 0.05 · 1,000.50), then an optional unit
// ("30 days", "14-day", "20%"). The number must not continue a word or another number.
const NUMBER_RE = new RegExp(
  `(?<![\\p{L}\\p{N}.,])([$€£¥])?\\s?(\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?)(?![\\p{N}]|[.,]\\d)(?:(?:\\s|-)?(${UNIT_WORDS})(?![\\p{L}\\p{N}]))?`,
  'giu',
);

/** A number without thousands separators and without trailing decimal zeros: "1,000.50" → "1000.5". */
export function canonicalNumber(s: string): string {
  let n = s.replace(/,/g, '');
  if (n.includes('.')) n = n.replace(/0+$/, '').replace(/\.$/, '');
  n = n.replace(/^0+(?=\d)/, '');
  return n;
}

function canonicalUnit(u: string): string {
  const w = u.toLowerCase().replace(/\s+/g, ' ');
  for (const [re, canon] of UNITS) if (re.test(w)) return canon;
  return w;
}

/** A URL's comparable form: scheme and host lower-cased, trailing punctuation and slash dropped. */
export function canonicalUrl(u: string): string {
  const trimmed = u.replace(/[.,;:!?'"]+$/, '');
  try {
    // The URL parser lower-cases the scheme and host.
    const url = new URL(trimmed);
    const rest = `${url.pathname}${url.search}${url.hash}`.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${rest}`;
  } catch {
    return trimmed.toLowerCase();
  }
}

/** The numbers and URLs of a text. List markers ("1. ", "2) " at the start of a line) are not facts. */
export function extractFacts(text: string): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const add = (f: Fact) => {
    if (seen.has(f.key)) return;
    seen.add(f.key);
    facts.push(f);
  };
  let rest = text.replace(URL_RE, (m) => {
    const clean = m.replace(/[.,;:!?'"]+$/, '');
    add({ kind: 'url', text: clean, key: `url:${canonicalUrl(clean)}` });
    return ' '.repeat(m.length);
  });
  rest = rest.replace(/^(\s*)\d+[.)](?=\s)/gm, (m) => ' '.repeat(m.length));
  for (const m of rest.matchAll(NUMBER_RE)) {
    const [whole, sym, num, unit] = m;
    const value = canonicalNumber(num as string);
    if (sym) {
      add({ kind: 'money', text: whole.trim(), key: `${CURRENCY[sym] ?? sym}${value}`, value });
    } else if (unit) {
      add({ kind: 'quantity', text: whole.trim(), key: `${value} ${canonicalUnit(unit)}`, value });
    } else {
      add({ kind: 'number', text: whole.trim(), key: value, value });
    }
  }
  return facts;
}

/** Whether the reply's facts hold an expected fact: the same URL, money or quantity; for a bare number, the same value in any form. */
function holds(expected: Fact, reply: readonly Fact[]): boolean {
  if (expected.kind === 'number') return reply.some((f) => f.value === expected.value);
  return reply.some((f) => f.key === expected.key);
}

// ------------------------------------------------------------------ the scorer

export function scoreReply(c: Pick<EvalCase, 'expect' | 'mustInclude'>, reply: string): EvalScore {
  const reasons: string[] = [];
  const expect = c.expect?.trim() ? c.expect : undefined;
  let overlap: OverlapResult | null = null;
  let facts: FactsResult | null = null;
  let phrases: PhrasesResult | null = null;

  if (reply.trim() === '') reasons.push('the bot sent an empty reply');

  if (expect !== undefined) {
    const want = keyWords(expect);
    const have = keyWords(reply);
    const missing: string[] = [];
    let matched = 0;
    for (const [key, original] of want) {
      if (have.has(key)) matched++;
      else missing.push(original);
    }
    const total = want.size;
    const score = total === 0 ? 1 : matched / total;
    overlap = { score, pass: score >= OVERLAP_PASS, matched, total, missing };
    if (!overlap.pass) {
      reasons.push(
        `the reply has ${matched} of the ${total} key words of the expected answer (${pct(score)}, needs ${pct(OVERLAP_PASS)}); missing: ${list(missing, 8)}`,
      );
    }

    const wanted = extractFacts(expect);
    if (wanted.length > 0) {
      const got = extractFacts(reply);
      const ok: string[] = [];
      const miss: string[] = [];
      for (const f of wanted) (holds(f, got) ? ok : miss).push(f.text);
      facts = { score: ok.length / wanted.length, pass: miss.length === 0, matched: ok, missing: miss };
      if (miss.length > 0) {
        const numbersInReply = got.filter((f) => f.kind !== 'url').map((f) => f.text);
        const missingNumbers = wanted
          .filter((f) => f.kind !== 'url' && miss.includes(f.text))
          .map((f) => `"${f.text}"`);
        const missingUrls = wanted.filter((f) => f.kind === 'url' && miss.includes(f.text)).map((f) => f.text);
        if (missingNumbers.length > 0) {
          reasons.push(
            `${missingNumbers.length === 1 ? 'a number' : 'numbers'} of the expected answer not in the reply: ${list(missingNumbers, 6)}` +
              (numbersInReply.length > 0
                ? ` (the reply says ${list(
                    numbersInReply.map((n) => `"${n}"`),
                    6,
                  )})`
                : ''),
          );
        }
        if (missingUrls.length > 0)
          reasons.push(
            `${missingUrls.length === 1 ? 'a URL' : 'URLs'} of the expected answer not in the reply: ${list(missingUrls, 4)}`,
          );
      }
    }
  }

  const required = c.mustInclude.map((p) => oneLine(p)).filter((p) => p !== '');
  if (required.length > 0) {
    const found: string[] = [];
    const missing: string[] = [];
    for (const p of required) (containsPhrase(reply, p) ? found : missing).push(p);
    phrases = { score: found.length / required.length, pass: missing.length === 0, found, missing };
    for (const p of missing) reasons.push(`required phrase missing: "${p}"`);
  }

  let weighted = 0;
  let weights = 0;
  if (overlap) {
    weighted += WEIGHTS.overlap * overlap.score;
    weights += WEIGHTS.overlap;
  }
  if (phrases) {
    weighted += WEIGHTS.phrases * phrases.score;
    weights += WEIGHTS.phrases;
  }
  if (facts) {
    weighted += WEIGHTS.facts * facts.score;
    weights += WEIGHTS.facts;
  }
  const empty = reply.trim() === '';
  const score = empty ? 0 : weights === 0 ? 0 : round(weighted / weights);
  const pass = !empty && weights > 0 && (overlap?.pass ?? true) && (phrases?.pass ?? true) && (facts?.pass ?? true);
  if (weights === 0 && !empty)
    reasons.push('nothing to check: the case has no expected answer and no required phrases');
  return { pass, score, overlap, phrases, facts, reasons };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function list(xs: readonly string[], max: number): string {
  if (xs.length <= max) return xs.join(', ');
  return `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}
