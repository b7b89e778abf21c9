import path from 'node:path';

/**
 * Links and `markdown.baseUrl`: which destinations are relative, what they resolve to, and (for
 * the article's hash, without parsing) which relative destinations a source may hold.
 */

/**
 * A destination with a scheme, protocol-relative, or an in-page anchor: left as it is. So is one
 * that starts with ":" (no link does; `[System.IO.Path]::Combine` in PowerShell code does).
 */
export const ABSOLUTE = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#|:)/i;

/** The URL a file's relative links resolve against: `baseUrl` + the file's folder. */
export function linkBase(baseUrl: string, relPath: string): URL {
  const dir = path.posix.dirname(relPath);
  return new URL(
    dir === '.' ? '' : `${dir.split('/').map(encodeURIComponent).join('/')}/`,
    baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
  );
}

/** The absolute form of a relative destination, or undefined when it stays as it is. */
export function resolveLink(url: string, base: URL): string | undefined {
  if (url === '' || ABSOLUTE.test(url)) return undefined;
  try {
    return new URL(url, base).href;
  } catch {
    return undefined;
  }
}

/**
 * A resolved URL written back as a Markdown destination. WHATWG serialization already encodes
 * spaces and angle brackets; parentheses are encoded only when unbalanced (a bare destination
 * must balance them), and `&` only where it would read as a character reference.
 */
export function writeDestination(href: string, inAngles: boolean): string {
  let out = href.replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;');
  if (!inAngles) {
    let depth = 0;
    let balanced = true;
    for (const ch of out) {
      if (ch === '(') depth++;
      else if (ch === ')' && --depth < 0) balanced = false;
    }
    if (!balanced || depth !== 0) out = out.replace(/\(/g, '%28').replace(/\)/g, '%29');
  }
  return out;
}

/**
 * What of a file's folder its payload can depend on, found without parsing: the resolved form
 * of every destination-like text after `](` or `]:` that is relative (a superset of the real
 * links: one inside code counts too). A destination with backslash escapes or character
 * references is not resolved here; then the folder itself is returned, as a safe stand-in.
 * An article whose result is empty renders the same in any folder, so moving it is a move.
 */
export function folderDependence(source: string, baseUrl: string, relPath: string): string[] {
  const out: string[] = [];
  let base: URL | undefined;
  for (let i = source.indexOf(']'); i !== -1; i = source.indexOf(']', i + 1)) {
    const next = source[i + 1];
    if (next !== '(' && next !== ':') continue;
    const dest = /^[ \t]*\n?[ \t]*(?:<([^<>\n]*)>|([^\s<)]\S*?))(?=[\s)]|$)/.exec(source.slice(i + 2, i + 2 + 4096));
    const raw = dest?.[1] ?? dest?.[2];
    if (raw === undefined || raw === '' || ABSOLUTE.test(raw)) continue;
    if (raw.includes('\\') || raw.includes('&')) return [`folder:${path.posix.dirname(relPath)}`];
    base ??= linkBase(baseUrl, relPath);
    out.push(resolveLink(raw, base) ?? `folder:${path.posix.dirname(relPath)}:${raw}`);
  }
  return out;
}

/** Whether a chunk of source may hold a relative link (cheap; a superset). */
export function mayHaveRelativeLink(source: string): boolean {
  for (let i = source.indexOf(']'); i !== -1; i = source.indexOf(']', i + 1)) {
    const next = source[i + 1];
    if (next !== '(' && next !== ':') continue;
    const rest = /^[ \t]*\n?[ \t]*<?([^\s>)]*)/.exec(source.slice(i + 2, i + 2 + 4096));
    if (!rest || rest[1] === '' || !ABSOLUTE.test(rest[1]!)) return true;
  }
  return false;
}
