// Loading, empty, error and progress states, used on every screen so they look and read alike.

import { useState, type ReactNode } from 'react';
import type { ErrorRecord } from '../../shared/errors.ts';
import { explainError, storageKindOf, type StorageKind } from '../lib/explain-error.ts';
import { useSettings } from '../stores/settings.ts';
import { Button } from './button.tsx';
import { Icon, type IconName } from './icon.tsx';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner spinner-md" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({ icon = 'info', title, children, action }: { icon?: IconName; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty">
      <div className="state-icon">
        <Icon name={icon} size={20} />
      </div>
      <div className="state-title">{title}</div>
      {children && <div className="state-text">{children}</div>}
      {action && <div className="state-action">{action}</div>}
    </div>
  );
}

/** An error in words: what happened, what to do, and the engine's message with the specifics. */
export function ErrorNotice({ error, onRetry, compact = false, onDismiss, storage }: { error: ErrorRecord; onRetry?: () => void; compact?: boolean; onDismiss?: () => void; storage?: StorageKind }) {
  // Worded for the vault's kind of storage (a folder fails for other reasons than a bucket).
  const vaultProvider = useSettings((s) => s.stats?.provider);
  const explained = explainError(error, storage ?? storageKindOf(vaultProvider));
  const [showDetail, setShowDetail] = useState(!compact);
  return (
    <div className={`notice notice-danger${compact ? ' notice-compact' : ''}`} role="alert" data-error-code={error.code}>
      <Icon name="alert" className="notice-icon" />
      <div className="notice-body">
        <div className="notice-title">{explained.title}</div>
        <div className="notice-text">{explained.hint}</div>
        {showDetail ? (
          <div className="notice-detail">{explained.detail}</div>
        ) : (
          <button type="button" className="link-button" onClick={() => setShowDetail(true)}>
            Details
          </button>
        )}
      </div>
      {(onRetry || onDismiss) && (
        <div className="notice-actions">
          {onRetry && (
            <Button size="sm" onClick={onRetry} icon="sync">
              Try again
            </Button>
          )}
          {onDismiss && (
            <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss">
              <Icon name="x" />
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export function Notice({ tone = 'info', icon, title, children, action }: { tone?: 'info' | 'warning' | 'success' | 'danger'; icon?: IconName; title?: string; children?: ReactNode; action?: ReactNode }) {
  const fallback: IconName = tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'alert';
  return (
    <div className={`notice notice-${tone}`} role={tone === 'danger' ? 'alert' : undefined}>
      <Icon name={icon ?? fallback} className="notice-icon" />
      <div className="notice-body">
        {title && <div className="notice-title">{title}</div>}
        {children && <div className="notice-text">{children}</div>}
      </div>
      {action && <div className="notice-actions">{action}</div>}
    </div>
  );
}

/** Determinate when `value` is a percentage, indeterminate when it is undefined. */
export function ProgressBar({ value, label, tone = 'accent' }: { value: number | undefined; label: string; tone?: 'accent' | 'success' | 'danger' }) {
  return (
    <div
      className={`progress progress-${tone}${value === undefined ? ' is-indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value === undefined ? undefined : Math.round(value)}
    >
      <div className="progress-fill" style={value === undefined ? undefined : { width: `${value}%` }} />
    </div>
  );
}
