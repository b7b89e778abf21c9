import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit.js';
import { ConfigError } from '../../src/errors.js';
import {
  jsonErrorOffset,
  loadConfig,
  readToken,
  requireBotId,
  requireToken,
  resolveConfig,
} from '../../src/config/load.js';
import { configJsonSchema, DEFAULT_KINDS } from '../../src/config/schema.js';
import { tempDir } from '../helpers/fs.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The ConfigError a call throws (fails the test when it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const FILE = '/projects/help/sync.config.json';

describe('resolveConfig: defaults', () => {
  it('an empty object gets every documented default, paths resolved against the config file folder', () => {
    const cfg = resolveConfig({}, { file: FILE, env: {} });
    expect(cfg).toMatchObject({
      apiBaseUrl: 'https://api-demo.cxgenie.ai/api/v2/public-api',
      botId: undefined,
      knowledgeDir: '/projects/help/knowledge',
      stateFile: '/projects/help/.kb-sync/state.db',
      include: ['**/*'],
      exclude: [],
      rateLimit: { requestsPerSecond: 5, concurrency: 4 },
      retry: { maxAttempts: 6 },
      markdown: { format: 'markdown' },
      documents: { maxBytes: 25 * 1024 * 1024 },
      configFile: FILE,
      baseDir: '/projects/help',
      sources: { apiBaseUrl: 'default', botId: 'none' },
    });
    expect(cfg.kinds).toEqual({
      partial: ['_!(index.md)'],
      qa: [
        '*.qa.yaml',
        '*.qa.yml',
        '*.qa.json',
        '*.qa.csv',
        'faq.yaml',
        'faq.yml',
        'faqs.yaml',
        'faqs.yml',
        '*-faq.yaml',
        '*-faq.yml',
      ],
      urls: ['*.urls', '*.urls.txt', 'sitemap*.xml', '*.sitemap.xml', '*-sitemap.xml', '*_sitemap.xml'],
      article: ['*.md', '*.markdown', '*.mdx'],
      document: ['*.pdf', '*.docx', '*.doc', '*.txt', '*.csv', '*.xlsx', '*.pptx'],
    });
    expect(cfg.qa).toEqual({
      question: ['question', 'q', 'title'],
      answer: ['answer', 'a', 'content'],
      groups: ['questions', 'items', 'sections', 'faqs'],
      groupName: ['category', 'name', 'title'],
    });
    expect(cfg.markdown.jsx).toBeUndefined();
    expect(cfg).not.toHaveProperty('$schema');
  });

  it('a partly given nested object keeps the defaults of its other keys', () => {
    const cfg = resolveConfig({ rateLimit: { concurrency: 2 }, retry: { maxAttempts: 3 } }, { file: FILE });
    expect(cfg.rateLimit).toEqual({ requestsPerSecond: 5, concurrency: 2 });
    expect(cfg.retry.maxAttempts).toBe(3);
    expect(cfg.retry.baseDelayMs).toBeGreaterThan(0);
  });

  it('without a config file, relative paths resolve against cwd', () => {
    const cfg = resolveConfig({ knowledgeDir: 'kb' }, { cwd: '/somewhere/else' });
    expect(cfg.knowledgeDir).toBe('/somewhere/else/kb');
    expect(cfg.baseDir).toBe('/somewhere/else');
  });

  it('relative paths resolve against the config file folder, absolute ones stay', () => {
    const cfg = resolveConfig(
      { knowledgeDir: '../kb', stateFile: '/var/lib/kb/state.db' },
      { file: FILE, cwd: '/elsewhere' },
    );
    expect(cfg.knowledgeDir).toBe('/projects/kb');
    expect(cfg.stateFile).toBe('/var/lib/kb/state.db');
  });

  it('a trailing slash on apiBaseUrl is dropped; $schema is accepted and not kept', () => {
    const cfg = resolveConfig({ $schema: './schema.json', apiBaseUrl: 'https://api.example.com/v2/' }, { file: FILE });
    expect(cfg.apiBaseUrl).toBe('https://api.example.com/v2');
    expect(cfg.sources.apiBaseUrl).toBe('file');
  });
});

describe('resolveConfig: validation', () => {
  const unknownKeys: { name: string; raw: unknown; key: string; allowed: string[] }[] = [
    {
      name: 'top level',
      raw: { knowldgeDir: 'x' },
      key: '"knowldgeDir"',
      allowed: [
        'apiBaseUrl',
        'botId',
        'knowledgeDir',
        'stateFile',
        'include',
        'exclude',
        'kinds',
        'rateLimit',
        'retry',
        'markdown',
        'documents',
      ],
    },
    {
      name: 'in rateLimit',
      raw: { rateLimit: { requestsPerSec: 3 } },
      key: '"rateLimit.requestsPerSec"',
      allowed: ['requestsPerSecond', 'concurrency'],
    },
    {
      name: 'in markdown',
      raw: { markdown: { baseURL: 'https://x.example' } },
      key: '"markdown.baseURL"',
      allowed: ['format', 'baseUrl'],
    },
    {
      name: 'in kinds',
      raw: { kinds: { faq: ['*.faq'] } },
      key: '"kinds.faq"',
      allowed: ['qa', 'urls', 'article', 'document'],
    },
  ];
  it.each(unknownKeys)('an unknown key ($name) is named with the allowed keys', ({ raw, key, allowed }) => {
    const e = configError(() => resolveConfig(raw, { file: FILE }));
    expect(exitCodeForError(e)).toBe(2);
    const line = e.message.split('\n').find((l) => l.includes('unknown key'));
    expect(line).toBeDefined();
    expect(line).toContain(key);
    const list = /\(allowed: ([^)]*)\)/.exec(line!)?.[1]?.split(', ');
    expect(list).toBeDefined();
    for (const k of allowed) expect(list).toContain(k);
  });

  const wrong: { name: string; raw: unknown; key: string; says: RegExp }[] = [
    {
      name: 'a string where a number goes',
      raw: { rateLimit: { concurrency: 'four' } },
      key: 'rateLimit.concurrency',
      says: /number/,
    },
    {
      name: 'a fraction where a whole number goes',
      raw: { retry: { maxAttempts: 2.5 } },
      key: 'retry.maxAttempts',
      says: /whole number/,
    },
    {
      name: 'zero requests per second',
      raw: { rateLimit: { requestsPerSecond: 0 } },
      key: 'rateLimit.requestsPerSecond',
      says: />\s*0/,
    },
    {
      name: 'too much concurrency',
      raw: { rateLimit: { concurrency: 1000 } },
      key: 'rateLimit.concurrency',
      says: /≤\s*64/,
    },
    { name: 'a string where a list goes', raw: { include: '**/*.md' }, key: 'include', says: /list/ },
    { name: 'an empty glob', raw: { exclude: [''] }, key: 'exclude.0', says: /./ },
    {
      name: 'an unknown markdown format',
      raw: { markdown: { format: 'html' } },
      key: 'markdown.format',
      says: /"markdown", "text"/,
    },
    {
      name: 'an apiBaseUrl that is not a URL',
      raw: { apiBaseUrl: 'api.example.com' },
      key: 'apiBaseUrl',
      says: /http\(s\) URL/,
    },
    {
      name: 'an apiBaseUrl with another scheme',
      raw: { apiBaseUrl: 'ftp://api.example.com' },
      key: 'apiBaseUrl',
      says: /http\(s\) URL/,
    },
    {
      name: 'a markdown.baseUrl that is not a URL',
      raw: { markdown: { baseUrl: 'help/' } },
      key: 'markdown.baseUrl',
      says: /http\(s\) URL/,
    },
    { name: 'an empty botId', raw: { botId: '' }, key: 'botId', says: /./ },
  ];
  it.each(wrong)('$name is an error naming the key', ({ raw, key, says }) => {
    const e = configError(() => resolveConfig(raw, { file: FILE, display: 'sync.config.json' }));
    expect(exitCodeForError(e)).toBe(2);
    const line = e.message.split('\n').find((l) => l.includes(`"${key}"`));
    expect(line, e.message).toBeDefined();
    expect(line).toMatch(says);
    expect(line!.trim().startsWith('sync.config.json')).toBe(true);
  });

  it.each([
    ['a list', []],
    ['null', null],
    ['a string', 'knowledge'],
  ])('%s instead of an object is an error', (_name, raw) => {
    const e = configError(() => resolveConfig(raw, { file: FILE }));
    expect(e.message).toMatch(/must be an object/);
  });

  it('every problem is listed, not only the first', () => {
    const e = configError(() => resolveConfig({ nope: 1, rateLimit: { concurrency: 'x' } }, { file: FILE }));
    expect(e.message).toContain('"nope"');
    expect(e.message).toContain('"rateLimit.concurrency"');
  });

  it('with the file text, an error is located at the key', () => {
    const text = '{\n  "knowledgeDir": "kb",\n  "rateLimit": {\n    "concurrency": "x"\n  }\n}\n';
    const e = configError(() => resolveConfig(JSON.parse(text), { file: FILE, display: 'sync.config.json', text }));
    expect(e.message).toContain('sync.config.json:4:5 "rateLimit.concurrency"');
  });
});

describe('resolveConfig: no token in the file', () => {
  it.each(['token', 'workspaceToken', 'workspace_token', 'apiKey', 'cxgenieToken', 'clientSecret'])(
    '"%s" is refused and points at CXGENIE_WORKSPACE_TOKEN',
    (key) => {
      const secret = 'sk-live-0123456789abcdef';
      const e = configError(() => resolveConfig({ [key]: secret }, { file: FILE }));
      expect(exitCodeForError(e)).toBe(2);
      expect(e.message).toContain(`"${key}"`);
      expect(`${e.message} ${e.hint}`).toContain('CXGENIE_WORKSPACE_TOKEN');
      // The refused value itself is never repeated.
      expect(`${e.message} ${e.hint}`).not.toContain(secret);
    },
  );

  it('readToken reads only CXGENIE_WORKSPACE_TOKEN; requireToken says where to set it', () => {
    expect(readToken({ CXGENIE_WORKSPACE_TOKEN: '  abc  ' })).toBe('abc');
    expect(readToken({ CXGENIE_WORKSPACE_TOKEN: '   ' })).toBeUndefined();
    expect(readToken({ CXGENIE_TOKEN: 'abc' })).toBeUndefined();
    const e = configError(() => requireToken({}));
    expect(e.message).toContain('CXGENIE_WORKSPACE_TOKEN');
  });
});

describe('resolveConfig: environment overrides', () => {
  it('CXGENIE_API_URL and CXGENIE_BOT_ID override the file', () => {
    const cfg = resolveConfig(
      { apiBaseUrl: 'https://file.example.com/api', botId: 'file-bot' },
      { file: FILE, env: { CXGENIE_API_URL: 'http://127.0.0.1:4010/api/', CXGENIE_BOT_ID: ' env-bot ' } },
    );
    expect(cfg.apiBaseUrl).toBe('http://127.0.0.1:4010/api');
    expect(cfg.botId).toBe('env-bot');
    expect(cfg.sources).toEqual({ apiBaseUrl: 'env', botId: 'env' });
  });

  it('empty variables do not override', () => {
    const cfg = resolveConfig(
      { botId: 'file-bot' },
      { file: FILE, env: { CXGENIE_API_URL: '', CXGENIE_BOT_ID: '  ' } },
    );
    expect(cfg.botId).toBe('file-bot');
    expect(cfg.sources).toEqual({ apiBaseUrl: 'default', botId: 'file' });
  });

  it.each(['not a url', 'ftp://x.example.com'])('a bad CXGENIE_API_URL (%s) is an error', (url) => {
    const e = configError(() => resolveConfig({}, { file: FILE, env: { CXGENIE_API_URL: url } }));
    expect(e.message).toContain('CXGENIE_API_URL');
  });

  it.each<[string, Record<string, unknown>, Record<string, string>, string]>([
    ['CXGENIE_API_URL', {}, { CXGENIE_API_URL: 'https://bob:s3cret-pw@api.example.com/v2' }, 'CXGENIE_API_URL'],
    ['the file', { apiBaseUrl: 'https://bob:s3cret-pw@api.example.com/v2' }, {}, '"apiBaseUrl" in'],
    ['the file, a user name alone', { apiBaseUrl: 'https://s3cret-pw@api.example.com/v2' }, {}, '"apiBaseUrl" in'],
  ])('an API URL with a user name or password (%s) is refused without repeating them', (_n, raw, env, where) => {
    const e = configError(() => resolveConfig(raw, { file: FILE, env }));
    expect(e.message).toContain(where);
    expect(e.message).toContain('must not hold a user name or password (https://***@api.example.com/v2)');
    expect(e.message + (e.hint ?? '')).not.toContain('s3cret-pw');
    expect(exitCodeForError(e)).toBe(2);
  });

  it.each<[string, Record<string, unknown>, Record<string, string>, string, string]>([
    [
      'CXGENIE_API_URL, ?workspace_token=',
      {},
      { CXGENIE_API_URL: 'https://api.example.com/v2?workspace_token=tok-s3cret-123' },
      'CXGENIE_API_URL',
      'a query (https://api.example.com/v2?…)',
    ],
    [
      'the file, any query',
      { apiBaseUrl: 'https://api.example.com/v2?tok-s3cret-123' },
      {},
      '"apiBaseUrl" in',
      'a query (https://api.example.com/v2?…)',
    ],
    [
      'the file, a fragment',
      { apiBaseUrl: 'https://api.example.com/v2#tok-s3cret-123' },
      {},
      '"apiBaseUrl" in',
      'a fragment (https://api.example.com/v2#…)',
    ],
    [
      'CXGENIE_API_URL overriding a clean file URL',
      { apiBaseUrl: 'https://api.example.com/v2' },
      { CXGENIE_API_URL: 'http://127.0.0.1:4010/api?a=1&token=tok-s3cret-123' },
      'CXGENIE_API_URL',
      'a query (http://127.0.0.1:4010/api?…)',
    ],
  ])('an API URL with a query or fragment (%s) is refused without repeating it', (_n, raw, env, where, shown) => {
    const e = configError(() => resolveConfig(raw, { file: FILE, env }));
    expect(e.message).toContain(where);
    expect(e.message).toContain(`must not have ${shown}`);
    expect(e.hint).toContain('CXGENIE_WORKSPACE_TOKEN');
    expect(e.message + (e.hint ?? '')).not.toContain('s3cret');
    expect(exitCodeForError(e)).toBe(2);
  });

  it('even a bare "?" is refused (the paths go after it); an unparsable CXGENIE_API_URL is not echoed past "?"', () => {
    expect(
      configError(() => resolveConfig({ apiBaseUrl: 'https://api.example.com/v2?' }, { file: FILE })).message,
    ).toContain('must not have a query (https://api.example.com/v2?…)');
    const e = configError(() =>
      resolveConfig(
        {},
        { file: FILE, env: { CXGENIE_API_URL: 'ftp://files.example.com/x?workspace_token=s3cret-tok' } },
      ),
    );
    expect(e.message).toContain('ftp://files.example.com/x?…');
    expect(e.message).not.toContain('s3cret');
  });

  it.each(['stateFile', 'knowledgeDir'] as const)(
    'a %s with a newline or other control character is refused, located',
    (key) => {
      const text = `{\n  "${key}": "state.db\\nexit-code=0"\n}`;
      const e = configError(() => resolveConfig(JSON.parse(text), { file: FILE, display: 'sync.config.json', text }));
      expect(e.message).toBe(`sync.config.json:2:3 "${key}" must not hold control characters (U+000A at character 9).`);
      expect(exitCodeForError(e)).toBe(2);
      expect(resolveConfig({ [key]: 'dossier/état ü.db' }, { file: FILE })[key]).toContain('état ü.db');
    },
  );

  it("a target's stateFile or knowledgeDir with a control character is refused, located", () => {
    const text = `{\n  "targets": [\n    { "name": "en", "botId": "b", "stateFile": "s.db\\u0007" }\n  ]\n}`;
    const e = configError(() => resolveConfig(JSON.parse(text), { file: FILE, display: 'sync.config.json', text }));
    expect(e.message).toMatch(
      /^sync\.config\.json:3:\d+ "targets\[0\]\.stateFile" must not hold control characters \(U\+0007/,
    );
  });

  it('retry.maxRetryAfterMs: 5 minutes by default, 0 to 24 hours', () => {
    expect(resolveConfig({}, { file: FILE, env: {} }).retry.maxRetryAfterMs).toBe(300_000);
    expect(resolveConfig({ retry: { maxRetryAfterMs: 0 } }, { file: FILE, env: {} }).retry.maxRetryAfterMs).toBe(0);
    configError(() => resolveConfig({ retry: { maxRetryAfterMs: 86_400_001 } }, { file: FILE, env: {} }));
    configError(() => resolveConfig({ retry: { maxRetryAfterMs: -1 } }, { file: FILE, env: {} }));
  });

  it('requireBotId: no bot id from file or environment is an error naming both', () => {
    const e = configError(() => requireBotId(resolveConfig({}, { file: FILE, env: {} })));
    expect(e.message).toContain('botId');
    expect(e.message).toContain('CXGENIE_BOT_ID');
    expect(requireBotId(resolveConfig({}, { file: FILE, env: { CXGENIE_BOT_ID: 'b1' } }))).toBe('b1');
  });
});

describe('loadConfig', () => {
  function writeConfig(text: string): { dir: string; file: string } {
    const dir = tempDir();
    const file = path.join(dir, 'sync.config.json');
    fs.writeFileSync(file, text);
    return { dir, file };
  }

  it.each([
    { name: 'a trailing comma', text: '{\n  "knowledgeDir": "kb",\n}\n', at: '3:1' },
    { name: 'a missing comma', text: '{\n  "knowledgeDir": "kb"\n  "botId": "b"\n}\n', at: '3:3' },
    { name: 'a missing value', text: '{\n  "knowledgeDir": \n}\n', at: '3:1' },
    { name: 'a bare word', text: '{\n  "botId": bot-1\n}\n', at: '2:12' },
    { name: 'an unclosed object', text: '{\n  "botId": "b"\n', at: '3:1' },
    { name: 'an empty file', text: '', at: '1:1' },
  ])('invalid JSON ($name) is reported as file:line:col', ({ text, at }) => {
    const { dir } = writeConfig(text);
    const e = configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(exitCodeForError(e)).toBe(2);
    expect(e.message).toContain(`sync.config.json:${at} is not valid JSON`);
  });

  it('an invalid JSON message does not echo the file (which may hold a secret)', () => {
    const { dir } = writeConfig('{ "botId": "b", "note": "sk-secret-value" x }');
    const e = configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(e.message).toMatch(/sync\.config\.json:1:\d+ is not valid JSON/);
    expect(e.message).not.toContain('sk-secret-value');
  });

  it('a BOM before the JSON is accepted', () => {
    const { dir } = writeConfig('\ufeff{ "botId": "b1" }');
    expect(loadConfig({ cwd: dir, env: {} }).botId).toBe('b1');
  });

  it('--config PATH resolves relative paths against that file, not cwd', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(
      path.join(dir, 'conf', 'kb.json'),
      JSON.stringify({ knowledgeDir: 'docs', stateFile: 'st/state.db' }),
    );
    const cfg = loadConfig({ cwd: dir, configPath: 'conf/kb.json', env: {} });
    expect(cfg.configFile).toBe(path.join(dir, 'conf', 'kb.json'));
    expect(cfg.knowledgeDir).toBe(path.join(dir, 'conf', 'docs'));
    expect(cfg.stateFile).toBe(path.join(dir, 'conf', 'st', 'state.db'));
  });

  it('a missing --config file is an error; a missing default file means defaults', () => {
    const dir = tempDir();
    const e = configError(() => loadConfig({ cwd: dir, configPath: 'nope.json', env: {} }));
    expect(e.message).toContain('not found');
    const cfg = loadConfig({ cwd: dir, env: {} });
    expect(cfg.configFile).toBeUndefined();
    expect(cfg.knowledgeDir).toBe(path.join(dir, 'knowledge'));
  });

  it('validation errors from a file are located at the key', () => {
    const { dir } = writeConfig('{\n  "knowledgeDir": "kb",\n  "retry": { "maxAttemps": 3 }\n}\n');
    const e = configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(e.message).toMatch(/sync\.config\.json:3:\d+ unknown key "retry\.maxAttemps"/);
  });

  it('the shipped sync.config.json is valid', () => {
    const cfg = loadConfig({ cwd: repo, env: {} });
    expect(cfg.knowledgeDir).toBe(path.join(repo, 'knowledge'));
    expect(cfg.markdown.format).toBe('markdown');
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": 1}', undefined],
    ['  [1, 2.5e3, "x\\n\\u00e9", true, null, {}]  ', undefined],
    ['{"a": 1,}', 8],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['"unterminated', 13],
    ['{"a": tru}', 6],
    ['{} x', 3],
    ['', 0],
  ])('%j → %s', (text, want) => {
    expect(jsonErrorOffset(text)).toBe(want);
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(valid).toBe(want === undefined);
  });
});

describe('the JSON Schema for editors', () => {
  it('src/config/sync.config.schema.json exists and equals configJsonSchema()', () => {
    const file = path.join(repo, 'src/config/sync.config.schema.json');
    expect(fs.existsSync(file)).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(configJsonSchema());
  });

  it('the schema is strict and documents the defaults', () => {
    const schema = configJsonSchema() as {
      additionalProperties?: unknown;
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.knowledgeDir?.default).toBe('knowledge');
    expect(schema.properties).not.toHaveProperty('token');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'apiBaseUrl',
        'botId',
        'include',
        'exclude',
        'kinds',
        'rateLimit',
        'retry',
        'markdown',
        'qa',
      ]),
    );
    expect(DEFAULT_KINDS.qa.slice(0, 4)).toEqual(['*.qa.yaml', '*.qa.yml', '*.qa.json', '*.qa.csv']);
  });

  it('markdown.jsx and qa are checked strictly, with the accepted values in the message', () => {
    const ok = resolveConfig(
      { markdown: { jsx: { elements: { TabItem: { label: '{label}' }, Since: 'remove' } } } },
      { file: FILE },
    );
    expect(ok.markdown.jsx).toEqual({
      default: 'content',
      selfClosing: 'remove',
      elements: { TabItem: { label: '{label}' }, Since: 'remove' },
    });
    expect(() => resolveConfig({ markdown: { jsx: { elements: { X: 'drop' } } } }, { file: FILE })).toThrow(
      /markdown\.jsx\.elements\.X/,
    );
    expect(() => resolveConfig({ qa: { question: [] } }, { file: FILE })).toThrow(/qa\.question/);
    expect(resolveConfig({ qa: { question: ['Frage'] } }, { file: FILE }).qa.answer).toEqual([
      'answer',
      'a',
      'content',
    ]);
  });
});
