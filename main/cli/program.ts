// The `cairn` command line: argument parsing (commander), dispatch, and the mapping of errors
// to messages and exit statuses.

import { resolve } from 'node:path';
import { Command } from 'commander';
import { CairnError, ConfigError, toErrorRecord } from '../../shared/errors.ts';
import type { ErrorRecord } from '../../shared/errors.ts';
import { defaultStateDir } from '../engine/paths.ts';
import { releaseHeldLocks } from '../engine/vault/index.ts';
import { removeLiveTempFiles } from '../engine/temp-files.ts';
import { describeSystemError } from './local-paths.ts';
import { EXIT, printError, ReportedError } from './output.ts';

// Each command's implementation loads when the command runs: `cairn --help` or a `cairn sessions`
// shouldn't compile the engine, the session readers and the AWS SDK it doesn't use (the bundle
// keeps these imports as chunks of their own).
const repoCommands = () => import('./commands/repo-commands.ts');
const agentCommands = () => import('./commands/agents-command.ts');
const sessionCommands = () => import('./commands/session-commands.ts');
const syncCommands = () => import('./commands/sync-commands.ts');
const recoveryCommands = () => import('./commands/recovery-commands.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withCommon(cmd: Command): Command {
  return cmd
    .option('--repo <repo>', "vault location: s3://BUCKET/PREFIX or a folder (default: CAIRN_REPO, else the app's vault, else Cairn's default local vault)")
    .option('--endpoint <url>', 'S3 endpoint URL (R2, B2, MinIO, …); AWS S3 when omitted')
    .option('--region <region>', 'S3 region (default from AWS_REGION, else us-east-1)')
    .option('--path-style', 'use path-style S3 addressing (MinIO and most self-hosted servers)')
    .option('--state-dir <dir>', "Cairn's local state folder (default: CAIRN_STATE_DIR, else the OS's place for settings)")
    .option('--device-name <name>', 'name of this device in the vault (default: hostname)')
    .option('--json', 'print machine-readable JSON');
}

/** A command's exit status when it finished without an error (a backup with warnings: EXIT_WARNINGS). */
export interface CommandOutcome {
  status: number;
}

export function buildProgram(outcome: CommandOutcome = { status: EXIT.ok }): Command {
  const program = new Command('cairn')
    .description('Encrypted, deduplicated backup and sync of AI coding agents’ local state.\nSecrets: CAIRN_PASSPHRASE (or a prompt), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an AWS profile.')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  withCommon(program.command('init').description('create a new vault')).action(async (opts) => (await repoCommands()).initCommand(opts));

  withCommon(program.command('backup').description('back up folders, or every detected agent when no PATH is given'))
    .argument('[paths...]', 'folders or files to back up')
    .option('--exclude <glob>', 'skip files and folders matching GLOB (repeatable)', collect)
    .option('--agent <id>', 'with no PATH: back up only this agent (repeatable)', collect)
    .option('--force', 'write a snapshot even when nothing changed')
    .option('--lock-wait <seconds>', "how long to wait for another backup of this device to finish, or for another device's prune before keeping the snapshot on this device (default 120)")
    .action(async (paths: string[], opts) => {
      outcome.status = await (await repoCommands()).backupCommand(paths, opts);
    });

  withCommon(program.command('snapshots').description('list snapshots'))
    .option('--device <name|id>', 'only this device’s snapshots')
    .action(async (opts) => (await repoCommands()).snapshotsCommand(opts));

  withCommon(program.command('ls').description('list the contents of a snapshot'))
    .argument('[path]', 'folder or file in the snapshot')
    .option('--snapshot <id|latest>', 'snapshot id (or prefix), or latest', 'latest')
    .option('--device <name|id>', 'with latest: that device’s newest snapshot')
    .option('-r, --recursive', 'list everything below PATH')
    .action(async (path: string | undefined, opts) => (await repoCommands()).lsCommand(path, opts));

  withCommon(program.command('restore').description('restore a snapshot, or part of it, into a folder, or everything to its place (--original)'))
    .requiredOption('--snapshot <id|latest>', 'snapshot id (or prefix), or latest')
    .option('--target <dir>', 'folder to restore into')
    .option('--original', 'restore every backed-up folder to its place on this machine (a safety snapshot keeps what it replaces)')
    .option('--path <rel>', 'restore only this file or folder (repeatable)', collect)
    .option('--device <name|id>', 'with latest: that device’s newest snapshot')
    .option('--overwrite', 'replace files that already exist in the target')
    .option('--map <theirs=mine>', 'with --original, path mapping for another device’s snapshot, e.g. /home/alice=/Users/alice (repeatable)', collect)
    .action(async (opts) => {
      if (opts.original && opts.target) throw new ConfigError('Give --target DIR or --original, not both.');
      if (opts.map?.length && !opts.original) throw new ConfigError('--map goes with --original: a restore into a folder keeps the snapshot\'s paths.');
      if (opts.original) {
        if (opts.path?.length) throw new ConfigError('--original restores everything; to restore part of a snapshot, use --target DIR with --path.');
        return (await recoveryCommands()).restoreOriginalCommand(opts);
      }
      if (!opts.target) throw new ConfigError('Say where to restore: --target DIR (a folder), or --original (every folder to its place).');
      return (await repoCommands()).restoreCommand(opts);
    });

  withCommon(program.command('check').description('verify the vault’s structure, and with --read-data every byte'))
    .option('--read-data', 'download, decrypt and verify all data')
    .option('--read-data-subset <N/M|next>', "download, decrypt and verify part N of M of the packs; 'next': the part after the last one read here, of 30 (run daily: the whole vault each month)")
    .option('--repair', 'take packs missing from storage out of the index, so the next backups store their data again')
    .action(async (opts) => (await repoCommands()).checkCommand(opts));

  withCommon(program.command('key').description('key fingerprint | passwd | recovery'))
    .argument('<action>', 'fingerprint, passwd (change the passphrase) or recovery (new recovery key; the old one works until the new one is confirmed)')
    .option('--confirm', 'recovery: the new key (CAIRN_NEW_RECOVERY_KEY, or asked) is saved; remove the previous one')
    .option('--cancel', 'recovery: remove the unconfirmed new key (CAIRN_NEW_RECOVERY_KEY, or asked); the previous one stays')
    .action(async (action: string, opts) => (await repoCommands()).keyCommand(action, opts));

  withCommon(program.command('sync').description('back up, then bring other devices’ sessions here'))
    .option('--map <theirs=mine>', 'path mapping, e.g. /home/alice=/Users/alice (repeatable)', collect)
    .option('--agent <id>', 'only this agent (repeatable)', collect)
    .option('--lock-wait <seconds>', "how long to wait for another backup of this device to finish, or for another device's prune before keeping the snapshot on this device (default 120)")
    .action(async (opts) => {
      outcome.status = await (await syncCommands()).syncCommand(opts);
    });

  const devices = withCommon(program.command('devices').description('list the devices of the vault; adopt one (this machine replaces it)')).action(async (opts) => (await syncCommands()).devicesCommand(opts));
  withCommon(devices.command('adopt').description("this machine takes over DEVICE's identity and history (it replaces that machine; docs/RECOVERY.md)"))
    .argument('<device>', 'device id, id prefix or name, from `cairn devices`')
    // `devices` has the same options: whichever command commander gives them to, take both.
    .action(async (device: string, _opts, cmd: Command) => (await recoveryCommands()).adoptCommand(device, cmd.optsWithGlobals()));

  withCommon(program.command('conflicts').description('list sync conflicts'))
    .option('--all', 'include resolved ones')
    .action(async (opts) => (await syncCommands()).conflictsCommand(opts));

  withCommon(program.command('resolve').description('resolve a sync conflict'))
    .argument('<id>', 'conflict id from `cairn conflicts`')
    .requiredOption('--keep <mine|theirs|both>', 'which version to keep')
    .action(async (id: string, opts) => (await syncCommands()).resolveCommand(id, opts));

  withCommon(program.command('forget').argument('[snapshot...]', 'forget these snapshots (ids or their first characters) instead of applying a policy').description('remove snapshots the retention policy does not keep, or the snapshots named'))
    .option('--keep-last <n>', 'newest snapshots to keep per device')
    .option('--keep-hourly <n>', 'hours to keep one snapshot for')
    .option('--keep-daily <n>', 'days to keep one snapshot for')
    .option('--keep-weekly <n>', 'weeks to keep one snapshot for')
    .option('--keep-monthly <n>', 'months to keep one snapshot for')
    .option('--dry-run', 'only show what would be removed')
    .action(async (snapshots: string[], opts) => (await syncCommands()).forgetCommand(snapshots, opts));

  withCommon(program.command('prune').description('delete data no snapshot uses'))
    .option('--dry-run', 'only show what would be freed')
    .action(async (opts) => (await syncCommands()).pruneCommand(opts));

  withCommon(program.command('unlock').description('remove locks left by killed or crashed processes (live locks are kept)')).action(async (opts) => (await syncCommands()).unlockCommand(opts));

  withCommon(program.command('pin').description('keep a snapshot whatever the retention policy says'))
    .argument('<snapshot>', 'snapshot id or prefix')
    .action(async (id: string, opts) => (await syncCommands()).pinCommand(id, true, opts));

  withCommon(program.command('unpin').description('let the retention policy decide about a snapshot again'))
    .argument('<snapshot>', 'snapshot id or prefix')
    .action(async (id: string, opts) => (await syncCommands()).pinCommand(id, false, opts));

  withCommon(program.command('sessions').description('list every agent’s sessions on every device, or find them by their text'))
    .option('--agent <id>', 'only this agent’s sessions')
    .option('--device <name|id>', 'only sessions this device holds')
    .option('--project <dir>', 'only sessions of this project folder (or below it)')
    .option('--since <date>', 'only sessions updated since this date')
    .option('--until <date>', 'only sessions updated until this date')
    .option('--search <text>', 'sessions whose text has these words, "phrases" and prefix* (3 letters or more)')
    .option('--limit <n>', 'at most this many')
    .action(async (opts) => (await sessionCommands()).sessionsCommand(opts));

  withCommon(program.command('show').description('print a session as a conversation'))
    .argument('<session>', 'session id or its first characters (from `cairn sessions`)')
    .option('--agent <id>', 'the session’s agent, when ids clash')
    .option('--markdown', 'the whole session as Markdown (for export)')
    .action(async (id: string, opts) => (await sessionCommands()).showCommand(id, opts));

  withCommon(program.command('continue').description('put a session’s files where this machine’s agent finds them; print its resume command'))
    .argument('<session>', 'session id or its first characters (from `cairn sessions`)')
    .option('--agent <id>', 'the session’s agent, when ids clash')
    .option('--map <theirs=mine>', 'path mapping, e.g. /home/alice=/Users/alice (repeatable)', collect)
    .option('--replace', "replace this machine's copy when it has changes of its own (kept in a safety snapshot)")
    .action(async (id: string, opts) => (await sessionCommands()).continueCommand(id, opts));

  program
    .command('agents')
    .description('list the coding agents found on this machine')
    .option('--add-path <dir...>', 'also look for Aider repositories in these folders (saved)')
    .option('--remove-path <dir...>', 'never look in these folders, nor below them (saved)')
    .option('--state-dir <dir>', "Cairn's local state folder (default: CAIRN_STATE_DIR, else the OS's place for settings)")
    .option('--json', 'print machine-readable JSON')
    .action(async (opts) => (await agentCommands()).agentsCommand(opts));

  return program;
}

/** An error as the CLI says it: a file-system error with its path, else the error's own record. */
function recordOf(error: unknown, argv: readonly string[] = []): ErrorRecord {
  // SQLite's errors name no file: the state folder says where (a full disk, a failing one).
  const code = (error as { code?: unknown } | undefined)?.code;
  const sqlite = code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'));
  return (error instanceof CairnError ? undefined : describeSystemError(error)) ?? toErrorRecord(error, sqlite ? { stateDir: stateDirOf(argv) } : {});
}

/** The state folder the command line names (`--state-dir D` or `--state-dir=D`), else the default one; undefined when that is not valid. */
function stateDirOf(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--state-dir');
  const given = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--state-dir='))?.slice('--state-dir='.length);
  try {
    return given ? resolve(given) : defaultStateDir();
  } catch {
    return undefined; // a relative CAIRN_STATE_DIR: said by the command already
  }
}

/**
 * What the CLI does with a promise that failed with no one waiting for it (a bug: a command's own
 * failures reach main's catch). Node's default ended the run with a stack trace, before the
 * command's own error was said (a cleanup's write failing on a full disk did). It is said as any
 * error is, and the run ends as it would have, with that error's status unless it fails itself.
 */
export function unhandledFailure(error: unknown, argv: readonly string[] = process.argv.slice(2)): number {
  const record = recordOf(error, argv);
  printError(record, false);
  if (process.env.CAIRN_DEBUG) process.stderr.write(`${(error as Error | undefined)?.stack ?? String(error)}\n`);
  return EXIT[record.code] ?? 1;
}

/**
 * Ctrl-C (or a kill) mid-command: the vault's locks this process holds are removed before it
 * ends as the signal would — left behind, one held other devices' prunes off for 15 minutes.
 * What the command left half done is what a killed run leaves (swept or resumed by the next).
 */
export async function interrupted(signal: NodeJS.Signals): Promise<never> {
  // A pull's half-written files beside the agents' own go first (synchronous, nothing to wait for).
  removeLiveTempFiles();
  const released = await releaseHeldLocks();
  process.stderr.write(`\ncairn: interrupted (${signal})${released > 0 ? "; this run's lock on the vault is removed" : ''}. Run the command again to finish what it started.\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

export async function main(argv: readonly string[]): Promise<number> {
  const outcome: CommandOutcome = { status: EXIT.ok };
  const program = buildProgram(outcome);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.status;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : EXIT.config;
    }
    const record = recordOf(error, argv);
    printError(record, json, { reported: error instanceof ReportedError });
    if (process.env.CAIRN_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return EXIT[record.code] ?? 1;
  }
}
