import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { fit, fitMiddle, table } from '../../src/util/table.js';

/** Tables line up whatever the text (wide, combining, hostile), and fit a terminal without cutting ids. */

const lines = (t: string) => t.split('\n');
/** Column start of `needle` in each line, in terminal columns. */
const colOf = (line: string, needle: string) => stringWidth(line.slice(0, line.indexOf(needle)));

describe('table', () => {
  it('aligns columns after wide CJK, emoji and combining text', () => {
    const t = table(
      ['TITLE', 'ID'],
      [
        ['配送ラベルの作り方', 'id-1'],
        ['Café crème (e\u0301)', 'id-2'],
        ['👩‍💻 for developers', 'id-3'],
        ['plain', 'id-4'],
      ],
    );
    const starts = lines(t).map((l, i) => colOf(l, i === 0 ? 'ID' : `id-${i}`));
    expect(new Set(starts).size).toBe(1);
  });

  it('shows hostile cells on one line with controls escaped', () => {
    const t = table(['TITLE', 'FILE'], [['Title\n::error file=README.md,line=1::SPOOFED', '\u001b[2Jx.md']], {
      maxWidth: 200,
    });
    expect(lines(t)).toHaveLength(2);
    expect(t).not.toContain('\u001b');
    expect(t).toContain('\\n::error');
    expect(t).toContain('\\x1b[2Jx.md');
  });

  it('fits a width: the widest columns give first, kept columns (ids) stay whole', () => {
    const id = 'c3f1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b';
    const rows = Array.from({ length: 5 }, (_, i) => [
      id.replace('c3', `c${i}`),
      '2026-11-01 12:00',
      'OPEN',
      'yes',
      'customer',
      `A long last message number ${i} that goes on and on about shipping labels and refunds`,
    ]);
    const t = table(['SESSION', 'CREATED', 'STATUS', 'READ', 'LAST BY', 'LAST MESSAGE'], rows, {
      width: 80,
      keep: [0],
    });
    for (const l of lines(t)) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    for (const r of rows) expect(t).toContain(r[0]);
    expect(t).toContain('…');
  });

  it('cuts the middle of paths and URLs so that their identifying end stays', () => {
    const file = 'knowledge/guides/shipping/international/customs/returns-and-refunds-policy.md';
    const t = table(['WAS IN'], [[file]], { maxWidth: 40, middle: [0] });
    const cell = lines(t)[1]?.trim() ?? '';
    expect(stringWidth(cell)).toBeLessThanOrEqual(40);
    expect(cell).toMatch(/^knowledge/);
    expect(cell).toMatch(/returns-and-refunds-policy\.md$/);
    expect(cell).toContain('…');
  });

  it('paints a cell after measuring it', () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    const t = table(
      ['A', 'B'],
      [
        [{ text: 'FAIL', paint: red }, 'x'],
        ['pass', 'y'],
      ],
    );
    const [, l1, l2] = lines(t);
    expect(l1).toContain(red('FAIL'));
    expect(colOf(l1 ?? '', 'x')).toBe(colOf(l2 ?? '', 'y'));
  });
});

describe('fit and fitMiddle', () => {
  it('never exceed the width and never split a grapheme', () => {
    for (const s of ['配送ラベルの作り方とその他の質問', '👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦', 'e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301']) {
      for (let w = 1; w <= 12; w++) {
        for (const cut of [fit(s, w), fitMiddle(s, w)]) {
          expect(stringWidth(cut)).toBeLessThanOrEqual(w);
          expect(cut.replace('…', '')).not.toMatch(/^\u0301|\u200d$/);
        }
      }
    }
  });
});
