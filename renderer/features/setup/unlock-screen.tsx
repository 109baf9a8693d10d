// Shown when the vault is configured but this computer can't unlock it (the keychain entry is
// gone or the passphrase was changed on another device).

import { useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { toUnlockSecret, UnlockSecretFields, type UnlockKind } from './unlock-secret-fields.tsx';
import { Logo } from '../../components/logo.tsx';
import { useSetup } from '../../stores/setup.ts';
import { useStatus } from '../../stores/status.ts';

export function UnlockScreen() {
  const unlock = useSetup((s) => s.unlock);
  const unlocking = useSetup((s) => s.unlocking);
  const error = useSetup((s) => s.unlockError);
  const deviceName = useStatus((s) => s.status?.deviceName);
  const [kind, setKind] = useState<UnlockKind>('passphrase');
  const [value, setValue] = useState('');
  return (
    <div className="center-screen">
      <form
        className="unlock-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (!value) return;
          void unlock(toUnlockSecret(kind, value)).then((ok) => {
            if (ok) {
              setValue('');
              void useStatus.getState().load();
            }
          });
        }}
      >
        <Logo size={36} />
        <h1 className="step-title">Unlock your vault</h1>
        <p className="step-lead">{deviceName ? `${deviceName} needs` : 'This computer needs'} the vault passphrase again — it may have been changed on another device.</p>
        <UnlockSecretFields kind={kind} onKind={setKind} value={value} onValue={setValue} />
        {error && <ErrorNotice error={error} />}
        <Button type="submit" variant="primary" busy={unlocking} disabled={!value} icon="key">
          Unlock
        </Button>
        <p className="unlock-foot">
          Storage keys changed too?{' '}
          <button type="button" className="link-button" onClick={() => useSetup.getState().begin()}>
            Connect to the vault again
          </button>
        </p>
      </form>
    </div>
  );
}
