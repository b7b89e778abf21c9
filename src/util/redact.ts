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

/**
 * A URL as it may be stored or shown: scheme, host, port and path only. A user name, password,
 * query or fragment is where a pasted token ends up (the config refuses them; this also cleans a
 * value written by an older kb-sync or read from a snapshot). Text that is not a URL keeps what
 * precedes a `?` or `#`, with any `user@` part removed.
 */
export function publicUrl(url: string): string {
  if (!/[?#@]/.test(url)) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/s, '').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1');
  }
}
