// What each storage provider needs from the user, and how the answers become a VaultLocation.
// Endpoints the user would otherwise have to look up are derived: R2 from the account ID,
// Backblaze B2 from the region.

import type { ProviderKind, VaultLocation } from '../../shared/models.ts';
import { isAbsolutePath } from './paths.ts';

export interface ProviderForm {
  provider: ProviderKind;
  accountId: string; // R2
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

export const B2_REGIONS: readonly string[] = ['us-west-000', 'us-west-001', 'us-west-002', 'us-west-004', 'us-east-005', 'eu-central-003'];

export function r2Endpoint(accountId: string): string {
  return `https://${accountId.trim().toLowerCase()}.r2.cloudflarestorage.com`;
}

export function b2Endpoint(region: string): string {
  return `https://s3.${region.trim()}.backblazeb2.com`;
}

/** The endpoint the form will connect to, for display; undefined for AWS (the SDK knows it). */
export function effectiveEndpoint(form: ProviderForm): string | undefined {
  switch (form.provider) {
    case 'r2':
      return form.accountId.trim() ? r2Endpoint(form.accountId) : undefined;
    case 'b2':
      return form.region.trim() ? b2Endpoint(form.region) : undefined;
    case 'other':
      return form.endpoint.trim() || undefined;
    case 's3':
      return form.region ? `https://s3.${form.region}.amazonaws.com` : undefined;
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
    else if (!isAbsolutePath(form.path.trim())) errors.path = 'Use a full path, such as /Volumes/Backup/cairn or D:\\Backups\\cairn.';
    return errors;
  }
  if (form.provider === 'r2') {
    if (!form.accountId.trim()) errors.accountId = 'Paste your Cloudflare account ID.';
    else if (!/^[0-9a-f]{32}$/i.test(form.accountId.trim())) errors.accountId = 'An account ID is 32 hexadecimal characters (in the R2 overview, on the right).';
  }
  if ((form.provider === 's3' || form.provider === 'b2') && !form.region.trim()) errors.region = 'Choose the bucket’s region.';
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
      return { location: { provider: 'r2', bucket, prefix, endpoint: r2Endpoint(form.accountId), region: 'auto' }, credentials };
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
