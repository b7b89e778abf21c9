import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from '../../src/util/redact.js';

const TOKEN = 'wst_9f8e7d6c5b4a';

describe('redactSecrets', () => {
  it.each<[string, string, readonly (string | undefined)[], string]>([
    ['a plain occurrence', `token is ${TOKEN}.`, [TOKEN], 'token is ***.'],
    ['every occurrence', `${TOKEN}/${TOKEN}?x=${TOKEN}`, [TOKEN], '***/***?x=***'],
    ['several secrets', `a=${TOKEN} b=other-secret`, [TOKEN, 'other-secret'], 'a=*** b=***'],
    ['no secret present', 'nothing to hide here', [TOKEN], 'nothing to hide here'],
    ['undefined entries are skipped', `x ${TOKEN}`, [undefined, TOKEN, undefined], 'x ***'],
    ['secrets shorter than 4 characters are ignored', 'abc abcd', ['abc'], 'abc abcd'],
    ['a 4-character secret is redacted', 'abc abcd', ['abcd'], 'abc ***'],
    ['an empty secret list changes nothing', `x ${TOKEN}`, [], `x ${TOKEN}`],
    ['the empty string as a secret is ignored', 'abc', [''], 'abc'],
  ])('%s', (_name, text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });

  it('redacts the encodeURIComponent form of a secret with reserved characters', () => {
    const secret = 'p@ss/word+1=2';
    const text = `https://h/x?workspace_token=${encodeURIComponent(secret)}&y=1`;
    const out = redactSecrets(text, [secret]);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).toBe('https://h/x?workspace_token=***&y=1');
  });

  it('redacts the secret as URLSearchParams writes it into a query (spaces as +, ~ and ! escaped)', () => {
    const secret = 'tok en~with!marks';
    const url = new URL('https://h/x');
    url.searchParams.set('workspace_token', secret);
    url.searchParams.set('y', '1');
    // The form encoding differs from encodeURIComponent: prove the case is really distinct.
    expect(url.href).not.toContain(encodeURIComponent(secret));
    expect(redactSecrets(url.href, [secret])).toBe('https://h/x?workspace_token=***&y=1');
  });

  it('redacts the secret inside a JSON document (escaped quotes and backslashes)', () => {
    const secret = 'a"b\\c-secret';
    const doc = JSON.stringify({ message: `bad token ${secret}` });
    const out = redactSecrets(doc, [secret]);
    expect(JSON.parse(out)).toEqual({ message: 'bad token ***' });
  });

  it('never leaves part of a longer secret when a shorter one is contained in it', () => {
    const short = 'abcd';
    const long = 'abcd-efgh-ijkl';
    // Whatever the order of the list, nothing of either secret survives.
    for (const secrets of [
      [short, long],
      [long, short],
    ]) {
      const out = redactSecrets(`x ${long} y ${short} z`, secrets);
      expect(out).toBe('x *** y *** z');
    }
  });
});

describe('redactUrl', () => {
  it.each<[string, string, string]>([
    [
      'workspace_token as the first parameter',
      'https://api.example/customer-list?workspace_token=abc123&search=x',
      'https://api.example/customer-list?workspace_token=***&search=x',
    ],
    [
      'workspace_token after other parameters',
      'https://api.example/customer-list?search=x&workspace_token=abc123',
      'https://api.example/customer-list?search=x&workspace_token=***',
    ],
    [
      "workshop_id (the document's name on customer-detail)",
      '/customer-detail/1?workshop_id=abc123',
      '/customer-detail/1?workshop_id=***',
    ],
    ['token', '/uploads?token=abc&x=1', '/uploads?token=***&x=1'],
    ['access_token', '/x?access_token=abc', '/x?access_token=***'],
    ['parameter names in any case', '/x?Workspace_Token=abc', '/x?Workspace_Token=***'],
    ['the value ends at a fragment', '/x?workspace_token=abc#frag', '/x?workspace_token=***#frag'],
    [
      'several URLs in one text',
      'GET http://a/x?workspace_token=one then http://b/y?token=two done',
      'GET http://a/x?workspace_token=*** then http://b/y?token=*** done',
    ],
    ['an empty value stays empty-looking but redacted', '/x?workspace_token=&y=1', '/x?workspace_token=***&y=1'],
    ['other parameters are untouched', '/x?customer_id=42&limit=10', '/x?customer_id=42&limit=10'],
    ['a parameter that merely ends in "token" is untouched', '/x?csrf_token_hint=1', '/x?csrf_token_hint=1'],
    ['text that is not a URL is untouched', 'workspace_token is required', 'workspace_token is required'],
  ])('%s', (_name, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('leaves no trace of the token of a URL the client would build', () => {
    const token = 'secret-workspace-token';
    const url = new URL('http://127.0.0.1:1/api/v2/public-api/customer-list');
    url.searchParams.append('types', 'lead');
    url.searchParams.set('workspace_token', token);
    expect(redactUrl(url.href)).not.toContain(token);
    expect(redactUrl(url.href)).toContain('types=lead');
  });
});
