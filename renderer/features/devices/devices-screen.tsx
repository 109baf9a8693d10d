// Every device that writes to this vault; renaming this one.

import { useEffect, useState } from 'react';
import type { DeviceInfo, Platform } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { PageHeader } from '../../components/page.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/use-now.ts';
import { useDevices } from '../../stores/devices.ts';
import { useUi } from '../../stores/ui.ts';

const PLATFORMS: Record<Platform, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

export function DevicesScreen() {
  const devices = useDevices((s) => s.devices);
  const loading = useDevices((s) => s.loading);
  const error = useDevices((s) => s.error);

  useEffect(() => {
    void useDevices.getState().load();
  }, []);

  const sorted = devices ? [...devices].sort((a, b) => Number(b.isThisDevice) - Number(a.isThisDevice) || b.lastSeen.localeCompare(a.lastSeen)) : undefined;

  return (
    <div className="page">
      <PageHeader title="Devices" subtitle="Computers that back up into this vault. Each writes only its own snapshots." actions={<Button icon="sync" variant="ghost" onClick={() => void useDevices.getState().load()} busy={loading}>Refresh</Button>} />
      {error && <ErrorNotice error={error} onRetry={() => void useDevices.getState().load()} />}
      {!sorted && loading && <Loading label="Loading devices…" />}
      {sorted && sorted.length === 0 && <EmptyState icon="devices" title="No devices yet">This computer appears here after its first backup.</EmptyState>}
      {sorted && sorted.length > 0 && (
        <div className="table-card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Platform</th>
                <th scope="col">Last seen</th>
                <th scope="col">Last snapshot</th>
                <th scope="col" className="num">
                  Snapshots
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((d) => (
                <DeviceRow key={d.id} device={d} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function DeviceRow({ device }: { device: DeviceInfo }) {
  const now = useNow();
  const showSnapshots = useUi((s) => s.showSnapshots);
  const [editing, setEditing] = useState(false);
  return (
    <tr data-device-id={device.id} className={device.isThisDevice ? 'is-this-device' : undefined}>
      <td>
        {editing ? (
          <RenameForm device={device} onDone={() => setEditing(false)} />
        ) : (
          <div className="device-cell">
            <span className="device-icon" aria-hidden="true">
              <Icon name="devices" />
            </span>
            <div>
              <div className="device-name">
                {device.name}
                {device.isThisDevice && <span className="badge badge-accent">This device</span>}
              </div>
              <div className="device-host">{device.hostname}</div>
            </div>
          </div>
        )}
      </td>
      <td>{PLATFORMS[device.platform]}</td>
      <td title={formatDateTime(device.lastSeen)}>{formatRelative(device.lastSeen, now, 'past')}</td>
      <td title={device.lastSnapshot ? formatDateTime(device.lastSnapshot) : undefined}>{device.lastSnapshot ? formatRelative(device.lastSnapshot, now, 'past') : <span className="muted">none yet</span>}</td>
      <td className="num">{device.snapshotCount.toLocaleString('en-US')}</td>
      <td className="row-actions">
        {device.isThisDevice && !editing && (
          <Button size="sm" variant="ghost" icon="edit" onClick={() => setEditing(true)}>
            Rename
          </Button>
        )}
        <Button size="sm" variant="ghost" icon="chevronRight" onClick={() => showSnapshots(device.id)} disabled={device.snapshotCount === 0} aria-label={`Browse snapshots of ${device.name}`}>
          Browse
        </Button>
      </td>
    </tr>
  );
}

function RenameForm({ device, onDone }: { device: DeviceInfo; onDone: () => void }) {
  const [name, setName] = useState(device.name);
  const renaming = useDevices((s) => s.renaming);
  const error = useDevices((s) => s.renameError);
  const rename = useDevices((s) => s.renameThis);
  return (
    <form
      className="rename-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim()) return;
        void rename(name.trim()).then((ok) => ok && onDone());
      }}
    >
      <label className="visually-hidden" htmlFor="rename-device">
        Name of this device
      </label>
      <input id="rename-device" className="input input-sm" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} autoFocus onKeyDown={(e) => e.key === 'Escape' && onDone()} />
      <Button size="sm" type="submit" variant="primary" busy={renaming} disabled={!name.trim()}>
        Save
      </Button>
      <Button size="sm" variant="ghost" onClick={onDone}>
        Cancel
      </Button>
      {error && <ErrorNotice error={error} compact />}
    </form>
  );
}
