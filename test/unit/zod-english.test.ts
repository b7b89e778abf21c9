import { describe, expect, it } from 'vitest';
import { checkNeeds } from '../../src/api/shape.js';
import { resolveConfig } from '../../src/config/load.js';

// zod/mini sets no locale: without src/util/zod-english.ts, an issue that carries no message of
// our own would read "Invalid input". These are the places where users see zod's own wording.
describe("zod's English messages (zod/mini loads no locale)", () => {
  it('a configuration issue without a message of ours is in words, not "Invalid input"', () => {
    expect(() =>
      resolveConfig({ markdown: { jsx: { elements: { '': 'keep' } } } }, { file: '/x/sync.config.json' }),
    ).toThrow(/"markdown\.jsx\.elements\." Invalid key in record/);
  });

  it('a reply check without a message of ours is in words, not "Invalid input"', () => {
    expect(checkNeeds('POST /bot-data', { data: { id: '' } })).toEqual([
      {
        path: 'data.id',
        field: 'data.id',
        kind: 'value',
        message: 'Too small: expected string to have >=1 characters, got a string ""',
      },
    ]);
  });
});
