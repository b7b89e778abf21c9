import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FileIssue } from '../errors.js';
import { lineColAt } from '../util/lines.js';
import { hashFields } from './hash.js';
import type { FileExtract, ItemMeta, Payload, ExtractSettings } from './types.js';

/**
 * URL lists (one `URL` item per URL).
 * - A text list (`*.urls`): one URL per line; blank lines and `#` comments (whole line, or after
 *   white space) are ignored, and a comment after a URL is the item's title. A bad line is a
 *   located error; the good lines still sync (but the file is marked incomplete, so URLs it no
 *   longer lists are not turned stale until it is fixed). A list that is really XML is one error.
 * - A sitemap (`sitemap.xml`, `*.sitemap.xml`, …): its `<url><loc>` URLs. A sitemap index lists
 *   other sitemaps: those that are files next to it are read as sitemaps of their own (when
 *   `kinds.urls` picks them up); one that is not there is a warning (nothing is downloaded).
 */

export interface UrlEntry {
  key: string;
  url: string;
  line: number;
  /** The comment after the URL on its line. */
  title?: string;
}

export interface UrlResult {
  extract: FileExtract;
  entries: UrlEntry[];
  /** A sitemap index: the sitemaps it lists, for the caller to look for next to the file. */
  sitemaps?: { url: string; line: number }[];
}

const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 200;

/**
 * Normalize a URL for identity: WHATWG parsing (case of scheme and host, default port, encoding),
 * without a fragment — except a hash route (`#/docs`, `#!/docs`), which names a page of its own.
 */
export function normalizeUrl(u: URL): string {
  const c = new URL(u.href);
  if (!/^#!?\//.test(c.hash)) c.hash = '';
  return c.href;
}

export function urlPayload(url: string, title?: string): Payload {
  return { type: 'URL', content: url, ...(title !== undefined ? { title } : {}) };
}

export function urlHash(url: string, title?: string): string {
  // A URL without a title keeps the hash it always had.
  return title === undefined ? hashFields(['url/v1', 'URL', url]) : hashFields(['url/v2', 'URL', url, title]);
}

type UrlSettings = Pick<ExtractSettings, 'maxItemsPerFile'>;

/** Collects the URLs of a file: checks each, skips repeats, and makes the result. */
class UrlCollector {
  readonly entries: UrlEntry[] = [];
  readonly issues: FileIssue[] = [];
  readonly #seen = new Map<string, UrlEntry>();
  #full = false;
  constructor(
    readonly relPath: string,
    readonly settings: UrlSettings,
  ) {}

  add(text: string, line: number, column: number, title?: string): void {
    if (this.#full) return;
    const bad = (message: string) => this.issues.push({ file: this.relPath, line, column, severity: 'error', message });
    if (/\s/.test(text)) return void bad(`one URL per line; found "${short(text)}"`);
    if (text.length > MAX_URL_LENGTH)
      return void bad(`URL is ${text.length} characters long (the limit is ${MAX_URL_LENGTH})`);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return void bad(`not an absolute URL: "${short(text)}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return void bad(
        `only http and https URLs can be trained, not ${parsed.protocol.replace(/:$/, '')}: "${short(text)}"`,
      );
    if (parsed.hostname === '') return void bad(`URL has no host: "${short(text)}"`);
    if (parsed.username !== '' || parsed.password !== '')
      return void bad('URL must not contain a user name or password');
    const url = normalizeUrl(parsed);
    const key = `url:${url}`;
    const earlier = this.#seen.get(key);
    if (earlier) {
      // The same URL twice is pushed once, at its first line, with the first title given.
      if (title && earlier.title === undefined) earlier.title = title;
      return;
    }
    const entry: UrlEntry = { key, url, line, ...(title ? { title } : {}) };
    this.#seen.set(key, entry);
    this.entries.push(entry);
    if (this.entries.length > this.settings.maxItemsPerFile) {
      this.issues.push({
        file: this.relPath,
        line,
        severity: 'error',
        message: `more than ${this.settings.maxItemsPerFile} URLs in one file (limits.maxItemsPerFile)`,
      });
      this.entries.length = 0;
      this.#full = true;
    }
  }

  result(quietWhenEmpty = false): UrlResult {
    const items: ItemMeta[] = this.entries.map((e) => ({
      key: e.key,
      type: 'URL',
      label: e.url,
      hash: urlHash(e.url, e.title),
      line: e.line,
    }));
    if (this.entries.length === 0 && this.issues.length === 0 && !quietWhenEmpty) {
      this.issues.push({ file: this.relPath, line: 1, severity: 'warning', message: 'the file lists no URLs' });
    }
    return {
      extract: { items, issues: this.issues, complete: !this.issues.some((i) => i.severity === 'error') },
      entries: this.entries,
    };
  }
}

export function extractUrls(text: string, relPath: string, settings: UrlSettings): UrlResult {
  if (/\.xml$/i.test(relPath)) return extractSitemap(text, relPath, settings);
  const out = new UrlCollector(relPath, settings);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    // A comment starts at a "#" that begins the line or follows whitespace.
    const m = /(^|\s)#/.exec(raw);
    const body = (m ? raw.slice(0, m.index) : raw).trim();
    if (body === '') continue;
    const column = raw.indexOf(body) + 1;
    if (out.entries.length === 0 && out.issues.length === 0 && body.startsWith('<')) {
      return xmlInList(relPath, i + 1, column);
    }
    const comment = m
      ? raw
          .slice(m.index + m[0].length)
          .replace(/\s+/g, ' ')
          .trim()
      : '';
    out.add(body, i + 1, column, comment === '' ? undefined : cut(comment));
  }
  return out.result();
}

/** A URL list whose first entry is a tag: it is XML (a sitemap, a feed), not a list. */
function xmlInList(relPath: string, line: number, column: number): UrlResult {
  return {
    extract: {
      items: [],
      issues: [
        {
          file: relPath,
          line,
          column,
          severity: 'error',
          message:
            'this file is XML (a sitemap?), not a list of URLs one per line: name it sitemap.xml or *.sitemap.xml to read the <loc> URLs of a sitemap',
        },
      ],
      complete: false,
    },
    entries: [],
  };
}

const LOC = /<loc>([^<]*)<\/loc>/g;

/** A sitemap (`<urlset>`) or a sitemap index (`<sitemapindex>`). */
function extractSitemap(text: string, relPath: string, settings: UrlSettings): UrlResult {
  const fail = (line: number, column: number | undefined, message: string): UrlResult => ({
    extract: {
      items: [],
      issues: [{ file: relPath, line, ...(column !== undefined ? { column } : {}), severity: 'error', message }],
      complete: false,
    },
    entries: [],
  });
  const doctype = text.search(/<!DOCTYPE/i);
  if (doctype >= 0) {
    const at = lineColAt(text, doctype);
    return fail(at.line, at.column, 'a sitemap must not have a <!DOCTYPE> (entities are not expanded)');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) return fail(valid.err.line, valid.err.col, `invalid XML: ${valid.err.msg}`);
  const doc = new XMLParser({
    ignoreAttributes: true,
    processEntities: true,
    htmlEntities: false,
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => name === 'url' || name === 'sitemap',
  }).parse(text) as Record<string, unknown>;
  const index = doc.sitemapindex as { sitemap?: { loc?: unknown }[] } | undefined;
  const set = doc.urlset as { url?: { loc?: unknown }[] } | undefined;
  if (!set && !index) {
    return fail(1, 1, 'not a sitemap: expected a <urlset> (or a <sitemapindex>) element at the top');
  }
  // Where each <loc> is (the parser keeps no positions): the unprefixed <loc> tags, in order.
  const where = [...text.matchAll(LOC)].map((m) => lineColAt(text, m.index + '<loc>'.length));
  const locs = (set ? (set.url ?? []) : (index?.sitemap ?? [])).map((u, i) => ({
    loc: typeof u.loc === 'string' ? u.loc.trim() : '',
    at: where[i] ?? { line: 1, column: 1 },
  }));
  const out = new UrlCollector(relPath, settings);
  if (index) {
    const sitemaps: { url: string; line: number }[] = [];
    for (const { loc, at } of locs) {
      const before = out.issues.length;
      out.add(loc, at.line, at.column);
      if (out.issues.length === before) sitemaps.push({ url: loc, line: at.line });
    }
    // An index lists sitemaps, not pages: none of its URLs is an item.
    out.entries.length = 0;
    return { ...out.result(true), sitemaps };
  }
  for (const { loc, at } of locs) {
    if (loc === '') out.issues.push({ file: relPath, ...at, severity: 'error', message: '<loc> is empty' });
    else out.add(loc, at.line, at.column);
  }
  return out.result();
}

function cut(s: string): string {
  const chars = [...s];
  return chars.length > MAX_TITLE_LENGTH ? `${chars.slice(0, MAX_TITLE_LENGTH - 1).join('')}…` : s;
}

/** A line quoted in a message: shortened, and never with a password in it. */
function short(s: string): string {
  const safe = s.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/, '$1:***@');
  return safe.length > 80 ? `${safe.slice(0, 79)}…` : safe;
}
