import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/errors.ts';
import { explainCode, explainError, storageKindOf } from './explain-error.ts';

describe('explainError', () => {
  it.each(ERROR_CODES)('explains %s in words, with something to do', (code) => {
    const e = explainCode(code);
    expect(e.title.length).toBeGreaterThan(3);
    expect(e.hint.length).toBeGreaterThan(20);
    expect(e.title).not.toMatch(/unknown error/i);
  });

  it('gives every code its own title', () => {
    const titles = ERROR_CODES.map((c) => explainCode(c).title);
    expect(new Set(titles).size).toBe(ERROR_CODES.length);
  });

  it('says what the connection failures mean', () => {
    expect(explainCode('access_denied').hint).toMatch(/access key/i);
    expect(explainCode('bucket_not_found').title).toMatch(/bucket/i);
    expect(explainCode('clock_skew').hint).toMatch(/date and time/i);
    expect(explainCode('unreachable').hint).toMatch(/endpoint/i);
    expect(explainCode('checksum_refused').hint).toMatch(/checksum/i);
    expect(explainCode('wrong_key').title).toMatch(/passphrase/i);
  });

  it('keeps the engine’s message as the detail', () => {
    const e = explainError({ code: 'bucket_not_found', message: "The bucket 'x' does not exist at http://h. Create it or fix the name.", retryable: false });
    expect(e.detail).toContain("bucket 'x'");
    expect(e.code).toBe('bucket_not_found');
    expect(e.retryable).toBe(false);
  });

  it('words storage errors for a local folder: never access keys, buckets or the provider’s status page', () => {
    const denied = explainCode('access_denied', 'local');
    expect(`${denied.title} ${denied.hint}`).not.toMatch(/access key|secret|bucket/i);
    expect(denied.hint).toMatch(/permissions/i);
    const inTheWay = explainCode('storage', 'local');
    expect(`${inTheWay.title} ${inTheWay.hint}`).not.toMatch(/status page|provider|usually temporary/i);
    expect(inTheWay.hint).toMatch(/file where a folder should be/i);
    expect(explainCode('bucket_not_found', 'local').title).toMatch(/folder/i);
    expect(explainCode('unreachable', 'local').hint).not.toMatch(/endpoint/i);
    // A vault folder gone (a disk not connected) is not a bucket and prefix to check.
    const gone = explainCode('no_vault', 'local');
    expect(`${gone.title} ${gone.hint}`).not.toMatch(/bucket|prefix/i);
    expect(gone.hint).toMatch(/disk that isn’t connected/);
    // A bucket keeps the bucket words; codes storage doesn't change read the same.
    expect(explainCode('access_denied', 'bucket').hint).toMatch(/access key/i);
    expect(explainCode('wrong_key', 'local')).toEqual(explainCode('wrong_key'));
    expect(storageKindOf('local')).toBe('local');
    expect(storageKindOf('r2')).toBe('bucket');
  });
});
