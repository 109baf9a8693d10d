// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, installMockApi, ok, removeMockApi } from '../test-support/mock-api.ts';
import { device } from '../test-support/samples.ts';
import { initialDevicesState, useDevices } from './devices.ts';

describe('devices store', () => {
  beforeEach(() => useDevices.setState(initialDevicesState));
  afterEach(removeMockApi);

  it('loads devices and renames this one in place', async () => {
    const mock = installMockApi({ 'devices.list': () => ok([device(), device({ id: 'fedcba9876543210', name: 'Mac', isThisDevice: false })]), 'devices.renameThis': ({ name }) => ok(device({ name })) });
    await useDevices.getState().load();
    expect(await useDevices.getState().renameThis('Work laptop')).toBe(true);
    expect(mock.callsTo('devices.renameThis')).toEqual([{ name: 'Work laptop' }]);
    expect(useDevices.getState().devices?.map((d) => d.name)).toEqual(['Work laptop', 'Mac']);
  });

  it('keeps the rename error and the old name when the rename fails', async () => {
    installMockApi({ 'devices.list': () => ok([device()]), 'devices.renameThis': () => fail('storage') });
    await useDevices.getState().load();
    expect(await useDevices.getState().renameThis('New')).toBe(false);
    expect(useDevices.getState().renameError?.code).toBe('storage');
    expect(useDevices.getState().devices?.[0]?.name).toBe('Laptop');
  });

  it('records a load failure', async () => {
    installMockApi({ 'devices.list': () => fail('unreachable') });
    await useDevices.getState().load();
    expect(useDevices.getState().error?.code).toBe('unreachable');
  });
});
