// Devices: the vault's devices with their snapshot counts, renaming this one, adopting an old one.

import type { Handlers } from '../../shared/ipc/contract.ts';
import type { ServiceContext } from './service-context.ts';
import { deviceInfo } from './views.ts';

type DeviceChannels = 'devices.list' | 'devices.renameThis' | 'devices.adopt';

export function deviceHandlers(ctx: ServiceContext): Pick<Handlers, DeviceChannels> {
  return {
    'devices.list': async () => {
      const r = ctx.requireRepo();
      const [devices, snaps] = await Promise.all([ctx.listDevices(r), ctx.snapshots()]);
      return devices
        .map((d) => deviceInfo(d, snaps, r.device.id))
        .sort((a, b) => Number(b.isThisDevice) - Number(a.isThisDevice) || a.name.localeCompare(b.name));
    },
    'devices.renameThis': async ({ name }) => {
      const r = ctx.requireRepo();
      const d = await r.rename(name);
      ctx.changed();
      return deviceInfo(d, await ctx.snapshots(d.id), r.device.id);
    },
    'devices.adopt': async ({ deviceId }) => {
      const r = ctx.requireRepo();
      const { adopted } = await r.adopt(deviceId);
      ctx.state.snapshotCache.clear();
      ctx.changed();
      ctx.emit('snapshots.changed', { deviceId: adopted.id });
      return deviceInfo(adopted, await ctx.snapshots(adopted.id), r.device.id);
    },
  };
}
