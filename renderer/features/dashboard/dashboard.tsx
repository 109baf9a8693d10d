// Overview: is everything safe, when was the last sync, what's using space, what's happening.

import { useEffect } from 'react';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading, Notice } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { Card, PageHeader } from '../../components/page.tsx';
import { formatNextRun } from '../../../shared/progress.ts';
import { describeStatus } from '../../../shared/status.ts';
import type { Verification } from '../../../shared/models.ts';
import { StatusPill } from '../../components/status-pill.tsx';
import { formatBytes, formatCount, formatDateTime, formatFingerprint, formatRelative } from '../../lib/format.ts';
import { estimateMonthlyCost, formatDollars, providerName } from '../../lib/pricing.ts';
import { useNow } from '../../lib/use-now.ts';
import { useSettings } from '../../stores/settings.ts';
import { useStatus } from '../../stores/status.ts';
import { useUi } from '../../stores/ui.ts';
import { AgentAvatar } from '../settings/agent-avatar.tsx';
import { ActivityList } from './activity-list.tsx';

export function Dashboard() {
  const status = useStatus((s) => s.status);
  const requesting = useStatus((s) => s.requesting);
  const actionError = useStatus((s) => s.actionError);
  const { syncNow, pause, resume, dismissActionError } = useStatus.getState();
  const now = useNow();
  const lastSyncAt = status?.lastSyncAt;

  useEffect(() => {
    void useSettings.getState().loadStats();
    void useSettings.getState().loadAgents();
  }, [lastSyncAt]);

  if (!status) return <Loading />;
  const headline = describeStatus(status);
  const syncing = status.state === 'syncing';
  const paused = status.state === 'paused';

  return (
    <div className="page">
      <PageHeader
        title="Overview"
        subtitle={
          <span className="header-meta">
            <StatusPill status={status} />
            <span>Last sync {formatRelative(status.lastSyncAt, now, 'past')}</span>
            {status.nextSyncAt && !paused && !syncing && (
              <span data-testid="next-backup" title={formatDateTime(status.nextSyncAt)}>
                · Next backup {formatNextRun(status.nextSyncAt, now)}
              </span>
            )}
          </span>
        }
        actions={
          <>
            {paused ? (
              <Button icon="play" onClick={() => void resume()} disabled={requesting}>
                Resume
              </Button>
            ) : (
              <Button icon="pause" variant="ghost" onClick={() => void pause(60)} disabled={requesting} title="Pause backups for an hour">
                Pause 1 h
              </Button>
            )}
            <Button variant="primary" icon="sync" busy={syncing || requesting} onClick={() => void syncNow()}>
              {syncing ? 'Syncing…' : 'Sync now'}
            </Button>
          </>
        }
      />
      {actionError && <ErrorNotice error={actionError} onDismiss={dismissActionError} />}
      {status.error && <ErrorNotice error={status.error} onRetry={() => void syncNow()} />}
      {paused && status.pausedUntil && (
        <Notice tone="warning" icon="pause" title={`Paused until ${formatDateTime(status.pausedUntil)}`}>
          Nothing is backed up or synced until then.
        </Notice>
      )}
      {status.waitingForProvider && (
        <Notice tone="info" icon="cloud" title={headline.text}>
          The storage provider asked Cairn to slow down. Nothing failed: the sync goes on by itself as soon as it lets up.
        </Notice>
      )}
      {(status.damaged?.length ?? 0) > 0 && <DamagedObjects damaged={status.damaged ?? []} />}
      {status.verification && !status.verification.ok && !status.verification.repairedAt && <VerificationFound verification={status.verification} />}
      {status.outboxCount > 0 && (
        <Notice tone="info" icon="cloud" title={`${formatCount(status.outboxCount, 'snapshot')} waiting to upload`}>
          They were taken while the storage was unreachable and upload as soon as it’s back.
        </Notice>
      )}
      <StatTiles />
      <div className="dashboard-grid">
        <AgentsCard />
        <Card title="Recent activity" padded={false}>
          <ActivityList limit={8} />
        </Card>
      </div>
    </div>
  );
}

/**
 * Vault objects found damaged and left out (a snapshot or device record, an index file): the
 * status named them, no screen showed them. What to do is in Settings → Vault.
 */
function DamagedObjects({ damaged }: { damaged: readonly { key: string; message: string }[] }) {
  const navigate = useUi((s) => s.navigate);
  const shown = damaged.slice(0, 5);
  return (
    <div data-testid="damaged-objects">
      <Notice tone="warning" title={`${formatCount(damaged.length, 'vault object')} damaged and left out`}>
        <p className="small">Everything else works. Check the vault to see what it affects; a damaged index file can be rebuilt there.</p>
        <ul className="problem-list">
          {shown.map((d) => (
            <li key={d.key}>
              {d.key}: {d.message}
            </li>
          ))}
        </ul>
        {damaged.length > shown.length && <p className="muted small">…and {formatCount(damaged.length - shown.length, 'more')}.</p>}
        <div className="notice-actions">
          <Button onClick={() => navigate('settings')}>Check the vault…</Button>
        </div>
      </Notice>
    </div>
  );
}

/** The daily verification found damage: what, and the way to the repair (Settings → Vault, its report shown). */
function VerificationFound({ verification: v }: { verification: Verification }) {
  const navigate = useUi((s) => s.navigate);
  const shown = v.problems.slice(0, 3);
  return (
    <div data-testid="verification-found">
      <Notice tone="danger" title={`The daily check found damage in the vault (${formatCount(v.problemCount, 'problem')})`}>
        <p className="small">
          Reading part {v.part} of {v.of} of the vault’s data on {formatDateTime(v.at)} found data that no longer verifies. The snapshots that need it can’t restore those files until it is stored again; repairing the index lets each device’s next backup store again what it still has.
        </p>
        <ul className="problem-list">
          {shown.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        {v.problemCount > shown.length && <p className="muted small">…and {formatCount(v.problemCount - shown.length, 'more')}.</p>}
        <div className="notice-actions">
          <Button
            onClick={() => {
              void useSettings.getState().showVerification(v.jobId);
              navigate('settings', 'vault');
            }}
          >
            Review and repair…
          </Button>
        </div>
      </Notice>
    </div>
  );
}

function StatTiles() {
  const stats = useSettings((s) => s.stats);
  const statsError = useSettings((s) => s.statsError);
  const fingerprint = useStatus((s) => s.status?.fingerprint);
  const navigate = useUi((s) => s.navigate);
  const cost = stats ? estimateMonthlyCost(stats.provider, stats.storedBytes) : undefined;
  const provider = stats ? providerName(stats.provider) : undefined;
  return (
    <div className="tiles">
      <div className="tile" data-testid="tile-storage">
        <div className="tile-label">
          <Icon name="cloud" size={14} /> Storage used
        </div>
        <div className="tile-value">{stats ? formatBytes(stats.storedBytes) : statsError ? '—' : '…'}</div>
        <div className="tile-sub" title={stats?.location}>
          {cost?.kind === 'priced' && (
            <span title={`${provider}: $${cost.pricePerGb} per GB-month, standard storage`}>
              {formatDollars(cost.dollarsPerMonth)} a month · {provider}
            </span>
          )}
          {cost?.kind === 'free' && <>Local folder — no storage bill</>}
          {cost?.kind === 'unknown' && <>{provider} · price set by your provider</>}
          {!cost && statsError && <>Couldn’t read vault stats</>}
        </div>
      </div>
      <button type="button" className="tile tile-button" onClick={() => navigate('snapshots')}>
        <div className="tile-label">
          <Icon name="snapshots" size={14} /> Snapshots
        </div>
        <div className="tile-value">{stats ? stats.snapshots.toLocaleString('en-US') : '…'}</div>
        <div className="tile-sub">{stats ? `from ${formatCount(stats.devices, 'device')} · ${formatCount(stats.packs, 'pack')}` : ''}</div>
      </button>
      <button type="button" className="tile tile-button" onClick={() => navigate('settings')}>
        <div className="tile-label">
          <Icon name="key" size={14} /> Key fingerprint
        </div>
        <div className="tile-value mono" data-testid="dashboard-fingerprint">
          {formatFingerprint(fingerprint)}
        </div>
        <div className="tile-sub">Same on every device of this vault</div>
      </button>
    </div>
  );
}

function AgentsCard() {
  const agents = useSettings((s) => s.agents);
  const loading = useSettings((s) => s.agentsLoading);
  const error = useSettings((s) => s.agentsError);
  const navigate = useUi((s) => s.navigate);
  const enabled = (agents ?? []).filter((a) => a.detected && a.enabled).sort((a, b) => b.bytes - a.bytes);
  const max = Math.max(1, ...enabled.map((a) => a.bytes));
  const total = enabled.reduce((sum, a) => sum + a.bytes, 0);
  return (
    <Card
      title="Agents"
      actions={
        <Button size="sm" variant="ghost" onClick={() => navigate('settings')}>
          Manage
        </Button>
      }
    >
      {error && <ErrorNotice error={error} compact onRetry={() => void useSettings.getState().loadAgents()} />}
      {!agents && loading && <Loading />}
      {agents && enabled.length === 0 && (
        <EmptyState icon="bot" title="No agents backed up" action={<Button onClick={() => navigate('settings')}>Choose agents</Button>}>
          Turn on the agents you use in Settings.
        </EmptyState>
      )}
      {enabled.length > 0 && (
        <>
          <ul className="agent-bars">
            {enabled.map((a) => (
              <li key={a.id} className="agent-bar">
                <AgentAvatar id={a.id} name={a.displayName} />
                <div className="agent-bar-main">
                  <div className="agent-bar-top">
                    <span className="agent-bar-name">{a.displayName}</span>
                    <span className="agent-bar-size">{formatBytes(a.bytes)}</span>
                  </div>
                  <div className="meter" aria-hidden="true">
                    <div className="meter-fill" style={{ width: `${Math.max(2, (a.bytes / max) * 100)}%` }} />
                  </div>
                  <div className="agent-bar-sub">
                    {formatCount(a.sessions, 'session')} · {formatCount(a.files, 'file')}
                  </div>
                </div>
              </li>
            ))}
          </ul>
          <div className="card-foot">{formatBytes(total)} on this computer, before deduplication and compression</div>
        </>
      )}
    </Card>
  );
}
