import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, firstInvalidUtf8, longLine } from '../../src/extract/text.js';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));

function text(b: Uint8Array): string {
  const r = decodeText(b, 'f.md');
  if ('issue' in r) throw new Error(`unexpected issue: ${r.issue.message}`);
  return r.text;
}

function issue(b: Uint8Array) {
  const r = decodeText(b, 'f.md');
  if (!('issue' in r)) throw new Error(`expected an issue, got text ${JSON.stringify(r.text)}`);
  return r.issue;
}

describe('decodeText: valid text', () => {
  it.each([
    ['plain ASCII', enc('a\nb\n'), 'a\nb\n'],
    ['UTF-8 with accents and emoji', enc('café ☕ 😀\n'), 'café ☕ 😀\n'],
    ['a UTF-8 byte-order mark is dropped', bytes([0xef, 0xbb, 0xbf], 'title\n'), 'title\n'],
    ['CRLF becomes LF', enc('a\r\nb\r\n'), 'a\nb\n'],
    ['a lone CR becomes LF', enc('a\rb\r'), 'a\nb\n'],
    ['mixed line ends', enc('a\r\nb\rc\nd'), 'a\nb\nc\nd'],
    ['CR CR LF is two line ends', enc('a\r\r\nb'), 'a\n\nb'],
    ['BOM and CRLF together', bytes([0xef, 0xbb, 0xbf], '---\r\ntitle: x\r\n---\r\n'), '---\ntitle: x\n---\n'],
    ['empty', new Uint8Array(0), ''],
    ['only a BOM', new Uint8Array([0xef, 0xbb, 0xbf]), ''],
    ['a BOM-like character later in the text is kept', enc('a\ufeffb'), 'a\ufeffb'],
    ['a doubled byte-order mark is dropped whole', bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], 'title\n'), 'title\n'],
    [
      'three marks before frontmatter',
      bytes([0xef, 0xbb, 0xbf], '\ufeff\ufeff---\ntitle: x\n---\n'),
      '---\ntitle: x\n---\n',
    ],
    ['a mark after the first character is kept', enc('\ufeffa\ufeffb'), 'a\ufeffb'],
  ])('%s', (_name, input, want) => {
    expect(text(input)).toBe(want);
  });

  it('a subarray view (non-zero byteOffset) is decoded from its own bytes only', () => {
    const backing = Buffer.from('XXXXhello\r\nworld');
    expect(text(new Uint8Array(backing.buffer, backing.byteOffset + 4, backing.length - 4))).toBe('hello\nworld');
  });
});

describe('decodeText: refused content, located', () => {
  it.each([
    ['UTF-16 LE byte-order mark', bytes([0xff, 0xfe], [0x61, 0x00]), /UTF-16/],
    ['UTF-16 BE byte-order mark', bytes([0xfe, 0xff], [0x00, 0x61]), /UTF-16/],
  ])('%s → an error at 1:1', (_name, input, msg) => {
    const i = issue(input);
    expect(i).toMatchObject({ file: 'f.md', line: 1, column: 1, severity: 'error' });
    expect(i.message).toMatch(msg);
  });

  it.each([
    ['at the start', bytes([0]), 1, 1],
    ['mid line', enc('abc\0'), 1, 4],
    ['on line 3', enc('one\ntwo\nab\0cd'), 3, 3],
    ['after multi-byte characters (columns count characters)', enc('é😀\0'), 1, 3],
    ['after CRLF lines', enc('a\r\nb\r\nxy\0'), 3, 3],
    ['after lone-CR lines (CR is a line end too)', enc('a\rb\rxy\0'), 3, 3],
    ['after a BOM (the BOM is not a column)', bytes([0xef, 0xbb, 0xbf], 'ab\0'), 1, 3],
    ['after two BOMs (neither is a column)', bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], 'ab\0'), 1, 3],
  ])('a NUL byte %s → binary content at %i:%i', (_name, input, line, column) => {
    const i = issue(input);
    expect(i).toMatchObject({ line, column, severity: 'error' });
    expect(i.message).toMatch(/binary|NUL/);
  });

  it.each([
    ['a lone continuation byte', bytes('ab', [0x80]), 1, 3],
    ['Latin-1 é on line 2', bytes('first\ncaf', [0xe9], '\n'), 2, 4],
    ['a truncated 3-byte sequence at the end', bytes('x\ny', [0xe2, 0x82]), 2, 2],
    ['an overlong encoding of "/"', bytes('ab', [0xc0, 0xaf]), 1, 3],
    ['a UTF-16 surrogate encoded in UTF-8', bytes('a', [0xed, 0xa0, 0x80]), 1, 2],
    ['a code point above U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80]), 1, 1],
    ['after valid multi-byte text', bytes('€€\n€', [0xff]), 2, 2],
  ])('invalid UTF-8 (%s) → an error at %i:%i', (_name, input, line, column) => {
    const i = issue(input);
    expect(i).toMatchObject({ file: 'f.md', line, column, severity: 'error' });
    expect(i.message).toMatch(/UTF-8/);
  });
});

describe('firstInvalidUtf8', () => {
  it('is the length for valid UTF-8', () => {
    expect(firstInvalidUtf8(enc('héllo 😀'))).toBe(Buffer.byteLength('héllo 😀'));
    expect(firstInvalidUtf8(new Uint8Array(0))).toBe(0);
  });

  /**
   * The offset is the longest valid prefix, as Node's own validator judges it: the prefix before
   * it is valid UTF-8 and every longer prefix is not.
   */
  const check = (b: Uint8Array) => {
    const at = firstInvalidUtf8(b);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(b.length);
    expect(isUtf8(b.subarray(0, at))).toBe(true);
    if (at === b.length) expect(isUtf8(b)).toBe(true);
    for (let k = at + 1; k <= b.length; k++) expect(isUtf8(b.subarray(0, k))).toBe(false);
  };

  it('agrees with isUtf8 on prefixes, for arbitrary bytes', () => {
    // Bias towards the interesting region: lead bytes, continuation bytes and boundaries.
    const interesting = fc.constantFrom(
      0x00,
      0x41,
      0x7f,
      0x80,
      0x8f,
      0x90,
      0x9f,
      0xa0,
      0xbf,
      0xc0,
      0xc1,
      0xc2,
      0xdf,
      0xe0,
      0xed,
      0xef,
      0xf0,
      0xf4,
      0xf5,
      0xff,
    );
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), interesting);
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }), (arr) => check(new Uint8Array(arr))),
      { numRuns: 2000 },
    );
  });

  it('agrees with isUtf8 on valid text with one byte corrupted or cut', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (s, pos, val, cut) => {
          const b = enc(s);
          if (b.length === 0) return;
          const i = pos % b.length;
          const c = cut ? b.subarray(0, i) : Uint8Array.from(b, (x, k) => (k === i ? val : x));
          check(c);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('longLine', () => {
  it.each([
    ['', 5, undefined],
    ['abc\nde', 3, undefined],
    ['abc\nabcdef\nab', 5, { line: 2, length: 6 }],
    ['abcdef', 5, { line: 1, length: 6 }],
    ['a\n\n\nxxxxxx', 5, { line: 4, length: 6 }],
  ])('%j with a limit of %i → %o', (t, max, want) => {
    expect(longLine(t, max)).toEqual(want);
  });
});
