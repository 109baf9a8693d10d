// What Cairn does with a config.json it can't read, without zod (the CLI reads it too, and loads
// as little as it can): the original is kept beside it as config.json.bad (never overwritten: a
// second one is config.json.bad.2, …) before anything writes the file again, and what was lost is
// recorded in the config (`problem`) so the app and the CLI both say so until the user acts.

import { constants, copyFileSync } from 'node:fs';
import { ConfigError } from '../../shared/errors.ts';

/** A config.json that could not be read as it was: when, why, where the original is, what was reset. */
export interface ConfigProblem {
  at: string;
  /** Why it couldn't be read (not JSON, or the first fields that don't validate). */
  reason: string;
  /** The untouched original. */
  keptAs: string;
  /** What could not be recovered and is back to its default (`location`, `settings.theme`, …). */
  reset: string[];
}

/**
 * Copies `file` to the first free `<file>.bad`, `<file>.bad.2`, … and returns that path. Never
 * replaces an earlier copy. Throws a ConfigError when no copy could be made (then nothing may
 * write over the original).
 */
export function keepBadCopy(file: string): string {
  for (let n = 1; n < 1000; n++) {
    const target = n === 1 ? `${file}.bad` : `${file}.bad.${n}`;
    try {
      copyFileSync(file, target, constants.COPYFILE_EXCL);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ConfigError(`Cairn could not read ${file} and could not keep a copy of it (${(error as Error).message}), so it leaves the file as it is and changes nothing. Fix or move the file, then start Cairn again.`, { cause: error });
    }
  }
  throw new ConfigError(`Cairn could not read ${file}, and ${file}.bad … ${file}.bad.999 all exist. Remove the old copies, then start Cairn again.`);
}

/** What to tell the user about a config.json that was recovered (the app's notice, the CLI's warning). */
export function describeConfigProblem(problem: ConfigProblem): string {
  const lostLocation = problem.reset.includes('location');
  const what = problem.reset.length === 0 ? 'Everything in it was recovered.' : lostLocation ? 'Where the vault is could not be recovered.' : `Reset to defaults: ${problem.reset.join(', ')}; the vault location was kept.`;
  const todo = lostLocation
    ? `Set Cairn up again with the same storage and your passphrase or recovery key (nothing in the vault is lost), or quit Cairn, fix the copy and put it back as config.json.`
    : 'Check Settings; saving them clears this notice.';
  return `Cairn could not read its config.json (${problem.reason}). The original is kept as ${problem.keptAs}. ${what} ${todo}`;
}
