// Step 1: where the vault lives.

import { Icon, type IconName } from '../../components/icon.tsx';
import { PROVIDERS } from '../../lib/providers.ts';
import { useSetup } from '../../stores/setup.ts';
import type { ProviderKind } from '../../../shared/models.ts';
import { StepHeader } from './step-header.tsx';

const MARKS: Record<ProviderKind, { icon: IconName; tone: string }> = {
  r2: { icon: 'cloud', tone: 'orange' },
  s3: { icon: 'cloud', tone: 'amber' },
  b2: { icon: 'cloud', tone: 'red' },
  other: { icon: 'layers', tone: 'slate' },
  local: { icon: 'disk', tone: 'accent' },
};

export function ProviderStep() {
  const choose = useSetup((s) => s.chooseProvider);
  const selected = useSetup((s) => s.form.provider);
  const cloud = PROVIDERS.filter((p) => p.kind !== 'local');
  const local = PROVIDERS.find((p) => p.kind === 'local');
  return (
    <>
      <StepHeader title="Where should Cairn keep your vault?">
        Snapshots are encrypted on this computer before upload. Use a bucket of your own — Cairn never sees your data or your keys.
      </StepHeader>
      <div className="provider-grid">
        {cloud.map((p) => (
          <button key={p.kind} type="button" className={`provider-card${selected === p.kind ? ' is-selected' : ''}`} onClick={() => choose(p.kind)} data-provider={p.kind}>
            <span className={`provider-mark tone-${MARKS[p.kind].tone}`}>
              <Icon name={MARKS[p.kind].icon} size={18} />
            </span>
            <span className="provider-text">
              <span className="provider-name">{p.name}</span>
              <span className="provider-tagline">{p.tagline}</span>
            </span>
            <Icon name="chevronRight" className="provider-chevron" />
          </button>
        ))}
      </div>
      {local && (
        <button type="button" className="provider-local" onClick={() => choose('local')} data-provider="local">
          <span className={`provider-mark tone-${MARKS.local.tone}`}>
            <Icon name={MARKS.local.icon} size={18} />
          </span>
          <span className="provider-text">
            <span className="provider-name">Try it with no cloud account</span>
            <span className="provider-tagline">Keep the vault in a local folder — an external disk, a NAS share, or anywhere to try Cairn. You can add a bucket later.</span>
          </span>
          <Icon name="arrowRight" className="provider-chevron" />
        </button>
      )}
    </>
  );
}
