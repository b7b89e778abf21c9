import { isUtf8 } from 'node:buffer';
import type { FileIssue } from '../errors.js';

/**
 * Decode a text kind's bytes: UTF-8 only (a UTF-8 byte-order mark is dropped), CRLF and lone CR
 * become LF. Binary content and other encodings are a located error, not a crash.
 *
 * Every byte-order mark at the start is dropped, not only the first: a doubled mark comes from a
 * tool that added one to text that already had one (concatenation, an editor or a shell
 * redirection re-encoding the file), and a second U+FEFF kept as text would hide the frontmatter
 * (`---` must open the file) and the title heading. A U+FEFF anywhere else is kept.
 */
export function decodeText(bytes: Uint8Array, file: string): { text: string } | { issue: FileIssue } {
  if (bytes.length >= 2) {
    const b0 = bytes[0];
    const b1 = bytes[1];
    if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
      return {
        issue: {
          file,
          line: 1,
          column: 1,
          severity: 'error',
          message: 'the file is UTF-16 (or UTF-32) encoded; save it as UTF-8',
        },
      };
    }
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, column } = byteLineCol(bytes, nul);
    return { issue: { file, line, column, severity: 'error', message: 'binary content (a NUL byte) in a text file' } };
  }
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const { line, column } = byteLineCol(bytes, at);
    return {
      issue: { file, line, column, severity: 'error', message: 'the file is not valid UTF-8; save it as UTF-8' },
    };
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let marks = 0;
  while (text.charCodeAt(marks) === 0xfeff) marks++;
  if (marks > 0) text = text.slice(marks);
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return { text };
}

/**
 * 1-based line and column (in characters) of a byte offset, as the decoded text will have it: a
 * lone CR ends a line (it becomes LF), and the leading UTF-8 byte-order marks are not columns.
 */
function byteLineCol(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  let bom = 0;
  while (bytes[bom] === 0xef && bytes[bom + 1] === 0xbb && bytes[bom + 2] === 0xbf) bom += 3;
  for (let i = Math.min(bom, offset); i < offset; i++) {
    const b = bytes[i]!;
    if (b === 10 || (b === 13 && bytes[i + 1] !== 10)) {
      line++;
      col = 1;
    } else if (b !== 13 && (b & 0xc0) !== 0x80) {
      col++;
    }
  }
  return { line, column: col };
}

/** Offset of the first byte that breaks UTF-8. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    if (i + n >= b.length && n > 0) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    if (n === 2) {
      const c1 = b[i + 1]!;
      if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return i;
    } else if (n === 3) {
      const c1 = b[i + 1]!;
      if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** The first line longer than `max` characters, or undefined. */
export function longLine(text: string, max: number): { line: number; length: number } | undefined {
  let start = 0;
  let line = 1;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    if (end - start > max) return { line, length: end - start };
    if (nl === -1) return undefined;
    start = nl + 1;
    line++;
  }
}
