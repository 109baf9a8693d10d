// A bucket that keeps old versions of deleted objects (versioning on, or B2's hide-on-delete)
// never frees space when Cairn prunes. Said at set-up, with what to do, per provider.

import { Notice } from '../../components/feedback.tsx';
import type { ProviderKind } from '../../../shared/models.ts';

const RULE: Record<ProviderKind, string> = {
  r2: 'In the Cloudflare dashboard, add an object lifecycle rule to the bucket that deletes noncurrent (old) versions after 1 day.',
  s3: 'In the AWS console (bucket → Management → Lifecycle rules), add a rule that permanently deletes noncurrent versions after 1 day.',
  b2: 'In the Backblaze console (bucket → Lifecycle Settings), choose "Keep only the last version of the file".',
  other: "Add a lifecycle rule that expires noncurrent versions after 1 day (see your provider's documentation).",
  local: '',
};

export function VersioningNotice({ versioning, provider }: { versioning: 'enabled' | 'suspended' | undefined; provider: ProviderKind }) {
  if (!versioning || provider === 'local') return null;
  return (
    <Notice tone="warning" title="This bucket keeps old versions of deleted data">
      Versioning is {versioning} here, so what Cairn prunes still takes space (and costs money) as hidden old versions. {RULE[provider]} You can continue now and add the rule later; see docs/PROVIDERS.md.
    </Notice>
  );
}
