import path from 'node:path';
import fs from 'node:fs';
import type { FileIssue } from '../errors.js';
import { scanArticle } from './article.js';
import { hashFields } from './hash.js';
import { extractQa, qaPayload } from './qa.js';
import { hashFileChecked, readFileChecked } from './read.js';
import { blobId } from '../scan/blob.js';
import type { StatSig } from '../scan/file.js';
import { decodeText } from './text.js';
import { RenderTimeout, type RenderFn } from './render-pool.js';
import type { ExtractSettings, FileExtract, ItemMeta, Kind, Payload } from './types.js';
import type { ScannedFile } from '../scan/file.js';
import { extractUrls, urlPayload } from './urls.js';

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

export function documentHash(title: string, bytesHash: string): string {
  return hashFields(['document/v1', 'DOCUMENT', title, bytesHash]);
}

export function documentKey(relPath: string): string {
  return `document:${relPath}`;
}

/** Read one file and extract its items' identities (no Markdown rendering, no content kept). */
export async function extractFile(f: ScannedFile, settings: ExtractSettings): Promise<FileResult> {
  if (f.kind === 'document') {
    const r = await hashFileChecked(
      f.absPath,
      f.relPath,
      settings.maxDocumentBytes,
      'the document is larger than documents.maxBytes',
      f.blobFormat,
    );
    if (!r.ok) return failed(f, r.issue, r.vanished);
    const blob = r.blob ? { blob: r.blob } : {};
    const title = path.posix.basename(f.relPath);
    if (r.size === 0) {
      return {
        relPath: f.relPath,
        kind: f.kind,
        sig: r.sig,
        racy: r.racy,
        ...blob,
        extract: {
          items: [],
          issues: [{ file: f.relPath, severity: 'warning', message: 'the document is empty; nothing is pushed' }],
          complete: true,
          skipped: 'empty',
          contentHash: r.hash,
        },
      };
    }
    return {
      relPath: f.relPath,
      kind: f.kind,
      sig: r.sig,
      racy: r.racy,
      ...blob,
      extract: {
        items: [
          {
            key: documentKey(f.relPath),
            type: 'DOCUMENT',
            label: title,
            hash: documentHash(title, r.hash),
            line: 1,
            file: f.relPath,
          },
        ],
        issues: [],
        complete: true,
        contentHash: r.hash,
      },
    };
  }
  const read = readText(f, settings);
  if ('issue' in read) return failed(f, read.issue, read.vanished);
  const extracted = extractText(f.kind, read.text, f.relPath, settings);
  // Each item made anew while it is young, with its file (the planner's field: added later, it
  // would take a second block per item) and its label detached: a label is cut from the file's
  // text (a title from the frontmatter, a question from the Q&A file), and would keep that text
  // alive as long as the item (a cold plan holds every item of every file).
  // (A literal, not a spread: a field added to a spread copy takes a second block again.)
  const items = extracted.items.map((it): FileItem => ({
    key: it.key,
    type: it.type,
    label: detach(it.label),
    hash: it.hash,
    line: it.line,
    file: f.relPath,
  }));
  const blob = read.blob ? { blob: read.blob } : {};
  return {
    relPath: f.relPath,
    kind: f.kind,
    sig: read.sig,
    racy: read.racy,
    ...blob,
    extract: { ...extracted, items },
  };
}

/** A copy of `s` that does not hold on to a larger string it was cut from. */
function detach(s: string): string {
  return (' ' + s).slice(1);
}

/** Pure: a text kind's items from its decoded text. */
export function extractText(
  kind: Exclude<Kind, 'document'>,
  text: string,
  relPath: string,
  settings: ExtractSettings,
): FileExtract {
  switch (kind) {
    case 'article':
      return scanArticle(text, relPath, settings).extract;
    case 'qa':
      return extractQa(text, relPath, settings).extract;
    case 'urls':
      return extractUrls(text, relPath, settings).extract;
  }
}

function readText(
  f: ScannedFile,
  settings: ExtractSettings,
): { text: string; sig: StatSig; racy: boolean; blob?: string } | { issue: FileIssue; vanished?: boolean } {
  const r = readFileChecked(f.absPath, f.relPath, settings.maxTextBytes, 'the file is larger than limits.maxTextBytes');
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
      if (!item || scan.source === undefined || scan.title === undefined) {
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
          content = await render(scan.source, f.relPath, settings);
        } else {
          const { renderArticle } = await import('./render.js');
          content = renderArticle(scan.source, f.relPath, settings);
        }
      } catch (e) {
        // A render error (nesting, a time limit) is the file's problem, located; anything else is a bug.
        const name = (e as Error).name;
        if (name === 'RenderError' || e instanceof RenderTimeout)
          return { issue: { file: f.relPath, line: item.line, severity: 'error', message: (e as Error).message } };
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
      add(item.key, item.hash, { type: 'TEXT', title: scan.title, content });
      return out;
    }
    case 'qa': {
      const r = extractQa(read.text, f.relPath, settings);
      if (!r.extract.complete) return { issue: r.extract.issues[0]! };
      for (const [i, e] of r.entries.entries()) add(e.key, r.extract.items[i]!.hash, qaPayload(e));
      return out;
    }
    case 'urls': {
      const r = extractUrls(read.text, f.relPath, settings);
      for (const [i, e] of r.entries.entries()) add(e.key, r.extract.items[i]!.hash, urlPayload(e.url));
      return out;
    }
  }
}

/** Open a document for upload, refusing a file that became a symbolic link since the scan. */
export async function openDocument(f: ScannedFile, type: string): Promise<Blob> {
  const st = await fs.promises.lstat(f.absPath);
  if (!st.isFile()) throw new Error('the document is no longer a regular file');
  return fs.openAsBlob(f.absPath, { type });
}
