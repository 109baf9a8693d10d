// Root: loads the engine status and picks what to show — the setup wizard when nothing is
// configured, the unlock screen when the vault is locked, otherwise the main window.

import { useEffect, useState } from 'react';
import { Button } from './components/button.tsx';
import { ErrorNotice, Loading } from './components/feedback.tsx';
import { Logo } from './components/logo.tsx';
import { Shell } from './features/shell/shell.tsx';
import { useTheme } from './features/shell/use-theme.ts';
import { SetupWizard } from './features/setup/setup-wizard.tsx';
import { UnlockScreen } from './features/setup/unlock-screen.tsx';
import { connectEvents } from './stores/events.ts';
import { useSetup } from './stores/setup.ts';
import { useStatus } from './stores/status.ts';

export function App() {
  const state = useStatus((s) => s.status?.state);
  const error = useStatus((s) => s.error);
  const setupOpen = useSetup((s) => s.open);
  const resumeChecked = useSetup((s) => s.resumeChecked);
  useTheme();

  useEffect(() => {
    const disconnect = connectEvents();
    void useStatus.getState().load();
    // A set-up left half-way (a reload, a closed window) comes back at its step.
    void useSetup.getState().resume();
    return disconnect;
  }, []);

  if (!state || !resumeChecked) {
    return (
      <div className="splash">
        <Logo size={40} />
        {error ? (
          <div className="splash-error">
            <ErrorNotice error={error} />
            <Button variant="primary" icon="sync" onClick={() => void useStatus.getState().load()}>
              Try again
            </Button>
          </div>
        ) : (
          <Loading label="Starting Cairn…" />
        )}
      </div>
    );
  }
  const screen = state === 'unconfigured' || setupOpen ? <SetupWizard /> : state === 'locked' ? <UnlockScreen /> : <Shell />;
  // The settings-file notice takes its own row above the screen (never over its title and actions).
  return (
    <div className="app-frame">
      <ConfigNotice />
      <div className="app-frame-screen">{screen}</div>
    </div>
  );
}

/** config.json could not be read as it was (main kept the original): says where, and what to do. */
function ConfigNotice() {
  const problem = useStatus((s) => s.status?.configProblem);
  const [dismissed, setDismissed] = useState<string | undefined>();
  if (!problem || dismissed === problem.keptAs) return null;
  return (
    <div className="notice notice-warning config-notice" role="alert">
      <div className="notice-body">
        <div className="notice-title">Cairn's settings file was damaged</div>
        <div className="notice-text">{problem.message}</div>
      </div>
      <Button size="sm" onClick={() => setDismissed(problem.keptAs)}>
        Hide
      </Button>
    </div>
  );
}
