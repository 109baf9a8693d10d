// Browse snapshots: pick a device, pick a snapshot on its timeline, then browse its files, read
// a session, see what changed, restore, pin.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SnapshotSummary, TreeEntryInfo } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { SelectField } from '../../components/form.tsx';
import { PageHeader } from '../../components/page.tsx';
import { formatBytes, formatCount, formatDateTime, formatDuration } from '../../lib/format.ts';
import { useDevices } from '../../stores/devices.ts';
import { useSnapshots } from '../../stores/snapshots.ts';
import { useUi } from '../../stores/ui.ts';
import { DiffView } from './diff-view.tsx';
import { FileView } from './file-view.tsx';
import { LeftOut } from './left-out.tsx';
import { RestoreDialog } from './restore-dialog.tsx';
import { REASON_LABELS, SnapshotTimeline } from './snapshot-timeline.tsx';
import { TreeBrowser, type TreePosition } from './tree-browser.tsx';

export function SnapshotsScreen() {
  const devices = useDevices((s) => s.devices);
  const devicesError = useDevices((s) => s.error);
  const chosenDevice = useUi((s) => s.snapshotsDeviceId);
  const selectedId = useUi((s) => s.selectedSnapshotId);
  const { showSnapshots, selectSnapshot } = useUi.getState();
  const deviceId = chosenDevice ?? devices?.find((d) => d.isThisDevice)?.id ?? devices?.[0]?.id;
  const list = useSnapshots((s) => (deviceId ? s.lists[deviceId] : undefined));
  const loadList = useSnapshots((s) => s.loadList);

  useEffect(() => {
    if (!devices) void useDevices.getState().load();
  }, [devices]);
  useEffect(() => {
    if (deviceId) void loadList(deviceId);
  }, [deviceId, loadList]);

  const snapshots = list?.data;
  // The snapshot on screen stays there when a new one arrives (a restore's safety snapshot, a
  // scheduled backup): replacing it would close what the user has open, a restore dialog included.
  const [shownId, setShownId] = useState<string>();
  const selected = snapshots?.find((s) => s.id === selectedId) ?? snapshots?.find((s) => s.id === shownId) ?? snapshots?.[0];
  // A snapshot opened from the timeline (Enter or a click) takes the focus: keyboard users land on
  // its heading, never on <body>. The one shown on arrival leaves the focus where it was.
  const [opened, setOpened] = useState(false);
  useEffect(() => {
    if (selected) setShownId(selected.id);
  }, [selected]);

  return (
    <div className="page page-full">
      <PageHeader
        title="Snapshots"
        subtitle="Every backup is a complete, browsable picture of your agents’ folders at that moment."
        actions={
          devices && devices.length > 0 ? (
            <div className="device-picker">
              <SelectField
                label="Device"
                value={deviceId ?? ''}
                onChange={(id) => showSnapshots(id)}
                options={devices.map((d) => ({ value: d.id, label: d.isThisDevice ? `${d.name} (this device)` : d.name }))}
              />
            </div>
          ) : undefined
        }
      />
      {devicesError && <ErrorNotice error={devicesError} onRetry={() => void useDevices.getState().load()} />}
      {list?.error && <ErrorNotice error={list.error} onRetry={() => deviceId && void loadList(deviceId)} />}
      {!snapshots && !list?.error && (devices || !devicesError) && <Loading label="Loading snapshots…" />}
      {snapshots && snapshots.length === 0 && (
        <EmptyState icon="snapshots" title="No snapshots yet">
          This device hasn’t finished a backup yet. Use Sync now on the overview.
        </EmptyState>
      )}
      {snapshots && snapshots.length > 0 && selected && (
        <div className="snapshots-layout">
          <aside className="snapshots-side">
            <SnapshotTimeline
              snapshots={snapshots}
              selectedId={selected.id}
              onSelect={(id) => {
                setOpened(true);
                selectSnapshot(id);
              }}
            />
          </aside>
          <SnapshotDetail key={selected.id} snapshot={selected} focusOnOpen={opened} />
        </div>
      )}
    </div>
  );
}

function SnapshotDetail({ snapshot, focusOnOpen }: { snapshot: SnapshotSummary; focusOnOpen: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnOpen) heading.current?.focus({ preventScroll: true });
  }, [focusOnOpen]);
  const pin = useSnapshots((s) => s.pin);
  const pinning = useSnapshots((s) => s.pinning === snapshot.id);
  const pinError = useSnapshots((s) => s.pinError);
  const [tab, setTab] = useState<'files' | 'changes'>('files');
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [openFile, setOpenFile] = useState<TreeEntryInfo>();
  const [restorePaths, setRestorePaths] = useState<string[]>();
  const treePosition = useRef<TreePosition>({ scrollTop: 0 });

  const toggle = useCallback((path: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  }, []);
  const select = useCallback((path: string, on: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(path);
      else next.delete(path);
      return next;
    });
  }, []);
  const selectedPaths = useMemo(() => [...selected].sort(), [selected]);
  const st = snapshot.stats;

  return (
    <section className="snapshot-detail" aria-label="Snapshot" data-testid="snapshot-detail" data-snapshot-id={snapshot.id}>
      <div className="snapshot-head">
        <div className="snapshot-head-main">
          <h2 className="snapshot-title" tabIndex={-1} ref={heading}>
            {formatDateTime(snapshot.time)}
          </h2>
          <div className="snapshot-facts">
            <span className={`badge reason-badge reason-${snapshot.reason}`}>{REASON_LABELS[snapshot.reason]}</span>
            <span className="mono">{snapshot.shortId}</span>
            <span>{formatCount(st.files, 'file')}</span>
            <span>{formatBytes(st.bytes)}</span>
            <span>
              {st.newFiles.toLocaleString('en-US')} new · {st.changedFiles.toLocaleString('en-US')} changed
            </span>
            <span>{formatBytes(st.uploadedBytes)} uploaded</span>
            {st.secretsSkipped > 0 && (
              <span title={snapshot.keptLocal?.map((k) => `${k.path}: ${k.why}`).join('\n') ?? 'Credential files never leave this computer'} data-testid="kept-local">
                {formatCount(st.secretsSkipped, 'secret file')} kept local
              </span>
            )}
            <span>{formatDuration(st.durationMs)}</span>
          </div>
          <LeftOut snapshot={snapshot} />
        </div>
        <div className="snapshot-actions">
          <Button
            size="sm"
            variant={snapshot.pinned ? 'subtle' : 'ghost'}
            icon="pin"
            busy={pinning}
            aria-pressed={snapshot.pinned}
            onClick={() => void pin(snapshot.id, !snapshot.pinned)}
            title={snapshot.pinned ? 'Pinned snapshots are never removed by retention' : 'Keep this snapshot forever'}
          >
            {snapshot.pinned ? 'Pinned' : 'Pin'}
          </Button>
          <Button size="sm" variant="primary" icon="restore" onClick={() => setRestorePaths([])}>
            Restore all…
          </Button>
        </div>
      </div>
      {pinError && <ErrorNotice error={pinError} compact />}
      <div className="tabs" role="tablist" aria-label="Snapshot views">
        <button type="button" role="tab" aria-selected={tab === 'files'} className={`tab${tab === 'files' ? ' is-active' : ''}`} onClick={() => setTab('files')}>
          Files
        </button>
        <button type="button" role="tab" aria-selected={tab === 'changes'} className={`tab${tab === 'changes' ? ' is-active' : ''}`} onClick={() => setTab('changes')}>
          Changes {snapshot.parent ? 'since previous' : ''}
        </button>
        <span className="tabs-spacer" />
        {tab === 'files' && !openFile && selectedPaths.length > 0 && (
          <div className="selection-bar">
            <span>{formatCount(selectedPaths.length, 'item')} selected</span>
            <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
              Clear
            </Button>
            <Button size="sm" variant="primary" icon="restore" onClick={() => setRestorePaths(selectedPaths)}>
              Restore selected…
            </Button>
          </div>
        )}
      </div>
      <div className="snapshot-body" role="tabpanel">
        {tab === 'files' &&
          (openFile ? (
            <FileView snapshotId={snapshot.id} entry={openFile} onBack={() => setOpenFile(undefined)} onRestore={() => setRestorePaths([openFile.path])} />
          ) : (
            <TreeBrowser snapshotId={snapshot.id} position={treePosition} expanded={expanded} onToggle={toggle} selected={selected} onSelect={select} onOpenFile={setOpenFile} />
          ))}
        {tab === 'changes' && <DiffView snapshotId={snapshot.id} hasParent={Boolean(snapshot.parent)} />}
      </div>
      {restorePaths && <RestoreDialog snapshot={snapshot} paths={restorePaths} onClose={() => setRestorePaths(undefined)} />}
    </section>
  );
}
