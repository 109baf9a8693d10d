// A rough strength estimate for the vault passphrase, to steer people towards long phrases.
// It is advice, not a gate: the contract only requires 8 characters. The estimate counts
// guessing entropy from length and character variety, with penalties for repeats, sequences
// and the most common choices.

export type StrengthLevel = 0 | 1 | 2 | 3 | 4;

export interface Strength {
  level: StrengthLevel;
  label: 'Too short' | 'Weak' | 'Fair' | 'Good' | 'Strong';
  bits: number;
  hint: string;
}

const COMMON = ['password', 'passw0rd', 'qwerty', 'letmein', 'welcome', 'iloveyou', 'admin', 'monkey', 'dragon', 'cairn', 'backup', 'secret', '123456', 'abc123'];

export { MIN_PASSPHRASE_LENGTH } from '../../shared/limits.ts';
import { MIN_PASSPHRASE_LENGTH } from '../../shared/limits.ts';

export function estimateStrength(passphrase: string): Strength {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    return { level: 0, label: 'Too short', bits: 0, hint: `Use at least ${MIN_PASSPHRASE_LENGTH} characters; four or more random words are best.` };
  }
  const words = passphrase.split(/[\s\-_.]+/).filter((w) => w.length >= 3);
  let bits: number;
  if (words.length >= 3) {
    // A phrase of words: about 12.9 bits per word drawn from a diceware list of 7,776.
    bits = words.length * 12.9 + (/[0-9]/.test(passphrase) ? 3 : 0) + (/[A-Z]/.test(passphrase) ? 2 : 0);
  } else {
    let pool = 0;
    if (/[a-z]/.test(passphrase)) pool += 26;
    if (/[A-Z]/.test(passphrase)) pool += 26;
    if (/[0-9]/.test(passphrase)) pool += 10;
    if (/[^a-zA-Z0-9]/.test(passphrase)) pool += 33;
    const unique = new Set(passphrase).size;
    const effectiveLength = Math.min(passphrase.length, unique * 2);
    bits = effectiveLength * Math.log2(Math.max(pool, 2));
  }
  const lower = passphrase.toLowerCase();
  if (COMMON.some((c) => lower.includes(c))) bits -= 30;
  if (/(.)\1{2,}/.test(passphrase)) bits -= 10;
  if (/(?:0123|1234|2345|3456|4567|5678|6789|abcd|bcde|qwer|asdf)/i.test(passphrase)) bits -= 10;
  bits = Math.max(0, Math.round(bits));
  if (bits < 35) return { level: 1, label: 'Weak', bits, hint: 'Easy to guess. Add more words or characters; avoid names, dates and common passwords.' };
  if (bits < 50) return { level: 2, label: 'Fair', bits, hint: 'Could be stronger: add another word or two.' };
  if (bits < 70) return { level: 3, label: 'Good', bits, hint: 'A good passphrase. Write it down with your recovery key.' };
  return { level: 4, label: 'Strong', bits, hint: 'A strong passphrase.' };
}
