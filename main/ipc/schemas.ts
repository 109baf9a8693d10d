// The zod schemas main validates every IPC request with, before any handler runs (router.ts).
// The contract itself (channel names, request and response types) is shared/ipc/contract.ts,
// free of zod so the preload bundle stays small; the check at the end of this file fails to
// compile when a schema accepts or produces anything but the contract's type for its channel.

import { z } from 'zod';
import type { Channel, ParsedRequestOf, RequestOf } from '../../shared/ipc/contract.ts';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../../shared/limits.ts';

const snapshotId = z.string().regex(/^[0-9a-f]{8,64}$/, 'a snapshot id');
const deviceId = z.string().regex(/^[0-9a-f]{16}$/, 'a device id');
const relPath = z.string().max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');
const absPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');

export const vaultLocationSchema = z.object({
  provider: z.enum(['r2', 's3', 'b2', 'other', 'local']),
  bucket: z.string().min(3).max(63).optional(),
  prefix: z.string().max(512).default('cairn'),
  endpoint: z.string().url().optional(),
  region: z.string().max(64).optional(),
  forcePathStyle: z.boolean().optional(),
  path: absPath.optional(),
});

export const credentialsSchema = z.object({
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(256),
});

const unlockSecretSchema = z.union([
  z.object({ passphrase: z.string().min(1).max(MAX_PASSPHRASE_LENGTH) }),
  z.object({ recoveryKey: z.string().min(1).max(256) }),
]);

const retentionSchema = z.object({
  keepLast: z.number().int().min(1).max(10_000),
  keepHourly: z.number().int().min(0).max(10_000),
  keepDaily: z.number().int().min(0).max(10_000),
  keepWeekly: z.number().int().min(0).max(10_000),
  keepMonthly: z.number().int().min(0).max(10_000),
});

/** Every setting, validated (config-store.ts adds the defaults; settings.set takes any of them). */
export const settingsSchema = z.object({
  intervalMinutes: z.number().int().min(5).max(24 * 60),
  syncOnAgentQuiet: z.boolean(),
  quietSeconds: z.number().int().min(5).max(3600),
  launchAtLogin: z.boolean(),
  notifications: z.boolean(),
  retention: retentionSchema,
  enabledAgents: z.array(z.string().max(64)).max(64),
  pathMappings: z.array(z.object({ from: absPath, to: absPath })).max(64),
  theme: z.enum(['system', 'light', 'dark']),
  verifyData: z.boolean(),
});
export const settingsPatchSchema = settingsSchema.partial();

export const restoreTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('original') }),
  z.object({ kind: z.literal('folder'), path: absPath }),
]);

const empty = z.object({}).strict();

/** Where an unfinished set-up stands (kept by main, so that a reload or a closed window resumes it). */
export const setupProgressSchema = z
  .object({
    step: z.enum(['vault', 'agents', 'schedule', 'finish']),
    joinStage: z.enum(['fingerprint', 'device', 'restore']).optional(),
    replacedDeviceId: deviceId.optional(),
    restoreJobId: z.string().max(64).optional(),
    firstJobId: z.string().max(64).optional(),
  })
  .strict();

/** A folder the user typed or picked: absolute, or starting with `~` (this computer's home). */
const userFolder = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'no NUL in paths');

const sessionRef = { agent: z.string().min(1).max(64), id: z.string().min(1).max(512) };
const isoDate = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'a date');
const sessionFilter = z
  .object({ agent: z.string().max(64).optional(), deviceId: deviceId.optional(), project: absPath.optional(), since: isoDate.optional(), until: isoDate.optional() })
  .strict();

/**
 * Request schemas, one per channel. `wizard: true` on createVault/joinVault: the set-up wizard runs
 * it, so main keeps its progress (and an unconfirmed recovery key) until `setup.finish`.
 */
export const requestSchemas = {
  'status.get': empty,
  'sync.now': empty,
  'sync.pause': z.object({ minutes: z.number().int().min(1).max(7 * 24 * 60) }).strict(),
  'sync.resume': empty,
  'jobs.list': empty,
  'jobs.cancel': z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a job id') }).strict(),
  'devices.list': empty,
  'devices.renameThis': z.object({ name: z.string().trim().min(1).max(64) }).strict(),
  'devices.adopt': z.object({ deviceId }).strict(),
  'snapshots.list': z.object({ deviceId: deviceId.optional() }).strict(),
  'snapshots.tree': z.object({ snapshotId, path: relPath }).strict(),
  'snapshots.readFile': z.object({ snapshotId, path: relPath, maxBytes: z.number().int().min(1).max(16 * 1024 * 1024) }).strict(),
  'snapshots.diff': z.object({ snapshotId, againstId: snapshotId.optional() }).strict(),
  'snapshots.restore': z.object({ snapshotId, paths: z.array(relPath).max(10_000), target: restoreTargetSchema, overwrite: z.boolean() }).strict(),
  'snapshots.restorePlan': z.object({ snapshotId, paths: z.array(relPath).max(10_000), target: restoreTargetSchema, overwrite: z.boolean() }).strict(),
  'snapshots.pin': z.object({ snapshotId, pinned: z.boolean() }).strict(),
  'snapshots.session': z.object({ snapshotId, path: relPath }).strict(),
  'snapshots.sessionPage': z.object({ snapshotId, path: relPath, cursor: z.string().max(65_536).optional(), limit: z.number().int().min(1).max(500) }).strict(),
  'snapshots.sessionScan': z.object({ snapshotId, path: relPath, pageSize: z.number().int().min(1).max(500), find: z.string().min(1).max(1000).optional() }).strict(),
  'snapshots.titles': z.object({ snapshotId, path: relPath }).strict(),
  'conflicts.list': empty,
  'conflicts.get': z.object({ id: z.string().min(1).max(128), maxBytes: z.number().int().min(1).max(4 * 1024 * 1024) }).strict(),
  'conflicts.resolve': z.object({ id: z.string().min(1).max(128), keep: z.enum(['mine', 'theirs', 'both']) }).strict(),
  'key.fingerprint': empty,
  'key.changePassphrase': z.object({ current: z.string().min(1).max(MAX_PASSPHRASE_LENGTH), next: z.string().min(MIN_PASSPHRASE_LENGTH).max(MAX_PASSPHRASE_LENGTH) }).strict(),
  'key.rotateRecovery': z.object({ passphrase: z.string().min(1).max(MAX_PASSPHRASE_LENGTH) }).strict(),
  'key.recoveryRotation': empty,
  'key.confirmRecovery': empty,
  'key.cancelRecovery': empty,
  'settings.get': empty,
  'settings.set': settingsPatchSchema.strict(),
  'agents.list': empty,
  'agents.paths': empty,
  'agents.updatePaths': z.object({ add: z.array(userFolder).max(100).optional(), remove: z.array(userFolder).max(100).optional() }).strict(),
  'setup.testConnection': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional() }).strict(),
  'setup.createVault': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional(), passphrase: z.string().min(MIN_PASSPHRASE_LENGTH).max(MAX_PASSPHRASE_LENGTH), deviceName: z.string().trim().min(1).max(64).optional(), wizard: z.boolean().optional() }).strict(),
  'setup.joinVault': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional(), secret: unlockSecretSchema, deviceName: z.string().trim().min(1).max(64).optional(), wizard: z.boolean().optional() }).strict(),
  'setup.unlock': z.object({ secret: unlockSecretSchema }).strict(),
  'setup.createBucket': z.object({ location: vaultLocationSchema, credentials: credentialsSchema.optional() }).strict(),
  'setup.progress': empty,
  'setup.saveProgress': setupProgressSchema,
  'setup.confirmRecoveryKey': empty,
  'setup.finish': empty,
  'setup.location': empty,
  'vault.stats': empty,
  'vault.check': z.object({ readData: z.boolean() }).strict(),
  'vault.checkReport': z.object({ jobId: z.string().regex(/^[0-9a-f]{16}$/, 'a job id') }).strict(),
  'vault.prune': empty,
  'vault.repair': z.object({ checkJobId: z.string().regex(/^[0-9a-f]{16}$/, 'a job id').optional() }).strict(),
  'vault.prunePreview': empty,
  'app.openExternal': z.object({ url: z.string().url().max(2048) }).strict(),
  'app.chooseFolder': z.object({ title: z.string().max(200).optional() }).strict(),
  'sessions.list': z.object({ filter: sessionFilter.default({}), refresh: z.boolean().default(false) }).strict(),
  'sessions.search': z.object({ text: z.string().min(1).max(1000), filter: sessionFilter.default({}), limit: z.number().int().min(1).max(500).default(100) }).strict(),
  'sessions.page': z.object({ ...sessionRef, cursor: z.string().max(65_536).optional(), limit: z.number().int().min(1).max(500) }).strict(),
  'sessions.scan': z.object({ ...sessionRef, pageSize: z.number().int().min(1).max(500) }).strict(),
  'sessions.continue': z.object({ ...sessionRef, replace: z.boolean().optional() }).strict(),
  'sessions.export': z.object({ ...sessionRef, folder: absPath }).strict(),
} as const satisfies Record<Channel, z.ZodType>;


/** Both ways assignable: the same type for every use the router and the handlers make of it. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schema<C extends Channel> = (typeof requestSchemas)[C];
/** The channels whose schema disagrees with the contract (never, when all agree). */
export type MismatchedChannels = {
  [C in Channel]: Same<z.input<Schema<C>>, RequestOf<C>> extends true ? (Same<z.output<Schema<C>>, ParsedRequestOf<C>> extends true ? never : C) : C;
}[Channel];
const _schemasMatchContract: [MismatchedChannels] extends [never] ? true : { mismatched: MismatchedChannels } = true;
void _schemasMatchContract;
