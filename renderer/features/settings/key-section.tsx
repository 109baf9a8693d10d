// The vault key: its fingerprint, changing the passphrase, and making a new recovery key in two
// steps: the passphrase again, then the new key (shown, saved, its last group typed back) while
// the old one keeps working; only the confirmation retires the old key. A rotation left
// unconfirmed (window closed, reloaded) waits here, with the same key, until confirmed or
// cancelled.

import { useEffect, useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { TextField } from '../../components/form.tsx';
import { Icon } from '../../components/icon.tsx';
import { RecoveryKeyConfirm } from '../../components/recovery-key.tsx';
import { formatFingerprint } from '../../lib/format.ts';
import { estimateStrength, MIN_PASSPHRASE_LENGTH } from '../../lib/passphrase-strength.ts';
import { useSettings } from '../../stores/settings.ts';
import { SettingsSection } from './settings-section.tsx';

export function KeySection() {
  const fingerprint = useSettings((s) => s.fingerprint);
  const fingerprintError = useSettings((s) => s.fingerprintError);
  const [open, setOpen] = useState<'none' | 'passphrase' | 'recovery'>('none');
  const waiting = useSettings((s) => s.newRecoveryKey !== undefined);
  const confirmed = useSettings((s) => s.recoveryConfirmed);
  useEffect(() => {
    void useSettings.getState().loadRecoveryRotation();
  }, []);
  // A rotation waiting for confirmation (or just confirmed) stays open, whatever was clicked before.
  const shown = waiting || confirmed ? 'recovery' : open;
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
        <Button icon="key" onClick={() => setOpen(shown === 'passphrase' ? 'none' : 'passphrase')} aria-expanded={shown === 'passphrase'} disabled={waiting}>
          Change passphrase
        </Button>
        <Button icon="restore" onClick={() => setOpen(shown === 'recovery' ? 'none' : 'recovery')} aria-expanded={shown === 'recovery'} disabled={waiting}>
          New recovery key
        </Button>
      </div>
      {shown === 'passphrase' && <ChangePassphrase onDone={() => setOpen('none')} />}
      {shown === 'recovery' && <RotateRecovery onDone={() => setOpen('none')} />}
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
  const confirmed = useSettings((s) => s.recoveryConfirmed);
  const fingerprint = useSettings((s) => s.fingerprint);
  const { confirmRecovery, cancelRecovery, dismissRecoveryKey } = useSettings.getState();
  const [passphrase, setPassphrase] = useState('');
  if (confirmed) {
    return (
      <Notice
        tone="success"
        title="New recovery key confirmed"
        action={
          <Button
            size="sm"
            onClick={() => {
              dismissRecoveryKey();
              onDone();
            }}
          >
            Close
          </Button>
        }
      >
        <span data-testid="recovery-rotation-done">The previous recovery key no longer works, on any device. Keep the new one somewhere safe.</span>
      </Notice>
    );
  }
  if (key) {
    return (
      <div className="inline-form recovery-rotation" data-testid="recovery-rotation">
        <h3 className="inline-form-title" tabIndex={-1} ref={(el) => el?.focus()}>
          Save your new recovery key
        </h3>
        <Notice tone="info" title="Not confirmed yet: your current recovery key still works">
          It stops working only when you confirm this one below. If you close Cairn or leave this page first, nothing changes: this new key waits here, the same, until you confirm or cancel it.
        </Notice>
        <RecoveryKeyConfirm recoveryKey={key} fingerprint={fingerprint} testId="new-recovery-key">
          {(ok) => (
            <>
              {state.error && <ErrorNotice error={state.error} compact />}
              <div className="form-actions">
                <Button
                  variant="ghost"
                  busy={state.pending}
                  onClick={() => {
                    void cancelRecovery().then((done) => done && onDone());
                  }}
                >
                  Cancel and keep the current key
                </Button>
                <Button variant="primary" busy={state.pending} disabled={!ok} onClick={() => void confirmRecovery()}>
                  Confirm and retire the old key
                </Button>
              </div>
            </>
          )}
        </RecoveryKeyConfirm>
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
      <p className="muted small">Enter your passphrase to make a new recovery key. Your current one keeps working until you have saved the new one and confirmed it.</p>
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
