// Limits that the CLI, the app's main process and its renderer must agree on: one definition each.

/** A new passphrase (a new vault, or a changed one) has at least this many characters. */
export const MIN_PASSPHRASE_LENGTH = 8;
/** No passphrase is longer: scrypt would take it, but a form or environment variable that long is a mistake. */
export const MAX_PASSPHRASE_LENGTH = 1024;

/** Why `passphrase` can't be a new passphrase, in a sentence for the user; undefined when it can. */
export function newPassphraseProblem(passphrase: string): string | undefined {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) return `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`;
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) return `Choose a passphrase of at most ${MAX_PASSPHRASE_LENGTH} characters.`;
  return undefined;
}
