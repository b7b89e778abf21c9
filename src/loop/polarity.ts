import { fold } from './lang.js';
import type { Analysis, Word } from './lexicon.js';

/**
 * Polarity: does the reply say the opposite of the expected answer? Pure.
 *
 * 1. **Yes or no.** When both open with a yes or a no ("Yes.", "No, …", "Sure —", "Sí,", "Nein."),
 *    they must agree.
 * 2. **A negated claim.** Both texts are cut into clauses (at sentence ends and at words like
 *    "and", "but", "if", "with", "unless"). Each clause of the expected answer is paired with
 *    the reply's clause that shares most of its key words (at least two, and half of the smaller
 *    clause). A clause negates a key word when a negation word comes before it in the clause
 *    ("no card required", "are not refunded"; anywhere in the clause for languages that negate
 *    after the verb), or when the clause holds a word that negates by meaning ("pauses",
 *    "optional"). The pair contradicts when one negates some of the words they share and the
 *    other negates none: "no card required" against "a card is required".
 *
 * Each contradiction quotes both sides.
 */

export interface Contradiction {
  kind: 'yes-no' | 'negation';
  /** The expected answer's side, as written. */
  expected: string;
  /** The reply's side, as written. */
  reply: string;
}

const PAUSE = String.raw`\s*(?:[,.!:;—–]|-\s|$)`;
const YES_OPEN = new RegExp(
  `^(?:yes|yeah|yep|yup|sure|absolutely|definitely|certainly|of course|correct|indeed|si|oui|ja|sim|да|نعم|اجل)${PAUSE}|^(?:はい|ええ|是的)`,
  'u',
);
const NO_OPEN = new RegExp(
  `^(?:no|nope|nah|(?:unfortunately|sadly|sorry),? (?:no|not)|not really|non|nein|nao|нет|لا)${PAUSE}|^(?:いいえ|不是)`,
  'u',
);

/** "yes", "no", or nothing: how the answer opens, when a yes or a no stands alone before a pause. */
export function yesNo(text: string): 'yes' | 'no' | undefined {
  const t = fold(text).trim();
  if (YES_OPEN.test(t)) return 'yes';
  if (NO_OPEN.test(t)) return 'no';
  return undefined;
}

/** Words that start a new clause (folded). */
const CLAUSE_WORDS = new Set(
  (
    'and but so because although though unless until if when while whereas or with without however then once before after ' +
    'y pero porque si cuando aunque con sin o ' +
    'et mais parce quand si avec sans ou ' +
    'und aber weil wenn ob mit ohne oder ' +
    'e ma perche quando se con senza o ' +
    'mas porque quando se com sem ou'
  ).split(/\s+/),
);
/** Words that open a condition: its negations are not claims ("if you do not choose a plan"). */
const CONDITION_WORDS = new Set(
  'if unless until when once before after si cuando quand wenn falls se quando'.split(' '),
);
/** Languages whose negation follows what it negates (it negates the whole clause). */
const NEGATE_AFTER = new Set(['de', 'nl', 'ja', 'tr', 'fi', 'sv', 'da', 'no']);

interface Clause {
  words: Word[];
  /** Key word → whether the clause negates it. */
  keys: Map<string, boolean>;
  /** Opened by "if", "unless", …: a condition, not a claim. */
  condition: boolean;
  start: number;
  end: number;
}

/**
 * Clauses: cut at sentence ends and before clause words; a condition ("If you do not choose a
 * plan, …") also ends at its comma, so that the claim after it stands alone.
 */
function clauses(a: Analysis): Clause[] {
  const out: Word[][] = [];
  let cur: Word[] = [];
  for (const w of a.words) {
    const first = cur[0];
    const inCondition = first !== undefined && CONDITION_WORDS.has(fold(first.text));
    const starts =
      w.before === '.' || CLAUSE_WORDS.has(fold(w.text)) || (inCondition && w.before === ',' && cur.length > 1);
    if (starts && cur.length > 0) {
      out.push(cur);
      cur = [];
    }
    cur.push(w);
  }
  if (cur.length > 0) out.push(cur);
  const after = !NEGATE_AFTER.has(a.lang);
  return out.map((ws) => {
    const implicit = ws.some((w) => w.negates === true);
    const keys = new Map<string, boolean>();
    const negs = ws.filter((w) => w.kind === 'neg').length;
    const whole = after ? implicit : implicit !== (negs % 2 === 1);
    // A negation reaches to the end of its clause or to the next comma.
    let seen = 0;
    for (const w of ws) {
      if (w.before === ',') seen = 0;
      if (w.kind === 'neg') {
        seen++;
        continue;
      }
      if ((w.kind !== 'key' && w.kind !== 'number') || CLAUSE_WORDS.has(fold(w.text))) continue;
      const n = after ? (seen % 2 === 1) !== implicit : whole;
      keys.set(w.key, (keys.get(w.key) ?? false) || n);
    }
    const first = ws[0] as Word;
    return {
      words: ws,
      keys,
      condition: CONDITION_WORDS.has(fold(first.text)),
      start: first.start,
      end: (ws.at(-1) as Word).end,
    };
  });
}

function quote(text: string, c: Clause): string {
  return text
    .slice(c.start, c.end)
    .replace(/\s+/g, ' ')
    .replace(/^(?:and|but|so|or|with|if|when|unless|until)\s+/i, '')
    .trim();
}

/** The contradictions between an expected answer and a reply (empty when they agree). */
export function findContradictions(
  expected: { text: string; analysis: Analysis },
  reply: { text: string; analysis: Analysis },
): Contradiction[] {
  const out: Contradiction[] = [];
  const ey = yesNo(expected.text);
  const ry = yesNo(reply.text);
  if (ey && ry && ey !== ry) {
    out.push({ kind: 'yes-no', expected: firstSentence(expected.text), reply: firstSentence(reply.text) });
  }
  const E = clauses(expected.analysis);
  const R = clauses(reply.analysis);
  for (const e of E) {
    if (e.keys.size < 2 || e.condition) continue;
    let best: { shared: string[]; sim: number; r: Clause }[] = [];
    for (const r of R) {
      if (r.condition) continue;
      const shared = [...e.keys.keys()].filter((k) => r.keys.has(k));
      const sim = shared.length / Math.min(e.keys.size, r.keys.size);
      if (shared.length < 2 || sim < 0.5) continue;
      const top = best[0];
      if (!top || shared.length > top.shared.length || (shared.length === top.shared.length && sim > top.sim))
        best = [{ shared, sim, r }];
      else if (shared.length === top.shared.length && sim === top.sim) best.push({ shared, sim, r });
    }
    if (best.length === 0) continue;
    // Every equally good reply clause must disagree (the benefit of the doubt goes to the reply).
    const disagree = best.every(({ shared, r }) => {
      const ne = shared.some((k) => e.keys.get(k) === true);
      const nr = shared.some((k) => r.keys.get(k) === true);
      return ne !== nr;
    });
    if (!disagree) continue;
    const r = (best[0] as { r: Clause }).r;
    if (out.some((c) => c.kind === 'yes-no')) continue;
    out.push({ kind: 'negation', expected: quote(expected.text, e), reply: quote(reply.text, r) });
  }
  return dedupe(out);
}

function dedupe(cs: Contradiction[]): Contradiction[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = `${c.expected}\0${c.reply}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function firstSentence(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const m = /^.*?[.!?。！？](?=\s|$)/u.exec(t);
  const s = m ? m[0] : t;
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}
