// Settings: schedule, retention, agents and their rules, path mappings, app behaviour, the
// vault key, and vault maintenance.

import { useEffect } from 'react';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { PageHeader } from '../../components/page.tsx';
import { useSettings } from '../../stores/settings.ts';
import { useUi } from '../../stores/ui.ts';
import { AgentsSection } from './agents-section.tsx';
import { AppSection, MappingsSection, RetentionSection, ScheduleSection } from './general-sections.tsx';
import { KeySection } from './key-section.tsx';
import { StorageSection } from './storage-section.tsx';
import { VaultSection } from './vault-section.tsx';

const SECTIONS = [
  { id: 'schedule', label: 'Schedule' },
  { id: 'retention', label: 'Retention' },
  { id: 'agents', label: 'Agents' },
  { id: 'mappings', label: 'Path mappings' },
  { id: 'app', label: 'App' },
  { id: 'key', label: 'Key' },
  { id: 'storage', label: 'Storage' },
  { id: 'vault', label: 'Vault' },
] as const;

/**
 * Scrolls Settings to section `id`, below the sticky section links. The page's own scroller only:
 * scrollIntoView also scrolled the window itself, moving the whole app up until Settings was left.
 */
function scrollToSection(id: string, behavior: ScrollBehavior = 'smooth'): void {
  const target = document.getElementById(`settings-${id}`);
  const scroller = target?.closest<HTMLElement>('.main');
  if (!target || !scroller) return;
  const navHeight = scroller.querySelector('.settings-nav')?.getBoundingClientRect().height ?? 0;
  const top = target.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop - navHeight - 8;
  scroller.scrollTo({ top, behavior });
}

export function SettingsScreen() {
  const settings = useSettings((s) => s.settings);
  const loading = useSettings((s) => s.loading);
  const error = useSettings((s) => s.error);
  const section = useUi((s) => s.settingsSection);

  // Opened for one section (the Overview's "Review and repair…"): shown once the sections are.
  useEffect(() => {
    if (!settings || !section) return;
    scrollToSection(section, 'auto');
    useUi.setState({ settingsSection: undefined });
  }, [settings, section]);

  useEffect(() => {
    const s = useSettings.getState();
    void s.load();
    void s.loadAgents();
    void s.loadFingerprint();
    void s.loadStats();
    return () => useSettings.getState().resetKeyActions();
  }, []);

  return (
    <div className="page settings-page">
      <PageHeader title="Settings" />
      <nav className="settings-nav" aria-label="Settings sections">
        {SECTIONS.map((s) => (
          <a key={s.id} href={`#settings-${s.id}`} className="settings-nav-link" onClick={(e) => {
            e.preventDefault();
            scrollToSection(s.id);
          }}>
            {s.label}
          </a>
        ))}
      </nav>
      {error && <ErrorNotice error={error} onRetry={() => void useSettings.getState().load()} />}
      {!settings && loading && <Loading label="Loading settings…" />}
      {settings && (
        <div className="settings-sections">
          <ScheduleSection settings={settings} />
          <RetentionSection settings={settings} />
          <AgentsSection />
          <MappingsSection settings={settings} />
          <AppSection settings={settings} />
          <KeySection />
          <StorageSection />
          <VaultSection />
        </div>
      )}
    </div>
  );
}
