/**
 * Defaults that extraction needs without loading the config schema (zod), shared with it (on the
 * floor: extract may not import config).
 */

/** The keys a Q&A entry may use, most preferred first (`qa` in sync.config.json). */
export const DEFAULT_QA_FIELDS = {
  question: ['question', 'q', 'title'],
  answer: ['answer', 'a', 'content'],
  groups: ['questions', 'items', 'sections', 'faqs'],
  groupName: ['category', 'name', 'title'],
} as const;
