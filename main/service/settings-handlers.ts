// Settings, the agents found on this device, and what only the shell can do (folders, links).

import type { Handlers } from '../../shared/ipc/contract.ts';
import type { Settings } from '../../shared/models.ts';
import { detectAgents } from '../engine/agents/index.ts';
import { countFileSessions } from '../engine/sessions/index.ts';
import type { ServiceContext } from './service-context.ts';

type SettingsChannels = 'settings.get' | 'settings.set' | 'agents.list' | 'app.openExternal' | 'app.chooseFolder';

export function settingsHandlers(ctx: ServiceContext): Pick<Handlers, SettingsChannels> {
  return {
    'settings.get': async () => ctx.settings(),
    'settings.set': async (patch) => {
      const next = { ...ctx.settings(), ...patch } as Settings;
      ctx.config.update({ settings: next });
      if (patch.launchAtLogin !== undefined) await ctx.hooks.setLaunchAtLogin?.(patch.launchAtLogin);
      ctx.changed();
      ctx.emit('settings.changed', next);
      return next;
    },
    'agents.list': async () => {
      const s = ctx.settings();
      // Sessions counted as the Sessions screen lists them (not the adapters' estimate).
      return detectAgents(await ctx.agentContext(), { countSessions: countFileSessions, ...(s.enabledAgents.length > 0 ? { enabledIds: s.enabledAgents } : {}) });
    },
    'app.openExternal': async ({ url }) => ({ opened: (await ctx.hooks.openExternal?.(url)) ?? false }),
    'app.chooseFolder': async ({ title }) => {
      const path = await ctx.hooks.chooseFolder?.(title);
      return path ? { path } : {};
    },
  };
}
