/**
 * Numbers and URLs of a text, read the way people write them. Pure.
 *
 * - digits with or without thousands separators (`1,000`, `1 000`, `1'000`; `0,05 €` as a
 *   decimal comma), and number words (`one` … `ninety-nine`, `a hundred`, `five thousand`,
 *   `a dozen`, `a couple of`; `a` / `an` before a unit: `an hour`);
 * - money as a symbol or a word: `$20`, `20 dollars`, `USD 20`, `5 cents` / `5¢` (= `$0.05`),
 *   `€5`, `5 euros`, `£5`, `¥500`; a rate after it (`$29 a month`, `$29/mo`, `$290 annually`);
 * - quantities with a unit, converted to one base per dimension: time in minutes (an hour = 60
 *   minutes, a day = 24 hours, a week = 7 days, a month ≈ 30 days, a year = 12 months), weight,
 *   length, volume (a cubic foot = 1,728 cubic inches), data, percentages; business days apart;
 * - how often: `every 60 minutes`, `once an hour`, `twice a day`, `3 times a week` (the period);
 *   `hourly`, `daily`, `weekly` count only in a reply (a period is compared with periods only);
 * - URLs (scheme and host case-insensitive, a trailing slash or punctuation ignored).
 *
 * Each fact says what was normalized ("five" → 5, "5 cents" → $0.05, "once an hour" → 60 minutes)
 * so that a reason can say it.
 */

export type FactKind = 'url' | 'money' | 'quantity' | 'number';

export interface Fact {
  kind: FactKind;
  /** As written. */
  text: string;
  /** Canonical, for display and de-duplication: `url:…`, `$29`, `30 day`, `1000`. */
  key: string;
  /** The number in the dimension's base unit (minutes, grams, …; money in its currency). */
  value?: number;
  /** What is compared: `money:$`, `time`, `business-day`, `weight`, `count`, … */
  dim?: string;
  /** Involves a month or a year counted in days: compared with a tolerance. */
  approx?: boolean;
  /** How it was read, when not plainly: `"five" read as 5`. */
  note?: string;
  /** For money: per what (`month`, `year`). */
  rate?: string;
  /** Only matches (a reply's `hourly`): never required of a reply. */
  weak?: boolean;
  /** Offset in the text. */
  at: number;
}

interface Unit {
  dim: string;
  factor: number;
  name: string;
  approx?: boolean;
}

const MINUTE = 1;
const HOUR = 60;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY;
const UNIT_TABLE: readonly [string, Unit][] = [
  ['business days?|working days?|business-days?', { dim: 'business-day', factor: 1, name: 'business day' }],
  ['seconds?|secs?', { dim: 'time', factor: MINUTE / 60, name: 'second' }],
  ['minutes?|mins?', { dim: 'time', factor: MINUTE, name: 'minute' }],
  ['hours?|hrs?|h', { dim: 'time', factor: HOUR, name: 'hour' }],
  ['days?', { dim: 'time', factor: DAY, name: 'day' }],
  ['weeks?|wks?', { dim: 'time', factor: 7 * DAY, name: 'week' }],
  ['months?|mos?', { dim: 'time', factor: MONTH, name: 'month', approx: true }],
  ['years?|yrs?', { dim: 'time', factor: 12 * MONTH, name: 'year', approx: true }],
  ['%|percent|per cent', { dim: 'percent', factor: 1, name: '%' }],
  ['cubic (?:inch|inches|in)|in³', { dim: 'volume', factor: 1, name: 'cubic inch' }],
  ['cubic (?:foot|feet|ft)|ft³', { dim: 'volume', factor: 1728, name: 'cubic foot' }],
  ['lbs?|pounds?', { dim: 'weight', factor: 453.59237, name: 'lb' }],
  ['oz|ounces?', { dim: 'weight', factor: 28.349523125, name: 'oz' }],
  ['kgs?|kilograms?|kilos?', { dim: 'weight', factor: 1000, name: 'kg' }],
  ['g|grams?', { dim: 'weight', factor: 1, name: 'g' }],
  ['km|kilometers?|kilometres?', { dim: 'length', factor: 1e6, name: 'km' }],
  ['miles?', { dim: 'length', factor: 1_609_344, name: 'mile' }],
  ['cm|centimeters?|centimetres?', { dim: 'length', factor: 10, name: 'cm' }],
  ['mm|millimeters?|millimetres?', { dim: 'length', factor: 1, name: 'mm' }],
  ['inch|inches|in', { dim: 'length', factor: 25.4, name: 'inch' }],
  ['ft|feet|foot', { dim: 'length', factor: 304.8, name: 'ft' }],
  ['kb|kilobytes?', { dim: 'data', factor: 1e3, name: 'KB' }],
  ['mb|megabytes?', { dim: 'data', factor: 1e6, name: 'MB' }],
  ['gb|gigabytes?', { dim: 'data', factor: 1e9, name: 'GB' }],
  ['tb|terabytes?', { dim: 'data', factor: 1e12, name: 'TB' }],
];
const UNIT_RES = UNIT_TABLE.map(([re, u]) => [new RegExp(`^(?:${re})$`, 'i'), u] as const);
const UNIT_WORDS = UNIT_TABLE.map(([re]) => re).join('|');
const TIME_UNITS = 'seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?';
const RATE_UNITS = 'month|mo|year|yr|week|wk|day|hour|hr';

function unitOf(u: string): Unit | undefined {
  const w = u.toLowerCase().replace(/[\s-]+/g, ' ');
  for (const [re, unit] of UNIT_RES) if (re.test(w)) return unit;
  return undefined;
}

// ------------------------------------------------------------------ number words

const SMALL: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALE: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };
/** Number words of other languages (two to thirty; never "un", "uno", "ein", which are also articles). */
const OTHER: Record<string, number> = {};
for (const words of [
  'dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve veinte',
  'deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt',
  'zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig',
]) {
  for (const [i, w] of words.split(' ').entries()) OTHER[w] = i + 2;
}
Object.assign(OTHER, {
  dieciséis: 16,
  treinta: 30,
  trente: 30,
  dreißig: 30,
  dreissig: 30,
  funf: 5,
  zwolf: 12,
  funfzehn: 15,
});
const W_OTHER = Object.keys(OTHER)
  .sort((a, b) => b.length - a.length)
  .join('|');
const W_SMALL = Object.keys(SMALL).join('|');
const W_TENS = Object.keys(TENS).join('|');
const WORD_NUMBER = `(?:(?:${W_TENS})(?:[- ](?:${W_SMALL}))?|${W_SMALL}|an?|half an?|a couple of|a couple|a dozen|dozen)(?:\\s+(?:hundred|thousand|million))?`;
const DIGITS = `(?:\\d{1,3}(?:[,\\u00a0\\u202f\\u2009'’]\\d{3})+|\\d+)(?:[.,]\\d+)?`;
const NUM = `(?:${DIGITS}|${WORD_NUMBER})`;

/** The value of a number as written (digits or words), or undefined. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^\d/.test(t)) {
    const m = /^(\d{1,3}(?:[,\u00a0\u202f\u2009'’]\d{3})+|\d+)(?:([.,])(\d+))?$/.exec(t);
    if (!m) return undefined;
    const whole = (m[1] as string).replace(/[,\u00a0\u202f\u2009'’]/g, '');
    return Number(m[3] !== undefined ? `${whole}.${m[3]}` : whole);
  }
  const parts = t.split(/\s+/);
  let scale = 1;
  const last = parts.at(-1) as string;
  if (SCALE[last] !== undefined && parts.length > 1) {
    scale = SCALE[last];
    parts.pop();
  }
  const w = parts.join(' ');
  let n: number | undefined;
  if (w === 'a' || w === 'an') n = 1;
  else if (w === 'half a' || w === 'half an') n = 0.5;
  else if (w === 'a couple' || w === 'a couple of') n = 2;
  else if (w === 'a dozen' || w === 'dozen') n = 12;
  else if (SMALL[w] !== undefined) n = SMALL[w];
  else if (OTHER[w] !== undefined) n = OTHER[w];
  else {
    const m = new RegExp(`^(${W_TENS})(?:[- ](${W_SMALL}))?$`).exec(w);
    if (m) n = (TENS[m[1] as string] as number) + (m[2] ? (SMALL[m[2]] as number) : 0);
  }
  return n === undefined ? undefined : n * scale;
}

/** A number without thousands separators and trailing decimal zeros: "1,000.50" → "1000.5". */
export function canonicalNumber(s: string): string {
  const n = parseNumber(s);
  if (n === undefined) return s;
  return formatNumber(n);
}

function formatNumber(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

// ------------------------------------------------------------------ URLs

const URL_RE = /\bhttps?:\/\/[^\s<>"'`()[\]{}]+/gi;

/** A URL's comparable form: scheme and host lower-cased, trailing punctuation and slash dropped. */
export function canonicalUrl(u: string): string {
  const trimmed = u.replace(/[.,;:!?'"]+$/, '');
  try {
    const url = new URL(trimmed);
    const rest = `${url.pathname}${url.search}${url.hash}`.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${rest}`;
  } catch {
    return trimmed.toLowerCase();
  }
}

// ------------------------------------------------------------------ the scanner

const CURRENCY_SYMBOL: Record<string, string> = { $: '$', '€': '€', '£': '£', '¥': '¥' };
const CURRENCY_WORD: readonly [RegExp, string][] = [
  [/^(?:dollars?|usd|bucks?|us dollars?)$/i, '$'],
  [/^(?:euros?|eur)$/i, '€'],
  [/^(?:gbp|pounds? sterling)$/i, '£'],
  [/^(?:yen|jpy)$/i, '¥'],
];
const CURRENCY_WORDS = 'us dollars?|dollars?|usd|bucks?|euros?|eur|gbp|pounds? sterling|yen|jpy';
const B = '(?<![\\p{L}\\p{N}.,$€£¥])';
const E = '(?![\\p{L}\\p{N}]|[.,]\\d)';
/** An optional rate after money; group names are numbered (no duplicate names in one RegExp). */
const RATE = (n: number) =>
  `(?:\\s*(?:/|\\s(?:a|an|per|each|every)\\s)\\s*(?<rate${n}>${RATE_UNITS})s?\\b|\\s+(?<rateWord${n}>monthly|annually|yearly|weekly|daily|hourly)\\b)?`;

/** One pattern per kind, tried in this order at each position (alternation order matters). */
const SCANNER = new RegExp(
  [
    // money: $20, $ 20, € 5,00 · 20 dollars · USD 20 · 5 cents · 5¢ (then an optional rate)
    `${B}(?<sym>[$€£¥])\\s?(?<symNum>${DIGITS})${E}${RATE(1)}`,
    `${B}(?<curPre>usd|eur|gbp|jpy)\\s?(?<curPreNum>${DIGITS})${E}${RATE(2)}`,
    `${B}(?<wordMoneyNum>${NUM})\\s?(?<curWord>${CURRENCY_WORDS})${E}${RATE(3)}`,
    `${B}(?<postNum>${DIGITS})\\s?(?<postSym>[$€£¥])(?![\\p{L}\\p{N}])`,
    `${B}(?<centsNum>${NUM})\\s?(?:cents?|¢)${E}`,
    // how often: every 60 minutes · every hour · once an hour · twice a day · 3 times a week
    `${B}(?<freqN>once|twice|${NUM}\\s+times)\\s+(?:a|an|per|each|every)\\s+(?<freqUnit>${TIME_UNITS})${E}`,
    `${B}every\\s+(?:(?<everyNum>${NUM})\\s+)?(?<everyUnit>${TIME_UNITS})${E}`,
    `${B}(?<adverb>hourly|daily|weekly)${E}`,
    // quantities: 30 days · 14-day · a month · 1,728 cubic inches · 20%
    `${B}(?<qNum>${NUM})(?:\\s|-)?(?<unit>${UNIT_WORDS})(?![\\p{L}\\p{N}])`,
    // bare numbers, digits or words (a/an alone is not a number)
    `${B}(?<bare>${DIGITS}|(?:${W_TENS})(?:[- ](?:${W_SMALL}))?|${W_SMALL}|${W_OTHER}|a dozen|dozen|a hundred|a thousand)(?:\\s+(?<bareScale>hundred|thousand|million))?${E}`,
  ].join('|'),
  'giu',
);

/** The numbers and URLs of a text. List markers ("1. ", "2) " at the start of a line) are not facts. */
export function extractFacts(text: string): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const add = (f: Fact) => {
    const id = f.kind === 'url' ? f.key : `${f.dim}:${f.value}:${f.rate ?? ''}:${f.weak ? 'w' : ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    facts.push(f);
  };
  let rest = text.replace(URL_RE, (m: string, offset: number) => {
    const clean = m.replace(/[.,;:!?'"]+$/, '');
    add({ kind: 'url', text: clean, key: `url:${canonicalUrl(clean)}`, at: offset });
    return ' '.repeat(m.length);
  });
  rest = rest.replace(/^(\s*)\d+[.)](?=\s)/gm, (m) => ' '.repeat(m.length));
  let lastEnd = -1;
  for (const m of rest.matchAll(SCANNER)) {
    const g = m.groups as Record<string, string | undefined>;
    const whole = m[0].trim();
    const start = m.index;
    const f = factOf(g, whole, rest, start, lastEnd);
    if (f) {
      add({ ...f, at: start + (m[0].length - m[0].trimStart().length) });
      lastEnd = start + m[0].length;
    }
  }
  return facts;
}

function money(
  sym: string,
  num: string,
  written: string,
  g: Record<string, string | undefined>,
  cents = false,
): Omit<Fact, 'at'> {
  // The rate is in the key, not in the text: "$29" of "$29 a month".
  const whole = written.replace(
    /\s*(?:\/|\b(?:a|an|per|each|every)\s)\s*\w+$|\s+(?:monthly|annually|yearly|weekly|daily|hourly)$/i,
    '',
  );
  const value = (parseNumber(num) ?? NaN) / (cents ? 100 : 1);
  const rateUnit = Object.entries(g).find(([k, v]) => k.startsWith('rate') && v !== undefined)?.[1];
  const rate = rateUnit ? rateName(rateUnit) : undefined;
  const shown = `${sym}${Number.isInteger(value) ? String(value) : value.toFixed(2)}`;
  const plain = /^[$€£¥]\s?[\d,.]+$/.test(whole);
  return {
    kind: 'money',
    text: whole,
    key: `${shown}${rate ? `/${rate}` : ''}`,
    value,
    dim: `money:${sym}`,
    ...(rate ? { rate } : {}),
    ...(plain ? {} : { note: `"${whole}" read as ${shown}${rate ? ` a ${rate}` : ''}` }),
  };
}

function rateName(u: string): string {
  const w = u.toLowerCase();
  if (/^(?:month|mo|monthly)$/.test(w)) return 'month';
  if (/^(?:year|yr|annually|yearly)$/.test(w)) return 'year';
  if (/^(?:week|wk|weekly)$/.test(w)) return 'week';
  if (/^(?:day|daily)$/.test(w)) return 'day';
  return 'hour';
}

function quantity(n: number, unit: Unit, whole: string, extra: Partial<Fact> = {}): Omit<Fact, 'at'> {
  const value = n * unit.factor;
  const shown = `${formatNumber(n)} ${unit.name}${n === 1 || unit.name === '%' ? '' : 's'}`.replace(' %', '%');
  const plain = new RegExp(`^[\\d,.]+[\\s-]?`).test(whole) && !extra.note;
  return {
    kind: 'quantity',
    text: whole,
    key: `${formatNumber(n)} ${unit.name}`,
    value,
    dim: unit.dim,
    ...(unit.approx ? { approx: true } : {}),
    ...(plain ? {} : { note: `"${whole}" read as ${shown}` }),
    ...extra,
  };
}

function factOf(
  g: Record<string, string | undefined>,
  whole: string,
  text: string,
  start: number,
  lastEnd: number,
): Omit<Fact, 'at'> | undefined {
  if (g.sym && g.symNum) return money(CURRENCY_SYMBOL[g.sym] ?? g.sym, g.symNum, whole, g);
  if (g.postSym && g.postNum) return money(CURRENCY_SYMBOL[g.postSym] ?? g.postSym, g.postNum, whole, g);
  if (g.curPre && g.curPreNum) return money(currencyOf(g.curPre), g.curPreNum, whole, g);
  if (g.wordMoneyNum && g.curWord) return money(currencyOf(g.curWord), g.wordMoneyNum, whole, g);
  if (g.centsNum) return money('$', g.centsNum, whole, g, true);
  if (g.freqN && g.freqUnit) {
    const times = g.freqN === 'once' ? 1 : g.freqN === 'twice' ? 2 : parseNumber(g.freqN.replace(/\s+times$/i, ''));
    const unit = unitOf(g.freqUnit);
    if (times === undefined || !unit) return undefined;
    return every(unit.factor / times, whole, true);
  }
  if (g.everyUnit) {
    const n = g.everyNum ? parseNumber(g.everyNum) : 1;
    const unit = unitOf(g.everyUnit);
    if (n === undefined || !unit) return undefined;
    return every(n * unit.factor, whole, !g.everyNum || !/^\d/.test(g.everyNum), `${formatNumber(n)} ${unit.name}`);
  }
  if (g.adverb) {
    const factor = g.adverb.toLowerCase() === 'hourly' ? HOUR : g.adverb.toLowerCase() === 'daily' ? DAY : 7 * DAY;
    return { ...every(factor, whole, true), weak: true };
  }
  if (g.qNum && g.unit) {
    const unit = unitOf(g.unit);
    const n = parseNumber(g.qNum);
    if (!unit || n === undefined) return undefined;
    // "a month" right after a number or a price is a rate ("50 labels a month"), not a month.
    if (/^an?\s/i.test(g.qNum) || /^an?$/i.test(g.qNum)) {
      const before = text.slice(Math.max(0, start - 24), start);
      if (
        /(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|thousand))\S*(?:\s+\S+)?\s*$/i.test(
          before,
        )
      )
        return undefined;
      if (lastEnd >= 0 && lastEnd >= start - 2) return undefined;
      // "a g", "an in", "a h": articles before one-letter units are words, not quantities.
      if (/^(?:g|in|h|mm|cm|km|kb|mb|gb|tb|oz|ft|lbs?|%)$/i.test(g.unit)) return undefined;
    }
    return quantity(n, unit, whole);
  }
  if (g.bare) {
    let n = parseNumber(g.bare);
    if (n === undefined) return undefined;
    if (g.bareScale) n *= SCALE[g.bareScale.toLowerCase()] ?? 1;
    const value = formatNumber(n);
    const note = /^\d/.test(g.bare) ? undefined : `"${whole}" read as ${value}`;
    return { kind: 'number', text: whole, key: value, value: n, dim: 'count', ...(note ? { note } : {}) };
  }
  return undefined;
}

function every(minutes: number, whole: string, normalized: boolean, asWritten?: string): Omit<Fact, 'at'> {
  const shown =
    asWritten ??
    (minutes % DAY === 0
      ? `${minutes / DAY} day`
      : minutes % HOUR === 0
        ? `${minutes / HOUR} hour`
        : `${formatNumber(minutes)} minute`);
  const plural = /^1 /.test(shown) ? shown : `${shown}s`;
  return {
    kind: 'quantity',
    text: whole,
    key: `every ${shown}`,
    value: minutes,
    // How often is not how long: "once a year" is no duration of the answer's.
    dim: 'period',
    ...(normalized ? { note: `"${whole}" read as every ${plural} (${formatNumber(minutes)} minutes)` } : {}),
  };
}

function currencyOf(w: string): string {
  for (const [re, sym] of CURRENCY_WORD) if (re.test(w)) return sym;
  return w.toUpperCase();
}

// ------------------------------------------------------------------ comparing

/** Relative tolerance when a month or a year is involved (a month ≈ 30 days; a year ≈ 365 days). */
export const APPROX_TOLERANCE = 0.07;
const CONVERSION_TOLERANCE = 0.03;

/** Whether two facts state the same thing (value and unit after normalization). */
export function sameFact(expected: Fact, reply: Fact): boolean {
  if (expected.kind === 'url' || reply.kind === 'url')
    return expected.kind === reply.kind && expected.key === reply.key;
  if (expected.value === undefined || reply.value === undefined) return false;
  // A bare number matches the same value in any form ("3" and "three stores").
  if (expected.kind === 'number') return closeEnough(expected.value, rawValue(reply), 0);
  if (expected.dim !== reply.dim) return false;
  if (expected.kind === 'money') {
    if (expected.rate && reply.rate && expected.rate !== reply.rate) return false;
    return Math.abs(expected.value - reply.value) < 0.005;
  }
  const tol =
    expected.approx || reply.approx
      ? APPROX_TOLERANCE
      : expected.key.split(' ')[1] === reply.key.split(' ')[1]
        ? 0
        : CONVERSION_TOLERANCE;
  return closeEnough(expected.value, reply.value, tol);
}

/** The number as written (for a bare number of the expected answer: "5" matches "5 team members"). */
function rawValue(f: Fact): number {
  if (f.kind === 'number' || f.kind === 'money') return f.value as number;
  const n = Number(f.key.replace(/^every /, '').split(' ')[0]);
  return Number.isFinite(n) ? n : (f.value as number);
}

function closeEnough(a: number, b: number, tol: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
}

/** Whether a reply's fact is of the kind an expected fact is (to tell "wrong" from "missing"). */
export function sameDimension(expected: Fact, reply: Fact): boolean {
  if (expected.kind === 'url' || reply.kind === 'url') return expected.kind === reply.kind;
  if (expected.kind === 'number' || reply.kind === 'number') return expected.kind === reply.kind;
  return expected.dim === reply.dim;
}
