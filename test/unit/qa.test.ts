import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { payloadHash } from '../../src/extract/index.js';
import { extractQa, qaHash, qaKey, qaPayload } from '../../src/extract/qa.js';
import { formatFileIssue } from '../../src/errors.js';
import { laughsQa } from '../helpers/hostile.js';

const S = { maxItemsPerFile: 5000 };
const FILE = 'help/faq.qa.yaml';
const run = (text: string, settings = S) => extractQa(text, FILE, settings);
const pairs = (text: string) => run(text).entries.map((e) => [e.question, e.answer]);

/** The one issue a file gives (fails if it gives none or several). */
function oneIssue(text: string) {
  const r = run(text);
  expect(r.extract.issues).toHaveLength(1);
  return r;
}

describe('Q&A: accepted shapes', () => {
  it.each([
    [
      'a list with question/answer',
      '- question: How much is it?\n  answer: Ten dollars.\n',
      [['How much is it?', 'Ten dollars.']],
    ],
    ['a list with the q/a aliases', '- q: How much is it?\n  a: Ten dollars.\n', [['How much is it?', 'Ten dollars.']]],
    ['aliases mixed across entries', '- q: One?\n  answer: 1\n- question: Two?\n  a: "2"\n', null],
    [
      'a mapping with a questions list',
      'questions:\n  - q: How much is it?\n    a: Ten dollars.\n',
      [['How much is it?', 'Ten dollars.']],
    ],
    ['flow style', '[{q: "A?", a: "B"}]\n', [['A?', 'B']]],
    [
      'a literal block scalar keeps its lines',
      '- q: Steps?\n  a: |\n    1. Open settings.\n    2. Click save.\n',
      [['Steps?', '1. Open settings.\n2. Click save.']],
    ],
    [
      'a folded block scalar joins its lines',
      '- q: Why?\n  a: >\n    Because it\n    is so.\n',
      [['Why?', 'Because it is so.']],
    ],
    [
      'a block scalar question',
      '- q: |-\n    Multi-line\n    question?\n  a: Yes.\n',
      [['Multi-line question?', 'Yes.']],
    ],
    ['surrounding whitespace is trimmed', '- q: "  Spaces?  "\n  a: "  Trimmed.  "\n', [['Spaces?', 'Trimmed.']]],
    ['comments are ignored', '# FAQ\n- q: A? # not part of it\n  a: B\n', [['A?', 'B']]],
  ])('%s', (_name, text, want) => {
    const r = run(text);
    if (want === null) {
      // "answer: 1" is a number: the whole file is refused (see below).
      expect(r.extract.complete).toBe(false);
      return;
    }
    expect(r.extract.issues).toEqual([]);
    expect(r.extract.complete).toBe(true);
    expect(r.entries.map((e) => [e.question, e.answer])).toEqual(want);
  });

  it('each item: key = file + normalized question, label = question, hash of the payload, line of the entry', () => {
    const r = run('# heading\n- q: How much is it?\n  a: Ten dollars.\n\n- q: Where?\n  a: Online.\n');
    expect(r.extract.items).toEqual([
      {
        key: `qa:${FILE}#q:how much is it`,
        type: 'Q_AND_A',
        label: 'How much is it?',
        hash: qaHash({ question: 'How much is it?', answer: 'Ten dollars.' }),
        line: 2,
      },
      {
        key: `qa:${FILE}#q:where`,
        type: 'Q_AND_A',
        label: 'Where?',
        hash: qaHash({ question: 'Where?', answer: 'Online.' }),
        line: 5,
      },
    ]);
    expect(qaPayload(r.entries[0]!)).toEqual({
      type: 'Q_AND_A',
      content: 'How much is it?',
      content_value: 'Ten dollars.',
    });
  });

  it('an id gives the key, so the question can be reworded', () => {
    const before = run('- id: pricing\n  q: How much is it?\n  a: Ten dollars.\n').extract.items[0]!;
    const after = run('- id: pricing\n  q: What does it cost per month?\n  a: Ten dollars.\n').extract.items[0]!;
    expect(before.key).toBe(`qa:${FILE}#id:pricing`);
    expect(after.key).toBe(before.key);
    expect(after.hash).not.toBe(before.hash);
    expect(run('- id: 42\n  q: A?\n  a: B\n').extract.items[0]!.key).toBe(`qa:${FILE}#id:42`);
  });

  it('groups {category|title, questions} one level deep give their entries, with the category', () => {
    const r = run(
      [
        '- category: Billing',
        '  questions:',
        '    - q: How do I pay?',
        '      a: By card.',
        '- title: Shipping',
        '  questions:',
        '    - q: How long?',
        '      a: Two days.',
        '- q: Top-level?',
        '  a: Yes.',
        '',
      ].join('\n'),
    );
    expect(r.extract.issues).toEqual([]);
    expect(r.entries.map((e) => [e.question, e.category, e.line])).toEqual([
      ['How do I pay?', 'Billing', 3],
      ['How long?', 'Shipping', 7],
      ['Top-level?', undefined, 9],
    ]);
  });

  it('a group without a name is still a group', () => {
    expect(pairs('- questions:\n    - q: A?\n      a: B\n')).toEqual([['A?', 'B']]);
  });
});

describe('Q&A: keys and hashes', () => {
  const key = (q: string) => run(`- q: ${JSON.stringify(q)}\n  a: Same answer.\n`).extract.items[0]!.key;

  it.each([
    ['How much is it?', 'how much is it?'],
    ['How much is it?', 'How much is it'],
    ['How much is it?', '  How   much is it ?! '],
    ['Where is my café?', 'where is my cafe'],
    ["What's the price?", "what's the price"],
  ])('"%s" and "%s" have the same key (case, punctuation and spacing edits keep it)', (a, b) => {
    expect(key(a)).toBe(key(b));
  });

  it.each([
    ['How much is it?', 'How much was it?'],
    ['How do I pay?', 'How do I pay twice?'],
    ['Can I cancel?', 'Can I not cancel?'],
  ])('"%s" and "%s" have different keys (words changed)', (a, b) => {
    expect(key(a)).not.toBe(key(b));
  });

  it('the key is scoped to the file', () => {
    expect(qaKey('a.qa.yaml', undefined, 'Q?')).not.toBe(qaKey('b.qa.yaml', undefined, 'Q?'));
    expect(qaKey('a.qa.yaml', 'x', 'Q?')).not.toBe(qaKey('a.qa.yaml', undefined, 'Q?'));
  });

  it('the hash covers exactly the payload: question and answer text', () => {
    const h = (t: string) => run(t).extract.items[0]!.hash;
    const base = h('- q: How much?\n  a: Ten.\n');
    expect(h('- question: How much?\n  answer: Ten.\n')).toBe(base); // alias spelling: same payload
    expect(h('- q: How much?\n  a: Ten.\n  category: x\n')).toBe(base);
    expect(h('- q: how much?\n  a: Ten.\n')).not.toBe(base); // same key, new content → update
    expect(h('- q: How much?\n  a: Eleven.\n')).not.toBe(base);
    expect(h('- id: p\n  q: How much?\n  a: Ten.\n')).toBe(base); // the id is not sent
    // Different payloads, different payload hashes.
    expect(payloadHash(qaPayload({ question: 'How much?', answer: 'Ten.' }))).not.toBe(
      payloadHash(qaPayload({ question: 'How much?', answer: 'Eleven.' })),
    );
  });
});

describe('Q&A: drafts and empty files', () => {
  it('draft entries are skipped and counted', () => {
    const r = run(
      '- q: A?\n  a: B\n- q: C?\n  a: D\n  draft: true\n- q: E?\n  draft: true\n- q: F?\n  a: G\n  draft: false\n',
    );
    expect(r.entries.map((e) => e.question)).toEqual(['A?', 'F?']);
    expect(r.extract.draftEntries).toBe(2);
    expect(r.extract.complete).toBe(true);
    expect(r.extract.issues).toEqual([]);
  });

  it('a file of drafts only has no items, no warning', () => {
    const r = run('- q: A?\n  a: B\n  draft: true\n');
    expect(r.extract.items).toEqual([]);
    expect(r.extract.draftEntries).toBe(1);
    expect(r.extract.issues).toEqual([]);
  });

  it('draft must be a boolean', () => {
    const r = oneIssue('- q: A?\n  a: B\n  draft: "yes"\n');
    expect(r.extract.issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(/draft/);
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# TODO: write the FAQ\n'],
    ['an empty list', '[]\n'],
    ['an empty questions list', 'questions: []\n'],
    ['an explicit null', '~\n'],
  ])('%s is a warning, and nothing is pushed', (_name, text) => {
    const r = oneIssue(text);
    expect(r.extract.items).toEqual([]);
    expect(r.extract.complete).toBe(true);
    expect(r.extract.issues[0]).toMatchObject({ file: FILE, severity: 'warning' });
  });
});

describe('Q&A: errors, located, and the whole file refused', () => {
  it.each([
    {
      name: 'a missing answer (at the entry)',
      text: '- q: A?\n  a: B\n- q: C?\n',
      at: [3, 3],
      message: /answer is missing/,
    },
    { name: 'a missing question', text: '- q: A?\n  a: B\n-   a: D\n', at: [3, 5], message: /question is missing/ },
    {
      name: 'a number as answer',
      text: '- q: A?\n  a: 42\n',
      at: [2, 6],
      message: /answer must be text, not a number/,
    },
    {
      name: 'a boolean as answer',
      text: '- q: Is it free?\n  a: yes\n- q: Really?\n  a: true\n',
      at: [4, 6],
      message: /answer must be text, not a boolean/,
    },
    {
      name: 'a list as answer',
      text: '- q: A?\n  a:\n    - x\n',
      at: [3, 5],
      message: /answer must be text, not a list/,
    },
    { name: 'an empty answer', text: '- q: A?\n  a: ""\n', at: [2, 6], message: /answer is empty/ },
    { name: 'a null answer', text: '- q: A?\n  a:\n', at: [2, 5], message: /answer is empty/ },
    {
      name: 'both question and q',
      text: '- q: A?\n  question: A?\n  a: B\n',
      at: [1, 3],
      message: /either "question" or "q"/,
    },
    {
      name: 'both answer and a',
      text: '- q: A?\n  a: B\n  answer: C\n',
      at: [1, 3],
      message: /either "answer" or "a"/,
    },
    { name: 'a scalar entry', text: '- q: A?\n  a: B\n- just text\n', at: [3, 3], message: /must be a mapping/ },
    { name: 'a scalar document', text: 'hello\n', at: [1, 1], message: /list of questions/ },
    {
      name: 'a mapping without a list of questions',
      text: 'title: FAQ\nentries:\n  - q: A?\n    a: B\n',
      at: [1, 1],
      message:
        /list of questions, or a mapping with the list under one of "questions", "items", "sections" or "faqs" .*this mapping has "title", "entries"/,
    },
    {
      name: 'questions that are not a list',
      text: 'questions: nope\n',
      at: [1, 12],
      message: /"questions" must be a list/,
    },
    {
      name: 'groups two levels deep',
      text: '- category: X\n  questions:\n    - title: Y\n      questions:\n        - q: A?\n          a: B\n',
      at: [3, 7],
      message: /one level deep/,
    },
    { name: 'a duplicate YAML key', text: '- q: A?\n  a: B\n  a: C\n', at: [3, 3], message: /unique/ },
    { name: 'a YAML syntax error', text: '- q: A?\n  a: B\n- q: [C\n  a: D\n', at: [4, 3], message: /invalid YAML/ },
    { name: 'a tab-indented entry', text: '- q: A?\n\ta: B\n', at: [2], message: /invalid YAML/ },
    {
      name: 'an id that is a list',
      text: '- id: [1]\n  q: A?\n  a: B\n',
      at: [1, 7],
      message: /"id" must be a string/,
    },
    { name: 'an empty id', text: '- id: " "\n  q: A?\n  a: B\n', at: [1, 7], message: /"id" is empty/ },
  ])('$name', ({ text, at, message }) => {
    const r = oneIssue(text);
    expect(r.extract.items).toEqual([]);
    expect(r.entries).toEqual([]);
    expect(r.extract.complete).toBe(false);
    const i = r.extract.issues[0]!;
    expect(i.severity).toBe('error');
    expect(i.message).toMatch(message);
    // Line and column where given (a tab's column is the parser's call).
    expect([i.line, i.column].slice(0, at.length)).toEqual(at);
  });

  it('a missing answer reads as file:line:col answer is missing', () => {
    const r = oneIssue('- q: A?\n  a: B\n\n- q: C?\n');
    expect(formatFileIssue(r.extract.issues[0]!)).toBe(
      `${FILE}:4:3 answer is missing: the entry has "q"; the accepted keys are "answer", "a", "content" (set "qa.answer" in sync.config.json to read others)`,
    );
  });

  it('a duplicate question is an error naming both lines (case and punctuation do not make it different)', () => {
    const r = oneIssue(
      '- q: How much is it?\n  a: Ten.\n- q: Where?\n  a: Online.\n- q: how much is it\n  a: Eleven.\n',
    );
    const i = r.extract.issues[0]!;
    expect(i).toMatchObject({ line: 5, severity: 'error' });
    expect(i.message).toMatch(/duplicate question/);
    expect(i.message).toContain('line 1');
    expect(r.extract.complete).toBe(false);
  });

  it('a duplicate across groups is still a duplicate', () => {
    const r = oneIssue(
      '- category: A\n  questions:\n    - q: Same?\n      a: One.\n- category: B\n  questions:\n    - q: Same?\n      a: Two.\n',
    );
    expect(r.extract.issues[0]).toMatchObject({ line: 7 });
    expect(r.extract.issues[0]!.message).toContain('line 3');
  });

  it('a duplicate id is an error naming both lines', () => {
    const r = oneIssue('- id: x\n  q: A?\n  a: B\n- id: x\n  q: C?\n  a: D\n');
    expect(r.extract.issues[0]).toMatchObject({ line: 4, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(/duplicate id "x"/);
    expect(r.extract.issues[0]!.message).toContain('line 1');
  });

  it('the same question under two different ids is not a duplicate', () => {
    expect(pairs('- id: a\n  q: Same?\n  a: One.\n- id: b\n  q: Same?\n  a: Two.\n')).toEqual([
      ['Same?', 'One.'],
      ['Same?', 'Two.'],
    ]);
  });

  it('an entry repeated through a YAML alias is a duplicate located at the alias', () => {
    const r = oneIssue('- &x {q: A?, a: B}\n- *x\n');
    expect(r.extract.issues[0]).toMatchObject({ line: 2 });
    expect(r.extract.issues[0]!.message).toContain('line 1');
  });

  it('more than one YAML document is an error at the second document', () => {
    const r = oneIssue('- q: A?\n  a: B\n---\n- q: C?\n  a: D\n');
    expect(r.extract.issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(/more than one YAML document/);
    expect(r.extract.complete).toBe(false);
  });

  it('more entries than maxItemsPerFile is an error', () => {
    const r = run('- q: A?\n  a: 1a\n- q: B?\n  a: 2b\n- q: C?\n  a: 3c\n', { maxItemsPerFile: 2 });
    expect(r.extract.items).toEqual([]);
    expect(r.extract.issues).toMatchObject([{ line: 5, severity: 'error' }]);
    expect(r.extract.issues[0]!.message).toMatch(/maxItemsPerFile/);
  });
});

describe('Q&A: hostile YAML', () => {
  it.each([
    ['as the questions list', 'questions: *i'],
    ['as an answer', 'questions:\n  - q: A?\n    a: *i'],
    ['as a group', 'questions:\n  - category: X\n    questions: *i'],
  ])('an alias bomb (billion laughs) %s is an error, not an expansion (timed by npm run bench)', (_name, target) => {
    const r = run(laughsQa(target));
    expect(r.extract.complete).toBe(false);
    expect(r.extract.items).toEqual([]);
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]!.severity).toBe('error');
  });

  it('many aliases of scalars are refused past the budget', () => {
    const entries = Array.from({ length: 60 }, (_, i) => `  - q: Question ${i}?\n    a: *ans`).join('\n');
    const r = run(`shared: &ans The same answer.\nquestions:\n${entries}\n`);
    expect(r.extract.complete).toBe(false);
    expect(r.extract.issues[0]!.message).toMatch(/aliases/);
  });

  it('a few aliases are fine', () => {
    const r = run('shared: &ans The same answer.\nquestions:\n  - q: One?\n    a: *ans\n  - q: Two?\n    a: *ans\n');
    expect(r.entries.map((e) => e.answer)).toEqual(['The same answer.', 'The same answer.']);
  });

  it.each([
    [
      'a JavaScript function tag',
      '- q: A?\n  a: !!js/function "function(){ globalThis.__kbSyncPwned = 1; return 1 }"\n',
      'function(){ globalThis.__kbSyncPwned = 1; return 1 }',
    ],
    ['an unknown tag', '- q: A?\n  a: !shell "echo pwned"\n', 'echo pwned'],
  ])('%s is read as plain text, never run', (_name, text, literal) => {
    const r = run(text);
    expect(r.entries.map((e) => e.answer)).toEqual([literal]);
    expect((globalThis as Record<string, unknown>).__kbSyncPwned).toBeUndefined();
  });
});

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/qa');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

describe('Q&A: the shapes real repositories use (test/fixtures/qa)', () => {
  const read = (name: string, settings = S) => {
    const r = extractQa(fixture(name), name, settings);
    expect(r.extract.issues).toEqual([]);
    expect(r.extract.complete).toBe(true);
    return r.entries;
  };

  it('Microsoft Learn YamlMime:FAQ: sections[].questions[], named by the section', () => {
    const e = read('learn-faq.yml');
    expect(e.map((x) => x.category)).toEqual(['General Information', 'General Information', expect.any(String)]);
    expect(e[0]!.question).toBe('What is the Microsoft Update feature in PowerShell?');
    expect(e[0]!.answer).toMatch(
      /^The Microsoft Update feature of PowerShell allows you to get the latest PowerShell 7\n/,
    );
    expect(e[0]!.answer).toContain('\n\n- On your schedule\n');
    expect(e[0]!.line).toBe(16);
  });

  it('entries keyed title/content (falco-website)', () => {
    const e = read('falco-faq.yaml');
    expect(e.map((x) => x.question)).toEqual([
      'What is runtime security and how does Falco help?',
      'How do I explain to someone what Falco does in a nutshell?',
    ]);
    expect(e[0]!.answer).toContain('\n- Privilege escalation attacks');
  });

  it('categories of items (GeyserWiki): the category title names the group, entries are title/content', () => {
    const e = read('geyser-faq.yml');
    expect(e.map((x) => [x.category, x.question])).toEqual([
      ['Frequently Asked Questions', 'How Does it Work?'],
      ['Frequently Asked Questions', 'So, how does Redstone work?'],
      ['Questions not related to gameplay', 'What is the relationship between CubeCraft and Geyser?'],
      ['Questions not related to gameplay', 'Does CubeCraft use Geyser?'],
    ]);
  });

  it('a trailing empty YAML document (DAPLink) is fine; a dummy null key is ignored', () => {
    expect(read('daplink-faq.yml').map((x) => x.question)).toEqual([
      'What is DAPLink?',
      'What operating systems are DAPLink debuggers compatible with?',
    ]);
    const r = extractQa('- q: A?\n  a: B\n---\n- q: C?\n  a: D\n', FILE, S);
    expect(r.extract.issues[0]).toMatchObject({ line: 3, severity: 'error' });
  });

  it('multi-line questions are pushed on one line (kratos); answers keep their line breaks', () => {
    const e = read('kratos-faq.yaml');
    expect(e[0]!.question).toBe(
      'Is it possible to pass multiple system.secret values through the ENV, or do you have to use a config file for that?',
    );
    expect(e[0]!.answer.split('\n').length).toBeGreaterThan(2);
    expect(qaPayload(e[0]!).content).not.toContain('\n');
  });

  it('a mapping keyed by language (VLCTechFest): one group per key', () => {
    const e = read('vlc-faq.yaml');
    expect(e.map((x) => x.category)).toEqual(['es', 'es', 'en', 'en', 'ca', 'ca']);
    expect(e[0]!.question).toBe('¿A quién va dirigido VLCTechFest?');
  });

  it('the accepted keys are a setting; a refused entry names its keys and the accepted ones', () => {
    const text = '- Frage: Wie?\n  Antwort: So.\n';
    const refused = extractQa(text, FILE, S);
    expect(refused.extract.issues[0]).toMatchObject({ line: 1, column: 3, severity: 'error' });
    expect(refused.extract.issues[0]!.message).toBe(
      'question is missing: the entry has "Frage", "Antwort"; the accepted keys are "question", "q", "title" (set "qa.question" in sync.config.json to read others)',
    );
    const qa = { question: ['Frage'], answer: ['Antwort'], groups: ['Fragen'], groupName: ['Thema'] };
    expect(extractQa(text, FILE, { ...S, qa }).entries.map((x) => [x.question, x.answer])).toEqual([['Wie?', 'So.']]);
    const grouped = extractQa('- Thema: Versand\n  Fragen:\n    - Frage: Wie?\n      Antwort: So.\n', FILE, {
      ...S,
      qa,
    });
    expect(grouped.entries.map((x) => x.category)).toEqual(['Versand']);
  });
});

describe('Q&A in CSV and JSON', () => {
  it("CSV: a header row names the columns; quoted multi-line cells; blank rows skipped; each item on its row's line", () => {
    const r = extractQa(fixture('helpdesk.qa.csv'), 'helpdesk.qa.csv', S);
    expect(r.extract.issues).toEqual([]);
    expect(r.entries.map((x) => [x.question, x.answer, x.line])).toEqual([
      ['How do I reset my password?', 'Open Settings, then Security.\nClick "Reset password".', 2],
      ['Do you ship abroad?', 'Yes, to 40 countries.', 5],
      ['Can I pay by invoice?', 'Only on the Business plan.', 7],
    ]);
  });

  it.each([
    [
      'semicolons',
      'Frage;Antwort\nWie?;So, genau.\n',
      { question: ['frage'], answer: ['antwort'] },
      [['Wie?', 'So, genau.']],
    ],
    ['tabs and an id column', 'id\tq\ta\nx1\tA?\tB\n', {}, [['A?', 'B']]],
  ])('CSV with %s', (_name, text, fields, want) => {
    const qa = {
      ...{ question: ['question', 'q'], answer: ['answer', 'a'], groups: ['x'], groupName: ['y'] },
      ...fields,
    };
    const r = extractQa(text, 'f.qa.csv', { ...S, qa });
    expect(r.extract.issues).toEqual([]);
    expect(r.entries.map((x) => [x.question, x.answer])).toEqual(want);
  });

  it.each([
    [
      'no question column',
      'Subject,Body\nA,B\n',
      1,
      /the header row names no question column: it has "Subject", "Body"; name one one of "question", "q" or "title"/,
    ],
    ['an empty answer on row 3', 'question,answer\nA?,B\nC?,\n', 3, /row 3: the answer \(column "answer"\) is empty/],
    ['a broken quote', 'question,answer\nA?,"B\nC?,D\n', 2, /invalid CSV/],
    ['a duplicate question', 'question,answer\nA?,B\nA?,C\n', 3, /duplicate question \(also on line 2\)/],
  ])('CSV: %s is a located error', (_name, text, line, message) => {
    const r = extractQa(text, 'f.qa.csv', S);
    expect(r.extract.complete).toBe(false);
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]).toMatchObject({ file: 'f.qa.csv', line, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(message);
  });

  it('JSON: the same shapes as YAML, errors at line:col', () => {
    const r = extractQa(fixture('helpdesk.qa.json'), 'helpdesk.qa.json', S);
    expect(r.extract.issues).toEqual([]);
    expect(r.entries.map((x) => [x.key, x.question, x.line])).toEqual([
      ['qa:helpdesk.qa.json#id:reset', 'How do I reset my password?', 3],
      [expect.stringContaining('#q:do you ship abroad'), 'Do you ship abroad?', 4],
    ]);
    const bad = extractQa('[\n  {"q": "A?", "a": "B"},\n  {"q": "C?", "a": "D}\n]\n', 'x.qa.json', S);
    expect(bad.extract.issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(bad.extract.issues[0]!.message).toMatch(/^invalid JSON/);
  });
});
