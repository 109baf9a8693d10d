// Step 4: which agents to back up, with what was found on this computer.

import { useEffect } from 'react';
import { Button } from '../../components/button.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { formatBytes, formatCount } from '../../lib/format.ts';
import { useSettings } from '../../stores/settings.ts';
import { useSetup } from '../../stores/setup.ts';
import { AgentAvatar } from '../settings/agent-avatar.tsx';
import { StepHeader } from './step-header.tsx';

export function AgentsStep() {
  const agents = useSettings((s) => s.agents);
  const loading = useSettings((s) => s.agentsLoading);
  const error = useSettings((s) => s.agentsError);
  const saveError = useSettings((s) => s.saveError);
  const setEnabled = useSettings((s) => s.setAgentEnabled);
  const goTo = useSetup((s) => s.goTo);

  useEffect(() => {
    void useSettings.getState().loadAgents();
    void useSettings.getState().load();
  }, []);

  const detected = agents?.filter((a) => a.detected) ?? [];
  const missing = agents?.filter((a) => !a.detected) ?? [];
  const enabledCount = detected.filter((a) => a.enabled).length;

  return (
    <>
      <StepHeader title="Choose what to back up">
        Cairn found these agents on this computer. Credentials files (API keys, OAuth tokens) are never uploaded, whatever you choose.
      </StepHeader>
      {error && <ErrorNotice error={error} onRetry={() => void useSettings.getState().loadAgents()} />}
      {!agents && loading && <Loading label="Looking for agents…" />}
      {agents && detected.length === 0 && (
        <EmptyState icon="search" title="No agents found">
          Cairn looks in the usual folders of Claude Code, Codex, Goose, Gemini CLI, OpenCode, Cursor, Cline, Roo and Aider. Install one, or continue and they’ll be picked up when they appear.
        </EmptyState>
      )}
      {detected.length > 0 && (
        <ul className="agent-pick-list">
          {detected.map((a) => (
            <li key={a.id} className="agent-pick">
              <AgentAvatar id={a.id} name={a.displayName} />
              <div className="agent-pick-text">
                <label htmlFor={`agent-${a.id}`} className="agent-pick-name">
                  {a.displayName}
                </label>
                <div className="agent-pick-meta">
                  {formatCount(a.sessions, 'session')} · {formatCount(a.files, 'file')} · {formatBytes(a.bytes)}
                </div>
                <div className="agent-pick-path">{a.roots.filter((r) => r.exists).map((r) => r.path).join(' · ')}</div>
              </div>
              <input id={`agent-${a.id}`} type="checkbox" role="switch" className="switch" checked={a.enabled} onChange={(e) => void setEnabled(a.id, e.target.checked)} />
            </li>
          ))}
        </ul>
      )}
      {missing.length > 0 && <p className="muted small">Not found here: {missing.map((a) => a.displayName).join(', ')}.</p>}
      {saveError && <ErrorNotice error={saveError} compact />}
      <div className="step-footer">
        <span className="footer-note">{agents ? `${enabledCount} of ${detected.length} selected` : ''}</span>
        <Button variant="primary" onClick={() => goTo('schedule')}>
          Continue
        </Button>
      </div>
    </>
  );
}
