/** Replace every occurrence of each secret in `text` with `***`. Secrets shorter than 4 characters are ignored. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    out = out.split(s).join('***');
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join('***');
  }
  return out;
}

const SECRET_PARAMS = /([?&](?:workspace_token|workshop_id|token|access_token)=)[^&#\s]*/gi;

/** Redact token-bearing query parameters from a URL (or any text holding URLs). */
export function redactUrl(text: string): string {
  return text.replace(SECRET_PARAMS, '$1***');
}
