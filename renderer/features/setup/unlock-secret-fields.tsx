// "Unlock with: passphrase | recovery key" and the field for it: used to join a vault and to
// unlock this device's vault again.

import { Segmented, TextField } from '../../components/form.tsx';

export type UnlockKind = 'passphrase' | 'recoveryKey';

/** What the fields hold, as the IPC contract takes it (a recovery key without stray spaces). */
export function toUnlockSecret(kind: UnlockKind, value: string): { passphrase: string } | { recoveryKey: string } {
  return kind === 'passphrase' ? { passphrase: value } : { recoveryKey: value.trim() };
}

export function UnlockSecretFields({ kind, onKind, value, onValue }: { kind: UnlockKind; onKind: (k: UnlockKind) => void; value: string; onValue: (v: string) => void }) {
  return (
    <>
      <Segmented
        label="Unlock with"
        value={kind}
        onChange={(k) => {
          onKind(k);
          onValue('');
        }}
        options={[
          { value: 'passphrase', label: 'Passphrase' },
          { value: 'recoveryKey', label: 'Recovery key' },
        ]}
      />
      <TextField
        label={kind === 'passphrase' ? 'Vault passphrase' : 'Recovery key'}
        type={kind === 'passphrase' ? 'password' : 'text'}
        value={value}
        onChange={onValue}
        autoComplete="off"
        spellCheck={false}
        className={kind === 'recoveryKey' ? 'mono' : undefined}
        autoFocus
      />
    </>
  );
}
