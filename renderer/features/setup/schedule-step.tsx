// Step 5: how often to back up.

import { useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { Segmented, Switch } from '../../components/form.tsx';
import { useSettings } from '../../stores/settings.ts';
import { useSetup } from '../../stores/setup.ts';
import { StepHeader } from './step-header.tsx';

export const INTERVAL_OPTIONS = [
  { value: '15', label: '15 min' },
  { value: '30', label: '30 min' },
  { value: '60', label: '1 hour' },
  { value: '240', label: '4 hours' },
  { value: '1440', label: 'Daily' },
] as const;

export function ScheduleStep() {
  const settings = useSettings((s) => s.settings);
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving);
  const saveError = useSettings((s) => s.saveError);
  const goTo = useSetup((s) => s.goTo);
  const [interval, setInterval] = useState(String(settings?.intervalMinutes ?? 30));
  const [onQuiet, setOnQuiet] = useState(settings?.syncOnAgentQuiet ?? true);
  const [atLogin, setAtLogin] = useState(settings?.launchAtLogin ?? true);
  const options = INTERVAL_OPTIONS.some((o) => o.value === interval) ? INTERVAL_OPTIONS : [...INTERVAL_OPTIONS, { value: interval, label: `${interval} min` }];

  const next = async (): Promise<void> => {
    if (await save({ intervalMinutes: Number(interval), syncOnAgentQuiet: onQuiet, launchAtLogin: atLogin })) goTo('finish');
  };

  return (
    <>
      <StepHeader title="When should Cairn back up?">Backups are incremental: after the first one, only what changed is uploaded — usually a few kilobytes.</StepHeader>
      <div className="form-grid">
        <div className="field">
          <div className="field-label">Back up</div>
          <Segmented label="Backup interval" value={interval} onChange={setInterval} options={options} />
        </div>
        <div className="switch-list">
          <Switch label="Also back up when an agent goes quiet" description="A session is saved a minute after the agent stops writing to it." checked={onQuiet} onChange={setOnQuiet} />
          <Switch label="Start Cairn when you log in" description="Cairn lives in the menu bar / system tray." checked={atLogin} onChange={setAtLogin} />
        </div>
        {saveError && <ErrorNotice error={saveError} />}
      </div>
      <div className="step-footer">
        <Button variant="ghost" icon="arrowLeft" onClick={() => goTo('agents')}>
          Back
        </Button>
        <Button variant="primary" busy={saving} onClick={() => void next()}>
          Continue
        </Button>
      </div>
    </>
  );
}
