// The vault key: its fingerprint, changing the passphrase, and making a new recovery key (which
// needs the passphrase again, and is shown once).

import { useState } from 'react';
import { Button } from '../../components/button.tsx';
import { CopyButton } from '../../components/copy-button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { TextField } from '../../components/form.tsx';
import { Icon } from '../../components/icon.tsx';
import { RecoveryKey } from '../../components/recovery-key.tsx';
import { formatFingerprint } from '../../lib/format.ts';
import { estimateStrength, MIN_PASSPHRASE_LENGTH } from '../../lib/passphrase-strength.ts';
import { useSettings } from '../../stores/settings.ts';
import { SettingsSection } from './settings-section.tsx';

export function KeySection() {
  const fingerprint = useSettings((s) => s.fingerprint);
  const fingerprintError = useSettings((s) => s.fingerprintError);
  const [open, setOpen] = useState<'none' | 'passphrase' | 'recovery'>('none');
  return (
    <SettingsSection id="key" title="Key" description="Your data is encrypted with a key that only your passphrase or recovery key unlocks. Changing either never re-uploads your data.">
      <div className="key-fingerprint">
        <Icon name="shield" size={16} />
        <span>Key fingerprint</span>
        <code className="fingerprint" data-testid="settings-fingerprint">
          {formatFingerprint(fingerprint)}
        </code>
        <span className="muted small">Every device of this vault shows the same one.</span>
      </div>
      {fingerprintError && <ErrorNotice error={fingerprintError} compact />}
      <div className="button-row">
        <Button icon="key" onClick={() => setOpen(open === 'passphrase' ? 'none' : 'passphrase')} aria-expanded={open === 'passphrase'}>
          Change passphrase
        </Button>
        <Button icon="restore" onClick={() => setOpen(open === 'recovery' ? 'none' : 'recovery')} aria-expanded={open === 'recovery'}>
          New recovery key
        </Button>
      </div>
      {open === 'passphrase' && <ChangePassphrase onDone={() => setOpen('none')} />}
      {open === 'recovery' && <RotateRecovery onDone={() => setOpen('none')} />}
    </SettingsSection>
  );
}

function ChangePassphrase({ onDone }: { onDone: () => void }) {
  const change = useSettings((s) => s.changePassphrase);
  const state = useSettings((s) => s.passphraseChange);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const strength = estimateStrength(next);
  const mismatch = again.length > 0 && again !== next;
  const ok = current.length > 0 && next.length >= MIN_PASSPHRASE_LENGTH && next === again;
  if (state.done) {
    return (
      <Notice tone="success" title="Passphrase changed" action={<Button size="sm" onClick={onDone}>Close</Button>}>
        Your other devices keep working; use the new passphrase when you add a device.
      </Notice>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) void change(current, next);
      }}
    >
      <TextField label="Current passphrase" type="password" value={current} onChange={setCurrent} autoComplete="current-password" autoFocus />
      <TextField label="New passphrase" type="password" value={next} onChange={setNext} autoComplete="new-password" hint={next ? `${strength.label}. ${strength.hint}` : undefined} />
      <TextField label="New passphrase again" type="password" value={again} onChange={setAgain} autoComplete="new-password" error={mismatch ? 'The two passphrases are different.' : undefined} />
      {state.error && <ErrorNotice error={state.error} compact />}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={state.pending} disabled={!ok}>
          Change passphrase
        </Button>
      </div>
    </form>
  );
}

function RotateRecovery({ onDone }: { onDone: () => void }) {
  const rotate = useSettings((s) => s.rotateRecovery);
  const state = useSettings((s) => s.recoveryRotation);
  const key = useSettings((s) => s.newRecoveryKey);
  const dismiss = useSettings((s) => s.dismissRecoveryKey);
  const [passphrase, setPassphrase] = useState('');
  if (key) {
    return (
      <div className="inline-form">
        <Notice tone="warning" title="Save this recovery key now">
          It is shown once. The previous recovery key no longer works.
        </Notice>
        <RecoveryKey value={key} testId="new-recovery-key" />
        <div className="form-actions">
          <CopyButton text={key} size="md" />
          <Button
            variant="primary"
            onClick={() => {
              dismiss();
              onDone();
            }}
          >
            I’ve saved it
          </Button>
        </div>
      </div>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (passphrase) void rotate(passphrase).then((ok) => ok && setPassphrase(''));
      }}
    >
      <p className="muted small">Enter your passphrase to make a new recovery key. The old one stops working.</p>
      <TextField label="Passphrase" type="password" value={passphrase} onChange={setPassphrase} autoComplete="current-password" autoFocus />
      {state.error && <ErrorNotice error={state.error} compact />}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={state.pending} disabled={!passphrase}>
          Make new recovery key
        </Button>
      </div>
    </form>
  );
}
