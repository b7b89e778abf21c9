/**
 * The optional judge of `kb-sync eval --judge`: an OpenAI-compatible chat endpoint that reads
 * each case (question, expected answer, reply) and says pass or fail, with a reason. Pure: the
 * settings from the environment, the request body, and reading the verdict; the request itself
 * is made by src/cli/judge-client.ts.
 *
 * Environment (trusted, like the rest of the environment; the key is never printed):
 *   KB_SYNC_JUDGE_URL    base URL of the API (`https://api.openai.com/v1`, `http://localhost:11434/v1`),
 *                        or its full `…/chat/completions` URL; falls back to OPENAI_BASE_URL
 *   KB_SYNC_JUDGE_MODEL  the model name (required)
 *   KB_SYNC_JUDGE_KEY    the API key, sent as `Authorization: Bearer …`; falls back to
 *                        OPENAI_API_KEY; none for a local server that needs none
 */

export interface JudgeSettings {
  /** The chat completions URL. */
  url: string;
  model: string;
  key: string | undefined;
}

export class JudgeSettingsError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const HINT =
  'Set KB_SYNC_JUDGE_URL (an OpenAI-compatible API, e.g. https://api.openai.com/v1), KB_SYNC_JUDGE_MODEL and, if the server needs one, KB_SYNC_JUDGE_KEY.';

export function readJudgeSettings(env: Readonly<Record<string, string | undefined>>): JudgeSettings {
  const base = (env.KB_SYNC_JUDGE_URL ?? env.OPENAI_BASE_URL ?? '').trim();
  const model = (env.KB_SYNC_JUDGE_MODEL ?? '').trim();
  const key = (env.KB_SYNC_JUDGE_KEY ?? env.OPENAI_API_KEY ?? '').trim();
  if (base === '') throw new JudgeSettingsError('--judge needs the URL of an OpenAI-compatible chat API.', HINT);
  if (model === '') throw new JudgeSettingsError('--judge needs a model name (KB_SYNC_JUDGE_MODEL).', HINT);
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new JudgeSettingsError(`KB_SYNC_JUDGE_URL is not a URL: "${base.slice(0, 100)}"`, HINT);
  }
  if (!/^https?:$/.test(u.protocol))
    throw new JudgeSettingsError(`KB_SYNC_JUDGE_URL must be an http(s) URL, not "${u.protocol}"`, HINT);
  if (u.username !== '' || u.password !== '')
    throw new JudgeSettingsError(
      'KB_SYNC_JUDGE_URL must not hold credentials; put the key in KB_SYNC_JUDGE_KEY.',
      HINT,
    );
  const trimmed = base.replace(/\/+$/, '');
  const url = /\/chat\/completions$/.test(trimmed) ? trimmed : `${trimmed}/chat/completions`;
  return { url, model, key: key === '' ? undefined : key };
}

/** Where to send (without a key, ever): for reports. */
export function judgeLabel(s: JudgeSettings): string {
  return `${s.model} at ${new URL(s.url).origin}`;
}

export interface JudgeCase {
  question: string;
  expect?: string;
  mustInclude: readonly string[];
}

const SYSTEM = [
  'You grade a customer-support chatbot. You get a customer question, the answer the support team',
  'expects (and/or phrases the reply must contain), and the bot reply. Judge as a careful person would:',
  'PASS when a customer reading the reply gets a correct answer to their question: the same facts',
  '(numbers, prices, durations, links, yes or no) as the expected answer, in any words or language,',
  'even if it leaves out details that were not asked. FAIL when the reply contradicts the expected',
  'answer, states a wrong number or fact, leaves out what was asked, says it does not know, or',
  'answers another question. Answer with JSON only: {"verdict": "pass" | "fail", "reason": "<one sentence>"}.',
].join(' ');

export function judgeRequestBody(model: string, c: JudgeCase, reply: string): Record<string, unknown> {
  const parts = [`Question: ${c.question}`];
  if (c.expect !== undefined) parts.push(`Expected answer: ${c.expect}`);
  if (c.mustInclude.length > 0) parts.push(`The reply must contain: ${c.mustInclude.map((p) => `"${p}"`).join(', ')}`);
  parts.push(`Bot reply: ${reply}`);
  return {
    model,
    temperature: 0,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: parts.join('\n\n') },
    ],
  };
}

export interface JudgeVerdict {
  pass: boolean;
  reason: string;
}

/** The verdict in a chat completion response (untrusted: anything else is an error). */
export function parseJudgeResponse(body: unknown): JudgeVerdict {
  const content = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('the judge sent no message (choices[0].message.content)');
  return parseVerdict(content);
}

/** `{"verdict": "pass", "reason": "…"}`, possibly inside prose or a code fence; else a leading PASS/FAIL. */
export function parseVerdict(content: string): JudgeVerdict {
  const json = /\{[\s\S]*\}/.exec(content)?.[0];
  if (json) {
    try {
      const v = JSON.parse(json) as { verdict?: unknown; reason?: unknown; pass?: unknown };
      const verdict = typeof v.verdict === 'string' ? v.verdict.trim().toLowerCase() : undefined;
      const pass =
        verdict === 'pass' ? true : verdict === 'fail' ? false : typeof v.pass === 'boolean' ? v.pass : undefined;
      if (pass !== undefined) return { pass, reason: clean(typeof v.reason === 'string' ? v.reason : '') };
    } catch {
      // Fall through to the plain-text reading.
    }
  }
  const m = /^\W*(pass|fail)\b[\s:.,—-]*([\s\S]*)$/i.exec(content.trim());
  if (m) return { pass: (m[1] as string).toLowerCase() === 'pass', reason: clean(m[2] ?? '') };
  throw new Error(`the judge's answer has no verdict: "${clean(content).slice(0, 120)}"`);
}

function clean(s: string): string {
  // Untrusted text goes to a terminal: no control characters, one line, a sane length.
  const t = s
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > 400 ? `${t.slice(0, 399)}…` : t;
}
