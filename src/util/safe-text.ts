/**
 * Untrusted text on a terminal or in a CI log. Titles, questions, file names, remote ids and what a
 * server says come from strangers (a pull request, a hostile server); shown raw they can move the
 * cursor, rewrite the screen (ESC sequences), ring the bell, spoof lines of our own output with a
 * newline, or start a GitHub Actions workflow command (`::error …`, `::stop-commands::…`).
 *
 * `safeText` is the one function every human renderer (src/report, src/cli, the table util) passes
 * untrusted strings through: one line, every control character shown as an escape. `--json`
 * does not use it (JSON escaping already covers control characters, and the document stays exact).
 */

/** C0 controls, DEL, C1 controls; line and paragraph separators; bidirectional overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but a newline (and the SGR colour sequences our own output paints with) may stay. */
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SGR = /\u001b\[[0-9;]*m/y;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * An untrusted string as one line: `\n`, `\r` and `\t` shown as those two characters, every other
 * control (C0, DEL, C1 — ESC, BEL…), line separator and bidirectional override as `\xHH`/`\uHHHH`.
 * Printable text of any script (CJK, emoji, accents) is kept as it is.
 */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/**
 * A block of untrusted text whose line breaks are meant (a bot's reply, a transcript): lines kept
 * (CRLF and CR become a line break), every other control escaped as `safeText` does.
 */
export function safeBlock(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(UNSAFE_BUT_NEWLINE, escapeChar);
}

/**
 * The backstop applied to everything the CLI prints for people (src/cli/output.ts): whatever a
 * renderer forgot, no raw control character reaches the terminal. Line breaks stay (the text is
 * the tool's own lines), and so do SGR colour sequences when `keepColor` (our own paint); any
 * other ESC sequence is shown escaped.
 */
export function terminalSafe(text: string, keepColor: boolean): string {
  let out = '';
  let last = 0;
  UNSAFE_BUT_NEWLINE.lastIndex = 0;
  for (let m = UNSAFE_BUT_NEWLINE.exec(text); m !== null; m = UNSAFE_BUT_NEWLINE.exec(text)) {
    if (keepColor && m[0] === '\u001b') {
      SGR.lastIndex = m.index;
      const sgr = SGR.exec(text);
      if (sgr) {
        UNSAFE_BUT_NEWLINE.lastIndex = m.index + sgr[0].length;
        continue;
      }
    }
    out += text.slice(last, m.index) + escapeChar(m[0]);
    last = m.index + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Untrusted text as a cell of a Markdown table (the job summary): one line (safeText), and the
 * characters Markdown acts on inside a cell backslash-escaped, `&` and `<` as entities, so that a
 * title cannot add an image, a link, emphasis, raw HTML or a table column.
 */
export function markdownCell(s: string): string {
  return safeText(s)
    .replace(/[\\`*_[\]!|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

/**
 * GitHub Actions reads a line of a step's output (stdout or stderr) as a workflow command when it
 * starts with `::` after leading white space. A line we print for people never should: such a line
 * gets a backslash before its `::` (`\::error …`), which the runner ignores and a person still reads.
 * Only the tool's own commands (Output.command: annotations) bypass this.
 */
export function noWorkflowCommands(text: string): string {
  // .NET's TrimStart (the runner) trims Unicode white space, NEL (U+0085) included.
  // `^` with the m flag starts after \n, \r, U+2028 and U+2029: the runner splits lines at \r too.
  return text.replace(/^((?:[^\S\r\n\u2028\u2029]|\u0085)*)::/gm, '$1\\::');
}
