// Settings → Agents → Aider project folders: the folders Aider detection scans for
// `.aider.chat.history.md`, besides the project folders other agents name. The same list as
// `cairn agents --add-path / --remove-path` (`<state>/agent-paths.json`), so the CLI and the app
// agree. A folder picker in the app; a path field everywhere (`~` is this computer's home).

import { useEffect, useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { TextField } from '../../components/form.tsx';
import { call } from '../../api.ts';
import { useSettings } from '../../stores/settings.ts';
import type { AgentFolders as Folders } from '../../../shared/ipc/contract.ts';
import type { ErrorRecord } from '../../../shared/errors.ts';

export function AgentFolders() {
  const [folders, setFolders] = useState<Folders | undefined>();
  const [error, setError] = useState<ErrorRecord | undefined>();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void call('agents.paths', {}).then((r) => (r.ok ? setFolders(r.value) : setError(r.error)));
  }, []);

  const change = async (patch: { add?: string[]; remove?: string[] }): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    const r = await call('agents.updatePaths', patch);
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return false;
    }
    setFolders(r.value);
    // What detection finds changes with the folders.
    void useSettings.getState().loadAgents();
    return true;
  };
  const pick = async (): Promise<void> => {
    const r = await call('app.chooseFolder', { title: 'Choose a folder with your projects' });
    if (r.ok && r.value.path) await change({ add: [r.value.path] });
  };
  const tilde = (path: string): string => (folders && (path === folders.home || path.startsWith(`${folders.home}/`)) ? `~${path.slice(folders.home.length)}` : path);
  const removedDefaults = new Set(folders?.removed ?? []);
  // "Scan again" on a default folder sends add and remove together: agent-paths.ts adds first
  // (taking it off the removed list), then removing an added folder forgets it — back to default.

  return (
    <div className="agent-folders" data-testid="aider-folders">
      <h3 className="agent-folders-title">Aider project folders</h3>
      <p className="muted small">Aider keeps its history inside each project. Cairn looks for it in the projects other agents name and in these folders (four levels deep, skipping node_modules and .git).</p>
      {error && <ErrorNotice error={error} />}
      {folders && (
        <ul className="agent-folder-list">
          {folders.defaults.map((path) => (
            <li key={path} className={removedDefaults.has(path) ? 'is-off' : undefined}>
              <code>{tilde(path)}</code>
              <span className="muted small">{removedDefaults.has(path) ? 'not scanned' : 'default'}</span>
              <Button size="sm" variant="ghost" disabled={busy} onClick={() => void change(removedDefaults.has(path) ? { add: [path], remove: [path] } : { remove: [path] })}>
                {removedDefaults.has(path) ? 'Scan again' : 'Don’t scan'}
              </Button>
            </li>
          ))}
          {folders.added.map((path) => (
            <li key={path}>
              <code>{tilde(path)}</code>
              <span className="muted small">added</span>
              <Button size="sm" variant="ghost" disabled={busy} onClick={() => void change({ remove: [path] })} aria-label={`Remove ${path}`}>
                Remove
              </Button>
            </li>
          ))}
          {folders.removed
            .filter((path) => !folders.defaults.includes(path))
            .map((path) => (
              <li key={path} className="is-off">
                <code>{tilde(path)}</code>
                <span className="muted small">never scanned</span>
                <Button size="sm" variant="ghost" disabled={busy} onClick={() => void change({ add: [path] })}>
                  Scan again
                </Button>
              </li>
            ))}
        </ul>
      )}
      <form
        className="field-with-button agent-folders-add"
        onSubmit={(e) => {
          e.preventDefault();
          const path = typed.trim();
          if (path) void change({ add: [path] }).then((ok) => ok && setTyped(''));
        }}
      >
        <TextField label="Add a folder" value={typed} onChange={setTyped} placeholder="~/clients" spellCheck={false} autoComplete="off" />
        <Button type="submit" disabled={busy || !typed.trim()}>
          Add
        </Button>
        <Button icon="folder" disabled={busy} onClick={() => void pick()}>
          Choose…
        </Button>
      </form>
    </div>
  );
}
