// A recovery key on screen: shown once, at creation or after "new recovery key".

import { Icon } from './icon.tsx';

export function RecoveryKey({ value, testId }: { value: string; testId: string }) {
  return (
    <div className="recovery-key" data-testid={testId}>
      <Icon name="key" size={18} />
      <code>{value}</code>
    </div>
  );
}
