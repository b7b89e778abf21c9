import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExtractSettings } from '../../src/extract/index.js';

const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 50,
  maxDocumentBytes: 1024,
};
const QA = '- q: Good?\n  a: Yes.\n';

/** extract/index.ts loads the Q&A reader when it first meets a Q&A file. */
describe('the lazily loaded readers', () => {
  afterEach(() => {
    vi.doUnmock('../../src/extract/qa.js');
    vi.resetModules();
  });

  it('a Q&A reader that failed to load is loaded again by the next Q&A file (a watch outlives a rebuild)', async () => {
    let fail = true;
    vi.doMock('../../src/extract/qa.js', async (importOriginal) => {
      if (fail) throw new Error('the chunk is gone');
      return importOriginal();
    });
    const { extractText } = await import('../../src/extract/index.js');
    await expect(extractText('qa', QA, 'f.qa.yaml', S)).rejects.toThrow(/the chunk is gone|error when mocking/);
    fail = false;
    const x = await extractText('qa', QA, 'f.qa.yaml', S);
    expect(x.items.map((i) => i.type)).toEqual(['Q_AND_A']);
  });
});
