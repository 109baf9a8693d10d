// Schedule, retention, path mappings and app behaviour.

import { useState } from 'react';
import type { PathMapping, RetentionPolicy, Settings } from '../../../shared/models.ts';
import { Button } from '../../components/button.tsx';
import { ErrorNotice } from '../../components/feedback.tsx';
import { Segmented, SelectField, Switch } from '../../components/form.tsx';
import { Icon } from '../../components/icon.tsx';
import { formatInterval } from '../../lib/format.ts';
import { useSettings } from '../../stores/settings.ts';
import { SettingsSection } from './settings-section.tsx';

const INTERVALS = [5, 10, 15, 30, 60, 120, 240, 720, 1440];

export function ScheduleSection({ settings }: { settings: Settings }) {
  const save = useSettings((s) => s.save);
  const saveError = useSettings((s) => s.saveError);
  const intervals = INTERVALS.includes(settings.intervalMinutes) ? INTERVALS : [...INTERVALS, settings.intervalMinutes].sort((a, b) => a - b);
  return (
    <SettingsSection id="schedule" title="Schedule" description="Backups are incremental and usually take seconds.">
      <div className="settings-row">
        <SelectField
          label="Back up"
          value={String(settings.intervalMinutes)}
          onChange={(v) => void save({ intervalMinutes: Number(v) })}
          options={intervals.map((m) => ({ value: String(m), label: formatInterval(m) }))}
        />
      </div>
      <Switch label="Back up when an agent goes quiet" description={`After ${settings.quietSeconds} seconds without writes to a session.`} checked={settings.syncOnAgentQuiet} onChange={(syncOnAgentQuiet) => void save({ syncOnAgentQuiet })} />
      {settings.syncOnAgentQuiet && (
        <div className="settings-row">
          <SelectField
            label="Quiet for"
            value={String(settings.quietSeconds)}
            onChange={(v) => void save({ quietSeconds: Number(v) })}
            options={[...new Set([15, 30, 60, 120, 300, settings.quietSeconds])].sort((a, b) => a - b).map((s) => ({ value: String(s), label: s < 60 ? `${s} seconds` : `${s / 60} minute${s === 60 ? '' : 's'}` }))}
          />
        </div>
      )}
      {saveError && <ErrorNotice error={saveError} compact />}
    </SettingsSection>
  );
}

const RETENTION_FIELDS: readonly { key: keyof RetentionPolicy; label: string; hint: string }[] = [
  { key: 'keepLast', label: 'Latest', hint: 'snapshots' },
  { key: 'keepHourly', label: 'Hourly', hint: 'hours' },
  { key: 'keepDaily', label: 'Daily', hint: 'days' },
  { key: 'keepWeekly', label: 'Weekly', hint: 'weeks' },
  { key: 'keepMonthly', label: 'Monthly', hint: 'months' },
];

export function RetentionSection({ settings }: { settings: Settings }) {
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving);
  const [draft, setDraft] = useState<RetentionPolicy>(settings.retention);
  const dirty = RETENTION_FIELDS.some((f) => draft[f.key] !== settings.retention[f.key]);
  const valid = draft.keepLast >= 1 && RETENTION_FIELDS.every((f) => Number.isInteger(draft[f.key]) && draft[f.key] >= 0);
  return (
    <SettingsSection
      id="retention"
      title="Retention"
      description="Which snapshots each device keeps. Pinned snapshots and safety copies made before a restore are always kept. Prune removes the rest."
      actions={
        dirty ? (
          <Button size="sm" variant="primary" busy={saving} disabled={!valid} onClick={() => void save({ retention: draft })}>
            Save
          </Button>
        ) : undefined
      }
    >
      <div className="retention-grid">
        {RETENTION_FIELDS.map((f) => (
          <label key={f.key} className="retention-field">
            <span className="field-label">{f.label}</span>
            <span className="input-suffix-wrap">
              <input
                className="input"
                type="number"
                min={f.key === 'keepLast' ? 1 : 0}
                max={10000}
                value={draft[f.key]}
                onChange={(e) => setDraft({ ...draft, [f.key]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
              />
              <span className="input-suffix">{f.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </SettingsSection>
  );
}

export function MappingsSection({ settings }: { settings: Settings }) {
  const save = useSettings((s) => s.save);
  const saving = useSettings((s) => s.saving);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const isAbs = (p: string): boolean => /^(\/|[A-Za-z]:[\\/])/.test(p.trim());
  const canAdd = isAbs(from) && isAbs(to) && from.trim() !== to.trim();
  const update = (mappings: PathMapping[]): Promise<boolean> => save({ pathMappings: mappings });
  return (
    <SettingsSection id="mappings" title="Path mappings" description="Agents name project folders after their full path. Map your home or project folders between machines so that sessions from another device resume here.">
      {settings.pathMappings.length === 0 ? (
        <p className="muted small">No mappings. Sessions from devices with the same folder layout need none.</p>
      ) : (
        <ul className="mapping-list">
          {settings.pathMappings.map((m, i) => (
            <li key={`${m.from}->${m.to}`} className="mapping">
              <code>{m.from}</code>
              <Icon name="arrowRight" size={14} />
              <code>{m.to}</code>
              <button type="button" className="icon-button" aria-label={`Remove mapping ${m.from} to ${m.to}`} onClick={() => void update(settings.pathMappings.filter((_, j) => j !== i))}>
                <Icon name="trash" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="mapping-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!canAdd) return;
          void update([...settings.pathMappings, { from: from.trim(), to: to.trim() }]).then((ok) => {
            if (ok) {
              setFrom('');
              setTo('');
            }
          });
        }}
      >
        <label className="visually-hidden" htmlFor="map-from">
          Path on the other device
        </label>
        <input id="map-from" className="input mono" placeholder="/Users/alice" value={from} onChange={(e) => setFrom(e.target.value)} spellCheck={false} />
        <Icon name="arrowRight" size={14} />
        <label className="visually-hidden" htmlFor="map-to">
          Path on this device
        </label>
        <input id="map-to" className="input mono" placeholder="/home/alice" value={to} onChange={(e) => setTo(e.target.value)} spellCheck={false} />
        <Button type="submit" icon="plus" disabled={!canAdd} busy={saving}>
          Add
        </Button>
      </form>
    </SettingsSection>
  );
}

export function AppSection({ settings }: { settings: Settings }) {
  const save = useSettings((s) => s.save);
  return (
    <SettingsSection id="app" title="App">
      <Switch label="Start Cairn when you log in" checked={settings.launchAtLogin} onChange={(launchAtLogin) => void save({ launchAtLogin })} />
      <Switch label="Notifications" description="Only when something fails, and when it works again — never for routine backups." checked={settings.notifications} onChange={(notifications) => void save({ notifications })} />
      <div className="settings-row settings-row-inline">
        <span className="field-label" id="theme-label">
          Appearance
        </span>
        <Segmented
          label="Appearance"
          value={settings.theme}
          onChange={(theme) => void save({ theme })}
          options={[
            { value: 'system', label: 'System' },
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
          ]}
        />
      </div>
    </SettingsSection>
  );
}
