// Navigation, the conflict count, and a compact status line with Sync now.

import { StatusPill } from '../../components/status-pill.tsx';
import { Icon, type IconName } from '../../components/icon.tsx';
import { Logo } from '../../components/logo.tsx';
import { formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/use-now.ts';
import { openConflicts, useConflicts } from '../../stores/conflicts.ts';
import { useStatus } from '../../stores/status.ts';
import { useUi, type Screen } from '../../stores/ui.ts';

const ITEMS: readonly { screen: Screen; label: string; icon: IconName }[] = [
  { screen: 'sessions', label: 'Sessions', icon: 'search' },
  { screen: 'dashboard', label: 'Overview', icon: 'dashboard' },
  { screen: 'snapshots', label: 'Snapshots', icon: 'snapshots' },
  { screen: 'devices', label: 'Devices', icon: 'devices' },
  { screen: 'conflicts', label: 'Conflicts', icon: 'conflicts' },
  { screen: 'settings', label: 'Settings', icon: 'settings' },
];

export function Sidebar() {
  const screen = useUi((s) => s.screen);
  const navigate = useUi((s) => s.navigate);
  const conflictCount = useConflicts((s) => openConflicts(s.conflicts));
  const status = useStatus((s) => s.status);
  const lastSyncAt = useStatus((s) => s.status?.lastSyncAt);
  const deviceName = useStatus((s) => s.status?.deviceName);
  const now = useNow();

  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <Logo />
        <span className="brand-name">Cairn</span>
      </div>
      <ul className="nav-list">
        {ITEMS.map((item) => (
          <li key={item.screen}>
            <button
              type="button"
              className={`nav-item${screen === item.screen ? ' is-active' : ''}`}
              aria-current={screen === item.screen ? 'page' : undefined}
              onClick={() => navigate(item.screen)}
              title={item.label}
            >
              <Icon name={item.icon} />
              <span>{item.label}</span>
              {item.screen === 'conflicts' && conflictCount > 0 && (
                <span className="nav-badge" aria-label={`${conflictCount} open`}>
                  {conflictCount}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <div className="sidebar-footer">
        <StatusPill status={status} />
        <div className="sidebar-meta">
          {deviceName && <div className="sidebar-device">{deviceName}</div>}
          {/* After a sync that failed (or couldn't reach the vault), the time is the last one that worked. */}
          <div>
            {status?.state === 'error' || status?.state === 'offline' ? 'Last synced' : 'Synced'} {formatRelative(lastSyncAt, now, 'past')}
          </div>
        </div>
      </div>
    </nav>
  );
}
