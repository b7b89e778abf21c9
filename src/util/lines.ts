/** 1-based line and column of a character offset in a text. */
export function lineColAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: end - lastNl };
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  return lineColAt(text, offset).line;
}
