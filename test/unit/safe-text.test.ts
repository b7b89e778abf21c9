import { describe, expect, it } from 'vitest';
import { noWorkflowCommands, safeBlock, safeText, terminalSafe } from '../../src/util/safe-text.js';

/** Untrusted text on a terminal or in a CI log: one line, controls visible, no workflow commands. */

describe('safeText', () => {
  it('puts a Q&A question with a spoofed annotation on one line', () => {
    const q = 'How do I reset?\n::error file=README.md,line=1::SPOOFED ANNOTATION\r\n::stop-commands::abc';
    const shown = safeText(q);
    expect(shown).not.toMatch(/[\n\r]/);
    expect(shown).toBe('How do I reset?\\n::error file=README.md,line=1::SPOOFED ANNOTATION\\r\\n::stop-commands::abc');
  });

  it('escapes ESC, BEL, other C0, DEL and C1 controls, line separators and bidi overrides', () => {
    expect(safeText('\u001b[2J\u001b]0;pwned\u0007Title')).toBe('\\x1b[2J\\x1b]0;pwned\\x07Title');
    expect(safeText('a\tb\u0000c\u007fd')).toBe('a\\tb\\x00c\\x7fd');
    expect(safeText('x\u009b31my\u0085z')).toBe('x\\x9b31my\\x85z');
    expect(safeText('p\u2028q\u2029r')).toBe('p\\u2028q\\u2029r');
    expect(safeText('file\u202egnp.md')).toBe('file\\u202egnp.md');
  });

  it('keeps printable text of any script as it is', () => {
    for (const s of ['Café crème', '配送ラベルの作り方', 'Доставка', '👩‍💻 emoji', 'שלום', 'std::vector<int>'])
      expect(safeText(s)).toBe(s);
  });
});

describe('safeBlock', () => {
  it('keeps line breaks (CRLF and CR become LF) and escapes every other control', () => {
    expect(safeBlock('one\r\ntwo\rthree\n\u001b[31mred\u0007')).toBe('one\ntwo\nthree\n\\x1b[31mred\\x07');
  });
});

describe('terminalSafe', () => {
  it('keeps our colours when colour is on, escapes any other ESC sequence and control', () => {
    const ours = '\u001b[32m✔\u001b[39m done';
    expect(terminalSafe(ours, true)).toBe(ours);
    expect(terminalSafe(ours, false)).toBe('\\x1b[32m✔\\x1b[39m done');
    expect(terminalSafe('title \u001b]8;;http://evil\u0007x\n\u001b[2Jnext', true)).toBe(
      'title \\x1b]8;;http://evil\\x07x\n\\x1b[2Jnext',
    );
  });
});

describe('noWorkflowCommands', () => {
  it('keeps any line from starting a workflow command, after any leading white space', () => {
    const text = [
      '::error file=README.md,line=1::SPOOFED',
      '  ::stop-commands::abc',
      '\u00a0\u3000::warning::x',
      'fine :: in the middle',
      'a\r::notice::after a CR',
    ].join('\n');
    const lines = noWorkflowCommands(text).split(/\r|\n/);
    for (const l of lines) expect(l.trimStart()).not.toMatch(/^::/);
    expect(lines).toContain('fine :: in the middle');
    expect(lines[0]).toBe('\\::error file=README.md,line=1::SPOOFED');
  });
});
