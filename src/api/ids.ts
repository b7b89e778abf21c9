/**
 * What the server gives back is data, not trust: an id or a URL from a response is kept (in the
 * state file) and printed only when it is plausible. Each check says what is wrong without
 * repeating the value (it may be long, hold control characters, or echo the token).
 */

/** The longest remote id kept. The API's ids are UUIDs (36) or ObjectIds (24). */
export const MAX_REMOTE_ID_LENGTH = 128;

/** The longest URL of an uploaded file taken from an upload's answer. */
export const MAX_FILE_URL_LENGTH = 2048;

/** Letters, digits and `_ . : -`, starting with a letter or digit. */
const ID_CHARS = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

function holdsSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => s.length >= 4 && value.includes(s));
}

/** Why `id` is not a plausible remote id, or `undefined` when it is. */
export function remoteIdProblem(id: unknown, secrets: readonly string[] = []): string | undefined {
  if (typeof id !== 'string') return `the id is ${id === null ? 'null' : typeof id}, not text`;
  if (id.length === 0) return 'the id is empty';
  if (id.length > MAX_REMOTE_ID_LENGTH)
    return `the id is ${id.length} characters long (at most ${MAX_REMOTE_ID_LENGTH})`;
  if (!ID_CHARS.test(id)) return 'the id holds characters other than letters, digits and _ . : -';
  if (holdsSecret(id, secrets)) return 'the id holds the workspace token';
  return undefined;
}

/** Why `url` (of an uploaded file) is not plausible, or `undefined` when it is. */
export function fileUrlProblem(url: unknown, secrets: readonly string[] = []): string | undefined {
  if (typeof url !== 'string') return `the file URL is ${url === null ? 'null' : typeof url}, not text`;
  if (url.length > MAX_FILE_URL_LENGTH)
    return `the file URL is ${url.length} characters long (at most ${MAX_FILE_URL_LENGTH})`;
  // No spaces or control characters: what a URL serializer writes never has them.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(url)) return 'the file URL holds spaces or control characters';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'the file URL is not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'the file URL is not http(s)';
  if (u.username !== '' || u.password !== '') return 'the file URL holds a user name or password';
  // In training data it would be shown to the bot's customers.
  if (holdsSecret(url, secrets) || holdsSecret(decodeURIComponentSafe(url), secrets))
    return 'the file URL holds the workspace token';
  return undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
