import * as z from 'zod/mini';
import { DEFAULT_QA_FIELDS } from '../util/qa-defaults.js';

/**
 * Default file-name patterns of each kind, matched against paths relative to `knowledgeDir`.
 * `partial`: Markdown files that are not articles but pieces other pages include. The default
 * follows Docusaurus and Astro, which do not make a page of a file whose name starts with `_`;
 * Hugo's `_index.md` (a section's own page) is an article.
 */
export const DEFAULT_KINDS = {
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

export { DEFAULT_QA_FIELDS };

/** A copy of `schema` carrying a description (in the JSON Schema), like classic zod's `.describe()`. */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));

const globList = z.array(z.string().check(z.minLength(1, 'must not be an empty pattern')));
const phrases = () => z.array(z.string().check(z.trim(), z.minLength(1, 'must not be empty')));
const keyList = z
  .array(z.string().check(z.minLength(1, 'must not be empty')))
  .check(z.minLength(1, 'must name at least one key'));
const jsxRule = z.union([
  z.enum(['content', 'remove', 'keep']),
  z.strictObject({
    label: described(z.string().check(z.minLength(1)), 'Template: {attribute} is replaced by its value.'),
  }),
]);
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** A whole number from `min` to `max`. */
const intIn = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.gte(min)) : z.int().check(z.gte(min), z.lte(max));

/**
 * The settings a target may set for itself: each one's fields, and the defaults the top level
 * fills in. A target's object settings are merged over the top level's key by key; its lists
 * (include, exclude, a kind's patterns) replace the top level's.
 */
const FIELDS = {
  kinds: {
    partial: globList,
    qa: globList,
    urls: globList,
    article: globList,
    document: globList,
  },
  rateLimit: {
    requestsPerSecond: z.number().check(z.positive(), z.lte(1000)),
    concurrency: intIn(1, 64),
  },
  retry: {
    maxAttempts: intIn(1, 20),
    baseDelayMs: intIn(1, 60_000),
    maxDelayMs: intIn(1, 600_000),
    maxRetryAfterMs: intIn(0, 86_400_000),
  },
  markdown: {
    format: z.enum(['markdown', 'text']),
    baseUrl: httpUrl(),
    jsx: described(
      z.strictObject({
        default: z._default(jsxRule, 'content'),
        selfClosing: z._default(jsxRule, 'remove'),
        elements: z._default(z.record(z.string().check(z.minLength(1)), jsxRule), {}),
      }),
      'MDX elements: "content" (the element becomes its content), "remove", "keep", or {"label": "{attr}"}; "default" for elements with content, "selfClosing" for the others, "elements" by name.',
    ),
  },
  qa: {
    question: keyList,
    answer: keyList,
    groups: keyList,
    groupName: keyList,
  },
  documents: {
    maxBytes: intIn(1),
    batchSize: intIn(1, 50),
  },
  limits: {
    maxTextBytes: intIn(1),
    maxItemsPerFile: intIn(1),
    renderTimeoutMs: intIn(100, 600_000),
  },
  gitState: {
    enabled: z.boolean(),
    remote: z.string().check(z.minLength(1)),
    ref: z.string().check(z.minLength(1)),
    lockTimeoutSeconds: z.number().check(z.gte(1), z.lte(86_400)),
  },
  eval: {
    language: described(
      z.enum(EVAL_LANGUAGES),
      'Language of the expected answers: "auto" (detected per case) or a code (stemming, stopwords).',
    ),
    synonyms: described(
      z.array(
        z
          .array(z.string().check(z.trim(), z.minLength(1, 'must not be empty')))
          .check(z.minLength(2, 'a group needs at least two words')),
      ),
      'Extra synonym groups, added to the built-in English ones: [["seat", "team member"], …].',
    ),
    negations: described(
      phrases(),
      'Extra words that say "not" by meaning ("optional" = not required), added to the built-in ones.',
    ),
  },
  harvest: {
    smallTalk: described(
      phrases(),
      'Extra greetings and thanks that are not questions, added to the built-in lists (en, es, fr, de, ja, ar, …).',
    ),
    handoff: described(
      phrases(),
      'Extra patterns of asking for a person ("talk|speak * human|agent"), added to the built-in lists.',
    ),
  },
} as const;

const DEFAULTS = {
  kinds: {
    partial: [...DEFAULT_KINDS.partial],
    qa: [...DEFAULT_KINDS.qa],
    urls: [...DEFAULT_KINDS.urls],
    article: [...DEFAULT_KINDS.article],
    document: [...DEFAULT_KINDS.document],
  },
  rateLimit: { requestsPerSecond: 5, concurrency: 4 },
  retry: { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 },
  markdown: { format: 'markdown' as const },
  qa: {
    question: [...DEFAULT_QA_FIELDS.question],
    answer: [...DEFAULT_QA_FIELDS.answer],
    groups: [...DEFAULT_QA_FIELDS.groups],
    groupName: [...DEFAULT_QA_FIELDS.groupName],
  },
  documents: { maxBytes: 25 * 1024 * 1024, batchSize: 5 },
  limits: { maxTextBytes: 2 * 1024 * 1024, maxItemsPerFile: 5_000, renderTimeoutMs: 10_000 },
  gitState: { enabled: false, remote: 'origin', lockTimeoutSeconds: 900 },
  eval: { language: 'auto' as const, synonyms: [], negations: [] },
  harvest: { smallTalk: [], handoff: [] },
};

/** A top-level object setting: every field defaulted, the whole object too. */
function defaulted<F extends Record<string, z.ZodMiniType>>(fields: F, defaults: Record<string, unknown>) {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [k, schema] of Object.entries(fields))
    shape[k] = k in defaults ? z._default(schema, defaults[k]) : z.optional(schema);
  return z._default(z.strictObject(shape as { [K in keyof F]: z.ZodMiniDefault<F[K]> }), defaults as never);
}

/** A target's object setting: any of the fields, nothing defaulted (the top level's values apply). */
const partial = <F extends Record<string, z.ZodMiniType>>(fields: F) => z.optional(z.partial(z.strictObject(fields)));

const DESCRIBE = {
  apiBaseUrl: 'Base URL of CX Genie Public API V2. Overridden by CXGENIE_API_URL.',
  knowledgeDir: 'Folder of knowledge files, relative to this file.',
  stateFile: 'SQLite state file, relative to this file.',
  include: 'Globs (relative to knowledgeDir) of files to consider.',
  exclude: 'Globs (relative to knowledgeDir) of files to leave out.',
  kinds:
    'Which file names make which kind of item; the first kind that matches wins, in the order qa, urls, article, document. An article whose name matches "partial" is not synced (a piece other pages include).',
  rateLimit: 'Most requests per second, and most requests at once.',
  retry:
    'Retries of 429, 5xx, timeouts and network errors: exponential backoff with full jitter; a Retry-After is waited for up to maxRetryAfterMs, and a longer one stops the run (try again later).',
  timeoutMs: 'Timeout of each API request.',
  uploadTimeoutMs: 'Timeout of each upload request.',
  markdown:
    '"format": send the Markdown as written (with the documented edits) or plain text; "baseUrl": make relative links absolute; "jsx": what happens to MDX elements.',
  qa: "Keys of Q&A entries (YAML, JSON) and column names (CSV), most preferred first: the question, the answer, a list of entries (in a group or at the top), a group's name.",
  documents: 'Largest document to upload, and how many files go in one upload request.',
  limits:
    'Guards against oversize text files (articles, Q&A files, URL lists), and the most time one article may take to normalize.',
  gitState:
    'Keep the state\'s source of truth in the git repository, under a ref that is not a branch, with a lock across machines (see docs/git-state.md). "ref" may use {bot} and {target}; default refs/kb-sync/state/{bot} (with targets: refs/kb-sync/state/{bot}.{target}). "lockTimeoutSeconds": a lock whose holder sent no heartbeat for this long is taken over.',
  eval: 'How `kb-sync eval` reads replies.',
  harvest: 'How `kb-sync harvest` tells small talk and requests for a person from questions.',
} as const;

/** An environment variable's name (never its value: the config file is committed to git). */
export const envVarName = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be the name of an environment variable (letters, digits and _)'),
  );

/** A target's name: used in `--target`, file names and refs. */
export const targetName = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
      'must be 1 to 63 letters, digits, "-" or "_", starting with a letter or digit',
    ),
  );

export const targetSchema = described(
  z.strictObject({
    name: described(targetName, 'The name `--target NAME` selects; also names its state file and state ref.'),
    botId: described(z.optional(z.string().check(z.minLength(1))), "The target's bot."),
    botIdEnv: described(z.optional(envVarName), 'Or: the environment variable holding its bot id.'),
    tokenEnv: described(
      z.optional(envVarName),
      "The environment variable holding the workspace token for this target's bot (default CXGENIE_WORKSPACE_TOKEN); for a bot in another workspace.",
    ),
    apiBaseUrl: described(z.optional(httpUrl()), DESCRIBE.apiBaseUrl),
    knowledgeDir: described(z.optional(z.string().check(z.minLength(1))), DESCRIBE.knowledgeDir),
    stateFile: described(
      z.optional(z.string().check(z.minLength(1))),
      "This target's SQLite state file (default: the top-level one with the target's name: state.NAME.db).",
    ),
    include: described(z.optional(globList), DESCRIBE.include),
    exclude: described(z.optional(globList), DESCRIBE.exclude),
    kinds: described(partial(FIELDS.kinds), DESCRIBE.kinds),
    rateLimit: described(partial(FIELDS.rateLimit), DESCRIBE.rateLimit),
    retry: described(partial(FIELDS.retry), DESCRIBE.retry),
    timeoutMs: described(z.optional(intIn(100, 600_000)), DESCRIBE.timeoutMs),
    uploadTimeoutMs: described(z.optional(intIn(100, 3_600_000)), DESCRIBE.uploadTimeoutMs),
    markdown: described(partial(FIELDS.markdown), DESCRIBE.markdown),
    qa: described(partial(FIELDS.qa), DESCRIBE.qa),
    documents: described(partial(FIELDS.documents), DESCRIBE.documents),
    limits: described(partial(FIELDS.limits), DESCRIBE.limits),
    gitState: described(partial(FIELDS.gitState), DESCRIBE.gitState),
    eval: described(partial(FIELDS.eval), DESCRIBE.eval),
    harvest: described(partial(FIELDS.harvest), DESCRIBE.harvest),
  }),
  "One bot to sync: its name, its bot (botId or botIdEnv), and any setting of its own (objects merge over the top level's key by key; lists replace them).",
);

/**
 * `sync.config.json`. Strict: an unknown key is an error (a typo must not silently fall back
 * to a default). The workspace token is deliberately not a key: it comes only from the
 * `CXGENIE_WORKSPACE_TOKEN` environment variable (or a target's `tokenEnv`).
 */
export const configSchema = described(
  z
    .strictObject({
      $schema: described(z.optional(z.string()), "Path or URL of this file's JSON Schema (for editors)."),
      apiBaseUrl: described(
        z._default(httpUrl(), 'https://api-demo.cxgenie.ai/api/v2/public-api'),
        DESCRIBE.apiBaseUrl,
      ),
      botId: described(z.optional(z.string().check(z.minLength(1))), 'The bot to train. Overridden by CXGENIE_BOT_ID.'),
      dateRangeFormat: described(
        z._default(z.enum(['auto', 'iso', 'epoch-ms']), 'auto'),
        'How date_range travels to GET /sessions-by-customer: ISO text, epoch milliseconds, or auto (ISO, and epoch milliseconds if the server refuses ISO). See docs/api-readings.md.',
      ),
      knowledgeDir: described(z._default(z.string().check(z.minLength(1)), 'knowledge'), DESCRIBE.knowledgeDir),
      stateFile: described(z._default(z.string().check(z.minLength(1)), '.kb-sync/state.db'), DESCRIBE.stateFile),
      include: described(z._default(globList, ['**/*']), DESCRIBE.include),
      exclude: described(z._default(globList, []), DESCRIBE.exclude),
      kinds: described(defaulted(FIELDS.kinds, DEFAULTS.kinds), DESCRIBE.kinds),
      rateLimit: described(defaulted(FIELDS.rateLimit, DEFAULTS.rateLimit), DESCRIBE.rateLimit),
      retry: described(defaulted(FIELDS.retry, DEFAULTS.retry), DESCRIBE.retry),
      timeoutMs: described(z._default(intIn(100, 600_000), 30_000), DESCRIBE.timeoutMs),
      uploadTimeoutMs: described(z._default(intIn(100, 3_600_000), 120_000), DESCRIBE.uploadTimeoutMs),
      markdown: described(defaulted(FIELDS.markdown, DEFAULTS.markdown), DESCRIBE.markdown),
      qa: described(defaulted(FIELDS.qa, DEFAULTS.qa), DESCRIBE.qa),
      documents: described(defaulted(FIELDS.documents, DEFAULTS.documents), DESCRIBE.documents),
      limits: described(defaulted(FIELDS.limits, DEFAULTS.limits), DESCRIBE.limits),
      watch: described(
        z._default(
          z.strictObject({
            debounceMs: z._default(intIn(0, 60_000), 500),
            retryIntervalMs: z._default(intIn(1_000, 3_600_000), 30_000),
          }),
          { debounceMs: 500, retryIntervalMs: 30_000 },
        ),
        'Watch mode: quiet time before a batch is synced, and how soon a failed sync is retried.',
      ),
      eval: described(defaulted(FIELDS.eval, DEFAULTS.eval), DESCRIBE.eval),
      harvest: described(defaulted(FIELDS.harvest, DEFAULTS.harvest), DESCRIBE.harvest),
      gitState: described(defaulted(FIELDS.gitState, DEFAULTS.gitState), DESCRIBE.gitState),
      git: described(
        z._default(z.boolean(), true),
        'When the knowledge folder is in a git work tree, ask git which files changed (files git vouches for are neither stat-ed nor read). false, or KB_SYNC_GIT=0, scans without git.',
      ),
      targets: described(
        z.optional(z.array(targetSchema).check(z.minLength(1))),
        'Several bots from one repository (see docs/targets.md). Without it, the top-level botId is the one bot. Each target gets its own state file, lock and state ref.',
      ),
    })
    .check(
      z.superRefine((cfg, ctx) => {
        const seen = new Map<string, number>();
        const targets = cfg.targets ?? [];
        for (const [i, t] of targets.entries()) {
          const key = t.name.toLowerCase();
          const first = seen.get(key);
          if (first !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: ['targets', i, 'name'],
              message: `repeats the name of targets[${first}] ("${targets[first]?.name}"); names are compared ignoring case: each target needs its own name`,
            });
          else seen.set(key, i);
          if ((t.botId === undefined) === (t.botIdEnv === undefined))
            ctx.addIssue({
              code: 'custom',
              path: ['targets', i],
              message: `target "${t.name}" needs exactly one of "botId" and "botIdEnv"`,
            });
        }
        if (cfg.targets && cfg.botId !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['botId'],
            message: 'with "targets", each target names its bot: move "botId" into the targets',
          });
      }),
    ),
  'Configuration of kb-sync (cxgenie-kb-sync).',
);

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** Keys that look like a token: refused, because the config file is committed to git. */
export const TOKEN_KEYS = ['token', 'workspaceToken', 'workspace_token', 'apiToken', 'apiKey', 'workspaceTokenEnv'];

/** The JSON Schema editors use (`src/config/sync.config.schema.json` is this, written out). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' });
}
