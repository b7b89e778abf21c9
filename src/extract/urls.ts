import type { FileIssue } from '../errors.js';
import { hashFields } from './hash.js';
import type { FileExtract, ItemMeta, Payload, ExtractSettings } from './types.js';

/**
 * URL lists (one `URL` item per line). Blank lines and `#` comments (whole line, or after
 * whitespace) are ignored. A bad line is a located error; the good lines still sync (but the file
 * is marked incomplete, so URLs it no longer lists are not turned stale until it is fixed).
 */

export interface UrlEntry {
  key: string;
  url: string;
  line: number;
}

const MAX_URL_LENGTH = 2048;

/**
 * Normalize a URL for identity: WHATWG parsing (case of scheme and host, default port, encoding),
 * without a fragment — except a hash route (`#/docs`, `#!/docs`), which names a page of its own.
 */
export function normalizeUrl(u: URL): string {
  const c = new URL(u.href);
  if (!/^#!?\//.test(c.hash)) c.hash = '';
  return c.href;
}

export function urlPayload(url: string): Payload {
  return { type: 'URL', content: url };
}

export function urlHash(url: string): string {
  return hashFields(['url/v1', 'URL', url]);
}

export function extractUrls(
  text: string,
  relPath: string,
  settings: Pick<ExtractSettings, 'maxItemsPerFile'>,
): { extract: FileExtract; entries: UrlEntry[] } {
  const issues: FileIssue[] = [];
  const entries: UrlEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const lineNo = i + 1;
    // A comment starts at a "#" that begins the line or follows whitespace.
    const m = /(^|\s)#/.exec(raw);
    const body = (m ? raw.slice(0, m.index) : raw).trim();
    if (body === '') continue;
    const column = raw.indexOf(body) + 1;
    const bad = (message: string) => issues.push({ file: relPath, line: lineNo, column, severity: 'error', message });
    if (/\s/.test(body)) {
      bad(`one URL per line; found "${short(body)}"`);
      continue;
    }
    if (body.length > MAX_URL_LENGTH) {
      bad(`URL is ${body.length} characters long (the limit is ${MAX_URL_LENGTH})`);
      continue;
    }
    let parsed: URL;
    try {
      parsed = new URL(body);
    } catch {
      bad(`not an absolute URL: "${short(body)}"`);
      continue;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      bad(`only http and https URLs can be trained, not ${parsed.protocol.replace(/:$/, '')}: "${short(body)}"`);
      continue;
    }
    if (parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') {
      bad(
        parsed.hostname === '' ? `URL has no host: "${short(body)}"` : 'URL must not contain a user name or password',
      );
      continue;
    }
    const key = `url:${normalizeUrl(parsed)}`;
    if (seen.has(key)) continue; // The same URL twice is pushed once.
    seen.set(key, lineNo);
    entries.push({ key, url: normalizeUrl(parsed), line: lineNo });
    if (entries.length > settings.maxItemsPerFile) {
      issues.push({
        file: relPath,
        line: lineNo,
        severity: 'error',
        message: `more than ${settings.maxItemsPerFile} URLs in one file (limits.maxItemsPerFile)`,
      });
      entries.length = 0;
      break;
    }
  }
  const items: ItemMeta[] = entries.map((e) => ({
    key: e.key,
    type: 'URL',
    label: e.url,
    hash: urlHash(e.url),
    line: e.line,
  }));
  if (entries.length === 0 && issues.length === 0) {
    issues.push({ file: relPath, line: 1, severity: 'warning', message: 'the file lists no URLs' });
  }
  return { extract: { items, issues, complete: !issues.some((i) => i.severity === 'error') }, entries };
}

/** A line quoted in a message: shortened, and never with a password in it. */
function short(s: string): string {
  const safe = s.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/, '$1:***@');
  return safe.length > 80 ? `${safe.slice(0, 79)}…` : safe;
}
