// Settings → Storage: where the vault is, and changing it (or adding a bucket to a computer that
// started with a local folder) — the set-up wizard's provider form and connection test, filled in
// with the current place. The wizard says what happens to the old vault before anything changes.

import { useEffect, useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { call } from '../../api.ts';
import { describeLocation, providerInfo } from '../../lib/providers.ts';
import { useSetup } from '../../stores/setup.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';
import type { VaultLocation } from '../../../shared/models.ts';
import { SettingsSection } from './settings-section.tsx';

export function StorageSection() {
  const [location, setLocation] = useState<VaultLocation | undefined>();
  const [error, setError] = useState<ErrorRecord | undefined>();
  useEffect(() => {
    void call('setup.location', {}).then((r) => (r.ok ? setLocation(r.value.location) : setError(r.error)));
  }, []);
  const local = location?.provider === 'local';
  return (
    <SettingsSection
      id="storage"
      title="Storage"
      description="Where the encrypted vault lives. Change it to move this computer’s backups to another bucket or folder, or to join a vault another computer uses."
      actions={
        <Button icon={local ? 'plus' : 'cloud'} onClick={() => void useSetup.getState().changeStorage()}>
          {local ? 'Add a bucket…' : 'Change storage…'}
        </Button>
      }
    >
      {error && <ErrorNotice error={error} compact />}
      {location && (
        <dl className="facts">
          <div>
            <dt>Provider</dt>
            <dd>{providerInfo(location.provider).name}</dd>
          </div>
          <div>
            <dt>{local ? 'Folder' : 'Bucket'}</dt>
            <dd className="mono break" data-testid="storage-location">
              {describeLocation(location)}
            </dd>
          </div>
        </dl>
      )}
      {local && <p className="muted small">A local folder protects against an agent deleting its files, not against losing this computer. A bucket keeps a copy elsewhere.</p>}
    </SettingsSection>
  );
}
