import { fold, isStopwordInAny, tokenize } from './lang.js';

/**
 * Small talk ("Hi!", "¡Hola!", "ありがとうございます") and requests for a person ("Can I talk to a
 * human?", "Quiero hablar con un agente", "担当者と話したい"), in several languages. Pure.
 *
 * A message is small talk when nothing is left of it once its greetings and thanks (the lists
 * below, plus `harvest.smallTalk` of the config) and common words are taken out.
 *
 * A request for a person matches one of the patterns below (plus `harvest.handoff`). A pattern
 * is words separated by spaces, matched against the message's words (folded: case and accents
 * ignored): `a|b` is either word, `word*` any word starting with "word", `*` alone up to a few
 * words in between, `word?` an optional word, `$` the end of the message. Japanese and Chinese
 * are matched inside the text (they have no spaces): `担当者 * 話` finds 担当者と話したい.
 */

/** Built-in small talk, by language: each entry one word or phrase. */
export const BUILTIN_SMALL_TALK: Readonly<Record<string, readonly string[]>> = {
  en: (
    'hi hey hello hola yo hiya howdy morning afternoon evening night good day great nice cool ok okay ' +
    'thanks thank thx ty cheers bye goodbye anyone anybody someone somebody around there here quick ' +
    "question questions help need hope having you're guys folks team dear sir madam again still " +
    'waiting wait one moment sorry pls plz awesome perfect alright right sure got it'
  ).split(/\s+/),
  es: [
    'hola',
    'buenos dias',
    'buenas tardes',
    'buenas noches',
    'buenas',
    'gracias',
    'muchas gracias',
    'adios',
    'hasta luego',
    'saludos',
    'por favor',
    'vale',
    'perfecto',
    'genial',
    'disculpa',
    'perdon',
    'una pregunta',
    'tengo una pregunta',
    'hay alguien',
    'alguien',
    'ayuda',
    'necesito ayuda',
  ],
  fr: [
    'bonjour',
    'bonsoir',
    'salut',
    'coucou',
    'merci',
    'merci beaucoup',
    'au revoir',
    'bonne journee',
    "s'il vous plait",
    'svp',
    "d'accord",
    'parfait',
    'super',
    'excusez-moi',
    'pardon',
    'une question',
    "j'ai une question",
    "il y a quelqu'un",
    "quelqu'un",
    'aide',
  ],
  de: [
    'hallo',
    'guten tag',
    'guten morgen',
    'guten abend',
    'servus',
    'moin',
    'danke',
    'vielen dank',
    'danke schon',
    'tschuss',
    'auf wiedersehen',
    'bitte',
    'super',
    'perfekt',
    'entschuldigung',
    'eine frage',
    'ich habe eine frage',
    'jemand da',
    'hilfe',
  ],
  pt: ['ola', 'obrigado', 'obrigada', 'bom dia', 'boa tarde', 'boa noite', 'tchau', 'por favor'],
  it: ['ciao', 'grazie', 'buongiorno', 'buonasera', 'arrivederci', 'per favore'],
  ja: [
    'こんにちは',
    'こんばんは',
    'おはようございます',
    'おはよう',
    'ありがとうございます',
    'ありがとう',
    'どうも',
    'すみません',
    'よろしくお願いします',
    'よろしく',
    'お願いします',
    'もしもし',
    'はい',
    '了解',
    'わかりました',
    'さようなら',
    '失礼します',
    '質問があります',
  ],
  zh: ['你好', '您好', '谢谢', '再见', '在吗'],
  ar: [
    'مرحبا',
    'اهلا',
    'اهلا وسهلا',
    'السلام عليكم',
    'وعليكم السلام',
    'صباح الخير',
    'مساء الخير',
    'شكرا',
    'شكرا لك',
    'شكرا جزيلا',
    'مع السلامة',
    'من فضلك',
    'لو سمحت',
    'تمام',
    'حسنا',
    'عندي سؤال',
  ],
};

/** Built-in requests for a person, by language (patterns, see above). */
export const BUILTIN_HANDOFF: Readonly<Record<string, readonly string[]>> = {
  en: [
    'talk|speak|chat|connect|transfer|put * person|human|agent|someone|somebody|representative|rep|operator|staff|manager|real',
    'human|agent please|pls|plz? $',
    'real person please|pls|plz? $',
    'live agent please|pls|plz? $',
  ],
  es: [
    'hablar|comunicarme|comunicar|pasar|pasarme|contactar|transferir|transfiereme|hablo * persona|humano|agente|alguien|representante|operador|asesor',
    'agente|humano|asesor por? favor? $',
    'persona real',
  ],
  fr: [
    "parler|discuter|joindre|contacter|transferer|passer * personne|humain|agent|conseiller|quelqu'un|operateur",
    'un? humain|agent|conseiller svp? $',
    'une vraie personne',
  ],
  de: [
    'sprechen|reden|verbinden|chatten * mensch*|mitarbeiter*|person|berater*|jemand*|agent*|kundenservice',
    'mensch*|mitarbeiter*|person|berater*|jemand*|agent* * sprechen|reden|verbunden|verbinden',
    'echte* mensch*|person',
  ],
  ja: ['担当者|オペレーター|人間|スタッフ|有人|人 * 話|つな|繋|代わ|対応', 'オペレーター|担当者 お願い'],
  zh: ['人工|真人|转人工|客服 * 服务|客服|聊|说话|对话', '转人工', '找人工'],
  ar: [
    'التحدث|التكلم|اتحدث|اتكلم|تحويلي|تحويل|اكلم|كلم * موظف|شخص|انسان|وكيل|مندوب|بشري|ممثل|احد',
    'موظف|انسان|شخص حقيقي',
  ],
};

export interface TalkConfig {
  smallTalk?: readonly string[];
  handoff?: readonly string[];
}

export interface TalkRules {
  isSmallTalk(text: string): boolean;
  isHandoffRequest(text: string): boolean;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** The message as folded words: one space between words, none inside Japanese or Chinese runs, "." between sentences. */
export function talkText(text: string): string {
  let out = '';
  let prev = '';
  for (const t of tokenize(text)) {
    if (out !== '' && t.before === '.') {
      out += ' . ';
      prev = '';
    }
    const glue = prev !== '' && CJK.test(prev.slice(-1)) && CJK.test(t.word.charAt(0)) ? '' : ' ';
    out += out === '' || out.endsWith(' ') ? t.word : `${glue}${t.word}`;
    prev = t.word;
  }
  return out.trim();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function literal(alt: string): string {
  const prefix = alt.endsWith('*');
  const w = prefix ? alt.slice(0, -1) : alt;
  if (CJK.test(w)) return escape(w);
  return `(?<![\\p{L}\\p{N}])${escape(w)}${prefix ? "[\\p{L}\\p{N}']*" : '(?![\\p{L}\\p{N}])'}`;
}

/** Compile a pattern (see the module's comment) to a RegExp over `talkText`. */
export function compilePattern(pattern: string): RegExp {
  const parts = fold(pattern).trim().split(/\s+/);
  let re = '';
  let first = true;
  for (const p of parts) {
    if (p === '$') {
      re += '\\s*(?:\\.\\s*)*$';
      continue;
    }
    if (p === '^') {
      re += '^\\s*';
      continue;
    }
    if (p === '*') {
      re += '[^.]{0,40}?';
      continue;
    }
    const optional = p.endsWith('?') && p.length > 1;
    const body = optional ? p.slice(0, -1) : p;
    const alts = body
      .split('|')
      .filter((a) => a !== '')
      .map(literal);
    const elem = `(?:${alts.join('|')})`;
    const sep = first ? '' : '\\s*';
    re += optional ? `(?:${sep}${elem})?` : `${sep}${elem}`;
    first = false;
  }
  return new RegExp(re, 'u');
}

/** Build the rules from the built-in lists and the config's additions. */
export function createTalkRules(cfg: TalkConfig = {}): TalkRules {
  const smallTalk = [...Object.values(BUILTIN_SMALL_TALK).flat(), ...(cfg.smallTalk ?? [])]
    .map((p) => talkText(p))
    .filter((p) => p !== '')
    .sort((a, b) => b.length - a.length)
    .map((p) => new RegExp(CJK.test(p) ? escape(p) : `(?<![\\p{L}\\p{N}])${escape(p)}(?![\\p{L}\\p{N}])`, 'gu'));
  const handoff = [...Object.values(BUILTIN_HANDOFF).flat(), ...(cfg.handoff ?? [])].map(compilePattern);
  return {
    isSmallTalk(text: string): boolean {
      let t = talkText(text);
      for (const re of smallTalk) t = t.replace(re, ' ');
      return t
        .split(/\s+/)
        .filter((w) => w !== '' && w !== '.')
        .every((w) => isStopwordInAny(w));
    },
    isHandoffRequest(text: string): boolean {
      const t = talkText(text);
      return handoff.some((re) => re.test(t));
    },
  };
}

export const DEFAULT_TALK = createTalkRules();
