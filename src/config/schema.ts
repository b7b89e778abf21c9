import { z } from 'zod';

/** Default file-name patterns of each kind, matched against paths relative to `knowledgeDir`. */
export const DEFAULT_KINDS = {
  qa: ['*.qa.yaml', '*.qa.yml'],
  urls: ['*.urls', '*.urls.txt'],
  article: ['*.md', '*.markdown', '*.mdx'],
  document: ['*.pdf', '*.docx', '*.doc', '*.txt', '*.csv', '*.xlsx', '*.pptx'],
} as const;

/** Languages `eval` stems and detects (src/loop/lang.ts LANGUAGES; a test keeps them in step). */
export const EVAL_LANGUAGES = [
  'auto',
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'nl',
  'sv',
  'da',
  'no',
  'fi',
  'tr',
  'ru',
  'ar',
  'ja',
  'zh',
] as const;

const globList = z.array(z.string().min(1, 'must not be an empty pattern'));

/**
 * `sync.config.json`. Strict: an unknown key is an error (a typo must not silently fall back
 * to a default). The workspace token is deliberately not a key: it comes only from the
 * `CXGENIE_WORKSPACE_TOKEN` environment variable.
 */
export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this file's JSON Schema (for editors)."),
    apiBaseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api-demo.cxgenie.ai/api/v2/public-api')
      .describe('Base URL of CX Genie Public API V2. Overridden by CXGENIE_API_URL.'),
    botId: z.string().min(1).optional().describe('The bot to train. Overridden by CXGENIE_BOT_ID.'),
    dateRangeFormat: z
      .enum(['auto', 'iso', 'epoch-ms'])
      .default('auto')
      .describe(
        'How date_range travels to GET /sessions-by-customer: ISO text, epoch milliseconds, or auto (ISO, and epoch milliseconds if the server refuses ISO). See docs/api-readings.md.',
      ),
    knowledgeDir: z.string().min(1).default('knowledge').describe('Folder of knowledge files, relative to this file.'),
    stateFile: z.string().min(1).default('.kb-sync/state.db').describe('SQLite state file, relative to this file.'),
    include: globList.default(['**/*']).describe('Globs (relative to knowledgeDir) of files to consider.'),
    exclude: globList.default([]).describe('Globs (relative to knowledgeDir) of files to leave out.'),
    kinds: z
      .strictObject({
        qa: globList.default([...DEFAULT_KINDS.qa]),
        urls: globList.default([...DEFAULT_KINDS.urls]),
        article: globList.default([...DEFAULT_KINDS.article]),
        document: globList.default([...DEFAULT_KINDS.document]),
      })
      .default({
        qa: [...DEFAULT_KINDS.qa],
        urls: [...DEFAULT_KINDS.urls],
        article: [...DEFAULT_KINDS.article],
        document: [...DEFAULT_KINDS.document],
      })
      .describe(
        'Which file names make which kind of item; the first kind that matches wins, in the order qa, urls, article, document.',
      ),
    rateLimit: z
      .strictObject({
        requestsPerSecond: z.number().positive().max(1000).default(5),
        concurrency: z.int().min(1).max(64).default(4),
      })
      .default({ requestsPerSecond: 5, concurrency: 4 })
      .describe('Most requests per second, and most requests at once.'),
    retry: z
      .strictObject({
        maxAttempts: z.int().min(1).max(20).default(6),
        baseDelayMs: z.int().min(1).max(60_000).default(500),
        maxDelayMs: z.int().min(1).max(600_000).default(30_000),
        maxRetryAfterMs: z.int().min(0).max(86_400_000).default(300_000),
      })
      .default({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 })
      .describe(
        'Retries of 429, 5xx, timeouts and network errors: exponential backoff with full jitter; a Retry-After is waited for up to maxRetryAfterMs, and a longer one stops the run (try again later).',
      ),
    timeoutMs: z.int().min(100).max(600_000).default(30_000).describe('Timeout of each API request.'),
    uploadTimeoutMs: z.int().min(100).max(3_600_000).default(120_000).describe('Timeout of each upload request.'),
    markdown: z
      .strictObject({
        format: z.enum(['markdown', 'text']).default('markdown'),
        baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
      })
      .default({ format: 'markdown' })
      .describe('"format": send normalized Markdown or plain text; "baseUrl": make relative links absolute.'),
    documents: z
      .strictObject({
        maxBytes: z
          .int()
          .min(1)
          .default(25 * 1024 * 1024),
        batchSize: z.int().min(1).max(50).default(5),
      })
      .default({ maxBytes: 25 * 1024 * 1024, batchSize: 5 })
      .describe('Largest document to upload, and how many files go in one upload request.'),
    limits: z
      .strictObject({
        maxTextBytes: z
          .int()
          .min(1)
          .default(2 * 1024 * 1024),
        maxItemsPerFile: z.int().min(1).default(5_000),
        renderTimeoutMs: z.int().min(100).max(600_000).default(10_000),
      })
      .default({ maxTextBytes: 2 * 1024 * 1024, maxItemsPerFile: 5_000, renderTimeoutMs: 10_000 })
      .describe(
        'Guards against oversize text files (articles, Q&A files, URL lists), and the most time one article may take to normalize.',
      ),
    watch: z
      .strictObject({
        debounceMs: z.int().min(0).max(60_000).default(500),
        retryIntervalMs: z.int().min(1_000).max(3_600_000).default(30_000),
      })
      .default({ debounceMs: 500, retryIntervalMs: 30_000 })
      .describe('Watch mode: quiet time before a batch is synced, and how soon a failed sync is retried.'),
    eval: z
      .strictObject({
        language: z
          .enum(EVAL_LANGUAGES)
          .default('auto')
          .describe('Language of the expected answers: "auto" (detected per case) or a code (stemming, stopwords).'),
        synonyms: z
          .array(z.array(z.string().trim().min(1, 'must not be empty')).min(2, 'a group needs at least two words'))
          .default([])
          .describe('Extra synonym groups, added to the built-in English ones: [["seat", "team member"], …].'),
        negations: z
          .array(z.string().trim().min(1, 'must not be empty'))
          .default([])
          .describe('Extra words that say "not" by meaning ("optional" = not required), added to the built-in ones.'),
      })
      .default({ language: 'auto', synonyms: [], negations: [] })
      .describe('How `kb-sync eval` reads replies.'),
    harvest: z
      .strictObject({
        smallTalk: z
          .array(z.string().trim().min(1, 'must not be empty'))
          .default([])
          .describe(
            'Extra greetings and thanks that are not questions, added to the built-in lists (en, es, fr, de, ja, ar, …).',
          ),
        handoff: z
          .array(z.string().trim().min(1, 'must not be empty'))
          .default([])
          .describe('Extra patterns of asking for a person ("talk|speak * human|agent"), added to the built-in lists.'),
      })
      .default({ smallTalk: [], handoff: [] })
      .describe('How `kb-sync harvest` tells small talk and requests for a person from questions.'),
  })
  .describe('Configuration of kb-sync (cxgenie-kb-sync).');

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** Keys that look like a token: refused, because the config file is committed to git. */
export const TOKEN_KEYS = ['token', 'workspaceToken', 'workspace_token', 'apiToken', 'apiKey', 'workspaceTokenEnv'];

/** The JSON Schema editors use (`src/config/sync.config.schema.json` is this, written out). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' });
}
