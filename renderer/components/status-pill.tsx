// The engine state as a coloured pill with words, never colour alone.

import type { EngineState } from '../../shared/models.ts';

const LABELS: Record<EngineState, { text: string; tone: 'neutral' | 'success' | 'accent' | 'warning' | 'danger' }> = {
  unconfigured: { text: 'Not set up', tone: 'neutral' },
  locked: { text: 'Locked', tone: 'warning' },
  idle: { text: 'Up to date', tone: 'success' },
  syncing: { text: 'Syncing', tone: 'accent' },
  paused: { text: 'Paused', tone: 'warning' },
  offline: { text: 'Offline', tone: 'warning' },
  error: { text: 'Needs attention', tone: 'danger' },
};

export function StatusPill({ state }: { state: EngineState }) {
  const { text, tone } = LABELS[state];
  return (
    <span className={`pill pill-${tone}`} data-state={state}>
      <span className={`pill-dot${state === 'syncing' ? ' is-pulsing' : ''}`} aria-hidden="true" />
      {text}
    </span>
  );
}
