// Step 2: the bucket (or folder) and its keys, and a connection test that shows each probe
// (list, write, read, delete) and explains a failure in words.

import { useMemo, useState } from 'react';
import { Button } from '../../components/button.tsx';
import { ErrorNotice, Notice } from '../../components/feedback.tsx';
import { SelectField, Switch, TextField } from '../../components/form.tsx';
import { Icon } from '../../components/icon.tsx';
import { explainError, storageKindOf, type StorageKind } from '../../lib/explain-error.ts';
import { AWS_REGIONS, B2_REGIONS, effectiveEndpoint, providerInfo, R2_JURISDICTIONS, validateForm, type R2Jurisdiction } from '../../lib/providers.ts';
import { connectionKey, useSetup } from '../../stores/setup.ts';
import type { ProbeStep } from '../../../shared/models.ts';
import { StepHeader } from './step-header.tsx';
import { VersioningNotice } from './versioning-notice.tsx';

const PROBE_LABELS: Record<ProbeStep['step'], { label: string; running: string }> = {
  list: { label: 'List the bucket', running: 'Listing…' },
  write: { label: 'Write a test object', running: 'Writing…' },
  read: { label: 'Read it back', running: 'Reading…' },
  delete: { label: 'Delete the test object', running: 'Deleting…' },
};
const PROBE_ORDER: readonly ProbeStep['step'][] = ['list', 'write', 'read', 'delete'];

export function ConnectionStep() {
  const form = useSetup((s) => s.form);
  const update = useSetup((s) => s.updateForm);
  const goTo = useSetup((s) => s.goTo);
  const probe = useSetup((s) => s.probe);
  const test = useSetup((s) => s.testConnection);
  const chooseFolder = useSetup((s) => s.chooseFolder);
  const createBucket = useSetup((s) => s.createBucket);
  const bucketCreating = useSetup((s) => s.bucketCreating);
  const bucketError = useSetup((s) => s.bucketError);
  const [touched, setTouched] = useState(false);
  const info = providerInfo(form.provider);
  const errors = useMemo(() => validateForm(form), [form]);
  const shown = touched ? errors : {};
  const valid = Object.keys(errors).length === 0;
  const currentKey = connectionKey(form);
  const fresh = probe.testedFor === currentKey;
  const passed = fresh && probe.result?.ok === true;
  const endpoint = effectiveEndpoint(form);
  const bucketMissing = fresh && form.provider !== 'local' && probe.result?.steps.some((x) => x.error?.code === 'bucket_not_found') === true;

  const onTest = (): void => {
    setTouched(true);
    if (valid) void test();
  };

  return (
    <>
      <StepHeader title={form.provider === 'local' ? 'Choose a folder' : `Connect ${info.name}`}>
        {form.provider === 'local'
          ? 'Cairn writes an encrypted vault into this folder. Point it at an external disk or a synced network share to keep a copy off this computer.'
          : 'Create an empty bucket for Cairn first, and a key that can only reach that bucket.'}
      </StepHeader>

      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          onTest();
        }}
        noValidate
      >
        {form.provider === 'local' && (
          <div className="field-with-button">
            <TextField label="Folder" value={form.path} onChange={(path) => update({ path })} error={shown.path} placeholder="/Volumes/Backup/cairn" spellCheck={false} autoFocus />
            <Button icon="folder" onClick={() => void chooseFolder()}>
              Choose…
            </Button>
          </div>
        )}

        {form.provider === 'r2' && (
          <>
            <TextField
              label="Account ID"
              value={form.accountId}
              onChange={(accountId) => update({ accountId })}
              error={shown.accountId}
              placeholder="32 hexadecimal characters"
              hint={endpoint ? <>Endpoint: <code>{endpoint}</code></> : 'Shown on the right of the R2 overview page. It fills in the endpoint.'}
              spellCheck={false}
              autoFocus
            />
            <SelectField
              label="Jurisdiction"
              value={form.jurisdiction}
              onChange={(jurisdiction) => update({ jurisdiction: jurisdiction as R2Jurisdiction })}
              options={R2_JURISDICTIONS.map((j) => ({ value: j.id, label: j.name }))}
              hint="The bucket’s Location when it was created. A bucket in the EU, FedRAMP or US jurisdiction answers only at its own endpoint."
            />
          </>
        )}

        {form.provider === 's3' && (
          <>
            <TextField label="Region" value={form.region} onChange={(region) => update({ region })} error={shown.region} list="aws-regions" placeholder="eu-central-1" spellCheck={false} autoComplete="off" hint="The region the bucket was created in. Pick one from the list or type any region id." />
            <datalist id="aws-regions">
              {AWS_REGIONS.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </datalist>
          </>
        )}

        {form.provider === 'b2' && (
          <>
            <TextField
              label="Region"
              value={form.region}
              onChange={(region) => update({ region })}
              error={shown.region}
              list="b2-regions"
              placeholder="us-west-004"
              spellCheck={false}
              autoComplete="off"
              hint={endpoint ? <>Endpoint: <code>{endpoint}</code> — shown as “Endpoint” on the bucket’s page.</> : 'The region in the bucket’s S3 endpoint.'}
            />
            <datalist id="b2-regions">
              {B2_REGIONS.map((r) => (
                <option key={r} value={r} />
              ))}
            </datalist>
          </>
        )}

        {form.provider === 'other' && (
          <>
            <TextField label="Endpoint URL" value={form.endpoint} onChange={(endpoint) => update({ endpoint })} error={shown.endpoint} placeholder="https://minio.example.com:9000" spellCheck={false} autoFocus />
            <TextField label="Region" value={form.region} onChange={(region) => update({ region })} placeholder="us-east-1" hint="Most self-hosted servers accept us-east-1." spellCheck={false} />
          </>
        )}

        {form.provider !== 'local' && (
          <>
            <TextField label="Bucket" value={form.bucket} onChange={(bucket) => update({ bucket })} error={shown.bucket} placeholder="my-cairn-vault" spellCheck={false} autoComplete="off" />
            <TextField label={info.accessKeyLabel} value={form.accessKeyId} onChange={(accessKeyId) => update({ accessKeyId })} error={shown.accessKeyId} spellCheck={false} autoComplete="off" />
            <TextField label={info.secretLabel} type="password" value={form.secretAccessKey} onChange={(secretAccessKey) => update({ secretAccessKey })} error={shown.secretAccessKey} autoComplete="off" hint="Stored in your system keychain, never in a file." />
            <Notice tone="info" icon="key">
              {info.keysHint}
            </Notice>
          </>
        )}

        <details className="advanced">
          <summary>Advanced</summary>
          <div className="advanced-body">
            <TextField label="Prefix" value={form.prefix} onChange={(prefix) => update({ prefix })} error={shown.prefix} hint="The vault lives under this folder of the bucket, so one bucket can hold other things too." spellCheck={false} />
            {form.provider === 'other' && <Switch label="Path-style addressing" description="Needed by MinIO, Swift and most self-hosted servers." checked={form.forcePathStyle} onChange={(forcePathStyle) => update({ forcePathStyle })} />}
          </div>
        </details>

        <div className="probe-box">
          <div className="probe-head">
            <div>
              <div className="probe-title">Connection test</div>
              <div className="probe-sub">Cairn lists the bucket, writes a small object, reads it back and deletes it.</div>
            </div>
            <Button type="submit" variant={passed ? 'secondary' : 'primary'} icon="activity" busy={probe.running}>
              {fresh && probe.result ? 'Test again' : 'Test connection'}
            </Button>
          </div>
          {fresh && (probe.running || probe.result) && <ProbeSteps steps={probe.result?.steps ?? []} running={probe.running} storage={storageKindOf(form.provider)} />}
          {fresh && probe.error && <ErrorNotice error={probe.error} />}
          {bucketMissing && (
            <Notice tone="info" title={`There is no bucket named “${form.bucket.trim()}” yet`}>
              <p>Cairn can create it with these keys, if they may create buckets (s3:CreateBucket). Otherwise, create it in {info.name}’s console and test again.</p>
              <div className="button-row">
                <Button variant="primary" icon="plus" busy={bucketCreating} onClick={() => void createBucket()}>
                  Create bucket
                </Button>
              </div>
              {bucketError && <ErrorNotice error={bucketError} compact />}
            </Notice>
          )}
          {fresh && probe.result?.ok && (
            <Notice tone="success" title={probe.result.vaultExists ? 'Connected — a Cairn vault is already here' : 'Connected'}>
              {probe.result.vaultExists ? 'Next, unlock it with its passphrase or recovery key to add this computer.' : 'The storage is ready. Next, choose the passphrase that protects your vault.'}
            </Notice>
          )}
          {fresh && probe.result?.ok && <VersioningNotice versioning={probe.result.versioning} provider={form.provider} />}
        </div>
      </form>

      <div className="step-footer">
        <Button variant="ghost" icon="arrowLeft" onClick={() => goTo('provider')}>
          Back
        </Button>
        <Button variant="primary" onClick={() => goTo('vault')} disabled={!passed}>
          Continue
        </Button>
      </div>
    </>
  );
}

function ProbeSteps({ steps, running, storage }: { steps: readonly ProbeStep[]; running: boolean; storage: StorageKind | undefined }) {
  const failedIndex = steps.findIndex((s) => !s.ok);
  return (
    <ol className="probe-steps">
      {PROBE_ORDER.map((name, i) => {
        const step = steps.find((s) => s.step === name);
        const state = step ? (step.ok ? 'ok' : 'failed') : running ? (i === steps.length ? 'running' : 'pending') : failedIndex >= 0 ? 'skipped' : 'pending';
        const labels = PROBE_LABELS[name];
        const earlier = steps.slice(0, steps.indexOf(step as ProbeStep)).find((s) => s.error?.code === step?.error?.code);
        const explained = step?.error && !earlier ? explainError(step.error, storage) : undefined;
        return (
          <li key={name} className={`probe-step is-${state}`} data-step={name} data-state={state}>
            <span className="probe-icon" aria-hidden="true">
              {state === 'ok' && <Icon name="check" size={14} />}
              {state === 'failed' && <Icon name="x" size={14} />}
              {state === 'running' && <span className="spinner spinner-sm" />}
              {(state === 'pending' || state === 'skipped') && <span className="probe-dot" />}
            </span>
            <div className="probe-step-body">
              <div className="probe-step-label">
                {state === 'running' ? labels.running : labels.label}
                <span className="visually-hidden">: {state}</span>
                {state === 'skipped' && <span className="probe-skipped">skipped</span>}
              </div>
              {step?.error && earlier && (
                <div className="probe-error" data-error-code={step.error.code}>
                  Same problem as above.
                </div>
              )}
              {explained && (
                <div className="probe-error" data-error-code={step?.error?.code}>
                  <strong>{explained.title}.</strong> {explained.hint}
                  <div className="probe-error-detail">{explained.detail}</div>
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
