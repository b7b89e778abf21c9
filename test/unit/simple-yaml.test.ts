import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSimpleYaml } from '../../src/extract/simple-yaml.js';

/** The frontmatter fast path must agree with the real YAML parser whenever it answers. */

const real = (src: string): unknown => {
  try {
    return parse(src, { uniqueKeys: true });
  } catch {
    return Symbol.for('error');
  }
};

describe('parseSimpleYaml', () => {
  it.each([
    ['title: Create your first label\nid: first-label\n', { title: 'Create your first label', id: 'first-label' }],
    [
      'title: Hello\ntags: [a, b c]\ndraft: true\nsync: false\n',
      { title: 'Hello', tags: ['a', 'b c'], draft: true, sync: false },
    ],
    [
      'ms.date: x\nonline version: https://learn.example/x?view=1\n',
      { 'ms.date': 'x', 'online version': 'https://learn.example/x?view=1' },
    ],
    ['# comment\n\ntitle:\nempty: ~\nn: 42\nf: 3.5\nneg: -7x\n', undefined],
    ['title: 42\nid: 7\n', { title: 42, id: 7 }],
    ['title: été à Kyōto 京都\n', { title: 'été à Kyōto 京都' }],
  ])('%j', (src, want) => {
    const got = parseSimpleYaml(src);
    if (want === undefined) {
      expect(got).toBeUndefined();
    } else {
      expect(got).toEqual(want);
      expect(real(src)).toEqual(want);
    }
  });

  it.each([
    'title: "quoted"\n',
    "title: 'quoted'\n",
    'title: a: b\n',
    'title: x # comment\n',
    'title: x\ntitle: y\n',
    '  indented: x\n',
    'list:\n  - a\n',
    'aliases: [- %]\n',
    'aliases:\n- %\n',
    'when: 2024-01-01\n',
    'hex: 0x1F\n',
    'block: |\n  text\n',
    'anchor: &a x\n',
    'a: [b, [c]]\n',
    '__proto__: x\n',
  ])('leaves %j to the real parser', (src) => {
    expect(parseSimpleYaml(src)).toBeUndefined();
  });

  it('agrees with yaml on every input it accepts (generated)', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9 _.:#,\-[\]{}'"!?&*|>%@`~\t\u00e9\u4eac]{0,12}$/);
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_. -]{0,10}$/);
    const value = fc.oneof(
      word,
      fc.constantFrom(
        'true',
        'False',
        'NULL',
        '~',
        '',
        '0',
        '-0',
        '12',
        '012',
        '1.50',
        '-3.25',
        '.5',
        '1e3',
        '.inf',
        'yes',
        'no',
        '0x10',
        '0o7',
      ),
      fc.array(word, { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    );
    const line = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(key, value).map(([k, v]) => `${k}:${v === '' ? '' : ` ${v}`}`) },
      { weight: 1, arbitrary: fc.constantFrom('', '# note', '   ') },
    );
    const numRuns = Number(process.env.FC_RUNS ?? 3000);
    let answered = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        const src = `${lines.join('\n')}\n`;
        const fast = parseSimpleYaml(src);
        // Declining (undefined) is always allowed: the caller then asks the real parser.
        if (fast !== undefined) {
          answered++;
          expect(fast).toEqual(real(src) ?? {});
        }
      }),
      { numRuns },
    );
    // The comparison above ran often enough to mean something (not on a handful of inputs).
    expect(answered).toBeGreaterThan(numRuns / 10);
  });

  it('answers, and agrees with yaml, on the frontmatter most articles have (generated)', () => {
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/);
    const value = fc.oneof(
      fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' ')),
      fc.constantFrom('true', 'false', '42', '0', '3.5', 'null', '~'),
      fc.array(word, { maxLength: 4 }).map((ws) => `[${ws.join(', ')}]`),
    );
    const keys = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), {
      minLength: 1,
      maxLength: 6,
      selector: (k) => k,
    });
    fc.assert(
      fc.property(
        keys.chain((ks) => fc.tuple(fc.constant(ks), fc.array(value, { minLength: ks.length, maxLength: ks.length }))),
        ([ks, vs]) => {
          const src = `${ks.map((k, i) => `${k}: ${vs[i]}`).join('\n')}\n`;
          const fast = parseSimpleYaml(src);
          expect(fast, src).toBeDefined();
          expect(fast).toEqual(real(src));
        },
      ),
      { numRuns: 500 },
    );
  });
});
