// Step 3: create the vault (passphrase twice, then the recovery key shown once and confirmed)
// or join an existing one (passphrase or recovery key, then compare fingerprints).

import { useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { Segmented, TextField } from '../../components/form.tsx';
import { toUnlockSecret, UnlockSecretFields, type UnlockKind } from './unlock-secret-fields.tsx';
import { RecoveryKeyConfirm } from '../../components/recovery-key.tsx';
import { formatFingerprint } from '../../lib/format.ts';
import { describeLocation } from '../../lib/providers.ts';
import { estimateStrength, MIN_PASSPHRASE_LENGTH } from '../../lib/passphrase-strength.ts';
import { useSetup } from '../../stores/setup.ts';
import { DeviceChoice, RestoreEverything } from './join-steps.tsx';
import { StepHeader } from './step-header.tsx';

export function VaultStep() {
  const mode = useSetup((s) => s.mode);
  const result = useSetup((s) => s.result);
  const recoveryKey = useSetup((s) => s.recoveryKey);
  if (result && mode === 'create' && recoveryKey) return <RecoveryKeyStep recoveryKey={recoveryKey} fingerprint={result.fingerprint} />;
  if (result && mode === 'join') return <JoinedVault fingerprint={result.fingerprint} />;
  return <VaultForm />;
}

function VaultForm() {
  const mode = useSetup((s) => s.mode);
  const setMode = useSetup((s) => s.setMode);
  const vaultExists = useSetup((s) => s.probe.result?.vaultExists === true);
  const deviceName = useSetup((s) => s.deviceName);
  const setDeviceName = useSetup((s) => s.setDeviceName);
  const goTo = useSetup((s) => s.goTo);
  const error = useSetup((s) => s.error);
  const oldLocation = useSetup((s) => (s.changingStorage ? s.oldLocation : undefined));
  return (
    <>
      <StepHeader title={mode === 'create' ? 'Protect your vault' : 'Unlock the existing vault'}>
        {mode === 'create'
          ? 'Everything is encrypted with a key that only your passphrase or recovery key can unlock. Nobody — not your storage provider, not us — can reset it.'
          : 'This bucket already holds a Cairn vault. Enter its passphrase, or the recovery key you saved when it was created.'}
      </StepHeader>
      {oldLocation && (
        <Notice tone="info" title="What happens to the vault you use now">
          From now on this computer backs up to the new place. The vault at <code>{describeLocation(oldLocation)}</code> stays exactly as it is: nothing there is deleted, moved or copied, and its snapshots stay readable if you switch back.{' '}
          {mode === 'create'
            ? 'A new vault starts empty, with its own passphrase and recovery key: the next backup uploads everything once.'
            : 'If this is the same vault (the same key fingerprint), its history simply continues.'}
        </Notice>
      )}
      {!vaultExists && (
        <Segmented
          label="Create or join"
          value={mode}
          onChange={setMode}
          options={[
            { value: 'create', label: 'Create a new vault' },
            { value: 'join', label: 'Join an existing vault' },
          ]}
        />
      )}
      <div className="form-grid">
        <TextField label="Name of this computer" value={deviceName} onChange={setDeviceName} placeholder="e.g. Work laptop" hint="Shown on your other devices. Leave empty to use the computer’s name." maxLength={64} />
        {mode === 'create' ? <CreateForm /> : <JoinForm />}
        {error && <ErrorNotice error={error} />}
      </div>
      <div className="step-footer">
        <Button variant="ghost" icon="arrowLeft" onClick={() => goTo('connection')}>
          Back
        </Button>
        <span />
      </div>
    </>
  );
}

function StrengthMeter({ passphrase }: { passphrase: string }) {
  const strength = estimateStrength(passphrase);
  return (
    <div className={`strength strength-${strength.level}`} aria-live="polite">
      <div className="strength-bars" aria-hidden="true">
        {[1, 2, 3, 4].map((n) => (
          <span key={n} className={n <= strength.level ? 'is-on' : ''} />
        ))}
      </div>
      <div className="strength-text">
        <strong>{passphrase ? strength.label : 'Strength'}</strong>
        <span>{passphrase ? strength.hint : 'Four or more random words make a strong passphrase that’s easy to type.'}</span>
      </div>
    </div>
  );
}

function CreateForm() {
  const create = useSetup((s) => s.createVault);
  const pending = useSetup((s) => s.pending);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const tooShort = passphrase.length < MIN_PASSPHRASE_LENGTH;
  const mismatch = confirm.length > 0 && confirm !== passphrase;
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        setSubmitted(true);
        if (!tooShort && confirm === passphrase) void create(passphrase);
      }}
      noValidate
    >
      <TextField label="Passphrase" type="password" value={passphrase} onChange={setPassphrase} autoComplete="new-password" error={submitted && tooShort ? `Use at least ${MIN_PASSPHRASE_LENGTH} characters.` : undefined} autoFocus />
      <StrengthMeter passphrase={passphrase} />
      <TextField label="Passphrase again" type="password" value={confirm} onChange={setConfirm} autoComplete="new-password" error={mismatch || (submitted && confirm !== passphrase) ? 'The two passphrases are different.' : undefined} />
      <div className="form-actions">
        <Button type="submit" variant="primary" icon="lock" busy={pending}>
          Create vault
        </Button>
      </div>
    </form>
  );
}

function JoinForm() {
  const join = useSetup((s) => s.joinVault);
  const pending = useSetup((s) => s.pending);
  const [kind, setKind] = useState<UnlockKind>('passphrase');
  const [value, setValue] = useState('');
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value) return;
        void join(toUnlockSecret(kind, value));
      }}
      noValidate
    >
      <UnlockSecretFields kind={kind} onKind={setKind} value={value} onValue={setValue} />
      <div className="form-actions">
        <Button type="submit" variant="primary" icon="key" busy={pending} disabled={!value}>
          Unlock and join
        </Button>
      </div>
    </form>
  );
}

function RecoveryKeyStep({ recoveryKey, fingerprint }: { recoveryKey: string; fingerprint: string }) {
  const confirmSaved = useSetup((s) => s.confirmRecoverySaved);
  return (
    <>
      <StepHeader title="Save your recovery key">
        If you forget your passphrase, this key is the only way back into your vault. It is shown this once — Cairn doesn’t keep a copy.
      </StepHeader>
      <RecoveryKeyConfirm recoveryKey={recoveryKey} fingerprint={fingerprint} testId="recovery-key">
        {(confirmed) => (
          <div className="step-footer">
            <span className="footer-note">
              Key fingerprint <code className="fingerprint">{formatFingerprint(fingerprint)}</code>
            </span>
            <Button variant="primary" onClick={confirmSaved} disabled={!confirmed}>
              Continue
            </Button>
          </div>
        )}
      </RecoveryKeyConfirm>
    </>
  );
}

function JoinedVault({ fingerprint }: { fingerprint: string }) {
  const stage = useSetup((s) => s.joinStage);
  if (stage === 'device') return <DeviceChoice />;
  if (stage === 'restore') return <RestoreEverything />;
  return <CompareFingerprint fingerprint={fingerprint} />;
}

function CompareFingerprint({ fingerprint }: { fingerprint: string }) {
  const confirm = useSetup((s) => s.confirmFingerprint);
  const [mismatch, setMismatch] = useState(false);
  return (
    <>
      <StepHeader title="Compare the key fingerprint">
        Check that your other device shows the same fingerprint (Settings → Key). If it does, this computer joined the right vault.
      </StepHeader>
      <div className="fingerprint-hero" data-testid="join-fingerprint">
        {formatFingerprint(fingerprint)}
      </div>
      {mismatch && (
        <Notice tone="danger" title="Don’t continue">
          A different fingerprint means this is not the vault you think it is. Check the bucket and prefix on both devices, and go back to fix the connection.
        </Notice>
      )}
      <div className="step-footer">
        <Button variant="ghost" onClick={() => setMismatch(true)}>
          They’re different
        </Button>
        <Button variant="primary" icon="check" onClick={confirm}>
          They match
        </Button>
      </div>
    </>
  );
}
