// Agents: on/off, where they live, what is included and excluded, and the secret rules that
// keep credentials on this computer whatever else is chosen.

import type { AgentInfo } from '../../../shared/models.ts';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Icon } from '../../components/icon.tsx';
import { formatBytes, formatCount } from '../../lib/format.ts';
import { useSettings } from '../../stores/settings.ts';
import { AgentAvatar } from './agent-avatar.tsx';
import { AgentFolders } from './agent-folders.tsx';
import { SettingsSection } from './settings-section.tsx';

export function AgentsSection() {
  const agents = useSettings((s) => s.agents);
  const loading = useSettings((s) => s.agentsLoading);
  const error = useSettings((s) => s.agentsError);
  const sorted = agents ? [...agents].sort((a, b) => Number(b.detected) - Number(a.detected) || a.displayName.localeCompare(b.displayName)) : undefined;
  return (
    <SettingsSection id="agents" title="Agents" description="An agent switched off is left out of the next backups and syncs on this computer (the cairn command's too); earlier snapshots keep it. Secret files — API keys, OAuth tokens, .env files — never leave this computer. Those rules win over any include rule.">
      {error && <ErrorNotice error={error} compact onRetry={() => void useSettings.getState().loadAgents()} />}
      {!agents && loading && <Loading />}
      {sorted && sorted.length === 0 && <EmptyState icon="bot" title="No agent adapters" />}
      {sorted && (
        <ul className="agent-settings">
          {sorted.map((a) => (
            <AgentRow key={a.id} agent={a} />
          ))}
        </ul>
      )}
      <AgentFolders />
    </SettingsSection>
  );
}

/** Rules arrive as `label:glob` (e.g. `claude-code/config:debug`); group them by source. */
export function splitRule(rule: string): { label?: string; glob: string } {
  const match = /^([a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*):(.*)$/.exec(rule);
  return match ? { label: match[1], glob: match[2] ?? '' } : { glob: rule };
}

function Globs({ label, globs, tone }: { label: string; globs: readonly string[]; tone?: 'secret' | 'sync' }) {
  if (globs.length === 0) return null;
  const groups = new Map<string, string[]>();
  for (const rule of globs) {
    const { label: source = '', glob } = splitRule(rule);
    groups.set(source, [...(groups.get(source) ?? []), glob]);
  }
  const many = groups.size > 1;
  return (
    <div className="glob-row">
      <span className="glob-label">{label}</span>
      <span className="glob-groups">
        {[...groups].map(([source, list]) => (
          <span key={source} className="glob-list">
            {many && source && <span className="glob-source">{source}</span>}
            {list.map((g) => (
              <code key={g} className={`glob${tone ? ` glob-${tone}` : ''}`}>
                {tone === 'secret' && <Icon name="lock" size={11} />}
                {g}
              </code>
            ))}
          </span>
        ))}
      </span>
    </div>
  );
}

function AgentRow({ agent }: { agent: AgentInfo }) {
  const setEnabled = useSettings((s) => s.setAgentEnabled);
  const id = `agent-enabled-${agent.id}`;
  return (
    <li className={`agent-setting${agent.detected ? '' : ' is-missing'}`} data-agent={agent.id}>
      <div className="agent-setting-head">
        <AgentAvatar id={agent.id} name={agent.displayName} />
        <div className="agent-setting-title">
          <label htmlFor={id} className="agent-pick-name">
            {agent.displayName}
          </label>
          <div className="agent-pick-meta">{agent.detected ? `${formatCount(agent.sessions, 'session')} · ${formatCount(agent.files, 'file')} · ${formatBytes(agent.bytes)}` : 'Not found on this computer'}</div>
        </div>
        <input id={id} type="checkbox" role="switch" className="switch" checked={agent.enabled} onChange={(e) => void setEnabled(agent.id, e.target.checked)} />
      </div>
      <details className="agent-rules">
        <summary>Folders and rules</summary>
        <div className="agent-rules-body">
          <div className="glob-row">
            <span className="glob-label">Folders</span>
            <span className="root-list">
              {agent.roots.map((r) => (
                <span key={r.path} className={`root${r.exists ? '' : ' is-missing'}`}>
                  <code>{r.path}</code>
                  <span className="muted">{r.exists ? formatBytes(r.bytes) : 'missing'}</span>
                </span>
              ))}
            </span>
          </div>
          <Globs label="Include" globs={agent.include} />
          <Globs label="Exclude" globs={agent.exclude} />
          <Globs label="Never uploaded" globs={agent.secrets} tone="secret" />
          <Globs label="Synced between devices" globs={agent.syncable} tone="sync" />
        </div>
      </details>
    </li>
  );
}
