import { stemmer as arabic } from '@orama/stemmers/arabic';
import { stemmer as danish } from '@orama/stemmers/danish';
import { stemmer as dutch } from '@orama/stemmers/dutch';
import { stemmer as english } from '@orama/stemmers/english';
import { stemmer as finnish } from '@orama/stemmers/finnish';
import { stemmer as french } from '@orama/stemmers/french';
import { stemmer as german } from '@orama/stemmers/german';
import { stemmer as italian } from '@orama/stemmers/italian';
import { stemmer as norwegian } from '@orama/stemmers/norwegian';
import { stemmer as portuguese } from '@orama/stemmers/portuguese';
import { stemmer as russian } from '@orama/stemmers/russian';
import { stemmer as spanish } from '@orama/stemmers/spanish';
import { stemmer as swedish } from '@orama/stemmers/swedish';
import { stemmer as turkish } from '@orama/stemmers/turkish';

/**
 * Words as people write them, in the languages people write them in. Pure.
 *
 * - **Folding**: lower case, accents off Latin, Greek and Cyrillic letters (é → e, ß → ss), Arabic
 *   vowel marks and tatweel off and its alef / yeh / teh marbuta forms unified, full-width forms
 *   made plain (NFKC). Japanese kana keep their voicing marks (が stays が).
 * - **Tokens**: `Intl.Segmenter` word segmentation, so Japanese and Chinese (no spaces) split
 *   into words too. English contractions are opened ("don't" → "do not"), French and Italian
 *   elisions dropped ("l'étiquette" → "etiquette").
 * - **Stems**: the Snowball stemmers of `@orama/stemmers` for the languages below; English also
 *   maps common irregular forms first (paid → pay, bought → buy). Scripts without a stemmer
 *   (Japanese, Chinese, …) keep their words as they are.
 * - **Language**: fixed, or detected from a text by its script (Arabic, Cyrillic, kana, Han) or,
 *   for Latin script, by which language's common words it uses most (English when unsure).
 */

export const STEMMED_LANGUAGES = [
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'nl',
  'sv',
  'da',
  'no',
  'fi',
  'tr',
  'ru',
  'ar',
] as const;
export const LANGUAGES = [...STEMMED_LANGUAGES, 'ja', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

const STEMMERS: Record<(typeof STEMMED_LANGUAGES)[number], (w: string) => string> = {
  en: english,
  es: spanish,
  fr: french,
  de: german,
  it: italian,
  pt: portuguese,
  nl: dutch,
  sv: swedish,
  da: danish,
  no: norwegian,
  fi: finnish,
  tr: turkish,
  ru: russian,
  ar: arabic,
};

/** Common words of each language: stopwords for overlap, and the votes of language detection. */
const STOP: Record<Language, string> = {
  en:
    'a an and are as at be by can could do does did for from has have how i if in into is it its me my of on or our so ' +
    'than that the their them then there these this those to was we what when where which who why will with would you ' +
    "your yours am been being he she they us i'm should shall may might must yes please just any some also only both " +
    'every each all via let here get got gets getting just too very really about over after before up out one ' +
    'until unless because although though while whereas however',
  es: 'el la los las un una unos unas de del al a en y o que por para con es son se su sus lo le les me mi tu te nos como más pero si sí ya muy está están hay puede puedes usted',
  fr: 'le la les un une des de du au aux à en et ou que qui pour par avec est sont se sa son ses ce cette il elle vous nous je tu on ne y pas plus mais si oui très peut pouvez votre vos',
  de: 'der die das den dem des ein eine einen einem einer und oder zu zum zur in im an am auf für mit von vom ist sind sie es er wir ich du ihr ihre ihr sich wie auch aber wenn ja sehr kann können bei aus nach',
  it: 'il lo la i gli le un una uno di del della dei a al alla da in e o che per con è sono si suo sua ci mi ti ma se sì molto può può',
  pt: 'o a os as um uma de do da dos das em no na e ou que por para com é são se seu sua me te mas sim muito pode você',
  nl: 'de het een en of van in op te aan met voor is zijn je u we ik dat die er niet ook maar als kan',
  sv: 'och i att en ett det som på är av för med till den de om inte har kan du vi jag',
  da: 'og i at en et det som på er af for med til den de om ikke har kan du vi jeg',
  no: 'og i at en et det som på er av for med til den de om ikke har kan du vi jeg',
  fi: 'ja on ei se että ovat tai kun mutta myös voi sinä minä me he',
  tr: 've bir bu da de ile için mi ne ama çok var yok ben sen biz',
  ru: 'и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по ее мне есть',
  ar: 'في من على الى عن ان هل ما و او ثم هذا هذه ذلك التي الذي مع كان يمكن',
  ja: 'は が を に へ で と の も か や です ます ませ ん した して する し でき できる ください ある あり いる なる この その あの こと よ ね',
  zh: '的 了 是 在 我 你 他 她 们 吗 呢 吧 和 也 都 就 有 这 那 请',
};

const STOPWORDS: Record<Language, Set<string>> = Object.fromEntries(
  LANGUAGES.map((l) => [l, new Set(STOP[l].split(/\s+/).map(fold))]),
) as Record<Language, Set<string>>;

/** English irregular forms a Snowball stemmer leaves apart from their verb. */
const IRREGULAR_EN: Record<string, string> = {
  paid: 'pay',
  bought: 'buy',
  sent: 'send',
  spent: 'spend',
  took: 'take',
  taken: 'take',
  gave: 'give',
  given: 'give',
  got: 'get',
  gotten: 'get',
  made: 'make',
  went: 'go',
  gone: 'go',
  kept: 'keep',
  left: 'leave',
  chose: 'choose',
  chosen: 'choose',
  ran: 'run',
  came: 'come',
  found: 'find',
  shown: 'show',
  held: 'hold',
  lost: 'lose',
  won: 'win',
  sold: 'sell',
  told: 'tell',
  brought: 'bring',
  people: 'person',
  children: 'child',
};

/** Lower case, accents folded (not Japanese voicing marks), Arabic normalized, NFKC. */
export function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ى/g, 'ي')
    .replace(/ة/g, 'ه')
    .replace(/[’‘ʼ`´]/g, "'");
}

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(lang: string): Intl.Segmenter {
  let s = segmenters.get(lang);
  if (!s) {
    s = new Intl.Segmenter(lang, { granularity: 'word' });
    segmenters.set(lang, s);
  }
  return s;
}

export interface Token {
  /** Folded word. */
  word: string;
  /** As written. */
  text: string;
  /** Offset in the original text. */
  index: number;
  /** A boundary before this token: sentence end (`.`), clause punctuation (`,`), or none. */
  before: '' | ',' | '.';
}

const EN_CONTRACTIONS: readonly [RegExp, string[]][] = [
  [/^(can)'?t$/, ['can', 'not']],
  [/^won't$/, ['will', 'not']],
  [/^shan't$/, ['shall', 'not']],
  [/^(\w+)n't$/, ['$1', 'not']],
  [/^(\w+)'(?:re|ve|ll|d|m|s)$/, ['$1']],
];

const ELISION = /^(?:l|d|j|qu|n|s|c|m|t|dell|dall|nell|sull|all|un|quell)'(?=\p{L})/u;

/**
 * The words of a text, folded, with what separates them. Contractions opened, elisions dropped;
 * digits kept as words ("1,000", "0.05").
 */
export function tokenize(text: string, lang: Language | 'und' = 'und'): Token[] {
  const out: Token[] = [];
  let before: Token['before'] = '';
  for (const seg of segmenter(lang).segment(text)) {
    if (!seg.isWordLike) {
      if (/[.!?。！？；：\n—]|[;:](?:\s|$)|\s[–-]\s/.test(seg.segment)) before = '.';
      else if (before === '' && /[,，、()–—]/.test(seg.segment)) before = ',';
      continue;
    }
    const word = fold(seg.segment);
    const push = (w: string) => {
      out.push({ word: w, text: seg.segment, index: seg.index, before });
      before = '';
    };
    const contraction = word.includes("'") ? EN_CONTRACTIONS.find(([re]) => re.test(word)) : undefined;
    if (contraction) {
      const [re, parts] = contraction;
      for (const p of parts) push(word.replace(re, p));
      continue;
    }
    push(word.replace(ELISION, ''));
  }
  return out;
}

const SCRIPT_LANG: readonly [RegExp, Language][] = [
  [/[\u3040-\u30ff]/u, 'ja'],
  [/\p{Script=Han}/u, 'zh'],
  [/\p{Script=Arabic}/u, 'ar'],
  [/\p{Script=Cyrillic}/u, 'ru'],
];

/** The language of a text: by script, else by its common words; English when unsure. */
export function detectLanguage(text: string): Language {
  for (const [re, lang] of SCRIPT_LANG) if (re.test(text)) return lang;
  const words = tokenize(text).map((t) => t.word);
  let best: Language = 'en';
  let bestVotes = 0;
  for (const lang of ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'sv', 'da', 'no', 'fi', 'tr'] as const) {
    const stop = STOPWORDS[lang];
    let votes = 0;
    for (const w of words) if (stop.has(w)) votes++;
    if (votes > bestVotes) {
      best = lang;
      bestVotes = votes;
    }
  }
  return best;
}

const ANY_STOPWORD = new Set(LANGUAGES.flatMap((l) => [...STOPWORDS[l]]));

/** A common word of any of the languages (for telling small talk from a question). */
export function isStopwordInAny(word: string): boolean {
  return ANY_STOPWORD.has(word);
}

export function isStopword(word: string, lang: Language): boolean {
  return STOPWORDS[lang].has(word);
}

/** A folded word's stem in `lang` (unchanged where there is no stemmer). */
export function stemWord(word: string, lang: Language): string {
  if (/\d/.test(word)) return word;
  if (lang === 'en') {
    const irregular = IRREGULAR_EN[word];
    if (irregular) return english(irregular);
  }
  const stem = (STEMMERS as Record<string, ((w: string) => string) | undefined>)[lang];
  return stem ? stem(word) : word;
}

/** A `language` setting: a language code, or "auto". */
export function resolveLanguage(setting: string | undefined, ...texts: string[]): Language {
  if (setting && setting !== 'auto' && (LANGUAGES as readonly string[]).includes(setting)) return setting as Language;
  return detectLanguage(texts.join('\n'));
}
