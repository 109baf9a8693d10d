import { describe, expect, it } from 'vitest';
import { WrongKeyError } from '../../../shared/errors.ts';
import { formatRecoveryKey, generateRecoveryKey, parseRecoveryKey } from './recovery-key.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

describe('recovery key format', () => {
  it('is 11 groups of 5 Crockford base32 characters', () => {
    const text = generateRecoveryKey();
    expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){10}$/);
  });

  it('round-trips and is deterministic', () => {
    const text = formatRecoveryKey(KEY);
    expect(text).toBe(formatRecoveryKey(KEY.slice()));
    expect(parseRecoveryKey(text)).toEqual(KEY);
    for (let i = 0; i < 50; i++) {
      const random = generateRecoveryKey();
      expect(formatRecoveryKey(parseRecoveryKey(random))).toBe(random);
    }
  });

  it('encodes the key bits first (the first 51 characters are base32 of the key)', () => {
    // 00000000 00000111 00001110 … → 00000 | 00000 | 00011 | 10000 | 1110… → "0", "0", "3", "G"
    expect(formatRecoveryKey(KEY).slice(0, 4)).toBe('003G');
  });

  it('accepts lower case, spaces, missing dashes and the look-alikes I, L, O', () => {
    const text = formatRecoveryKey(KEY);
    const messy = ` ${text.toLowerCase().replaceAll('-', ' ')}\n`;
    expect(parseRecoveryKey(messy)).toEqual(KEY);
    expect(parseRecoveryKey(text.replaceAll('-', ''))).toEqual(KEY);
    expect(parseRecoveryKey(text.replaceAll('0', 'O').replaceAll('1', 'l'))).toEqual(KEY);
  });

  it('catches every single-character typo', () => {
    const text = formatRecoveryKey(KEY).replaceAll('-', '');
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let i = 0; i < text.length; i++) {
      for (const replacement of alphabet) {
        if (replacement === text[i]) continue;
        const typo = text.slice(0, i) + replacement + text.slice(i + 1);
        expect(() => parseRecoveryKey(typo), `position ${i} -> ${replacement}`).toThrow(/checksum does not match/);
      }
    }
  });

  it('catches swapped neighbours', () => {
    const text = formatRecoveryKey(KEY).replaceAll('-', '');
    for (let i = 0; i + 1 < text.length; i++) {
      if (text[i] === text[i + 1]) continue;
      const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
      expect(() => parseRecoveryKey(swapped)).toThrow(WrongKeyError);
    }
  });

  it('says what is wrong: length, foreign characters', () => {
    const text = formatRecoveryKey(KEY);
    expect(() => parseRecoveryKey(text.slice(0, -1))).toThrow('A recovery key has 55 characters (11 groups of 5); this one has 54.');
    expect(() => parseRecoveryKey(`${text}-A`)).toThrow(/this one has 56/);
    expect(() => parseRecoveryKey(text.replace(/^./, 'U'))).toThrow(/contains "U", which never appears/);
    expect(() => parseRecoveryKey('')).toThrow(WrongKeyError);
  });
});
