import { describe, expect, it } from 'vitest';
import { negate, paraphrase, replyInMode, wrongNumber } from '../../src/emulator/answer.js';
import { validateFaultConfig } from '../../src/emulator/faults.js';
import { EVAL_LANGUAGES } from '../../src/config/schema.js';
import { parseVerdict, readJudgeSettings, judgeRequestBody, parseJudgeResponse } from '../../src/loop/judge.js';
import { detectLanguage, fold, LANGUAGES, stemWord, tokenize } from '../../src/loop/lang.js';
import { analyze, createLexicon } from '../../src/loop/lexicon.js';
import { extractFacts, sameFact } from '../../src/loop/numbers.js';
import { findContradictions, yesNo } from '../../src/loop/polarity.js';
import { scoreReply } from '../../src/loop/score.js';
import { createTalkRules, DEFAULT_TALK } from '../../src/loop/talk.js';

const score = (expect: string, reply: string, question?: string) =>
  scoreReply({ expect, mustInclude: [], ...(question ? { question } : {}) }, reply);

describe('numbers as people write them', () => {
  const same = (a: string, b: string) => {
    const [fa] = extractFacts(a);
    const [fb] = extractFacts(b);
    if (!fa || !fb) throw new Error(`no fact in "${a}" or "${b}"`);
    return sameFact(fa, fb);
  };
  it.each([
    ['5 team members', 'five team members'],
    ['two months free', '2 months free'],
    ['every 60 minutes', 'once an hour'],
    ['every 60 minutes', 'hourly'],
    ['30 days after delivery', 'a month after delivery'],
    ['14 days', 'two weeks'],
    ['a 14-day trial', 'a two-week trial'],
    ['12 months', 'a year'],
    ['365 days', 'a year'],
    ['a dozen labels', '12 labels'],
    ['$0.05', '5 cents'],
    ['$0.05', '5¢'],
    ['$20', '20 dollars'],
    ['$20', 'USD 20'],
    ['$5,000', '$5000'],
    ['$5,000', 'five thousand dollars'],
    ['€0.05', '0,05 €'],
    ['1,000 labels', '1\u202f000 labels'],
    ['1 cubic foot', '1,728 cubic inches'],
    ['$29 a month', '$29/mo'],
    ['$290 a year', '$290 annually'],
  ])('%j = %j', (a, b) => {
    expect(same(a, b)).toBe(true);
  });
  it.each([
    ['30 days', '30 hours'],
    ['$29', '$39'],
    ['$29 a month', '$29 a year'],
    ['15 days', '5 business days'],
    ['$0.05', '$5'],
    ['5 team members', '3 team members'],
    ['every 60 minutes', 'once a day'],
  ])('%j ≠ %j', (a, b) => {
    expect(same(a, b)).toBe(false);
  });

  it('says what it normalized', () => {
    const s = score(
      'Parcelly asks the carrier for updates every 60 minutes.',
      'Parcelly asks the carrier for updates once an hour.',
    );
    expect(s.pass).toBe(true);
    expect(s.notes.join('\n')).toMatch(
      /"once an hour" = "every 60 minutes" \("once an hour" read as every 1 hour \(60 minutes\)\)/,
    );
    const c = score('Each extra label costs $0.05.', 'Extra labels are five cents each.');
    expect(c.pass).toBe(true);
    expect(c.notes.join('\n')).toMatch(/"five cents" = "\$0\.05" \("five cents" read as \$0\.05\)/);
  });

  it('a/an is one only before a unit, and a rate after a number is no duration', () => {
    expect(extractFacts('up to an hour behind').map((f) => f.key)).toEqual(['1 hour']);
    expect(extractFacts('50 labels a month').map((f) => f.key)).toEqual(['50']);
    expect(extractFacts('a label and an invoice')).toEqual([]);
  });

  it('wrong numbers and URLs still fail, and say what the reply said instead', () => {
    const s = score('You can void a label for up to 30 days.', 'You can void a label for up to 45 days.');
    expect(s.pass).toBe(false);
    expect(s.reasons.join('\n')).toMatch(/"30 days" \(the reply says "45 days"\)/);
    expect(s.facts?.wrong).toEqual([{ expected: '30 days', reply: '45 days' }]);
    const u = score('Read https://help.example/a/b first.', 'Read https://help.example/a first.');
    expect(u.pass).toBe(false);
    expect(u.reasons.join('\n')).toMatch(/URL of the expected answer not in the reply: https:\/\/help\.example\/a\/b/);
    // A right number beside a wrong one of the same kind.
    const t = score(
      'Updates every 60 minutes, so a status can be up to an hour behind.',
      'Updates every 90 minutes, so a status can be up to an hour behind.',
    );
    expect(t.pass).toBe(false);
  });

  it('numbers of the question need not be repeated; numbers of details the reply leaves out are not required', () => {
    const s = score(
      'USPS refunds can take up to 15 days. UPS and FedEx refunds usually arrive within 5 business days.',
      'A USPS refund takes up to 15 days.',
      'How long does a USPS refund take?',
    );
    expect(s.pass).toBe(true);
    expect(s.facts?.optional).toEqual(['5 business days']);
    expect(s.notes.join('\n')).toMatch(/not required.*"5 business days"/);
  });
});

describe('polarity', () => {
  it.each([
    ['No. Your subscription pays for the software.', 'Yes, your subscription includes postage.', 'yes-no'],
    [
      'Every account gets a free trial with no card required.',
      'Yes, a card is required to start the free trial.',
      'negation',
    ],
    [
      'Monthly plans are not refunded for partial months.',
      'Monthly plans are refunded for the partial month.',
      'negation',
    ],
    [
      'On Starter, label buying pauses after 50 labels.',
      'On Starter you can keep buying labels after 50 labels.',
      'negation',
    ],
    ['Annual plans are refunded in full if you cancel within 14 days.', 'Annual plans are never refunded.', 'negation'],
    ['No. Postage is paid separately.', 'Sí, el franqueo está incluido.', 'yes-no'],
  ])('%j vs %j: a contradiction quoting both sides', (expect_, reply, kind) => {
    const s = score(expect_, reply);
    expect(s.pass).toBe(false);
    expect(s.contradictions[0]?.kind).toBe(kind);
    const why = s.reasons.find((r) => /contradicts|other way/.test(r));
    expect(why).toBeDefined();
    expect(why).toContain(`"${s.contradictions[0]?.reply as string}"`);
    expect(why).toContain(`"${s.contradictions[0]?.expected as string}"`);
  });

  it.each([
    ['Every account gets a free trial with no card required.', "You get a free trial, and you don't need a card."],
    ['Monthly plans are not refunded for partial months.', "We don't refund partial months on monthly plans."],
    ['On Starter, label buying pauses after 50 labels.', "On Starter you can't buy more labels after 50."],
    ['No. Postage is paid separately.', "Postage isn't included; you pay for it separately."],
    [
      'If you do not choose a plan, the account moves to Starter.',
      'When the trial ends, the account moves to Starter.',
    ],
  ])('%j vs %j: no contradiction', (expect_, reply) => {
    const lang = 'en';
    const c = findContradictions(
      { text: expect_, analysis: analyze(expect_, lang) },
      { text: reply, analysis: analyze(reply, lang) },
    );
    expect(c).toEqual([]);
  });

  it('yes or no, as people open an answer', () => {
    expect(yesNo('Yes! Go to Settings')).toBe('yes');
    expect(yesNo('Sure — on Growth')).toBe('yes');
    expect(yesNo('No, you do not.')).toBe('no');
    expect(yesNo('Unfortunately, no.')).toBe('no');
    expect(yesNo('No card is needed.')).toBeUndefined();
    expect(yesNo('Nein.')).toBe('no');
    expect(yesNo('はい、できます。')).toBe('yes');
  });
});

describe('words as people write them, in other languages', () => {
  it('folds accents (not Japanese voicing marks), opens contractions, drops elisions', () => {
    expect(fold('Café Straße ÉTÉ')).toBe('cafe strasse ete');
    expect(fold('ガイド')).toBe('ガイド');
    expect(fold('أَهْلاً')).toBe('اهلا');
    expect(tokenize("don't isn’t l'étiquette").map((t) => t.word)).toEqual(['do', 'not', 'is', 'not', 'etiquette']);
  });

  it('splits Japanese and Chinese into words with Intl.Segmenter', () => {
    expect(tokenize('配送料はいくらですか').map((t) => t.word)).toContain('いくら');
    expect(tokenize('运费是多少').map((t) => t.word).length).toBeGreaterThan(1);
  });

  it('detects the language and stems it', () => {
    expect(detectLanguage('¿Cuánto cuesta el envío de un paquete?')).toBe('es');
    expect(detectLanguage('Les remboursements sont versés dans votre portefeuille.')).toBe('fr');
    expect(detectLanguage('Die Rückerstattung dauert bis zu 15 Tage.')).toBe('de');
    expect(detectLanguage('返金には最大15日かかります')).toBe('ja');
    expect(detectLanguage('يمكنك إلغاء الملصق')).toBe('ar');
    expect(stemWord('reembolsos', 'es')).toBe(stemWord('reembolso', 'es'));
    expect(stemWord('remboursements', 'fr')).toBe(stemWord('remboursement', 'fr'));
    expect(stemWord('paid', 'en')).toBe(stemWord('pays', 'en'));
  });

  it('scores replies in Spanish, German and Japanese', () => {
    expect(
      score('Los reembolsos de USPS tardan hasta 15 días.', 'El reembolso de USPS puede tardar hasta quince días.')
        .pass,
    ).toBe(true);
    expect(
      score('Los reembolsos de USPS tardan hasta 15 días.', 'El reembolso de USPS tarda hasta 30 días.').pass,
    ).toBe(false);
    expect(score('Die Rückerstattung dauert bis zu 15 Tage.', 'Rückerstattungen dauern bis zu 15 Tage.').pass).toBe(
      true,
    );
    expect(score('返金には最大15日かかります。', '返金は最大15日かかります。').pass).toBe(true);
    expect(score('返金には最大15日かかります。', '申し訳ありませんが、分かりません。').pass).toBe(false);
  });

  it('synonyms: built in, and from the config', () => {
    expect(score('Growth includes 5 team members.', 'Growth comes with 5 seats.').pass).toBe(true);
    const lexicon = createLexicon({ synonyms: [['parcel locker', 'pickup point']] });
    const s = scoreReply(
      { expect: 'Send it to a parcel locker near you.', mustInclude: [] },
      'Send it to a pickup point near you.',
      {
        lexicon,
      },
    );
    expect(s.pass).toBe(true);
    expect(s.notes.join('\n')).toMatch(/"pickup point" for "parcel locker"/);
    expect(
      scoreReply({ expect: 'Send it to a parcel locker near you.', mustInclude: [] }, 'Use a pickup point.').overlap
        ?.score,
    ).toBeLessThan(0.5);
  });

  it('negations from the config count like "not"', () => {
    const lexicon = createLexicon({ negations: ['discontinued'] });
    const s = scoreReply(
      { expect: 'The Android app is discontinued.', mustInclude: [] },
      'Yes, the Android app is available.',
      { lexicon },
    );
    expect(s.pass).toBe(false);
    expect(s.contradictions).toHaveLength(1);
  });

  it('phrases match after normalization', () => {
    expect(scoreReply({ mustInclude: ['5 team members'] }, 'Growth has five team members.').pass).toBe(true);
    expect(scoreReply({ mustInclude: ['5 team members'] }, 'Growth has three team members.').pass).toBe(false);
  });

  it('the config schema offers every language the scorer knows', () => {
    expect([...EVAL_LANGUAGES].sort()).toEqual(['auto', ...LANGUAGES].sort());
  });
});

describe('harvest: small talk and requests for a person in other languages', () => {
  it.each([
    '¡Hola! Buenos días',
    'Merci beaucoup !',
    'Guten Tag',
    'こんにちは！',
    'ありがとうございます。',
    'مرحبا',
    'شكرا جزيلا',
    'Olá, obrigado',
  ])('small talk: %j', (t) => expect(DEFAULT_TALK.isSmallTalk(t)).toBe(true));
  it.each([
    '¿Hacen envíos a Islandia?',
    'Livrez-vous en Islande ?',
    'Liefern Sie nach Island?',
    'アイスランドに発送できますか？',
    'هل تشحنون إلى أيسلندا؟',
    'すみません、配送料はいくらですか',
  ])('a question: %j', (t) => {
    expect(DEFAULT_TALK.isSmallTalk(t)).toBe(false);
    expect(DEFAULT_TALK.isHandoffRequest(t)).toBe(false);
  });
  it.each([
    'Quiero hablar con una persona',
    '¿Puedo hablar con un agente?',
    'Je voudrais parler à un conseiller',
    'Ich möchte mit einem Menschen sprechen',
    'Verbinden Sie mich bitte mit einem Mitarbeiter',
    '担当者と話したいです',
    'オペレーターにつないでください',
    'أريد التحدث مع موظف',
  ])('asks for a person: %j', (t) => expect(DEFAULT_TALK.isHandoffRequest(t)).toBe(true));

  it('the lists extend from the config', () => {
    const rules = createTalkRules({ smallTalk: ['hej', 'tack så mycket'], handoff: ['prata * människa|person'] });
    expect(rules.isSmallTalk('Hej! Tack så mycket')).toBe(true);
    expect(DEFAULT_TALK.isSmallTalk('Hej! Tack så mycket')).toBe(false);
    expect(rules.isHandoffRequest('Kan jag prata med en människa?')).toBe(true);
    expect(DEFAULT_TALK.isHandoffRequest('Kan jag prata med en människa?')).toBe(false);
  });
});

describe('the judge: settings and verdicts', () => {
  it('reads the environment; refuses what is missing or wrong', () => {
    expect(
      readJudgeSettings({
        KB_SYNC_JUDGE_URL: 'http://127.0.0.1:9/v1/',
        KB_SYNC_JUDGE_MODEL: 'm',
        KB_SYNC_JUDGE_KEY: 'k',
      }),
    ).toEqual({
      url: 'http://127.0.0.1:9/v1/chat/completions',
      model: 'm',
      key: 'k',
    });
    expect(
      readJudgeSettings({ OPENAI_BASE_URL: 'https://x.example/v1/chat/completions', KB_SYNC_JUDGE_MODEL: 'm' }).key,
    ).toBeUndefined();
    expect(() => readJudgeSettings({ KB_SYNC_JUDGE_MODEL: 'm' })).toThrow(/URL/);
    expect(() => readJudgeSettings({ KB_SYNC_JUDGE_URL: 'http://x.example' })).toThrow(/model/);
    expect(() => readJudgeSettings({ KB_SYNC_JUDGE_URL: 'ftp://x.example', KB_SYNC_JUDGE_MODEL: 'm' })).toThrow(/http/);
    expect(() => readJudgeSettings({ KB_SYNC_JUDGE_URL: 'https://u:p@x.example', KB_SYNC_JUDGE_MODEL: 'm' })).toThrow(
      /credentials/,
    );
  });

  it('asks with the case and reads a verdict from JSON, a code fence or plain text', () => {
    const body = judgeRequestBody('m', { question: 'Q?', expect: 'A.', mustInclude: ['x'] }, 'R.') as {
      messages: { content: string }[];
      temperature: number;
    };
    expect(body.temperature).toBe(0);
    expect(body.messages[1]?.content).toBe(
      'Question: Q?\n\nExpected answer: A.\n\nThe reply must contain: "x"\n\nBot reply: R.',
    );
    expect(parseVerdict('{"verdict":"pass","reason":"same facts"}')).toEqual({ pass: true, reason: 'same facts' });
    expect(parseVerdict('```json\n{"verdict": "FAIL", "reason": "wrong price"}\n```')).toEqual({
      pass: false,
      reason: 'wrong price',
    });
    expect(parseVerdict('FAIL: says $39')).toEqual({ pass: false, reason: 'says $39' });
    expect(parseVerdict('{"verdict":"pass","reason":"a\\u001b[31m red"}').reason).toBe('a [31m red');
    expect(() => parseVerdict('I think it is fine')).toThrow(/no verdict/);
    expect(() => parseJudgeResponse({ choices: [] })).toThrow(/no message/);
  });
});

describe('emulator reply modes', () => {
  const A = 'Growth costs $29 a month and includes 5 team members. Go to Settings to upgrade.';
  const U = "I'm sorry, I don't know.";
  it('exact, and unknown, and nothing matched', () => {
    expect(replyInMode('exact', A, 'q', U)).toBe(A);
    expect(replyInMode('unknown', A, 'q', U)).toBe(U);
    expect(replyInMode('paraphrase', null, 'q', U)).toBe(U);
  });
  it('paraphrase: deterministic, other words, the same numbers', () => {
    const p = paraphrase(A, 7);
    expect(p).toBe(paraphrase(A, 7));
    expect(p).not.toBe(A);
    expect(p).toMatch(/five seats/);
    expect(p).toMatch(/\$29 a month/);
    expect(replyInMode('paraphrase', A, 'q', U)).toBe(replyInMode('paraphrase', A, 'q', U));
  });
  it('negated, wrong number, wrong', () => {
    expect(negate('Yes. It is.')).toBe('No. It is.');
    expect(negate('Monthly plans are not refunded.')).toBe('Monthly plans are refunded.');
    expect(negate('with no card required')).toBe('with a card required');
    expect(wrongNumber(A)).toBe('Growth costs $44 a month and includes 5 team members. Go to Settings to upgrade.');
    expect(wrongNumber('no digits')).toBeNull();
    const wrong = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map((q) => replyInMode('wrong', A, q, U));
    expect(new Set(wrong).size).toBeGreaterThan(1);
    for (const w of wrong) expect(w).not.toBe(A);
  });
  it('is a switch like the others, validated', () => {
    expect(validateFaultConfig({ replyMode: 'paraphrase' })).toBeNull();
    expect(validateFaultConfig({ replyMode: 'poetry' })).toMatch(/replyMode must be one of exact, paraphrase/);
  });
});
