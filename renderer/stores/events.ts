// Routes the events main pushes into the stores. Called once when the window starts.

import { subscribe } from '../api.ts';
import { useConflicts } from './conflicts.ts';
import { useDevices } from './devices.ts';
import { useJobs } from './jobs.ts';
import { useSnapshots } from './snapshots.ts';
import { useStatus } from './status.ts';

export function connectEvents(): () => void {
  const unsubscribes = [
    subscribe('status.changed', (status) => useStatus.getState().receive(status)),
    subscribe('job.progress', (job) => useJobs.getState().receive(job)),
    subscribe('conflicts.changed', (conflicts) => useConflicts.getState().receive(conflicts)),
    subscribe('snapshots.changed', ({ deviceId }) => {
      useSnapshots.getState().invalidate(deviceId);
      if (useDevices.getState().devices) void useDevices.getState().load();
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
