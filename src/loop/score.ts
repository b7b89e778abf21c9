import { resolveLanguage, type Language } from './lang.js';
import { analyze, DEFAULT_LEXICON, type Analysis, type Lexicon, type Word } from './lexicon.js';
import { extractFacts, sameDimension, sameFact, type Fact } from './numbers.js';
import { findContradictions, type Contradiction } from './polarity.js';
import { containsPhrase, oneLine } from './words.js';

export { canonicalNumber, canonicalUrl, extractFacts, type Fact, type FactKind } from './numbers.js';

/**
 * The eval scorer: deterministic, offline and explainable. A reply is compared with what the case
 * expects as a person would read it:
 *
 * - **overlap**: the share of the expected answer's key words that the reply has. Words are
 *   compared as people write them: accents and case folded, stopwords out, stemmed for the
 *   answer's language, synonyms merged ("seats" = "team members"; src/loop/lexicon.ts). Words of
 *   the question need not be repeated. It passes at ≥ 50%, of the whole expected answer or of
 *   its lead (its first sentence, with a bare "Yes."/"No." joined to the next): a reply that gets
 *   the point across need not retell every detail.
 * - **facts**: the expected answer's numbers and URLs (src/loop/numbers.ts: "five" = 5, "once
 *   an hour" = "every 60 minutes", "5 cents" = "$0.05"). Those of the lead and of every sentence
 *   the reply speaks to must be in the reply; a number the reply gives instead of an expected one
 *   (the same kind: a price for a price, a duration for a duration) is wrong wherever it is.
 * - **polarity**: the reply must not say the opposite (src/loop/polarity.ts): a "Yes" against a
 *   "No", or "a card is required" against "no card required".
 * - **phrases**: every `must_include` phrase must occur in the reply (loosely, or as the same
 *   words after normalization: "five team members" has "5 team members").
 *
 * A case passes when every component it has passes and nothing contradicts. `score` is the
 * weighted mean of the components present (overlap 0.5, phrases 0.3, facts 0.2; 0 on a
 * contradiction), used to rank the worst answers. `reasons` say why a case failed; `notes` say
 * what was normalized or forgiven, for every verdict.
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
  /** The same for the lead (first sentence) alone. */
  lead: { score: number; matched: number; total: number };
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
  /** Those the reply does not have (including `optional` ones and those it has `wrong`). */
  missing: string[];
  /** Missing, but in a part of the answer the reply does not speak to (or given by the question). */
  optional: string[];
  /** A number the reply gives instead of an expected one. */
  wrong: { expected: string; reply: string }[];
}

export interface EvalScore {
  pass: boolean;
  score: number;
  overlap: OverlapResult | null;
  phrases: PhrasesResult | null;
  facts: FactsResult | null;
  /** Where the reply says the opposite of the expected answer. */
  contradictions: Contradiction[];
  /** The answer's language as scored. */
  language: Language;
  /** Why it failed, one sentence per problem (empty when it passed). */
  reasons: string[];
  /** What was normalized, matched through a synonym, or forgiven (for passes and failures alike). */
  notes: string[];
}

export interface ScoreOptions {
  lexicon?: Lexicon;
  /** A language code, or "auto" (default). */
  language?: string;
}

const UNKNOWN_REPLY =
  /\b(?:i (?:do not|don't|dont) (?:know|have (?:an|any) (?:answer|information))|i'm not sure|i am not sure|(?:could not|couldn't|can't|cannot) find (?:any|anything|an answer|information)|no information (?:about|on)|passed your question|(?:connect|transfer) you (?:to|with) (?:a|an|our|one of)|i'm (?:unable|not able) to (?:help|answer))/i;

// ------------------------------------------------------------------ sentences

interface Sentence {
  start: number;
  end: number;
  keys: Map<string, Word>;
}

/** Sentences of an analysed text; a bare "Yes." / "No." is joined to the next. */
function sentences(text: string, a: Analysis): Sentence[] {
  const out: Sentence[] = [];
  let cur: Word[] = [];
  const flush = (next: number) => {
    if (cur.length === 0) return;
    const keys = new Map<string, Word>();
    for (const w of cur) if (w.kind === 'key' && !keys.has(w.key)) keys.set(w.key, w);
    out.push({ start: (cur[0] as Word).start, end: next, keys });
    cur = [];
  };
  for (const w of a.words) {
    if (w.before === '.' && cur.length > 0 && cur.some((x) => x.kind === 'key')) flush(w.start);
    cur.push(w);
  }
  flush(text.length);
  return out;
}

/** Words inside a number ("60 minutes", "a month", "once an hour") are left to the facts. */
function withoutNumberWords(a: Analysis, text: string): Analysis {
  const spans = extractFacts(text)
    .filter((f) => f.kind !== 'url')
    .map((f) => [f.at, f.at + f.text.length] as const);
  if (spans.length === 0) return a;
  return {
    ...a,
    words: a.words.map((w) =>
      w.kind === 'key' && spans.some(([s, e]) => w.start >= s && w.end <= e) ? { ...w, kind: 'number' as const } : w,
    ),
  };
}

// ------------------------------------------------------------------ the scorer

export function scoreReply(
  c: Pick<EvalCase, 'expect' | 'mustInclude'> & { question?: string },
  reply: string,
  opts: ScoreOptions = {},
): EvalScore {
  const lexicon = opts.lexicon ?? DEFAULT_LEXICON;
  const expect = c.expect?.trim() ? c.expect : undefined;
  const lang = resolveLanguage(opts.language, expect ?? c.mustInclude.join(' ') ?? c.question ?? reply);
  const reasons: string[] = [];
  const notes: string[] = [];
  const empty = reply.trim() === '';
  if (empty) reasons.push('the bot sent an empty reply');

  const R = withoutNumberWords(analyze(reply, lang, lexicon), reply);
  let overlap: OverlapResult | null = null;
  let facts: FactsResult | null = null;
  let contradictions: Contradiction[] = [];

  if (expect !== undefined) {
    const E = withoutNumberWords(analyze(expect, lang, lexicon), expect);
    const Q = c.question ? analyze(c.question, lang, lexicon) : undefined;
    const sents = sentences(expect, E);
    const replyKeys = new Map<string, Word>();
    for (const w of R.words) if (w.kind === 'key' && !replyKeys.has(w.key)) replyKeys.set(w.key, w);
    const given = new Set((Q?.words ?? []).filter((w) => w.kind === 'key').map((w) => w.key));
    overlap = scoreOverlap(sents, replyKeys, given, notes);
    if (!overlap.pass) {
      reasons.push(
        `the reply has ${overlap.matched} of the ${overlap.total} key words of the expected answer (${pct(overlap.score)}, needs ${pct(OVERLAP_PASS)}); missing: ${list(overlap.missing, 8)}`,
      );
      if (UNKNOWN_REPLY.test(reply)) reasons.unshift(`the bot says it does not know: "${clip(reply, 120)}"`);
    }
    const addressed = sents.map((s, i) => i === 0 || addressedBy(s, replyKeys, given));
    facts = scoreFacts(expect, sents, addressed, reply, c.question, reasons, notes);
    contradictions = findContradictions({ text: expect, analysis: E }, { text: reply, analysis: R });
    for (const k of contradictions) {
      reasons.push(
        k.kind === 'yes-no'
          ? `the reply answers the other way: it says "${clip(k.reply, 140)}" where the expected answer says "${clip(k.expected, 140)}"`
          : `the reply contradicts the expected answer: it says "${clip(k.reply, 140)}" where the expected answer says "${clip(k.expected, 140)}"`,
      );
    }
  }

  const phrases = scorePhrases(c.mustInclude, reply, R, lang, lexicon, reasons);

  let weighted = 0;
  let weights = 0;
  for (const [comp, w] of [
    [overlap, WEIGHTS.overlap],
    [phrases, WEIGHTS.phrases],
    [facts, WEIGHTS.facts],
  ] as const) {
    if (!comp) continue;
    weighted += w * comp.score;
    weights += w;
  }
  const contradicted = contradictions.length > 0;
  const score = empty || contradicted ? 0 : weights === 0 ? 0 : round(weighted / weights);
  const pass =
    !empty &&
    !contradicted &&
    weights > 0 &&
    (overlap?.pass ?? true) &&
    (phrases?.pass ?? true) &&
    (facts?.pass ?? true);
  if (weights === 0 && !empty)
    reasons.push('nothing to check: the case has no expected answer and no required phrases');
  return { pass, score, overlap, phrases, facts, contradictions, language: lang, reasons, notes };
}

function scoreOverlap(
  sents: readonly Sentence[],
  replyKeys: ReadonlyMap<string, Word>,
  given: ReadonlySet<string>,
  notes: string[],
): OverlapResult {
  const all = new Map<string, Word>();
  for (const s of sents) for (const [k, w] of s.keys) if (!all.has(k)) all.set(k, w);
  const count = (keys: ReadonlyMap<string, Word>) => {
    let matched = 0;
    let total = 0;
    const missing: string[] = [];
    for (const [k, w] of keys) {
      if (replyKeys.has(k)) {
        matched++;
        total++;
      } else if (!given.has(k)) {
        total++;
        missing.push(w.text);
      }
    }
    return { matched, total, missing, score: total === 0 ? 1 : matched / total };
  };
  const whole = count(all);
  const lead = count(sents[0]?.keys ?? new Map());
  const pass = whole.score >= OVERLAP_PASS || (lead.total > 0 && lead.score >= OVERLAP_PASS);
  const synonyms: string[] = [];
  for (const [k, w] of all) {
    const r = replyKeys.get(k);
    if (r && k.startsWith('~') && fold2(r.text) !== fold2(w.text)) synonyms.push(`"${r.text}" for "${w.text}"`);
  }
  if (synonyms.length > 0) notes.push(`words matched as synonyms: ${list(synonyms, 6)}`);
  const skipped = [...all.entries()].filter(([k]) => !replyKeys.has(k) && given.has(k)).map(([, w]) => w.text);
  if (skipped.length > 0) notes.push(`words of the question need not be repeated: ${list(skipped, 6)}`);
  if (pass && whole.score < OVERLAP_PASS)
    notes.push(
      `the reply covers the lead of the expected answer (${lead.matched} of ${lead.total} key words, ${pct(lead.score)}) and leaves out details (${pct(whole.score)} of all)`,
    );
  return {
    score: round(Math.max(whole.score, pass && whole.score < OVERLAP_PASS ? lead.score : whole.score)),
    pass,
    matched: whole.matched,
    total: whole.total,
    missing: whole.missing,
    lead: { score: round(lead.score), matched: lead.matched, total: lead.total },
  };
}

/** The reply speaks to a sentence when it has half of its key words that are not the question's. */
function addressedBy(s: Sentence, replyKeys: ReadonlyMap<string, Word>, given: ReadonlySet<string>): boolean {
  const own = [...s.keys.keys()].filter((k) => !given.has(k));
  if (own.length === 0) return false;
  return own.filter((k) => replyKeys.has(k)).length / own.length >= OVERLAP_PASS;
}

function scoreFacts(
  expect: string,
  sents: readonly Sentence[],
  addressed: readonly boolean[],
  reply: string,
  question: string | undefined,
  reasons: string[],
  notes: string[],
): FactsResult | null {
  const wanted: { f: Fact; required: boolean }[] = [];
  const seen = new Set<string>();
  for (const f of extractFacts(expect)) {
    if (f.weak || seen.has(f.key)) continue;
    seen.add(f.key);
    let i = sents.findIndex((s) => f.at >= s.start && f.at < s.end);
    if (i < 0) i = 0;
    wanted.push({ f, required: addressed[i] === true });
  }
  if (wanted.length === 0) return null;
  const got = extractFacts(reply);
  const asked = question ? extractFacts(question) : [];
  const matched: string[] = [];
  const missing: string[] = [];
  const optional: string[] = [];
  const wrong: { expected: string; reply: string }[] = [];
  const used = new Set<Fact>();
  for (const { f } of wanted) for (const g of got) if (sameFact(f, g)) used.add(g);
  const normalized: string[] = [];
  for (const { f, required } of wanted) {
    const hit = got.find((g) => sameFact(f, g));
    if (hit) {
      matched.push(f.text);
      const how = [hit.note, f.note].filter((n): n is string => n !== undefined);
      if (how.length > 0 || hit.text !== f.text)
        normalized.push(`"${hit.text}" = "${f.text}"${how.length > 0 ? ` (${how.join('; ')})` : ''}`);
      continue;
    }
    missing.push(f.text);
    const instead = got.filter((g) => !used.has(g) && !g.weak && sameDimension(f, g));
    if (instead.length > 0) {
      wrong.push({ expected: f.text, reply: instead.map((g) => g.text).join('", "') });
      continue;
    }
    if (!required || asked.some((a) => sameFact(f, a))) optional.push(f.text);
  }
  // A number of a kind the answer states (a price, a duration, a size), that none of its numbers
  // is: "every 90 minutes" beside a right "up to an hour", "2,592 cubic inches" for "1,728".
  const extra: { expected: string; reply: string }[] = [];
  for (const g of got) {
    if (used.has(g) || g.weak || g.kind === 'number' || g.kind === 'url') continue;
    if (wrong.some((w) => w.reply.split('", "').includes(g.text))) continue;
    const same = wanted.filter(({ f }) => f.kind !== 'number' && sameDimension(f, g)).map(({ f }) => f);
    if (same.length === 0) continue;
    const unit = (f: Fact) =>
      f.key
        .replace(/^every /, '')
        .split(' ')
        .slice(1)
        .join(' ');
    const like = same.find((f) => unit(f) === unit(g)) ?? same[0];
    if (!like) continue;
    extra.push({ expected: like.text, reply: g.text });
  }
  wrong.push(...extra);
  for (const x of extra)
    reasons.push(
      `the reply says "${x.reply}", which is none of the expected answer's numbers (it says "${x.expected}")`,
    );
  if (normalized.length > 0) notes.push(`numbers matched after normalizing: ${list(normalized, 6)}`);
  if (optional.length > 0)
    notes.push(
      `not required (${optional.length === 1 ? 'it is' : 'they are'} in the question, or in a part of the answer the reply does not speak to): ${list(
        optional.map((o) => `"${o}"`),
        6,
      )}`,
    );
  const failing = missing.filter((m) => !optional.includes(m));
  if (failing.length > 0) {
    const numbers = failing.filter((m) => !/^https?:/i.test(m)).map((m) => `"${m}"`);
    const urls = failing.filter((m) => /^https?:/i.test(m));
    const inReply = got.filter((g) => g.kind !== 'url' && !g.weak).map((g) => `"${g.text}"`);
    if (numbers.length > 0)
      reasons.push(
        `${numbers.length === 1 ? 'a number' : 'numbers'} of the expected answer not in the reply: ${list(numbers, 6)}` +
          (inReply.length > 0 ? ` (the reply says ${list(inReply, 6)})` : ''),
      );
    if (urls.length > 0)
      reasons.push(`${urls.length === 1 ? 'a URL' : 'URLs'} of the expected answer not in the reply: ${list(urls, 4)}`);
  }
  const score = matched.length / wanted.length;
  return { score: round(score), pass: failing.length === 0 && extra.length === 0, matched, missing, optional, wrong };
}

function scorePhrases(
  mustInclude: readonly string[],
  reply: string,
  R: Analysis,
  lang: Language,
  lexicon: Lexicon,
  reasons: string[],
): PhrasesResult | null {
  const required = mustInclude.map((p) => oneLine(p)).filter((p) => p !== '');
  if (required.length === 0) return null;
  const seq = R.words.filter((w) => w.kind !== 'stop').map(phraseKey);
  const found: string[] = [];
  const missing: string[] = [];
  for (const p of required) {
    const P = analyze(p, lang, lexicon)
      .words.filter((w) => w.kind !== 'stop')
      .map(phraseKey);
    const ok = containsPhrase(reply, p) || (P.length > 0 && containsSeq(seq, P));
    (ok ? found : missing).push(p);
  }
  for (const p of missing) reasons.push(`required phrase missing: "${p}"`);
  return { score: round(found.length / required.length), pass: missing.length === 0, found, missing };
}

function phraseKey(w: Word): string {
  if (w.kind !== 'number') return w.key;
  const f = extractFacts(w.text)[0];
  return f?.value !== undefined ? `#${f.value}` : w.key;
}

function containsSeq(hay: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

function fold2(s: string): string {
  return s.toLowerCase().replace(/\W+/g, '');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function clip(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

function list(xs: readonly string[], max: number): string {
  if (xs.length <= max) return xs.join(', ');
  return `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}
