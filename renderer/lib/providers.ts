// What each storage provider needs from the user, and how the answers become a VaultLocation.
// Endpoints the user would otherwise have to look up are derived: R2 from the account ID,
// Backblaze B2 from the region.

import type { ProviderKind, VaultLocation } from '../../shared/models.ts';
import { isFullPath } from './paths.ts';

export interface ProviderForm {
  provider: ProviderKind;
  accountId: string; // R2
  jurisdiction: R2Jurisdiction; // R2
  region: string; // S3, B2, other
  endpoint: string; // other (R2 and B2 derive it)
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean; // other
  path: string; // local
}

export const EMPTY_FORM: ProviderForm = {
  provider: 'r2',
  accountId: '',
  jurisdiction: '',
  region: '',
  endpoint: '',
  bucket: '',
  prefix: 'cairn',
  accessKeyId: '',
  secretAccessKey: '',
  forcePathStyle: true,
  path: '',
};

export interface ProviderInfo {
  kind: ProviderKind;
  name: string;
  tagline: string;
  /** Where to create keys, shown as a hint. */
  keysHint: string;
  accessKeyLabel: string;
  secretLabel: string;
}

export const PROVIDERS: readonly ProviderInfo[] = [
  {
    kind: 'r2',
    name: 'Cloudflare R2',
    tagline: 'No egress fees; 10 GB free each month.',
    keysHint: 'In the Cloudflare dashboard: R2 → Manage R2 API Tokens → Create API token with “Object Read & Write” for this bucket.',
    accessKeyLabel: 'Access key ID',
    secretLabel: 'Secret access key',
  },
  {
    kind: 's3',
    name: 'Amazon S3',
    tagline: 'The original. Pick the region nearest to you.',
    keysHint: 'Create an IAM user with s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on this bucket only, then create an access key for it.',
    accessKeyLabel: 'Access key ID',
    secretLabel: 'Secret access key',
  },
  {
    kind: 'b2',
    name: 'Backblaze B2',
    tagline: 'The lowest price per GB.',
    keysHint: 'In Backblaze: Application Keys → Add a New Application Key with Read and Write access to this bucket. The keyID is the access key.',
    accessKeyLabel: 'keyID',
    secretLabel: 'applicationKey',
  },
  {
    kind: 'other',
    name: 'Other S3-compatible',
    tagline: 'MinIO, Wasabi, Garage, Ceph, your NAS…',
    keysHint: 'Use a key limited to this bucket, with list, read, write and delete permission.',
    accessKeyLabel: 'Access key ID',
    secretLabel: 'Secret access key',
  },
  {
    kind: 'local',
    name: 'Local folder',
    tagline: 'An external disk, a NAS share — or just try Cairn with no cloud account.',
    keysHint: '',
    accessKeyLabel: '',
    secretLabel: '',
  },
];

export function providerInfo(kind: ProviderKind): ProviderInfo {
  const info = PROVIDERS.find((p) => p.kind === kind);
  if (!info) throw new Error(`unknown provider ${kind}`);
  return info;
}

export const AWS_REGIONS: readonly { id: string; name: string }[] = [
  { id: 'us-east-1', name: 'US East (N. Virginia)' },
  { id: 'us-east-2', name: 'US East (Ohio)' },
  { id: 'us-west-1', name: 'US West (N. California)' },
  { id: 'us-west-2', name: 'US West (Oregon)' },
  { id: 'ca-central-1', name: 'Canada (Central)' },
  { id: 'sa-east-1', name: 'South America (São Paulo)' },
  { id: 'eu-west-1', name: 'Europe (Ireland)' },
  { id: 'eu-west-2', name: 'Europe (London)' },
  { id: 'eu-west-3', name: 'Europe (Paris)' },
  { id: 'eu-central-1', name: 'Europe (Frankfurt)' },
  { id: 'eu-central-2', name: 'Europe (Zurich)' },
  { id: 'eu-north-1', name: 'Europe (Stockholm)' },
  { id: 'eu-south-1', name: 'Europe (Milan)' },
  { id: 'ap-northeast-1', name: 'Asia Pacific (Tokyo)' },
  { id: 'ap-northeast-2', name: 'Asia Pacific (Seoul)' },
  { id: 'ap-south-1', name: 'Asia Pacific (Mumbai)' },
  { id: 'ap-southeast-1', name: 'Asia Pacific (Singapore)' },
  { id: 'ap-southeast-2', name: 'Asia Pacific (Sydney)' },
];

/** Suggestions only: the field takes any region of the right shape (new ones open every year). */
export const B2_REGIONS: readonly string[] = ['us-west-000', 'us-west-001', 'us-west-002', 'us-west-004', 'us-east-005', 'eu-central-003', 'ca-east-006'];

/** AWS region ids: `us-east-1`, `ap-southeast-5`, `us-gov-west-1`, `eusc-de-east-1`. */
const AWS_REGION_RE = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
/** B2 region ids, as in `s3.<region>.backblazeb2.com`: `us-west-004`, `eu-central-003`. */
const B2_REGION_RE = /^[a-z]{2}-[a-z]+-\d{3}$/;

/**
 * R2 jurisdictions: a bucket created in one is reached only through its own endpoint,
 * `https://<account>.<jurisdiction>.r2.cloudflarestorage.com` (Cloudflare, "R2 data location →
 * Using jurisdictions with the S3 API"; `us` added 2026-08-17). '' is the global endpoint.
 */
export type R2Jurisdiction = '' | 'eu' | 'fedramp' | 'us';
export const R2_JURISDICTIONS: readonly { id: R2Jurisdiction; name: string }[] = [
  { id: '', name: 'Global (default)' },
  { id: 'eu', name: 'European Union (EU)' },
  { id: 'fedramp', name: 'FedRAMP' },
  { id: 'us', name: 'United States (US)' },
];

export function r2Endpoint(accountId: string, jurisdiction: R2Jurisdiction = ''): string {
  return `https://${accountId.trim().toLowerCase()}.${jurisdiction ? `${jurisdiction}.` : ''}r2.cloudflarestorage.com`;
}

const R2_ENDPOINT_RE = /^https:\/\/([0-9a-f]{32})\.(?:(eu|fedramp|us)\.)?r2\.cloudflarestorage\.com\/?$/i;
const B2_ENDPOINT_RE = /^https:\/\/s3\.([a-z0-9-]+)\.backblazeb2\.com\/?$/i;

/** The form that describes a saved location (for changing it in Settings): the inverse of toConnection, without the secrets. */
export function formFor(location: VaultLocation): ProviderForm {
  const base: ProviderForm = { ...EMPTY_FORM, provider: location.provider, prefix: location.prefix || 'cairn', bucket: location.bucket ?? '', region: location.region ?? '' };
  switch (location.provider) {
    case 'local':
      return { ...base, path: location.path ?? '' };
    case 'r2': {
      const m = R2_ENDPOINT_RE.exec(location.endpoint ?? '');
      return { ...base, region: '', accountId: m?.[1] ?? '', jurisdiction: (m?.[2]?.toLowerCase() ?? '') as R2Jurisdiction };
    }
    case 'b2':
      return { ...base, region: location.region || (B2_ENDPOINT_RE.exec(location.endpoint ?? '')?.[1] ?? '') };
    case 's3':
      return base;
    case 'other':
      return { ...base, endpoint: location.endpoint ?? '', forcePathStyle: location.forcePathStyle ?? true };
  }
}

export function b2Endpoint(region: string): string {
  return `https://s3.${region.trim()}.backblazeb2.com`;
}

/** The endpoint the form will connect to, for display; undefined for AWS (the SDK knows it). */
export function effectiveEndpoint(form: ProviderForm): string | undefined {
  switch (form.provider) {
    case 'r2':
      return form.accountId.trim() ? r2Endpoint(form.accountId, form.jurisdiction) : undefined;
    case 'b2':
      return form.region.trim() ? b2Endpoint(form.region) : undefined;
    case 'other':
      return form.endpoint.trim() || undefined;
    case 's3':
      return form.region.trim() ? `https://s3.${form.region.trim()}.amazonaws.com` : undefined;
    case 'local':
      return undefined;
  }
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type FormErrors = Partial<Record<keyof ProviderForm, string>>;

/** Field-level problems, in words; empty when the form can be submitted. */
export function validateForm(form: ProviderForm): FormErrors {
  const errors: FormErrors = {};
  if (form.provider === 'local') {
    if (!form.path.trim()) errors.path = 'Choose a folder.';
    else if (!isFullPath(form.path.trim())) errors.path = 'Use a full path, such as ~/Backups/cairn, /Volumes/Backup/cairn or D:\\Backups\\cairn.';
    return errors;
  }
  if (form.provider === 'r2') {
    if (!form.accountId.trim()) errors.accountId = 'Paste your Cloudflare account ID.';
    else if (!/^[0-9a-f]{32}$/i.test(form.accountId.trim())) errors.accountId = 'An account ID is 32 hexadecimal characters (in the R2 overview, on the right).';
  }
  if (form.provider === 's3' || form.provider === 'b2') {
    const region = form.region.trim();
    if (!region) errors.region = 'Enter the bucket’s region.';
    else if (form.provider === 's3' && !AWS_REGION_RE.test(region)) errors.region = 'An AWS region looks like eu-central-1 or us-gov-west-1 (lower case, ending in a number).';
    else if (form.provider === 'b2' && !B2_REGION_RE.test(region)) errors.region = 'A B2 region looks like us-west-004: the part between “s3.” and “.backblazeb2.com” in the bucket’s endpoint.';
  }
  if (form.provider === 'other') {
    const endpoint = form.endpoint.trim();
    if (!endpoint) errors.endpoint = 'Enter the endpoint URL.';
    else if (!isHttpUrl(endpoint)) errors.endpoint = 'Use a full URL such as https://minio.example.com:9000.';
  }
  if (!form.bucket.trim()) errors.bucket = 'Enter the bucket name.';
  else if (!BUCKET_RE.test(form.bucket.trim())) errors.bucket = 'Bucket names are 3–63 characters: lower-case letters, digits, dots and hyphens.';
  if (!form.accessKeyId.trim()) errors.accessKeyId = 'Required.';
  if (!form.secretAccessKey) errors.secretAccessKey = 'Required.';
  if (form.prefix.length > 512) errors.prefix = 'At most 512 characters.';
  return errors;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface ConnectionRequest {
  location: VaultLocation;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function toConnection(form: ProviderForm): ConnectionRequest {
  const prefix = form.prefix.trim().replace(/^\/+|\/+$/g, '') || 'cairn';
  if (form.provider === 'local') {
    return { location: { provider: 'local', prefix, path: form.path.trim() } };
  }
  const credentials = { accessKeyId: form.accessKeyId.trim(), secretAccessKey: form.secretAccessKey };
  const bucket = form.bucket.trim();
  switch (form.provider) {
    case 'r2':
      return { location: { provider: 'r2', bucket, prefix, endpoint: r2Endpoint(form.accountId, form.jurisdiction), region: 'auto' }, credentials };
    case 'b2':
      return { location: { provider: 'b2', bucket, prefix, endpoint: b2Endpoint(form.region), region: form.region.trim() }, credentials };
    case 's3':
      return { location: { provider: 's3', bucket, prefix, region: form.region.trim() }, credentials };
    case 'other':
      return {
        location: { provider: 'other', bucket, prefix, endpoint: form.endpoint.trim(), region: form.region.trim() || 'us-east-1', forcePathStyle: form.forcePathStyle },
        credentials,
      };
  }
}

/** A location in words, for the user ("my-vault/cairn at https://…", or the folder). */
export function describeLocation(location: VaultLocation): string {
  if (location.provider === 'local') return `${location.path ?? ''}${location.prefix ? `/${location.prefix}` : ''}`;
  const where = location.endpoint ?? (location.region ? `AWS ${location.region}` : 'AWS');
  return `${location.bucket ?? ''}/${location.prefix} at ${where}`;
}
