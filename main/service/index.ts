// The application service (plain Node): engine + configuration + keychain + jobs behind the
// IPC contract's handlers. The Electron app and the e2e host both serve exactly this.
export { createCairnService } from './cairn-service.ts';
export type { CairnService, CairnServiceOptions, Clock, PlatformHooks } from './types.ts';
export { ConfigStore, DEFAULT_SETTINGS, vaultKey } from './config-store.ts';
export { JobQueue } from './jobs.ts';
