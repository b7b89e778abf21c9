/**
 * Replace every occurrence of each secret in `text` with `***`, also in its URL-encoded forms
 * (`encodeURIComponent`, and the form encoding `URLSearchParams` writes into a query) and
 * its JSON-escaped form (inside a `JSON.stringify`'d document).
 * Secrets shorter than 4 characters are ignored. Longer secrets go first, so a secret that
 * contains another is never left half-redacted.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const usable = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const forms = new Set<string>();
  for (const s of usable) {
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ s }).toString().slice(2));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out;
}

const SECRET_PARAMS = /([?&](?:workspace_token|workshop_id|token|access_token)=)[^&#\s]*/gi;

/** Redact token-bearing query parameters from a URL (or any text holding URLs). */
export function redactUrl(text: string): string {
  return text.replace(SECRET_PARAMS, '$1***');
}
