import type { ReactNode } from 'react';

export function StepHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="step-header">
      <h1 className="step-title">{title}</h1>
      {children && <p className="step-lead">{children}</p>}
    </header>
  );
}
