import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countUrlLines, documentHash } from '../../src/extract/documents.js';
import { extractFile, openDocument, type ExtractSettings, type ScannedFile } from '../../src/extract/index.js';
import { sha256 } from '../../src/extract/hash.js';
import { tempDir } from '../helpers/fs.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/documents');
const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 1 << 20,
  maxItemsPerFile: 100,
  maxDocumentBytes: 1 << 20,
};
const doc = (absPath: string, relPath = path.basename(absPath)): ScannedFile => ({
  relPath,
  absPath,
  kind: 'document',
  sig: '',
});
const fixture = (name: string) => doc(path.join(FIXTURES, name), `docs/${name}`);
/** A file written in a temp folder. */
const written = (name: string, bytes: string | Uint8Array) => {
  const abs = path.join(tempDir(), name);
  fs.writeFileSync(abs, bytes);
  return doc(abs, name);
};

describe('a .txt document that is a list of URLs', () => {
  const list = '# Feeds\nhttps://a.example/feed\n\nhttp://b.example/x?y=1   # B, a title\nhttps://c.example/\n';

  it('is still uploaded as one document, with a warning saying how to sync its URLs', async () => {
    const r = await extractFile(written('links.txt', list), S);
    expect(r.extract.items.map((i) => i.type)).toEqual(['DOCUMENT']);
    expect(r.extract.issues).toEqual([
      {
        file: 'links.txt',
        line: 1,
        severity: 'warning',
        message:
          'the file is a list of 3 URLs, uploaded as one document; to sync each URL as its own item, name it links.urls.txt (or match it in "kinds.urls")',
      },
    ]);
  });

  it('counts URL lines only when every other line is blank or a comment, and there are 3 or more', () => {
    expect(countUrlLines(list)).toBe(3);
    expect(countUrlLines(list.replace(/\n/g, '\r\n'))).toBe(3);
    expect(countUrlLines('https://a.example/\nhttps://b.example/\n')).toBe(0);
    expect(countUrlLines(`${list}See https://d.example/ for more.\n`)).toBe(0);
    expect(countUrlLines(`${list}ftp://e.example/file\n`)).toBe(0);
    expect(countUrlLines('Notes\nhttps://a.example/\nhttps://b.example/\nhttps://c.example/\n')).toBe(0);
  });

  it('is no warning in a document that only mentions URLs, or in a document of another type', async () => {
    const prose = await extractFile(
      written('notes.txt', 'Read https://a.example/ first.\nThen https://b.example/.\n'),
      S,
    );
    expect(prose.extract.issues).toEqual([]);
    const csv = await extractFile(
      written('urls.csv', 'https://a.example/\nhttps://b.example/\nhttps://c.example/\n'),
      S,
    );
    expect(csv.extract.issues).toEqual([]);
  });
});

describe('documents: checked before upload', () => {
  it.each(['rotated-page-90.pdf', 'example-list-items-multiple.docx'])('%s is uploaded as it is', async (name) => {
    const f = fixture(name);
    const r = await extractFile(f, S);
    expect(r.extract.issues).toEqual([]);
    const bytes = fs.readFileSync(f.absPath);
    expect(r.extract.items).toEqual([
      {
        key: `document:docs/${name}`,
        type: 'DOCUMENT',
        label: name,
        hash: documentHash(name, sha256(bytes)),
        line: 1,
        file: `docs/${name}`,
      },
    ]);
    const read = await openDocument(f, 'application/octet-stream', S.maxDocumentBytes);
    if ('issue' in read) throw new Error(read.issue.message);
    // What is sent is the bytes read, and its hash is the one the item was planned with.
    expect(Buffer.from(await read.data.arrayBuffer()).equals(bytes)).toBe(true);
    expect(documentHash(name, read.hash, read.convert)).toBe(r.extract.items[0]!.hash);
  });

  it.each([
    ['fake-text-utf-16.txt', 'utf-16le', 'This is a test document to use for unit tests.'],
    ['fake-text-utf-32.txt', 'utf-32le', 'This is a test document to use for unit tests.'],
    ['stanley-cups-utf-16.csv', 'utf-16be', 'Stanley Cups,,\n'],
  ])('%s (%s) is converted to UTF-8 for the upload, and its hash says so', async (name, encoding, start) => {
    const f = fixture(name);
    const r = await extractFile(f, S);
    expect(r.extract.issues).toEqual([]);
    const bytes = fs.readFileSync(f.absPath);
    expect(r.extract.items[0]!.hash).toBe(documentHash(name, sha256(bytes), encoding));
    expect(r.extract.items[0]!.hash).not.toBe(documentHash(name, sha256(bytes)));
    const read = await openDocument(f, 'text/plain', S.maxDocumentBytes);
    if ('issue' in read) throw new Error(read.issue.message);
    expect(documentHash(name, read.hash, read.convert)).toBe(r.extract.items[0]!.hash);
    const blob = read.data;
    const sent = Buffer.from(await blob.arrayBuffer());
    expect(sent.toString('utf8').startsWith(start)).toBe(true);
    expect(sent.includes(0)).toBe(false);
    expect(blob.type).toBe('text/plain; charset=utf-8');
  });

  it('a text document of white space only is a warning, and nothing is uploaded', async () => {
    const r = await extractFile(fixture('fake-text-all-whitespace.txt'), S);
    expect(r.extract).toMatchObject({ items: [], complete: true, skipped: 'empty' });
    expect(r.extract.issues).toMatchObject([
      { file: 'docs/fake-text-all-whitespace.txt', line: 1, severity: 'warning' },
    ]);
    expect(r.extract.issues[0]!.message).toMatch(/nothing but white space/);
    const utf16Blank = await extractFile(written('blank.txt', Buffer.from('\ufeff  \n\t\n', 'utf16le')), S);
    expect(utf16Blank.extract.skipped).toBe('empty');
  });

  it.each([
    ['an encrypted PDF', () => fixture('password.pdf'), /the PDF is encrypted \(password-protected\)/],
    [
      'a PNG named .pdf',
      () => written('x.pdf', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')),
      /not a PDF: its bytes are a \.png file/,
    ],
    [
      'HTML named .pdf',
      () => written('x.pdf', '<html><body>hi</body></html>'),
      /not a PDF: its bytes are not a format it recognises/,
    ],
    [
      'a PDF cut short',
      () => written('x.pdf', fs.readFileSync(path.join(FIXTURES, 'rotated-page-90.pdf')).subarray(0, 600)),
      /damaged or cut short/,
    ],
    [
      'a PDF named .docx',
      () => written('x.docx', fs.readFileSync(path.join(FIXTURES, 'rotated-page-90.pdf'))),
      /not a Word document: its bytes are a \.pdf file/,
    ],
    [
      'a PDF named .txt',
      () => written('x.txt', fs.readFileSync(path.join(FIXTURES, 'rotated-page-90.pdf'))),
      /not text: its bytes are a PDF/,
    ],
    [
      'UTF-16 without a byte-order mark',
      () => written('x.csv', Buffer.from('a,b\n1,2\n', 'utf16le')),
      /NUL bytes .*save it as UTF-8/,
    ],
  ])('%s is a located error', async (_name, make, message) => {
    const f = make();
    const r = await extractFile(f, S);
    expect(r.extract.items).toEqual([]);
    expect(r.extract.complete).toBe(false);
    expect(r.extract.issues).toMatchObject([{ file: f.relPath, line: 1, severity: 'error' }]);
    expect(r.extract.issues[0]!.message).toMatch(message);
  });

  it('an empty document is a warning with its line', async () => {
    const r = await extractFile(written('e.pdf', ''), S);
    expect(r.extract).toMatchObject({ items: [], skipped: 'empty' });
    expect(r.extract.issues).toMatchObject([
      { line: 1, severity: 'warning', message: 'the document is empty; nothing is pushed' },
    ]);
  });
});
