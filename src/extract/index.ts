import path from 'node:path';
import fs from 'node:fs';
import type { FileIssue } from '../errors.js';
import { renderInput, scanArticle } from './article.js';
import { hashFields } from './hash.js';
import { checkDocument, documentHash, readDocument, type DocumentRead } from './documents.js';
import { readFileChecked } from './read.js';
import { blobId } from '../scan/blob.js';
import type { StatSig } from '../scan/file.js';
import { decodeText } from './text.js';
import { RenderTimeout, type RenderFn } from './render-pool.js';
import type { ExtractSettings, FileExtract, ItemMeta, Kind, Payload } from './types.js';
import type { ScannedFile } from '../scan/file.js';

export type { Kind, ExtractSettings, FileExtract, ItemMeta, Payload } from './types.js';
export type { ScannedFile } from '../scan/file.js';

/** An item as read: its identity, and the file (relative to knowledgeDir) it came from. */
export interface FileItem extends ItemMeta {
  file: string;
}

/** What extracting one file gave. */
export interface FileResult {
  relPath: string;
  kind: Kind;
  extract: Omit<FileExtract, 'items'> & { items: FileItem[] };
  /** The stat signature of what was actually read (it may differ from the scan's). */
  sig?: StatSig;
  racy?: boolean;
  /** The git blob id of what was read (when the scan asked git: `ScannedFile.blobFormat`). */
  blob?: string;
  /** The file disappeared between scan and read. */
  vanished?: boolean;
}

export { documentHash };

/**
 * The Q&A and URL-list readers load when a run first meets such a file: they bring the CSV and
 * XML parsers (csv-parse, fast-xml-parser), which a run that reads only articles (most changes)
 * does not need. (YAML is loaded for articles' front matter anyway.) A load that failed is tried
 * again by the next file, not remembered (a watch outlives a rebuild of the bundle).
 */
const loadQa = loadOnce(() => import('./qa.js'));
const loadUrls = loadOnce(() => import('./urls.js'));

/** `load()`'s promise, kept once it succeeds; a load that fails is tried again by the next call. */
function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    }));
}

export function documentKey(relPath: string): string {
  return `document:${relPath}`;
}

/** Read one file and extract its items' identities (no Markdown rendering, no content kept). */
export async function extractFile(f: ScannedFile, settings: ExtractSettings): Promise<FileResult> {
  if (f.kind === 'document') return extractDocument(f, settings);
  const read = readText(f, settings);
  if ('issue' in read) return failed(f, read.issue, read.vanished);
  const result = (extract: FileExtract): FileResult => ({
    relPath: f.relPath,
    kind: f.kind,
    sig: read.sig,
    racy: read.racy,
    ...(read.blob ? { blob: read.blob } : {}),
    extract: { ...extract, items: extract.items.map((it) => youngItem(it, f.relPath)) },
  });
  if (f.kind === 'urls' && /\.xml$/i.test(f.relPath)) {
    const r = (await loadUrls()).extractUrls(read.text, f.relPath, settings);
    if (r.sitemaps) r.extract.issues.push(...missingSitemaps(f, r.sitemaps));
    return result(r.extract);
  }
  return result(await extractText(f.kind, read.text, f.relPath, settings));
}

/**
 * An item made anew while it is young, with its file (the planner's field: added later, it would
 * take a second block per item) and its label detached: a label is cut from the file's text (a
 * title from the frontmatter, a question from the Q&A file), and would keep that text alive as
 * long as the item (a cold plan holds every item of every file). (A literal, not a spread: a
 * field added to a spread copy takes a second block again.)
 */
function youngItem(it: Omit<FileItem, 'file'>, file: string): FileItem {
  return { key: it.key, type: it.type, label: detach(it.label), hash: it.hash, line: it.line, file };
}

const LATIN1 = /^[\x00-\xff]*$/;

/**
 * A copy of `s` that does not hold on to a larger string it was cut from: a flat string of its
 * own characters when they are all Latin-1 (nearly always). `(' ' + s).slice(1)`, the usual idiom
 * (kept for other text, where a Latin-1 round trip would change it), leaves a sliced string, a
 * further 32 bytes per label, over a copy one character longer.
 */
export function detach(s: string): string {
  return LATIN1.test(s) ? Buffer.from(s, 'latin1').toString('latin1') : (' ' + s).slice(1);
}

/**
 * The sitemaps an index lists that are not files next to it (by the name in their URL): a
 * warning each. kb-sync downloads nothing; a listed sitemap saved there is read as its own file.
 */
function missingSitemaps(f: ScannedFile, sitemaps: { url: string; line: number }[]): FileIssue[] {
  const dir = path.dirname(f.absPath);
  const issues: FileIssue[] = [];
  for (const s of sitemaps) {
    const name = path.posix.basename(new URL(s.url).pathname);
    const local = name !== '' && name !== '.' && name !== '..' && fs.existsSync(path.join(dir, name));
    if (local && !/\.gz$/i.test(name)) continue;
    issues.push({
      file: f.relPath,
      line: s.line,
      severity: 'warning',
      message: /\.gz$/i.test(name)
        ? `the index lists ${name}, a compressed sitemap: save it uncompressed next to the index to sync its URLs`
        : `the index lists ${s.url}; there is no ${name || 'such file'} next to it (kb-sync reads local sitemaps only: save it here to sync its URLs)`,
    });
  }
  return issues;
}

/** Check a document and give its item (or why it is not uploaded). */
async function extractDocument(f: ScannedFile, settings: ExtractSettings): Promise<FileResult> {
  const r = await checkDocument(f.absPath, f.relPath, settings.maxDocumentBytes, f.root, f.blobFormat);
  if (!r.ok) return failed(f, r.issue, r.vanished);
  const title = path.posix.basename(f.relPath);
  const done = (extract: FileResult['extract']): FileResult => ({
    relPath: f.relPath,
    kind: f.kind,
    sig: r.sig,
    racy: r.racy,
    ...(r.blob ? { blob: r.blob } : {}),
    extract: { ...extract, contentHash: r.hash },
  });
  if (r.blank) {
    const message =
      r.blank === 'empty'
        ? 'the document is empty; nothing is pushed'
        : 'the document has nothing but white space; nothing is pushed';
    return done({
      items: [],
      issues: [{ file: f.relPath, line: 1, severity: 'warning', message }],
      complete: true,
      skipped: 'empty',
    });
  }
  const hash = documentHash(title, r.hash, r.convert);
  const issues: FileIssue[] = r.urlLines
    ? [
        {
          file: f.relPath,
          line: 1,
          severity: 'warning',
          message: `the file is a list of ${r.urlLines} URLs, uploaded as one document; to sync each URL as its own item, name it ${urlListName(f.relPath)} (or match it in "kinds.urls")`,
        },
      ]
    : [];
  return done({
    items: [{ key: documentKey(f.relPath), type: 'DOCUMENT', label: title, hash, line: 1, file: f.relPath }],
    issues,
    complete: true,
  });
}

/** The name a `.txt` URL list is recognised by (`links.txt` → `links.urls.txt`). */
function urlListName(relPath: string): string {
  return path.posix.basename(relPath).replace(/\.txt$/i, '.urls.txt');
}

/** A text kind's items from its decoded text (pure, but for loading the kind's reader). */
export async function extractText(
  kind: Exclude<Kind, 'document'>,
  text: string,
  relPath: string,
  settings: ExtractSettings,
): Promise<FileExtract> {
  switch (kind) {
    case 'article':
      return scanArticle(text, relPath, settings).extract;
    case 'qa':
      return (await loadQa()).extractQa(text, relPath, settings).extract;
    case 'urls':
      return (await loadUrls()).extractUrls(text, relPath, settings).extract;
  }
}

function readText(
  f: ScannedFile,
  settings: ExtractSettings,
): { text: string; sig: StatSig; racy: boolean; blob?: string } | { issue: FileIssue; vanished?: boolean } {
  const r = readFileChecked(
    f.absPath,
    f.relPath,
    settings.maxTextBytes,
    'the file is larger than limits.maxTextBytes',
    f.root,
  );
  if (!r.ok) return { issue: r.issue, ...(r.vanished ? { vanished: true } : {}) };
  const blob = f.blobFormat ? { blob: blobId(r.bytes, f.blobFormat) } : {};
  if (r.bytes.length === 0) {
    return { text: '', sig: r.sig, racy: r.racy, ...blob };
  }
  const d = decodeText(r.bytes, f.relPath);
  if ('issue' in d) return { issue: d.issue };
  return { text: d.text, sig: r.sig, racy: r.racy, ...blob };
}

function failed(f: ScannedFile, issue: FileIssue, vanished?: boolean): FileResult {
  return {
    relPath: f.relPath,
    kind: f.kind,
    extract: { items: [], issues: [issue], complete: false },
    ...(vanished ? { vanished } : {}),
  };
}

/** A payload ready to send, with the hash of exactly what is sent. */
export interface BuiltPayload {
  key: string;
  /** The identity hash the plan used (must match, or the file changed since). */
  hash: string;
  payload: Payload;
  payloadHash: string;
}

export function payloadHash(p: Payload): string {
  return hashFields(['payload/v1', p.type, p.title ?? null, p.content, p.content_value ?? null]);
}

/**
 * Rebuild the payloads of a text file's items (at push time): read it again, extract, and render
 * articles with remark. Returns the payloads by key, or the file's issue.
 */
export async function buildPayloads(
  f: ScannedFile,
  settings: ExtractSettings,
  render?: RenderFn,
): Promise<Map<string, BuiltPayload> | { issue: FileIssue }> {
  if (f.kind === 'document') throw new TypeError('documents are uploaded, not built');
  const read = readText(f, settings);
  if ('issue' in read) return { issue: read.issue };
  const out = new Map<string, BuiltPayload>();
  const add = (key: string, hash: string, payload: Payload) =>
    out.set(key, { key, hash, payload, payloadHash: payloadHash(payload) });
  switch (f.kind) {
    case 'article': {
      const scan = scanArticle(read.text, f.relPath, settings);
      const item = scan.extract.items[0];
      const input = renderInput(scan, f.relPath);
      if (!item || !input) {
        return {
          issue: scan.extract.issues[0] ?? {
            file: f.relPath,
            severity: 'warning',
            message: 'the article has no body; nothing is pushed',
          },
        };
      }
      let content: string;
      try {
        if (render) {
          content = await render(input, settings);
        } else {
          const { renderArticle } = await import('./render.js');
          content = renderArticle(input, settings);
        }
      } catch (e) {
        // A render error (nesting, invalid MDX, a time or memory limit) is the file's problem,
        // located; anything else is a bug.
        const err = e as Error & { line?: number; column?: number };
        if (err.name === 'RenderError' || e instanceof RenderTimeout) {
          const at =
            err.line !== undefined && scan.sourceLine !== undefined
              ? { line: scan.sourceLine + err.line - 1, ...(err.column !== undefined ? { column: err.column } : {}) }
              : { line: item.line };
          return { issue: { file: f.relPath, ...at, severity: 'error', message: err.message } };
        }
        throw e;
      }
      if (content.trim() === '') {
        return {
          issue: {
            file: f.relPath,
            line: item.line,
            severity: 'warning',
            message: 'the article has no body after normalization; nothing is pushed',
          },
        };
      }
      add(item.key, item.hash, { type: 'TEXT', title: input.title, content });
      return out;
    }
    case 'qa': {
      const { extractQa, qaPayload } = await loadQa();
      const r = extractQa(read.text, f.relPath, settings);
      if (!r.extract.complete) return { issue: r.extract.issues[0]! };
      for (const [i, e] of r.entries.entries()) add(e.key, r.extract.items[i]!.hash, qaPayload(e));
      return out;
    }
    case 'urls': {
      const { extractUrls, urlPayload } = await loadUrls();
      const r = extractUrls(read.text, f.relPath, settings);
      for (const [i, e] of r.entries.entries()) add(e.key, r.extract.items[i]!.hash, urlPayload(e.url, e.title));
      return out;
    }
  }
}

/**
/**
 * Read a document for upload, once: opened without following a link, checked to be inside the
 * folder, and returned with the hash of the very bytes that were read (the caller compares it
 * with what the scan read, so a file changed or swapped since is not sent); a UTF-16/32 text
 * document is sent as UTF-8.
 */
export async function openDocument(f: ScannedFile, type: string, maxBytes: number): Promise<DocumentRead> {
  return readDocument(f.absPath, f.relPath, { type, maxBytes, root: f.root });
}
