import { describe, expect, it } from 'vitest';
import { b2Endpoint, EMPTY_FORM, effectiveEndpoint, formFor, r2Endpoint, toConnection, validateForm } from './providers.ts';

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
    // `~/…` is taken as typed and expanded by the app (the service), not refused.
    expect(validateForm({ ...EMPTY_FORM, provider: 'local', path: '~/Backups/cairn' }).path).toBeUndefined();
    expect(validateForm({ ...EMPTY_FORM, provider: 'local', path: '~' }).path).toBeUndefined();
    expect(validateForm({ ...EMPTY_FORM, provider: 'local', path: '~alice/x' }).path).toMatch(/full path/);
  });

  it('sends no credentials for a local folder and trims the prefix', () => {
    expect(toConnection({ ...EMPTY_FORM, provider: 'local', path: '/media/backup', prefix: '/vaults/cairn/' })).toEqual({ location: { provider: 'local', prefix: 'vaults/cairn', path: '/media/backup' } });
  });
});

describe('R2 jurisdictions and free-text regions', () => {
  const r2 = { ...EMPTY_FORM, provider: 'r2' as const, accountId: '0123456789abcdef0123456789abcdef', bucket: 'my-vault', accessKeyId: 'a', secretAccessKey: 'b' };

  it('puts the jurisdiction in the R2 endpoint', () => {
    expect(toConnection({ ...r2, jurisdiction: 'eu' }).location.endpoint).toBe('https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com');
    expect(effectiveEndpoint({ ...r2, jurisdiction: 'fedramp' })).toBe('https://0123456789abcdef0123456789abcdef.fedramp.r2.cloudflarestorage.com');
    expect(r2Endpoint('0123456789abcdef0123456789abcdef', '')).toBe('https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com');
  });

  it('accepts any AWS or B2 region of the right shape, not only the suggested ones', () => {
    const s3 = { ...EMPTY_FORM, provider: 's3' as const, bucket: 'my-vault', accessKeyId: 'a', secretAccessKey: 'b' };
    for (const region of ['ap-southeast-5', 'us-gov-west-1', 'mx-central-1', 'eusc-de-east-1']) expect(validateForm({ ...s3, region })).toEqual({});
    for (const region of ['Frankfurt', 'eu-central', 'EU-CENTRAL-1', 'eu central 1']) expect(validateForm({ ...s3, region }).region).toMatch(/looks like/);
    const b2 = { ...s3, provider: 'b2' as const };
    expect(validateForm({ ...b2, region: 'ca-east-006' })).toEqual({});
    expect(toConnection({ ...b2, region: ' us-east-007 ' }).location).toMatchObject({ region: 'us-east-007', endpoint: 'https://s3.us-east-007.backblazeb2.com' });
    expect(validateForm({ ...b2, region: 'us-west-4' }).region).toMatch(/us-west-004/);
    expect(validateForm({ ...b2, region: '' }).region).toMatch(/region/);
  });

  it('turns a saved location back into the form (without its keys)', () => {
    for (const form of [
      { ...r2, jurisdiction: 'eu' as const },
      { ...r2 },
      { ...EMPTY_FORM, provider: 'b2' as const, region: 'eu-central-003', bucket: 'b2-vault', prefix: 'vaults/x' },
      { ...EMPTY_FORM, provider: 's3' as const, region: 'us-gov-west-1', bucket: 'aws-vault' },
      { ...EMPTY_FORM, provider: 'other' as const, endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'minio', forcePathStyle: false },
      { ...EMPTY_FORM, provider: 'local' as const, path: '/media/backup' },
    ]) {
      const { location } = toConnection(form);
      expect(toConnection({ ...formFor(location), accessKeyId: form.accessKeyId, secretAccessKey: form.secretAccessKey }).location).toEqual(location);
      expect(formFor(location).secretAccessKey).toBe('');
    }
  });
});
