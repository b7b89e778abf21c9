/** Display width of a string in a terminal: wide (CJK, emoji) characters count 2, combining marks 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s.replace(/\x1b\[[0-9;]*m/g, '')) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (/\p{Mn}|\p{Me}|\u200d/u.test(ch)) continue;
    if (
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
    ) {
      w += 2;
    } else {
      w += 1;
    }
  }
  return w;
}

/** Cut to a display width, with an ellipsis. */
export function fit(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  for (const ch of s) {
    if (displayWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** A plain text table: columns padded to their widest cell (cells cut to `maxWidth`). */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { maxWidth?: number; indent?: string } = {},
): string {
  const max = opts.maxWidth ?? 48;
  const cells = [headers, ...rows].map((r) => r.map((c) => fit(c, max)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i] ?? ''))));
  const indent = opts.indent ?? '  ';
  return cells
    .map((r) =>
      (
        indent +
        r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] as number) - displayWidth(c)))).join('  ')
      ).trimEnd(),
    )
    .join('\n');
}
