// A real S3 server for tests and benchmarks: OpenStack Swift with its s3api middleware, from
// Debian's packages, run as four single-process servers plus a private memcached on 127.0.0.1.
// Everything (config, rings, data, logs) lives in a fresh temporary folder; no setting comes from
// /etc/swift (see swift-launcher.py for how). Each test file starts its own server in beforeAll and
// stops it in afterAll; starting takes about two seconds.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface S3ServerOptions {
  /**
   * Parent of the server's temporary folder; its filesystem needs user xattrs. Default:
   * CAIRN_S3_SERVER_DIR, else /dev/shm when it has xattrs and 2 GiB free (Swift fsyncs every
   * object and container update; on tmpfs its object server needed half the CPU time for small
   * puts), else the OS temp folder.
   */
  baseDir?: string;
  /** How long to wait for all servers to answer their health checks. Default 30 s. */
  startTimeoutMs?: number;
  /** Buckets to create once the server is up. */
  buckets?: readonly string[];
}

export interface S3ServerPids {
  proxy: number;
  account: number;
  container: number;
  object: number;
  memcached: number;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`; use path-style addressing. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * A second user of the same account without Swift's .admin group: it may not create buckets
   * (CreateBucket answers 403 AccessDenied), like a key limited to one bucket at a real provider.
   */
  limitedUser: { accessKeyId: string; secretAccessKey: string };
  /** The temporary folder holding config, data and logs (removed by stop()). */
  dir: string;
  pids: S3ServerPids;
  createBucket(name: string): Promise<void>;
  /** The last lines of every server's log, for failure messages. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

const SERVER_KINDS = ['account', 'container', 'object', 'proxy'] as const;
type ServerKind = (typeof SERVER_KINDS)[number];
type ProcessName = ServerKind | 'memcached';

const PYTHON = '/usr/bin/python3';
const MEMCACHED = '/usr/bin/memcached';
const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'swift-launcher.py');
const DIR_PREFIX = 'cairn-s3-';

// tempauth account `test`, user `tester`: s3api takes `account:user` as the access key id.
const ACCESS_KEY_ID = 'test:tester';
const SECRET_ACCESS_KEY = 'testing';
const LIMITED_ACCESS_KEY_ID = 'test:limited';
const LIMITED_SECRET_ACCESS_KEY = 'limited-testing';
const REGION = 'us-east-1';

const REQUIRED_FILES: ReadonlyArray<readonly [string, string]> = [
  [PYTHON, 'python3'],
  ['/usr/bin/swift-proxy-server', 'swift-proxy'],
  ['/usr/bin/swift-account-server', 'swift-account'],
  ['/usr/bin/swift-container-server', 'swift-container'],
  ['/usr/bin/swift-object-server', 'swift-object'],
  ['/usr/lib/python3/dist-packages/swift/common/middleware/s3api/s3api.py', 'swift'],
  [MEMCACHED, 'memcached'],
];

/** Servers not yet stopped, killed synchronously if the process exits without stopping them. */
const running = new Set<{ children: ChildProcess[]; dir: string }>();
let exitHookInstalled = false;

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  assertSwiftInstalled();
  const baseDir = options.baseDir ?? process.env.CAIRN_S3_SERVER_DIR ?? defaultBaseDir();
  const xattrs = checkXattrs(baseDir);
  if (xattrs !== undefined) {
    throw new Error(`The test S3 server can't keep its data in ${baseDir}: ${xattrs}. Swift needs user extended attributes; pass a baseDir on ext4, xfs or tmpfs.`);
  }
  removeStaleDirs(baseDir);
  installExitHook();
  // A port found free can be taken by someone else before our server binds it; pick new ones then.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(baseDir, options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !/Could not bind|Address already in use|failed to listen/i.test(error.message)) throw error;
    }
  }
}

async function startOnce(baseDir: string, options: S3ServerOptions): Promise<S3Server> {
  const dir = await mkdtemp(join(baseDir, `${DIR_PREFIX}${process.pid}-`));
  const entry = { children: [] as ChildProcess[], dir };
  running.add(entry);
  try {
    const ports = await freePorts(['proxy', 'account', 'container', 'object', 'memcached'] as const);
    await writeConfig(dir, ports, ports.memcached);

    const children = new Map<ProcessName, ChildProcess>();
    children.set('memcached', launch(dir, 'memcached', ['exec', MEMCACHED, ...memcachedArgs(ports.memcached)]));
    for (const kind of SERVER_KINDS) {
      const ringArgs = kind === 'proxy' ? [`account=${ports.account}`, `container=${ports.container}`, `object=${ports.object}`] : [];
      children.set(kind, launch(dir, kind, ['server', dir, kind, join(dir, `${kind}-server.conf`), ...ringArgs]));
    }
    entry.children = [...children.values()];

    const endpoint = `http://127.0.0.1:${ports.proxy}`;
    const logTails = (lines = 20): string => tailLogs(dir, lines);
    await waitUntilHealthy(ports, children, options.startTimeoutMs ?? 90_000, logTails);

    const server: S3Server = {
      endpoint,
      region: REGION,
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      limitedUser: { accessKeyId: LIMITED_ACCESS_KEY_ID, secretAccessKey: LIMITED_SECRET_ACCESS_KEY },
      dir,
      pids: pidsOf(children),
      createBucket: (name) => createBucket(endpoint, name, logTails),
      logTails,
      stop: () => stopServer(entry),
    };
    for (const bucket of options.buckets ?? []) await server.createBucket(bucket);
    return server;
  } catch (error) {
    await stopServer(entry);
    throw error;
  }
}

function assertSwiftInstalled(): void {
  const missing = REQUIRED_FILES.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    throw new Error(
      `The test S3 server needs OpenStack Swift and memcached, which are not installed (missing: ${missing.join(', ')}). ` +
        'Install them with: apt-get install -y swift swift-proxy swift-account swift-container swift-object memcached',
    );
  }
}

function defaultBaseDir(): string {
  const shm = '/dev/shm';
  try {
    const { bavail, bsize } = statfsSync(shm);
    if (bavail * bsize >= 2 * 1024 ** 3 && checkXattrs(shm) === undefined) return shm;
  } catch {
    // no /dev/shm: not Linux, or a minimal container
  }
  return tmpdir();
}

/** undefined when files in `folder` take user xattrs, else why not. */
function checkXattrs(folder: string): string | undefined {
  const result = spawnSync(PYTHON, [LAUNCHER, 'xattr-check', folder], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  if (result.status === 0) return undefined;
  return result.stderr.trim() || result.error?.message || `exit status ${result.status}`;
}

function memcachedArgs(port: number): string[] {
  // memcached refuses to run as root unless told which user to run as.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', ...asRoot];
}

function launch(dir: string, name: ProcessName, args: string[]): ChildProcess {
  const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
  try {
    const child = spawn(PYTHON, [LAUNCHER, ...args], {
      cwd: dir,
      stdio: ['ignore', log, log],
      // A minimal environment: a pyenv or virtualenv of the caller must not leak into Debian's Python.
      // Without green DNS eventlet skips importing dnspython: each server starts ~0.5 s sooner, and
      // everything here is a literal 127.0.0.1 address anyway.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: dir, EVENTLET_NO_GREENDNS: 'yes', CAIRN_PARENT_PID: String(process.pid) },
    });
    child.on('error', () => undefined); // reported through exitCode and the health check
    return child;
  } finally {
    closeSync(log);
  }
}

async function waitUntilHealthy(
  ports: Record<ServerKind, number>,
  children: Map<ProcessName, ChildProcess>,
  timeoutMs: number,
  logTails: (lines?: number) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set<ServerKind>(SERVER_KINDS);
  while (pending.size > 0) {
    for (const [name, child] of children) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`The test S3 server's ${name} process exited (${child.exitCode ?? child.signalCode}) while starting.\n${logTails()}`);
      }
    }
    await Promise.all(
      [...pending].map(async (kind) => {
        if (await isHealthy(ports[kind])) pending.delete(kind);
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`The test S3 server did not become ready within ${timeoutMs} ms (waiting for: ${[...pending].join(', ')}).\n${logTails()}`);
    }
    await sleep(50);
  }
}

async function isHealthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthcheck`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function createBucket(endpoint: string, name: string, logTails: (lines?: number) => string): Promise<void> {
  // Through Swift's own API (a container is a bucket): no S3 signing needed in the test harness.
  const auth = await fetch(`${endpoint}/auth/v1.0`, { headers: { 'X-Auth-User': ACCESS_KEY_ID, 'X-Auth-Key': SECRET_ACCESS_KEY } });
  await auth.arrayBuffer();
  const token = auth.headers.get('x-auth-token');
  const storageUrl = auth.headers.get('x-storage-url');
  if (!auth.ok || token === null || storageUrl === null) {
    throw new Error(`The test S3 server refused to authenticate (HTTP ${auth.status}).\n${logTails()}`);
  }
  const response = await fetch(`${storageUrl}/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
  await response.arrayBuffer();
  if (response.status !== 201 && response.status !== 202) {
    throw new Error(`The test S3 server could not create bucket '${name}' (HTTP ${response.status}).\n${logTails()}`);
  }
}

async function stopServer(entry: { children: ChildProcess[]; dir: string }): Promise<void> {
  if (!running.delete(entry)) return;
  await Promise.all(entry.children.map((child) => terminate(child)));
  await rm(entry.dir, { recursive: true, force: true });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const entry of running) {
      for (const child of entry.children) child.kill('SIGKILL');
      rmSync(entry.dir, { recursive: true, force: true });
    }
    running.clear();
  });
}

/** Removes folders left by test processes that were killed before they could clean up. */
function removeStaleDirs(baseDir: string): void {
  let names: string[];
  try {
    names = readdirSync(baseDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^cairn-s3-(\d+)-/.exec(name);
    if (match?.[1] === undefined) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isAlive(pid)) rmSync(join(baseDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidsOf(children: Map<ProcessName, ChildProcess>): S3ServerPids {
  const pid = (name: ProcessName): number => children.get(name)?.pid ?? -1;
  return { proxy: pid('proxy'), account: pid('account'), container: pid('container'), object: pid('object'), memcached: pid('memcached') };
}

function tailLogs(dir: string, lines: number): string {
  const names: ProcessName[] = ['proxy', 'account', 'container', 'object', 'memcached'];
  return names
    .map((name) => {
      let text: string;
      try {
        text = readFileSync(join(dir, 'logs', `${name}.log`), 'utf8');
      } catch {
        text = '(no log)';
      }
      // Swift escapes newlines inside a record as `#012`, syslog-style.
      const tail = text.trimEnd().replaceAll('#012', '\n').split('\n').slice(-lines).join('\n');
      return `--- ${name} log (last ${lines} lines) ---\n${tail}`;
    })
    .join('\n');
}

/** A port per name that the OS considers free right now, all distinct (held open together, then released). */
async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const servers: Server[] = [];
  try {
    const ports = {} as Record<Name, number>;
    for (const name of names) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports[name] = (server.address() as AddressInfo).port;
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeConfig(dir: string, ports: Record<ServerKind, number>, memcachedPort: number): Promise<void> {
  const devices = join(dir, 'data');
  await mkdir(join(devices, 'd1'), { recursive: true });
  await mkdir(join(dir, 'logs'));
  const common = (kind: ServerKind): string =>
    [
      '[DEFAULT]',
      'bind_ip = 127.0.0.1',
      `bind_port = ${ports[kind]}`,
      'workers = 0', // one process per server: with workers Swift would also drop privileges to user 'swift'
      `swift_dir = ${dir}`,
      `devices = ${devices}`,
      'mount_check = false',
      'bind_timeout = 2', // Swift retries a taken port for 30 s by default; we'd rather pick another
      `log_name = ${kind}-server`,
      // Keep test servers out of the machine's syslog: stderr (the log file) is enough, so send
      // syslog records to the discard port rather than /dev/log or 127.0.0.1:514.
      'log_udp_host = 127.0.0.1',
      'log_udp_port = 9',
      '',
      '[filter:healthcheck]',
      'use = egg:swift#healthcheck',
      '',
    ].join('\n');

  const files: Record<string, string> = {
    'swift.conf': [
      '[swift-hash]',
      'swift_hash_path_suffix = cairn-test-suffix',
      'swift_hash_path_prefix = cairn-test-prefix',
      '',
      '[storage-policy:0]',
      'name = Policy-0',
      'default = yes',
      '',
      '[swift-constraints]',
      '',
    ].join('\n'),
    'account-server.conf': `${common('account')}
[pipeline:main]
pipeline = healthcheck account-server

[app:account-server]
use = egg:swift#account
`,
    'container-server.conf': `${common('container')}
[pipeline:main]
pipeline = healthcheck container-server

[app:container-server]
use = egg:swift#container
`,
    'object-server.conf': `${common('object')}
[pipeline:main]
pipeline = healthcheck object-server

[app:object-server]
use = egg:swift#object
# Update the container listing synchronously, so that a list right after a put sees the object.
container_update_timeout = 10
`,
    'proxy-server.conf': `${common('proxy')}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${SECRET_ACCESS_KEY} .admin
user_test_limited = ${LIMITED_SECRET_ACCESS_KEY}

[filter:s3api]
use = egg:swift#s3api
location = ${REGION}

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachedPort}

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes

[filter:symlink]
use = egg:swift#symlink
`,
  };
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
}
