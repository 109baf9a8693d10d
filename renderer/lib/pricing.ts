// Storage prices we assume for the estimate on the dashboard, in US dollars per GB-month
// (1 GB = 10^9 bytes), standard storage class, as published by each provider in 2025. Request
// and egress fees are left out: Cairn's traffic is small, and R2 has no egress fees.

import type { ProviderKind } from '../../shared/models.ts';

export const STORAGE_PRICE_PER_GB_MONTH = {
  r2: 0.015, // Cloudflare R2 Standard; the first 10 GB-month are free
  s3: 0.023, // AWS S3 Standard, us-east-1, first 50 TB
  b2: 0.006, // Backblaze B2
} as const satisfies Partial<Record<ProviderKind, number>>;

export const PROVIDER_NAMES: Record<ProviderKind, string> = {
  r2: 'Cloudflare R2',
  s3: 'Amazon S3',
  b2: 'Backblaze B2',
  other: 'S3-compatible storage',
  local: 'Local folder',
};

export function isProviderKind(value: string): value is ProviderKind {
  return value === 'r2' || value === 's3' || value === 'b2' || value === 'other' || value === 'local';
}

/** How a provider is named on screen; an unknown kind as it is. */
export function providerName(provider: string): string {
  return isProviderKind(provider) ? PROVIDER_NAMES[provider] : provider;
}

export type CostEstimate =
  | { kind: 'priced'; dollarsPerMonth: number; pricePerGb: number }
  | { kind: 'free' }
  | { kind: 'unknown' };

export function estimateMonthlyCost(provider: string, storedBytes: number): CostEstimate {
  if (provider === 'local') return { kind: 'free' };
  if (provider === 'r2' || provider === 's3' || provider === 'b2') {
    const pricePerGb = STORAGE_PRICE_PER_GB_MONTH[provider];
    return { kind: 'priced', pricePerGb, dollarsPerMonth: (storedBytes / 1e9) * pricePerGb };
  }
  return { kind: 'unknown' };
}

export function formatDollars(amount: number): string {
  if (amount > 0 && amount < 0.01) return 'under $0.01';
  return `≈ $${amount.toFixed(2)}`;
}
