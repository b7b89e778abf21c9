import { describe, expect, it } from 'vitest';
import { environmentOf, isLoopbackHost, pairingProblem, readBotRef } from '../../src/doctor/hosts.js';

describe('which CX Genie environment a host is in', () => {
  it.each([
    ['api-demo.cxgenie.ai', 'demo'],
    ['chat-demo.cxgenie.ai', 'demo'],
    ['widget-demo.cxgenie.ai', 'demo'],
    ['api.cxgenie.ai', 'production'],
    ['chat.cxgenie.ai', 'production'],
    ['CHAT.CXGENIE.AI', 'production'],
    ['127.0.0.1', 'local'],
    ['localhost', 'local'],
    ['[::1]', 'local'],
    ['cxgenie.ai.evil.example', 'other'],
    ['api.example.com', 'other'],
  ])('%s is %s', (host, env) => {
    expect(environmentOf(host)).toBe(env);
  });

  it('loopback means this machine only', () => {
    expect([isLoopbackHost('127.8.9.10'), isLoopbackHost('app.localhost'), isLoopbackHost('10.0.0.1')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('a bot id as people paste it', () => {
  it.each([
    ['9b1c2d3e-1111-4222-8333-444455556666', '9b1c2d3e-1111-4222-8333-444455556666', undefined],
    ['https://chat.cxgenie.ai?aid=abc-123', 'abc-123', 'chat.cxgenie.ai'],
    ['https://chat-demo.cxgenie.ai/?lang=en&aid=abc-123', 'abc-123', 'chat-demo.cxgenie.ai'],
    ['<script src="https://widget-demo.cxgenie.ai/widget.js" data-aid="abc-123"></script>', 'abc-123', undefined],
    ['aid=abc%2D123', 'abc-123', undefined],
  ])('%s → %s', (value, botId, host) => {
    const ref = readBotRef(value);
    expect(ref?.botId).toBe(botId);
    expect(ref?.url?.hostname).toBe(host);
  });

  it('a URL without an aid names no bot', () => {
    expect(readBotRef('https://chat.cxgenie.ai/')).toBeUndefined();
  });
});

describe('a production bot URL with the demo API (and the reverse) is a warning', () => {
  it('names the mismatch only when the two environments differ', () => {
    expect(pairingProblem('demo', 'production')).toContain('the API base URL is the demo API');
    expect(pairingProblem('production', 'demo')).toContain('is a production host');
    for (const [api, bot] of [
      ['demo', 'demo'],
      ['production', 'production'],
      ['local', 'production'],
      ['other', 'demo'],
    ] as const)
      expect(pairingProblem(api, bot)).toBeUndefined();
  });
});
