import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FileIssue } from '../errors.js';
import { hashFields } from './hash.js';
import { statSig, type StatSig } from '../scan/file.js';
import { blobHasher, type ObjectFormat } from '../scan/blob.js';
import { errorIssue, formatBytes, isRacy, openCheckedAsync, readFileCheckedAsync } from './read.js';

/**
 * Documents are uploaded as they are, after a check (docs/content.md):
 * - text documents (`.txt`, `.csv`) in UTF-16 or UTF-32 (with a byte-order mark) are converted
 *   to UTF-8 for the upload; one with NUL bytes and no mark is refused (binary, or UTF-16
 *   without a mark); one with nothing but white space is a warning and is not uploaded;
 * - a PDF must be a PDF (`%PDF-` at the start, `%%EOF` at the end) and not encrypted;
 * - an Office file must be what its extension says (a ZIP package for .docx/.xlsx/.pptx, an OLE
 *   file for .doc), and any file whose bytes are another known format (a PNG named .pdf) is
 *   refused. Each refusal is a located error on the file.
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

const TEXT = new Set(['.txt', '.csv']);
/** What file-type must find for each extension (`undefined`: it finds nothing, plain text). */
const EXPECTED: Record<string, readonly (string | undefined)[]> = {
  '.pdf': ['pdf'],
  '.docx': ['docx', 'zip'],
  '.xlsx': ['xlsx', 'zip'],
  '.pptx': ['pptx', 'zip'],
  '.doc': ['cfb', 'rtf'],
  '.txt': [undefined, 'xml'],
  '.csv': [undefined, 'xml'],
};
const NAMES: Record<string, string> = {
  '.pdf': 'a PDF',
  '.docx': 'a Word document',
  '.xlsx': 'an Excel workbook',
  '.pptx': 'a PowerPoint presentation',
  '.doc': 'a Word 97-2003 document',
  '.txt': 'text',
  '.csv': 'CSV text',
};

const HEAD = 64 * 1024;
const TAIL = 64 * 1024;

export interface DocumentCheck {
  ok: true;
  /** Hash of the file's bytes. */
  hash: string;
  size: number;
  sig: StatSig;
  racy: boolean;
  /** The file's git blob id, when the scan asked for it. */
  blob?: string;
  /** A text document's encoding, when it is converted to UTF-8 for the upload. */
  convert?: Exclude<TextEncoding, 'utf-8'>;
  /** Nothing to upload (empty, or only white space). */
  blank?: 'empty' | 'whitespace';
  /** A `.txt` document whose lines are all URLs: how many (it may have been meant as a URL list). */
  urlLines?: number;
}

export function documentHash(title: string, bytesHash: string, convert?: string): string {
  // A converted document is another upload: its hash says so; the others keep theirs.
  return convert === undefined
    ? hashFields(['document/v1', 'DOCUMENT', title, bytesHash])
    : hashFields(['document/v1', 'DOCUMENT', title, bytesHash, `utf-8 from ${convert}`]);
}

/** The encoding a byte-order mark names. */
export function bomEncoding(b: Uint8Array): { encoding: TextEncoding; length: number } | undefined {
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { encoding: 'utf-32le', length: 4 };
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'utf-32be', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  return undefined;
}

/** UTF-16/32 bytes (with their mark) as UTF-8, without the mark. Throws on malformed input. */
export function toUtf8(bytes: Uint8Array, encoding: Exclude<TextEncoding, 'utf-8'>): Buffer {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    return Buffer.from(new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes), 'utf8');
  }
  const le = encoding === 'utf-32le';
  if (bytes.length % 4 !== 0) throw new Error('the UTF-32 text is cut short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  for (let i = 4; i < bytes.length; i += 4) {
    const cp = view.getUint32(i, le);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`not a Unicode character at byte ${i}`);
    parts.push(String.fromCodePoint(cp));
  }
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * Read a document (without following a symbolic link; inside `root`, the folder's real path, if
 * given), hash it, and check it. Returns the check, or the file's issue.
 */
export async function checkDocument(
  absPath: string,
  file: string,
  maxBytes: number,
  root?: string,
  blobFormat?: ObjectFormat,
): Promise<DocumentCheck | { ok: false; issue: FileIssue; vanished?: boolean }> {
  const ext = path.posix.extname(file).toLowerCase();
  const text = TEXT.has(ext);
  const opened = await openCheckedAsync(absPath, file, root);
  if (!opened.ok) return opened;
  const { fh, st } = opened;
  try {
    const tooBig = (size: number, grew = false) => ({
      ok: false as const,
      issue: {
        file,
        severity: 'error' as const,
        message: grew
          ? 'the document is larger than documents.maxBytes (it grew during the sync)'
          : `the document is larger than documents.maxBytes (${formatBytes(size)}, the limit is ${formatBytes(maxBytes)})`,
      },
    });
    if (st.size > maxBytes) return tooBig(st.size);
    const h = createHash('sha256');
    const b = blobFormat ? blobHasher(st.size, blobFormat) : undefined;
    // Text documents are kept whole (to check and convert them); others, their head and tail.
    const kept: Buffer[] = [];
    let head = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(256 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      b?.update(chunk);
      size += bytesRead;
      if (size > maxBytes) return tooBig(size, true);
      if (text) kept.push(Buffer.from(chunk));
      if (head.length < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - head.length)]);
      tail = Buffer.concat([tail, chunk]).subarray(-TAIL);
    }
    // The git blob id, unless the file changed size while it was read.
    const blob = b && size === st.size ? b.digest() : undefined;
    const base = {
      ok: true as const,
      hash: h.digest('hex'),
      size,
      sig: statSig(st),
      racy: isRacy(st),
      ...(blob ? { blob } : {}),
    };
    if (size === 0) return { ...base, blank: 'empty' };
    const problem = text ? checkText(Buffer.concat(kept), ext) : await checkBinary(head, tail, ext);
    if (typeof problem === 'string')
      return { ok: false, issue: { file, line: 1, severity: 'error', message: problem } };
    return { ...base, ...problem };
  } catch (err) {
    return errorIssue(err, file);
  } finally {
    await fh.close();
  }
}

function checkText(
  bytes: Buffer,
  ext: string,
): string | { convert?: Exclude<TextEncoding, 'utf-8'>; blank?: 'whitespace'; urlLines?: number } {
  const bom = bomEncoding(bytes);
  let utf8: Buffer = bytes;
  let convert: Exclude<TextEncoding, 'utf-8'> | undefined;
  if (bom && bom.encoding !== 'utf-8') {
    convert = bom.encoding;
    try {
      utf8 = toUtf8(bytes, convert);
    } catch (e) {
      return `the ${NAMES[ext]} says it is ${convert.toUpperCase()} (byte-order mark) but is not: ${(e as Error).message}`;
    }
  } else if (bytes.includes(0)) {
    return `the file is not ${NAMES[ext]}: it has NUL bytes (binary data, or UTF-16 without a byte-order mark); save it as UTF-8`;
  } else {
    const found = sniffSync(bytes);
    if (found) return `the file is not ${NAMES[ext]}: its bytes are ${found}`;
  }
  const s = utf8.toString('utf8').replace(/^\ufeff/, '');
  if (s.trim() === '') return { ...(convert ? { convert } : {}), blank: 'whitespace' };
  const urlLines = ext === '.txt' ? countUrlLines(s) : undefined;
  return { ...(convert ? { convert } : {}), ...(urlLines ? { urlLines } : {}) };
}

const URL_LINE = /^https?:\/\/\S+(\s+#.*)?$/i;

/**
 * The number of URLs in a text whose lines are URLs and nothing else (blank lines and `#` comments
 * aside, as in a URL list), when there are at least 3; otherwise 0. A `.txt` file is a document
 * unless it is named as a URL list, and such a file was most likely meant as one.
 */
export function countUrlLines(text: string): number {
  let urls = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!URL_LINE.test(line)) return 0;
    urls++;
  }
  return urls >= 3 ? urls : 0;
}

/** Binary formats a text file must not be (by magic bytes). */
function sniffSync(b: Buffer): string | undefined {
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'a PDF';
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'a ZIP archive (an Office file?)';
  if (b[0] === 0x89 && b.subarray(1, 4).toString('latin1') === 'PNG') return 'a PNG image';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG image';
  return undefined;
}

async function checkBinary(head: Buffer, tail: Buffer, ext: string): Promise<string | object> {
  const expected = EXPECTED[ext];
  if (!expected) return {};
  // Loaded only when a document is checked (it is not small, and most runs check none).
  const { fileTypeFromBuffer } = await import('file-type');
  const type = await fileTypeFromBuffer(head);
  if (!expected.includes(type?.ext)) {
    const what = type ? `a .${type.ext} file (${type.mime})` : 'not a format it recognises';
    return `the file is not ${NAMES[ext]}: its bytes are ${what}; check the file or its extension`;
  }
  if (ext === '.pdf') {
    const end = tail.subarray(-1024).toString('latin1');
    if (!end.includes('%%EOF')) return 'the PDF is damaged or cut short (no %%EOF at its end); save it again';
    const encrypted = /\/Encrypt\s*(?:\d+\s+\d+\s+R|<<)/;
    if (encrypted.test(tail.toString('latin1')) || encrypted.test(head.toString('latin1'))) {
      return 'the PDF is encrypted (password-protected), so the bot cannot read it; upload an unprotected copy';
    }
  }
  return {};
}

/** A document read for upload: the bytes to send, and the hash and encoding of the file's bytes. */
export type DocumentRead =
  { data: Blob; hash: string; convert?: Exclude<TextEncoding, 'utf-8'> } | { issue: FileIssue };

/**
 * Read a document for upload, once (no link followed; inside `root` if given): the hash is of the
 * very bytes read, and the blob holds those bytes, or a UTF-16/32 text document's UTF-8.
 */
export async function readDocument(
  absPath: string,
  relPath: string,
  opts: { type: string; maxBytes: number; root?: string | undefined },
): Promise<DocumentRead> {
  const r = await readFileCheckedAsync(
    absPath,
    relPath,
    opts.maxBytes,
    'the document is larger than documents.maxBytes',
    opts.root,
  );
  if (!r.ok) return { issue: r.issue };
  const hash = createHash('sha256').update(r.bytes).digest('hex');
  const bom = TEXT.has(path.posix.extname(relPath).toLowerCase()) ? bomEncoding(r.bytes) : undefined;
  if (bom && bom.encoding !== 'utf-8') {
    let utf8: Buffer;
    try {
      utf8 = toUtf8(r.bytes, bom.encoding);
    } catch (e) {
      return { issue: { file: relPath, line: 1, severity: 'error', message: (e as Error).message } };
    }
    const type = /charset=/.test(opts.type) ? opts.type : `${opts.type}; charset=utf-8`;
    return { data: new Blob([utf8], { type }), hash, convert: bom.encoding };
  }
  return { data: new Blob([r.bytes], { type: opts.type }), hash };
}
