import en from 'zod/v4/locales/en.js';

/**
 * Parse options that give zod/mini's issues zod's English messages. zod/mini sets no locale (an
 * issue without a message of ours would read "Invalid input"); classic zod set English by default.
 * Passed per parse rather than set with `z.config()`, so importing kb-sync as a library changes
 * no one else's zod settings. Messages of our own (`.check(z.minLength(1, '…'))`) still win.
 */
export const ENGLISH = { error: en().localeError } as const;
