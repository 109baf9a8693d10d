// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installMockApi, ok, removeMockApi } from '../../test-support/mock-api.ts';
import { device, snapshot } from '../../test-support/samples.ts';
import { initialDevicesState, useDevices } from '../../stores/devices.ts';
import { RestoreDialog } from './restore-dialog.tsx';

const plan = { files: 1, bytes: 10, targets: ['/home/bob/.claude/projects'], writeFiles: 1, writeBytes: 10, unchanged: 0, existing: 0, existingSample: [], existingAction: 'keep' as const, safetySnapshot: false, heldBack: 0, heldBackSample: [], withoutCredentials: 0, withoutCredentialsSample: [], renamed: 0, renamedSample: [] };

describe('Restore dialog, "Where it was"', () => {
  beforeEach(() => {
    installMockApi({ 'snapshots.restorePlan': () => ok(plan) });
    useDevices.setState({ ...initialDevicesState, devices: [device({ id: 'b0b0b0b0b0b0b0b0', name: 'Studio Mac', isThisDevice: true }), device({ isThisDevice: false })] });
  });
  afterEach(() => {
    cleanup();
    removeMockApi();
  });

  it("for another device's snapshot names this computer's folders, not the paths the other device backed up from", async () => {
    render(<RestoreDialog snapshot={snapshot()} paths={['claude-code/projects/x.jsonl']} onClose={() => {}} />);
    const card = screen.getByText('Where it was').closest('label');
    expect(card?.textContent).toContain('Into this computer’s folders for the same agents');
    expect(card?.textContent).not.toContain('/home/alice/.claude');
    await screen.findByTestId('restore-plan');
  });

  it("for this device's own snapshot names the folders it was backed up from", async () => {
    render(<RestoreDialog snapshot={snapshot({ deviceId: 'b0b0b0b0b0b0b0b0', deviceName: 'Studio Mac' })} paths={['claude-code/projects/x.jsonl']} onClose={() => {}} />);
    expect(screen.getByText('Where it was').closest('label')?.textContent).toContain('Under /home/alice/.claude.');
    await screen.findByTestId('restore-plan');
  });

  it('says what it restores once: the whole snapshot is "everything in the snapshot of …", a path is "… from the snapshot of …"', async () => {
    render(<RestoreDialog snapshot={snapshot()} paths={[]} onClose={() => {}} />);
    const intro = screen.getByText('everything').parentElement;
    expect(intro?.textContent).toMatch(/^Restore everything in the snapshot of .+\)\.$/);
    cleanup();
    render(<RestoreDialog snapshot={snapshot()} paths={['claude-code/projects/x.jsonl']} onClose={() => {}} />);
    expect(screen.getByText('claude-code/projects/x.jsonl').parentElement?.textContent).toMatch(/^Restore claude-code\/projects\/x\.jsonl from the snapshot of /);
    await screen.findByTestId('restore-plan');
  });
});

describe('Restore dialog, files with credentials', () => {
  afterEach(() => {
    cleanup();
    removeMockApi();
  });

  it('says before the restore which differing files are kept (a safety snapshot cannot hold them) and which come back without their keys', async () => {
    const settings = '/home/bob/.claude/settings.json';
    const transcript = '/home/bob/.claude/projects/x.jsonl';
    installMockApi({
      'snapshots.restorePlan': () =>
        ok({ ...plan, files: 3, writeFiles: 2, existing: 2, existingSample: [settings, transcript], existingAction: 'overwrite' as const, safetySnapshot: true, heldBack: 1, heldBackSample: [settings], withoutCredentials: 1, withoutCredentialsSample: [{ path: '/home/bob/.gemini/settings.json', removed: ['mcpServers.github.env'] }] }),
    });
    useDevices.setState({ ...initialDevicesState, devices: [device({ id: 'b0b0b0b0b0b0b0b0', name: 'Studio Mac', isThisDevice: true })] });
    render(<RestoreDialog snapshot={snapshot({ deviceId: 'b0b0b0b0b0b0b0b0', deviceName: 'Studio Mac' })} paths={['claude-code']} onClose={() => {}} />);
    const box = await screen.findByTestId('restore-plan');
    const text = box.textContent ?? '';
    expect(text).toContain('1 file already exists there, differs from the snapshot, and will be replaced');
    expect(text).toContain('1 file that differs will be kept as it is, not replaced: a safety snapshot could not hold it');
    const lists = [...box.querySelectorAll('ul')].map((ul) => [...ul.querySelectorAll('li')].map((li) => li.textContent));
    expect(lists).toEqual([[transcript], [settings], ['/home/bob/.gemini/settings.json — mcpServers.github.env']]);
    expect(screen.getByTestId('restore-without-credentials').textContent).toContain('1 file will come back without its credentials');
  });
});

describe('Restore dialog, names this computer cannot hold side by side', () => {
  afterEach(() => {
    cleanup();
    removeMockApi();
  });

  it('says before the restore which files or folders get another name, and what', async () => {
    const renamedSample = [{ path: 'claude-code/projects/p/readme.md', dest: '/Users/bob/.claude/projects/p/readme (case conflict).md' }];
    installMockApi({ 'snapshots.restorePlan': () => ok({ ...plan, files: 2, writeFiles: 2, renamed: 1, renamedSample }) });
    useDevices.setState({ ...initialDevicesState, devices: [device({ id: 'b0b0b0b0b0b0b0b0', name: 'Studio Mac', isThisDevice: true })] });
    render(<RestoreDialog snapshot={snapshot({ deviceId: 'b0b0b0b0b0b0b0b0', deviceName: 'Studio Mac' })} paths={['claude-code']} onClose={() => {}} />);
    const renamed = await screen.findByTestId('restore-renamed');
    expect(renamed.textContent).toMatch(/^1 file or folder will be restored under another name, so that nothing is written over another file: this computer’s file system can’t hold the snapshot’s name as it is/);
    expect([...renamed.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['claude-code/projects/p/readme.md → /Users/bob/.claude/projects/p/readme (case conflict).md']);
  });
});
