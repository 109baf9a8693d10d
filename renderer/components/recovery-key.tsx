// A recovery key on screen: shown once, at creation or after "new recovery key", with Copy and
// Save as file, and the typed confirmation (the key's last group) that both the set-up wizard and
// Settings → Key ask for before the key counts as saved.

import { useMemo, useState, type ReactNode } from 'react';
import { formatFingerprint } from '../lib/format.ts';
import { Button } from './button.tsx';
import { CopyButton } from './copy-button.tsx';
import { Notice } from './feedback.tsx';
import { Checkbox, TextField } from './form.tsx';
import { Icon } from './icon.tsx';

export function RecoveryKey({ value, testId }: { value: string; testId: string }) {
  return (
    <div className="recovery-key" data-testid={testId}>
      <Icon name="key" size={18} />
      <code>{value}</code>
    </div>
  );
}

/** The last group of a key ("…-7K2Q" → "7K2Q"): what the user types back. */
export function lastGroup(key: string): string {
  const groups = key.trim().split(/[\s-]+/).filter(Boolean);
  return groups[groups.length - 1] ?? key.slice(-4);
}

/** Offers the key as a text file (Electron asks where to save it). */
function saveAsFile(recoveryKey: string, fingerprint: string | undefined): void {
  const text = `Cairn recovery key\n\n${recoveryKey}\n\n${fingerprint ? `Key fingerprint: ${formatFingerprint(fingerprint)}\n` : ''}Created: ${new Date().toISOString()}\n\nThis key unlocks your Cairn vault if you forget the passphrase. Keep it offline, somewhere safe.\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'cairn-recovery-key.txt';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The key, Copy and Save as file, a warning, and "I have saved it" with the last group typed
 * back. `children(confirmed)` draws the actions (the wizard's Continue, Settings' Confirm and
 * Cancel): `confirmed` is true once the box is ticked and the group matches.
 */
export function RecoveryKeyConfirm({ recoveryKey, fingerprint, testId, children }: { recoveryKey: string; fingerprint?: string; testId: string; children: (confirmed: boolean) => ReactNode }) {
  const [saved, setSaved] = useState(false);
  const [check, setCheck] = useState('');
  const expected = useMemo(() => lastGroup(recoveryKey), [recoveryKey]);
  const confirmed = saved && check.trim().toUpperCase() === expected.toUpperCase();
  return (
    <>
      <RecoveryKey value={recoveryKey} testId={testId} />
      <div className="button-row">
        <CopyButton text={recoveryKey} label="Copy" size="md" />
        <Button icon="download" onClick={() => saveAsFile(recoveryKey, fingerprint)}>
          Save as file…
        </Button>
      </div>
      <Notice tone="warning" title="Keep it offline">
        Print it or store it in your password manager. Anyone with this key and access to your bucket can read your backups.
      </Notice>
      <div className="form-grid confirm-box">
        <Checkbox checked={saved} onChange={setSaved} label="I have saved my recovery key somewhere safe" />
        {saved && <TextField label={`To confirm, type the last group of the key (${expected.length} characters)`} value={check} onChange={setCheck} spellCheck={false} autoComplete="off" className="mono" autoFocus />}
      </div>
      {children(confirmed)}
    </>
  );
}
