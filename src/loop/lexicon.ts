import { isStopword, stemWord, tokenize, type Language, type Token } from './lang.js';

/**
 * Synonyms and negation words, and the analysis of a text into the words the scorer
 * compares. Pure.
 *
 * Synonyms are groups of words or phrases that mean the same in a support answer ("team
 * members", "seats", "users"); the first of a group names it. A curated English list is built in;
 * `eval.synonyms` in the config adds groups (any language). Phrases match on stems, so "seat"
 * covers "seats", and a group's words become one key word: "5 seats" holds "5 team members".
 *
 * Negation words ("not", "never", "without", "no", and their kin in other languages) and words
 * that negate by meaning ("pauses", "optional": see BUILTIN_NEGATIONS) are marked, so that the
 * polarity check can tell "no card required" from "a card is required".
 */

/** Built-in synonym groups (English), each "a | b | c". Near-synonyms are fine: they only ever make a reply pass overlap. */
export const BUILTIN_SYNONYMS: readonly string[] = [
  'team member | seat | user | teammate | team mate | staff account | person on the account | member of your team',
  'refund | money back | reimburse | reimbursement | pay back | get back',
  'free | no charge | free of charge | at no cost | complimentary | for free',
  'require | need | mandatory | necessary | have to have',
  'include | come with | contain | bundle | cover',
  'cost | price | charge | fee | bill | pay',
  'buy | purchase',
  'at least | minimum | smallest | lowest | no less than | min',
  'at most | maximum | largest | biggest | highest | no more than | max | up to',
  'immediately | right away | straight away | instantly | at once | instant',
  'email | e-mail | mail',
  'turn on | enable | switch on | activate',
  'turn off | disable | switch off | deactivate',
  'update | refresh | check for update | poll | sync',
  'website | site | web site | web page | page',
  'show | display | appear | see | visible',
  'delete | remove | erase',
  'choose | pick | select | set',
  'annual | yearly | annually | per year | every year | each year | once a year',
  'monthly | per month | every month | each month',
  'store | shop | storefront',
  'parcel | package | shipment | box',
  'start | begin | create | open',
  'fix | resolve | solve | correct',
  'error | problem | issue',
  'unlimited | no limit | as many as you like | as many as you want',
  'end | finish | expire | run out | over',
  'move | switch | downgrade | change | drop',
  'discount | reduced | cheaper | lower',
  'separate | separately | extra | on top | in addition | additional',
  'available | offer | support | provide',
  'customer | client | buyer | shopper',
  'wallet | balance | postage balance | prepaid balance',
  'carrier | courier',
  'invoice | receipt | bill',
  'plan | subscription | tier',
  'go to | open | head to | navigate to | visit',
  'download | save | export',
  'upload | add',
  'behind | lag | late | delay | older',
  'scan | use',
  'confirm | verify | check',
  'all plans | every plan | any plan | each plan',
];

/**
 * Built-in words that say "not" without a "not" (English): "label buying **pauses**" is "you can
 * **not** keep buying", "postage is paid **separately**" is "postage is **not** included". They
 * negate their whole clause; `eval.negations` adds more (any language).
 */
export const BUILTIN_NEGATIONS: readonly string[] = [
  'pause',
  'paused',
  'stop',
  'halt',
  'suspend',
  'block',
  'separately',
  'optional',
  'non-refundable',
  'nonrefundable',
  'unavailable',
  'unsupported',
  'impossible',
  'unable',
  'refuse',
  'deny',
  'excluded',
];

/** Words that negate what they stand in, by language (folded). */
const NEGATORS: Partial<Record<Language, string>> & { en: string } = {
  en: 'not no never none nothing nobody neither nor without cannot nowhere',
  es: 'no nunca sin ningun ninguna ninguno nada tampoco ni',
  fr: 'ne pas jamais sans aucun aucune rien ni personne',
  de: 'nicht kein keine keinen keinem keiner keines nie niemals ohne nichts weder',
  it: 'non mai senza nessun nessuno nessuna niente nulla',
  pt: 'nao nunca sem nenhum nenhuma nada nem',
  nl: 'niet geen nooit zonder niets',
  sv: 'inte ej aldrig utan ingen inget',
  da: 'ikke aldrig uden ingen intet',
  no: 'ikke aldri uten ingen ingenting',
  ru: 'не нет никогда без ни',
  ar: 'لا ليس ليست لم لن بدون غير ما',
  ja: 'ない ません ず なし 不要 無料',
  zh: '不 没 没有 无 别 免',
};
const NEGATOR_SETS = new Map<string, Set<string>>();
function negators(lang: Language): Set<string> {
  let s = NEGATOR_SETS.get(lang);
  if (!s) {
    s = new Set([...(NEGATORS[lang] ?? '').split(/\s+/), ...(lang === 'en' ? [] : NEGATORS.en.split(/\s+/))]);
    s.delete('');
    NEGATOR_SETS.set(lang, s);
  }
  return s;
}

export interface LexiconConfig {
  /** Extra synonym groups: each a list of words or phrases. */
  synonyms?: readonly (readonly string[])[];
  /** Extra words that negate their clause by meaning ("optional" = not required). */
  negations?: readonly string[];
}

interface Phrase {
  stems: string[];
  /** The synonym group's key (`~name`). */
  key: string;
}

export interface Lexicon {
  /** Longest phrases first, per language (compiled lazily). */
  phrases(lang: Language): Phrase[];
  /** Stems that negate by meaning. */
  negations(lang: Language): Set<string>;
}

function splitGroup(s: string): string[] {
  return s
    .split('|')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function stemPhrase(p: string, lang: Language): string[] {
  return tokenize(p, lang).map((t) => stemWord(t.word, lang));
}

/** Compile the built-in lists plus the config's. Built-in English lists apply to English text only. */
export function createLexicon(cfg: LexiconConfig = {}): Lexicon {
  const builtinSyn = BUILTIN_SYNONYMS.map(splitGroup);
  const cache = new Map<Language, { phrases: Phrase[]; negations: Set<string> }>();
  const compile = (lang: Language) => {
    let c = cache.get(lang);
    if (c) return c;
    const groups = [...(lang === 'en' ? builtinSyn : []), ...(cfg.synonyms ?? []).map((g) => [...g])];
    const phrases: Phrase[] = [];
    for (const g of groups) {
      const name = g[0];
      if (name === undefined) continue;
      const key = `~${stemPhrase(name, lang).join(' ')}`;
      for (const p of g) {
        const stems = stemPhrase(p, lang);
        if (stems.length > 0) phrases.push({ stems, key });
      }
    }
    phrases.sort((a, b) => b.stems.length - a.stems.length);
    const negations = new Set<string>();
    for (const w of [...(lang === 'en' ? BUILTIN_NEGATIONS : []), ...(cfg.negations ?? [])]) {
      const stems = stemPhrase(w, lang);
      if (stems.length === 1) negations.add(stems[0] as string);
      // "non-refundable" splits in two: its last word carries the meaning.
      else if (stems.length > 1) negations.add(stems.join(' '));
    }
    c = { phrases, negations };
    cache.set(lang, c);
    return c;
  };
  return {
    phrases: (lang) => compile(lang).phrases,
    negations: (lang) => compile(lang).negations,
  };
}

export const DEFAULT_LEXICON = createLexicon();

// ------------------------------------------------------------------ analysis

export type WordKind = 'key' | 'stop' | 'neg' | 'number';

export interface Word {
  kind: WordKind;
  /** What is compared: a stem, a synonym group's key (`~team member`), or a number's value. */
  key: string;
  /** As written (a phrase for a synonym match). */
  text: string;
  /** The synonym group it matched through, when its key is a group's. */
  via?: string;
  /** A key word that negates its clause by meaning ("pauses", "optional"). */
  negates?: boolean;
  before: Token['before'];
  /** Offsets in the text. */
  start: number;
  end: number;
}

export interface Analysis {
  lang: Language;
  words: Word[];
}

function matchAt(stems: readonly string[], i: number, phrases: readonly Phrase[]): Phrase | undefined {
  for (const p of phrases) {
    if (p.stems.length === 0 || i + p.stems.length > stems.length) continue;
    let ok = true;
    for (let k = 0; k < p.stems.length; k++) {
      if (stems[i + k] !== p.stems[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return p;
  }
  return undefined;
}

const NUMBER_WORD =
  /^(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen)$/;

/** A text as the scorer's words: synonyms merged, stopwords, negation words and numbers marked. */
export function analyze(text: string, lang: Language, lexicon: Lexicon = DEFAULT_LEXICON): Analysis {
  const tokens = tokenize(text, lang);
  const stems = tokens.map((t) => stemWord(t.word, lang));
  const phrases = lexicon.phrases(lang);
  const negWords = lexicon.negations(lang);
  const neg = negators(lang);
  const words: Word[] = [];
  for (let i = 0; i < tokens.length;) {
    const t = tokens[i] as Token;
    const p = matchAt(stems, i, phrases);
    // A one-word synonym that is a stopword or negator stays what it is ("no" never means "free").
    if (p && !(p.stems.length === 1 && (isStopword(t.word, lang) || neg.has(t.word)))) {
      const last = tokens[i + p.stems.length - 1] as Token;
      const end = last.index + last.text.length;
      words.push({
        kind: 'key',
        key: p.key,
        text: text.slice(t.index, end),
        via: p.key.slice(1),
        before: t.before,
        start: t.index,
        end,
      });
      i += p.stems.length;
      continue;
    }
    const stem = stems[i] as string;
    const pair = i + 1 < stems.length ? `${stem} ${stems[i + 1] as string}` : '';
    const kind: WordKind = neg.has(t.word)
      ? 'neg'
      : /\d/.test(t.word) || NUMBER_WORD.test(t.word)
        ? 'number'
        : isStopword(t.word, lang)
          ? 'stop'
          : 'key';
    words.push({
      kind,
      key: stem,
      text: t.text,
      ...(negWords.has(stem) || negWords.has(pair) ? { negates: true } : {}),
      before: t.before,
      start: t.index,
      end: t.index + t.text.length,
    });
    i++;
  }
  return { lang, words };
}
