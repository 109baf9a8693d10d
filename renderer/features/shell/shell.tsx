// The main window once a vault is set up: sidebar navigation and the current screen.

import { useEffect } from 'react';
import { useConflicts } from '../../stores/conflicts.ts';
import { useDevices } from '../../stores/devices.ts';
import { useJobs } from '../../stores/jobs.ts';
import { useSettings } from '../../stores/settings.ts';
import { useUi } from '../../stores/ui.ts';
import { ConflictsScreen } from '../conflicts/conflicts-screen.tsx';
import { Dashboard } from '../dashboard/dashboard.tsx';
import { DevicesScreen } from '../devices/devices-screen.tsx';
import { SessionsScreen } from '../sessions/sessions-screen.tsx';
import { SettingsScreen } from '../settings/settings-screen.tsx';
import { SnapshotsScreen } from '../snapshots/snapshots-screen.tsx';
import { Sidebar } from './sidebar.tsx';
import { Toasts } from './toasts.tsx';

export function Shell() {
  const screen = useUi((s) => s.screen);

  useEffect(() => {
    void useSettings.getState().load();
    void useConflicts.getState().load();
    void useJobs.getState().load();
    void useDevices.getState().load();
  }, []);

  return (
    <div className="app">
      <Sidebar />
      <main className="main" id="main" tabIndex={-1}>
        {screen === 'sessions' && <SessionsScreen />}
        {screen === 'dashboard' && <Dashboard />}
        {screen === 'snapshots' && <SnapshotsScreen />}
        {screen === 'devices' && <DevicesScreen />}
        {screen === 'conflicts' && <ConflictsScreen />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
      <Toasts />
    </div>
  );
}
