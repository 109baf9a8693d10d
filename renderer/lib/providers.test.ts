import { describe, expect, it } from 'vitest';
import { b2Endpoint, EMPTY_FORM, effectiveEndpoint, r2Endpoint, toConnection, validateForm } from './providers.ts';

describe('providers', () => {
  it('derives the R2 endpoint from the account id', () => {
    expect(r2Endpoint(' 0123456789ABCDEF0123456789abcdef ')).toBe('https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com');
    const form = { ...EMPTY_FORM, provider: 'r2' as const, accountId: '0123456789abcdef0123456789abcdef', bucket: 'my-vault', accessKeyId: 'a', secretAccessKey: 'b' };
    expect(validateForm(form)).toEqual({});
    expect(toConnection(form).location).toEqual({ provider: 'r2', bucket: 'my-vault', prefix: 'cairn', endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com', region: 'auto' });
  });

  it('derives the B2 endpoint from the region', () => {
    expect(b2Endpoint('us-west-004')).toBe('https://s3.us-west-004.backblazeb2.com');
    expect(effectiveEndpoint({ ...EMPTY_FORM, provider: 'b2', region: 'eu-central-003' })).toBe('https://s3.eu-central-003.backblazeb2.com');
  });

  it('explains bad fields in words', () => {
    const errors = validateForm({ ...EMPTY_FORM, provider: 'r2', accountId: 'nope', bucket: 'Bad_Bucket' });
    expect(errors.accountId).toMatch(/32 hexadecimal/);
    expect(errors.bucket).toMatch(/lower-case/);
    expect(errors.accessKeyId).toBeDefined();
    expect(validateForm({ ...EMPTY_FORM, provider: 'other', endpoint: 'minio:9000' }).endpoint).toMatch(/full URL/);
    expect(validateForm({ ...EMPTY_FORM, provider: 'local', path: 'relative/dir' }).path).toMatch(/full path/);
  });

  it('sends no credentials for a local folder and trims the prefix', () => {
    expect(toConnection({ ...EMPTY_FORM, provider: 'local', path: '/media/backup', prefix: '/vaults/cairn/' })).toEqual({ location: { provider: 'local', prefix: 'vaults/cairn', path: '/media/backup' } });
  });
});
