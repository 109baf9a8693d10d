// The first-run wizard: where the vault lives, test the connection, create or join the vault,
// choose agents and schedule, and run the first backup.

import { useEffect } from 'react';
import { Icon } from '../../components/icon.tsx';
import { Logo } from '../../components/logo.tsx';
import { SETUP_STEPS, useSetup, type SetupStep } from '../../stores/setup.ts';
import { useStatus } from '../../stores/status.ts';
import { Button } from '../../components/button.tsx';
import { AgentsStep } from './agents-step.tsx';
import { ConnectionStep } from './connection-step.tsx';
import { FinishStep } from './finish-step.tsx';
import { ProviderStep } from './provider-step.tsx';
import { ScheduleStep } from './schedule-step.tsx';
import { VaultStep } from './vault-step.tsx';

const STEP_LABELS: Record<SetupStep, string> = {
  provider: 'Storage',
  connection: 'Connection',
  vault: 'Vault key',
  agents: 'Agents',
  schedule: 'Schedule',
  finish: 'First backup',
};

export function SetupWizard() {
  const step = useSetup((s) => s.step);
  const begin = useSetup((s) => s.begin);
  useEffect(() => begin(), [begin]);
  const current = SETUP_STEPS.indexOf(step);
  const configured = useStatus((s) => s.status?.state !== undefined && s.status.state !== 'unconfigured');
  const hasResult = useSetup((s) => s.result !== undefined);

  return (
    <div className="wizard">
      <aside className="wizard-rail">
        <div className="brand">
          <Logo />
          <span className="brand-name">Cairn</span>
        </div>
        <p className="wizard-rail-intro">Back up your coding agents’ sessions, end-to-end encrypted, to storage you own.</p>
        <ol className="wizard-steps" aria-label="Setup steps">
          {SETUP_STEPS.map((s, i) => (
            <li key={s} className={`wizard-step${i === current ? ' is-current' : ''}${i < current ? ' is-done' : ''}`} aria-current={i === current ? 'step' : undefined}>
              <span className="wizard-step-marker" aria-hidden="true">
                {i < current ? <Icon name="check" size={12} /> : i + 1}
              </span>
              <span>{STEP_LABELS[s]}</span>
            </li>
          ))}
        </ol>
        {configured && !hasResult && (
          <Button variant="ghost" size="sm" icon="arrowLeft" onClick={() => useSetup.getState().finish()}>
            Back to Cairn
          </Button>
        )}
        <div className="wizard-rail-foot">
          <Icon name="shield" size={14} />
          <span>Your passphrase never leaves this computer. The storage only sees encrypted data.</span>
        </div>
      </aside>
      <main className="wizard-main">
        <div className="wizard-content" key={step}>
          {step === 'provider' && <ProviderStep />}
          {step === 'connection' && <ConnectionStep />}
          {step === 'vault' && <VaultStep />}
          {step === 'agents' && <AgentsStep />}
          {step === 'schedule' && <ScheduleStep />}
          {step === 'finish' && <FinishStep />}
        </div>
      </main>
    </div>
  );
}
