// The engine's status as a coloured pill with words, never colour alone. The words come from
// `describeStatus` (shared/status.ts), one rule over facts that survive a restart.

import type { EngineStatus } from '../../shared/models.ts';
import { describeStatus } from '../../shared/status.ts';
import { useConflicts } from '../stores/conflicts.ts';

/** The status as the pill shows it; the conflicts list, once loaded, is fresher than the status's count. */
export function useStatusHeadline(status: EngineStatus | undefined) {
  const conflicts = useConflicts((s) => (s.conflicts ? s.conflicts.filter((c) => c.status === 'open').length : undefined));
  const facts = status ?? { state: 'idle' as const, outboxCount: 0 };
  return describeStatus({ ...facts, openConflicts: conflicts ?? facts.openConflicts ?? 0 });
}

export function StatusPill({ status }: { status: EngineStatus | undefined }) {
  const { text, tone, kind } = useStatusHeadline(status);
  const busy = kind === 'syncing' || kind === 'waiting';
  return (
    <span className={`pill pill-${tone}`} data-state={status?.state ?? 'idle'} data-status={kind}>
      <span className={`pill-dot${busy ? ' is-pulsing' : ''}`} aria-hidden="true" />
      {text}
    </span>
  );
}
