import type { ReactNode } from 'react';

export function SettingsSection({ id, title, description, children, actions }: { id: string; title: string; description?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="settings-section" id={`settings-${id}`} aria-labelledby={`settings-${id}-title`}>
      <div className="settings-section-head">
        <div>
          <h2 className="settings-section-title" id={`settings-${id}-title`}>
            {title}
          </h2>
          {description && <p className="settings-section-text">{description}</p>}
        </div>
        {actions}
      </div>
      <div className="settings-section-body">{children}</div>
    </section>
  );
}
