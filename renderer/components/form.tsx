// Labelled form controls: every input has a <label>, hints and errors are tied to it with
// aria-describedby, and the switch is a native checkbox so it works with keyboard and readers.

import { useId, useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { Icon } from './icon.tsx';

interface FieldShellProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  className?: string;
  trailing?: ReactNode;
}

export function Field({ label, hint, error, children, className, trailing }: FieldShellProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
        {trailing}
      </div>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {error && (
        <div className="field-error" id={errorId}>
          {error}
        </div>
      )}
      {hint && (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      )}
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  fieldClassName?: string;
  trailing?: ReactNode;
};

export function TextField({ label, value, onChange, hint, error, fieldClassName, trailing, type = 'text', className, ...rest }: InputProps) {
  const [reveal, setReveal] = useState(false);
  const isSecret = type === 'password';
  return (
    <Field label={label} hint={hint} error={error} className={fieldClassName} trailing={trailing}>
      {({ id, describedBy, invalid }) => (
        <div className={`input-wrap${isSecret ? ' has-addon' : ''}`}>
          <input
            id={id}
            className={className ? `input ${className}` : 'input'}
            type={isSecret && reveal ? 'text' : type}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            spellCheck={isSecret ? false : rest.spellCheck}
            {...rest}
          />
          {isSecret && (
            <button type="button" className="input-addon" onClick={() => setReveal((r) => !r)} aria-label={reveal ? 'Hide' : 'Show'} aria-pressed={reveal}>
              <Icon name={reveal ? 'eyeOff' : 'eye'} />
            </button>
          )}
        </div>
      )}
    </Field>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> & {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
  hint?: ReactNode;
  error?: string;
};

export function SelectField({ label, value, onChange, options, hint, error, ...rest }: SelectProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <div className="select-wrap">
          <select id={id} className="input select" value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...rest}>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <Icon name="chevronDown" className="select-chevron" />
        </div>
      )}
    </Field>
  );
}

export function Switch({ checked, onChange, label, description, disabled }: { checked: boolean; onChange: (checked: boolean) => void; label: ReactNode; description?: ReactNode; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="switch-row">
      <div className="switch-text">
        <label htmlFor={id} className="switch-label">
          {label}
        </label>
        {description && (
          <div className="switch-description" id={`${id}-d`}>
            {description}
          </div>
        )}
      </div>
      <input
        id={id}
        type="checkbox"
        role="switch"
        className="switch"
        checked={checked}
        disabled={disabled}
        aria-describedby={description ? `${id}-d` : undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
    </div>
  );
}

export function Checkbox({ checked, onChange, label, disabled }: { checked: boolean; onChange: (checked: boolean) => void; label: ReactNode; disabled?: boolean }) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** A radio group drawn as a segmented control. */
export function Segmented<T extends string>({ label, value, onChange, options }: { label: string; value: T; onChange: (value: T) => void; options: readonly { value: T; label: string }[] }) {
  const name = useId();
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <label key={o.value} className={`segment${o.value === value ? ' is-selected' : ''}`}>
          <input type="radio" name={name} value={o.value} checked={o.value === value} onChange={() => onChange(o.value)} />
          <span>{o.label}</span>
        </label>
      ))}
    </div>
  );
}
