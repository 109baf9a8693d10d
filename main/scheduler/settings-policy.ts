// The user's settings as a schedule policy.

import type { Settings } from '../../shared/models.ts';
import { DEFAULT_POLICY, type SchedulePolicy } from './next-run.ts';

export function policyFromSettings(settings: Pick<Settings, 'intervalMinutes' | 'syncOnAgentQuiet' | 'quietSeconds'>, base: SchedulePolicy = DEFAULT_POLICY): SchedulePolicy {
  return {
    ...base,
    intervalMs: settings.intervalMinutes * 60_000,
    quietMs: settings.syncOnAgentQuiet ? settings.quietSeconds * 1000 : undefined,
  };
}
