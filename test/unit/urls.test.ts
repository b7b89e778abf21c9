import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractFile, payloadHash, type ExtractSettings } from '../../src/extract/index.js';
import { tempDir } from '../helpers/fs.js';
import { extractUrls, normalizeUrl, urlHash, urlPayload } from '../../src/extract/urls.js';

const S = { maxItemsPerFile: 5000 };
const SETTINGS: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 1 << 20,
  maxItemsPerFile: 5000,
  maxDocumentBytes: 1 << 20,
};
const run = (text: string, settings = S) => extractUrls(text, 'links.urls', settings);
const urls = (text: string) => run(text).entries.map((e) => e.url);

describe('URL lists: what counts as a URL line', () => {
  it('one item per URL, with its line, key and the hash of the payload it sends', () => {
    const r = run('https://example.com/a\nhttps://example.com/b\n');
    expect(r.extract).toMatchObject({ complete: true, issues: [] });
    expect(r.extract.items).toEqual([
      {
        key: 'url:https://example.com/a',
        type: 'URL',
        label: 'https://example.com/a',
        hash: urlHash('https://example.com/a'),
        line: 1,
      },
      {
        key: 'url:https://example.com/b',
        type: 'URL',
        label: 'https://example.com/b',
        hash: urlHash('https://example.com/b'),
        line: 2,
      },
    ]);
    expect(urlPayload('https://example.com/a')).toEqual({ type: 'URL', content: 'https://example.com/a' });
    expect(urlHash('https://example.com/a')).not.toBe(urlHash('https://example.com/b'));
  });

  it.each([
    [
      'whole-line comments',
      '# Help centre pages\nhttps://example.com/a\n  # indented comment\n',
      ['https://example.com/a'],
    ],
    ['a comment after a space', 'https://example.com/a # the pricing page\n', ['https://example.com/a']],
    ['a comment after a tab', 'https://example.com/a\t# tab\n', ['https://example.com/a']],
    [
      'a # inside the URL is its fragment, not a comment (and the fragment is dropped)',
      'https://example.com/a#pricing\n',
      ['https://example.com/a'],
    ],
    ['blank and whitespace-only lines', '\n\n   \n\t\nhttps://example.com/a\n\n', ['https://example.com/a']],
    ['surrounding whitespace', '   https://example.com/a   \n', ['https://example.com/a']],
    ['no final newline', 'https://example.com/a', ['https://example.com/a']],
  ])('%s', (_name, text, want) => {
    const r = run(text);
    expect(r.entries.map((e) => e.url)).toEqual(want);
    expect(r.extract.issues).toEqual([]);
    expect(r.extract.complete).toBe(true);
  });

  it('lines are counted with comments and blanks, so items point at their own line', () => {
    const r = run('# header\n\nhttps://example.com/a\n# more\nhttps://example.com/b\n');
    expect(r.extract.items.map((i) => i.line)).toEqual([3, 5]);
  });

  it('an empty file (or only comments) is a warning, not an error', () => {
    for (const t of ['', '# only a comment\n\n']) {
      const r = run(t);
      expect(r.extract.items).toEqual([]);
      expect(r.extract.complete).toBe(true);
      expect(r.extract.issues).toMatchObject([{ file: 'links.urls', line: 1, severity: 'warning' }]);
    }
  });
});

describe('URL lists: bad lines', () => {
  it.each([
    ['a relative path', 'docs/pricing', /absolute URL/],
    ['a bare host', 'example.com/pricing', /absolute URL/],
    ['two URLs on one line', 'https://example.com/a https://example.com/b', /one URL per line/],
    ['an ftp URL', 'ftp://example.com/file', /http and https/],
    ['a file URL', 'file:///etc/passwd', /http and https/],
    ['a javascript URL', 'javascript:alert(1)', /http and https/],
    ['a mailto URL', 'mailto:help@example.com', /http and https/],
    ['a data URL', 'data:text/html,hi', /http and https/],
    ['a user and password', 'https://admin:hunter2@example.com/', /user name or password/],
    ['a user name only', 'https://admin@example.com/', /user name or password/],
    ['a URL over 2048 characters', `https://example.com/${'a'.repeat(2100)}`, /characters long/],
    ['a scheme with no host', 'https://', /absolute URL|no host/],
  ])('%s is an error at file:line:col', (_name, bad, message) => {
    const r = run(`https://example.com/ok\n\n  ${bad}\n`);
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]).toMatchObject({ file: 'links.urls', line: 3, column: 3, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(message);
    // The good line still syncs; the file is incomplete so its vanished URLs are held.
    expect(r.entries.map((e) => e.url)).toEqual(['https://example.com/ok']);
    expect(r.extract.complete).toBe(false);
  });

  it('a password in a refused URL is not repeated in the message', () => {
    const r = run('https://admin:s3cr3t-pass@example.com/\n');
    expect(r.extract.issues[0]!.message).not.toContain('s3cr3t-pass');
  });

  it('every bad line is reported, each at its own line', () => {
    const r = run('nope\nhttps://example.com/a\nftp://x.example\nhttps://example.com/b\n');
    expect(r.extract.issues.map((i) => i.line)).toEqual([1, 3]);
    expect(r.extract.items.map((i) => i.line)).toEqual([2, 4]);
  });

  it('only the URL part of an overlong line is quoted, shortened', () => {
    const r = run(`not-a-url-${'x'.repeat(500)} trailing\n`);
    expect(r.extract.issues[0]!.message.length).toBeLessThan(200);
  });

  it('more URLs than maxItemsPerFile is an error, and nothing is yielded', () => {
    const r = run('https://example.com/1\nhttps://example.com/2\nhttps://example.com/3\n', { maxItemsPerFile: 2 });
    expect(r.extract.items).toEqual([]);
    expect(r.extract.complete).toBe(false);
    expect(r.extract.issues).toMatchObject([{ line: 3, severity: 'error' }]);
    expect(r.extract.issues[0]!.message).toMatch(/maxItemsPerFile/);
  });
});

describe('URL lists: normalization and duplicates', () => {
  it.each([
    ['host case', 'https://HELP.Example.COM/Pricing', 'https://help.example.com/Pricing'],
    ['scheme case', 'HTTPS://example.com/a', 'https://example.com/a'],
    ['default https port', 'https://example.com:443/a', 'https://example.com/a'],
    ['default http port', 'http://example.com:80/a', 'http://example.com/a'],
    ['a non-default port is kept', 'https://example.com:8443/a', 'https://example.com:8443/a'],
    ['the fragment is dropped', 'https://example.com/a#section-2', 'https://example.com/a'],
    ['an empty path gets a slash', 'https://example.com', 'https://example.com/'],
    ['dot segments are resolved', 'https://example.com/a/../b', 'https://example.com/b'],
    ['an internationalized host becomes punycode', 'https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['the query is kept', 'https://example.com/s?q=1&b=2', 'https://example.com/s?q=1&b=2'],
  ])('%s', (_name, input, want) => {
    expect(normalizeUrl(new URL(input))).toBe(want);
    expect(urls(`${input}\n`)).toEqual([want]);
    expect(run(`${input}\n`).extract.items[0]!.key).toBe(`url:${want}`);
  });

  it('the same URL twice in one file is pushed once (the first line), and is not an error', () => {
    const r = run(
      'https://example.com/a\nhttps://EXAMPLE.com:443/a#top\nhttps://example.com/b\nhttps://example.com/a\n',
    );
    expect(r.extract.items.map((i) => [i.key, i.line])).toEqual([
      ['url:https://example.com/a', 1],
      ['url:https://example.com/b', 3],
    ]);
    expect(r.extract.issues).toEqual([]);
    expect(r.extract.complete).toBe(true);
  });

  it('equal URLs in different spellings have one hash; a real change changes it', () => {
    const a = run('https://Example.com:443/a#x\n').extract.items[0]!;
    const b = run('https://example.com/a\n').extract.items[0]!;
    const c = run('https://example.com/a?x=1\n').extract.items[0]!;
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(b.hash);
    expect(payloadHash(urlPayload('https://example.com/a'))).not.toBe(payloadHash(urlPayload('https://example.com/b')));
  });
});

describe('URL lists: hash routes and secrets in messages', () => {
  it('keeps a hash route (#/page, #!/page) as part of the URL: two routes are two pages', () => {
    const r = extractUrls(
      'https://app.example.com/#/docs\nhttps://app.example.com/#/pricing\nhttps://app.example.com/#!/faq\n',
      'l.urls',
      { maxItemsPerFile: 100 },
    );
    expect(r.entries.map((e) => e.url)).toEqual([
      'https://app.example.com/#/docs',
      'https://app.example.com/#/pricing',
      'https://app.example.com/#!/faq',
    ]);
    expect(new Set(r.entries.map((e) => e.key)).size).toBe(3);
  });

  it('never quotes a password from a refused line', () => {
    const r = extractUrls('ftp://alice:hunter2@files.example.com/x\n', 'l.urls', { maxItemsPerFile: 100 });
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]!.message).not.toContain('hunter2');
    expect(r.extract.issues[0]!.message).toContain('alice:***@');
  });
});

const URL_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/urls');
const urlFixture = (name: string) => fs.readFileSync(path.join(URL_FIXTURES, name), 'utf8');

describe('URL lists: titles from comments (test/fixtures/urls)', () => {
  it("a comment after a URL is the item's title (smallyt.txt); whole-line comments are not", () => {
    const r = extractUrls(urlFixture('smallyt.txt'), 'smallyt.txt', { maxItemsPerFile: 100 });
    expect(r.extract.issues).toEqual([]);
    expect(r.entries[1]).toMatchObject({
      url: 'https://www.youtube.com/feeds/videos.xml?channel_id=UC_IaBSHmisYbiYlv32EeNkQ',
      title: 'Tom S https://www.youtube.com/channel/UC_IaBSHmisYbiYlv32EeNkQ',
      line: 3,
    });
    expect(urlPayload(r.entries[1]!.url, r.entries[1]!.title)).toEqual({
      type: 'URL',
      content: 'https://www.youtube.com/feeds/videos.xml?channel_id=UC_IaBSHmisYbiYlv32EeNkQ',
      title: 'Tom S https://www.youtube.com/channel/UC_IaBSHmisYbiYlv32EeNkQ',
    });
    const awesome = extractUrls(urlFixture('awesome.urls'), 'awesome.urls', { maxItemsPerFile: 100 });
    expect(awesome.entries).toHaveLength(8);
    expect(awesome.entries.every((e) => e.title === undefined)).toBe(true);
  });

  it('a URL listed twice, the comment only on the second line (smallyt.txt), keeps that title', () => {
    const r = extractUrls(
      'https://a.example/x\nhttps://a.example/x # webcrunch\nhttps://a.example/x # later\n',
      'l.urls',
      {
        maxItemsPerFile: 10,
      },
    );
    expect(r.entries).toEqual([
      { key: 'url:https://a.example/x', url: 'https://a.example/x', line: 1, title: 'webcrunch' },
    ]);
    expect(r.extract.items.map((i) => [i.line, i.label])).toEqual([[1, expect.any(String)]]);
  });

  it('the title is part of the hash; a URL without one keeps the hash it had', () => {
    const plain = extractUrls('https://a.example/\n', 'l.urls', { maxItemsPerFile: 10 }).extract.items[0]!;
    const titled = extractUrls('https://a.example/ # Home\n', 'l.urls', { maxItemsPerFile: 10 }).extract.items[0]!;
    expect(plain.hash).toBe(urlHash('https://a.example/'));
    expect(titled.hash).not.toBe(plain.hash);
    expect(titled.key).toBe(plain.key);
  });

  it('a list that is really XML is one clear error, not one per line', () => {
    const r = extractUrls(urlFixture('jena.sitemap.xml'), 'links.urls', { maxItemsPerFile: 100 });
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]).toMatchObject({ line: 1, column: 1, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(/is XML \(a sitemap\?\).*name it sitemap\.xml or \*\.sitemap\.xml/);
  });
});

describe('URL lists: sitemaps', () => {
  it('a sitemap yields its <loc> URLs, each on its line', () => {
    const r = extractUrls(urlFixture('jena.sitemap.xml'), 'jena.sitemap.xml', { maxItemsPerFile: 100 });
    expect(r.extract.issues).toEqual([]);
    expect(r.entries.map((e) => [e.url, e.line])).toEqual([
      ['https://jena.apache.org/', 6],
      ['https://jena.apache.org/documentation/archive/eyeball/eyeball-guide.html', 11],
      ['https://jena.apache.org/about_jena.html', 16],
    ]);
  });

  it('entities are decoded; image <loc>s are not pages; a bad <loc> is a located error', () => {
    const xml = [
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="x">',
      '<url><loc>https://a.example/?x=1&amp;y=2</loc><image:image><image:loc>https://a.example/i.png</image:loc></image:image></url>',
      '<url><loc>not a url</loc></url>',
      '</urlset>',
    ].join('\n');
    const r = extractUrls(xml, 'sitemap.xml', { maxItemsPerFile: 100 });
    expect(r.entries.map((e) => e.url)).toEqual(['https://a.example/?x=1&y=2']);
    expect(r.extract.issues).toMatchObject([{ line: 3, severity: 'error' }]);
    expect(r.extract.complete).toBe(false);
  });

  it.each([
    ['broken XML', '<urlset>\n<url><loc>https://a.example/</loc>\n</urlset>\n', 3, /invalid XML/],
    ['a DOCTYPE', '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<urlset/>\n', 2, /DOCTYPE/],
    ['another XML document', '<rss><channel/></rss>\n', 1, /not a sitemap/],
  ])('%s is a located error', (_name, xml, line, message) => {
    const r = extractUrls(xml, 'sitemap.xml', { maxItemsPerFile: 100 });
    expect(r.extract.issues).toHaveLength(1);
    expect(r.extract.issues[0]).toMatchObject({ line, severity: 'error' });
    expect(r.extract.issues[0]!.message).toMatch(message);
  });

  it('a sitemap index: its local sitemaps are synced as their own files; one that is not there is a warning', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'sitemap-index.xml'),
      '<sitemapindex>\n<sitemap><loc>https://s.example/sitemap-0.xml</loc></sitemap>\n<sitemap><loc>https://s.example/sitemap-1.xml</loc></sitemap>\n</sitemapindex>\n',
    );
    fs.writeFileSync(path.join(dir, 'sitemap-0.xml'), '<urlset><url><loc>https://s.example/a</loc></url></urlset>');
    const f = (rel: string) => ({ relPath: rel, absPath: path.join(dir, rel), kind: 'urls' as const, sig: '' });
    const index = await extractFile(f('sitemap-index.xml'), SETTINGS);
    expect(index.extract.items).toEqual([]);
    expect(index.extract.complete).toBe(true);
    expect(index.extract.issues).toHaveLength(1);
    expect(index.extract.issues[0]).toMatchObject({ line: 3, severity: 'warning' });
    expect(index.extract.issues[0]!.message).toMatch(/sitemap-1\.xml; there is no sitemap-1\.xml next to it/);
    const child = await extractFile(f('sitemap-0.xml'), SETTINGS);
    expect(child.extract.items.map((i) => i.label)).toEqual(['https://s.example/a']);
  });
});
