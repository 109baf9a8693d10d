// A fault-injecting decorator for tests anywhere in the project (after kopia's): make the Nth
// put fail, make every put after N fail (a run killed midway), hand back corrupted or truncated
// objects, slow operations down. Deterministic: faults depend only on the order of calls.
//
//   const store = new FaultyBlobStore(new MemoryBlobStore());
//   store.failNth('put', 3);                  // the 3rd put from now throws a retryable error
//   store.failAfter('put', 10);               // puts 11, 12, ... throw (not retryable)
//   store.corruptGets('data/');               // gets under data/ return one flipped byte
//   store.truncateGets('index/', 100);        // objects under index/ look 100 bytes long
//   store.failRandomly('get', 0.25, 7);       // a quarter of gets fail (retryable), seeded

import { StorageError } from '../../../shared/errors.ts';
import type { BlobStore, ByteRange, CallOptions, ObjectInfo } from './blob-store.ts';
import { ForwardingBlobStore, throwIfAborted } from './forwarding-blob-store.ts';
import { rangeBeyondEnd } from './keys.ts';

export type FaultOperation = 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface FaultOptions {
  /** Only calls whose key (or list prefix) starts with this count and fail. Default ''. */
  keyPrefix?: string;
  /** Whether the injected StorageError is retryable. Default: true for failNth, false for failAfter. */
  retryable?: boolean;
  /** Throw this instead of the default StorageError. */
  error?: (op: FaultOperation, key: string) => Error;
  /** For put and delete: let the call reach the inner store, then fail, as when a response is lost after the server acted. */
  reachesStore?: boolean;
  /** For list: objects yielded before the failure. Default 0. */
  listAfter?: number;
}

export interface FaultyBlobStoreOptions {
  /** Used by delay(). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

interface FailRule {
  op: FaultOperation;
  /** 'nth': only the nth matching call fails; 'after': every matching call after the nth fails; 'random': a share of calls fail. */
  mode: 'nth' | 'after' | 'random';
  /** For 'random': the share of calls that fail and the seeded generator that picks them. */
  rate?: number;
  next?: () => number;
  n: number;
  seen: number;
  options: FaultOptions;
}

interface GetRule {
  keyPrefix: string;
  corruptAt?: number;
  truncateTo?: number;
}

export class FaultyBlobStore extends ForwardingBlobStore {
  /** Calls received per operation, faulty or not, since construction or clear(). */
  readonly calls: Record<FaultOperation, number> = { put: 0, get: 0, stat: 0, list: 0, delete: 0 };
  /** Every call as "op key" (list: its prefix), in order, since construction or clear(). */
  readonly log: string[] = [];
  /** Faults injected so far. */
  injected = 0;
  #failRules: FailRule[] = [];
  #getRules: GetRule[] = [];
  #delays: Partial<Record<FaultOperation, number>> = {};
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(inner: BlobStore, options: FaultyBlobStoreOptions = {}) {
    super(inner);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.wrapOptional('putIfAbsent', (next) => async (key, data, options) => {
      const fault = await this.#enter('put', key, options?.signal);
      if (fault?.options.reachesStore) await next(key, data, options);
      if (fault) throw fault.error;
      return next(key, data, options);
    });
  }

  /** The `n`th matching call of `op` from now (1 = the next one) fails; the others pass. */
  failNth(op: FaultOperation, n: number, options: FaultOptions = {}): this {
    this.#failRules.push({ op, mode: 'nth', n, seen: 0, options: { retryable: true, ...options } });
    return this;
  }

  /** After `n` more matching calls of `op` pass, every later one fails: a run killed midway. */
  failAfter(op: FaultOperation, n: number, options: FaultOptions = {}): this {
    this.#failRules.push({ op, mode: 'after', n, seen: 0, options: { retryable: false, ...options } });
    return this;
  }

  /** About `rate` of the matching calls of `op` fail (retryable by default), picked by a generator seeded with `seed`. */
  failRandomly(op: FaultOperation, rate: number, seed = 1, options: FaultOptions = {}): this {
    this.#failRules.push({ op, mode: 'random', n: 0, seen: 0, rate, next: seeded(seed), options: { retryable: true, ...options } });
    return this;
  }

  /** Gets of keys under `keyPrefix` return their bytes with byte `at` of the result flipped (default: the middle one). */
  corruptGets(keyPrefix = '', at?: number): this {
    this.#getRules.push(at === undefined ? { keyPrefix } : { keyPrefix, corruptAt: at });
    return this;
  }

  /** Objects under `keyPrefix` look cut to `size` bytes to get and stat. */
  truncateGets(keyPrefix: string, size: number): this {
    this.#getRules.push({ keyPrefix, truncateTo: size });
    return this;
  }

  /** Every call of `op` waits `ms` first. */
  delay(op: FaultOperation, ms: number): this {
    this.#delays[op] = ms;
    return this;
  }

  /** Removes every fault and resets the counters. */
  clear(): this {
    this.#failRules = [];
    this.#getRules = [];
    this.#delays = {};
    this.injected = 0;
    for (const op of Object.keys(this.calls) as FaultOperation[]) this.calls[op] = 0;
    this.log.length = 0;
    return this;
  }

  override async put(key: string, data: Uint8Array, options?: CallOptions): Promise<void> {
    const fault = await this.#enter('put', key, options?.signal);
    if (fault?.options.reachesStore) await this.inner.put(key, data, options);
    if (fault) throw fault.error;
    await this.inner.put(key, data, options);
  }

  override async get(key: string, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const fault = await this.#enter('get', key, options?.signal);
    if (fault) throw fault.error;
    const rules = this.#getRules.filter((rule) => key.startsWith(rule.keyPrefix));
    const truncateTo = minOf(rules.map((rule) => rule.truncateTo));
    let data: Uint8Array;
    if (truncateTo === undefined) {
      data = await this.inner.get(key, range, options);
    } else if (range === undefined) {
      data = (await this.inner.get(key, undefined, options)).slice(0, truncateTo);
    } else {
      if (range.offset + range.length > truncateTo) throw rangeBeyondEnd(key, this.location, range, truncateTo);
      data = await this.inner.get(key, range, options);
    }
    for (const rule of rules) {
      if (rule.truncateTo !== undefined || data.length === 0) continue;
      const at = Math.min(rule.corruptAt ?? Math.floor(data.length / 2), data.length - 1);
      data = new Uint8Array(data);
      data[at] = (data[at] ?? 0) ^ 0xff;
      this.injected += 1;
    }
    return data;
  }

  override async stat(key: string, options?: CallOptions): Promise<ObjectInfo | undefined> {
    const fault = await this.#enter('stat', key, options?.signal);
    if (fault) throw fault.error;
    const info = await this.inner.stat(key, options);
    const truncateTo = minOf(this.#getRules.filter((rule) => key.startsWith(rule.keyPrefix)).map((rule) => rule.truncateTo));
    return info && truncateTo !== undefined ? { key, size: Math.min(info.size, truncateTo) } : info;
  }

  override async *list(prefix: string, options?: CallOptions): AsyncIterable<ObjectInfo> {
    const fault = await this.#enter('list', prefix, options?.signal);
    let yielded = 0;
    if (fault && (fault.options.listAfter ?? 0) === 0) throw fault.error;
    for await (const info of this.inner.list(prefix, options)) {
      yield info;
      yielded += 1;
      if (fault && yielded >= (fault.options.listAfter ?? 0)) throw fault.error;
    }
    if (fault) throw fault.error;
  }

  override async delete(key: string, options?: CallOptions): Promise<void> {
    const fault = await this.#enter('delete', key, options?.signal);
    if (fault?.options.reachesStore) await this.inner.delete(key, options);
    if (fault) throw fault.error;
    await this.inner.delete(key, options);
  }

  /** Counts the call, waits any delay, and returns the fault to inject, if any. */
  async #enter(op: FaultOperation, key: string, signal: AbortSignal | undefined): Promise<{ error: Error; options: FaultOptions } | undefined> {
    this.calls[op] += 1;
    this.log.push(`${op} ${key}`);
    throwIfAborted(signal, this.location);
    const delay = this.#delays[op];
    if (delay !== undefined) await this.#sleep(delay);
    throwIfAborted(signal, this.location);
    let hit: FailRule | undefined;
    for (const rule of this.#failRules) {
      if (rule.op !== op || !key.startsWith(rule.options.keyPrefix ?? '')) continue;
      rule.seen += 1;
      const fails = rule.mode === 'nth' ? rule.seen === rule.n : rule.mode === 'after' ? rule.seen > rule.n : (rule.next?.() ?? 1) < (rule.rate ?? 0);
      if (fails) hit ??= rule;
    }
    if (hit === undefined) return undefined;
    this.injected += 1;
    const error =
      hit.options.error?.(op, key) ??
      new StorageError('storage', `Injected fault: ${op} #${this.calls[op]} of '${key}' in ${this.location}.`, { retryable: hit.options.retryable ?? false });
    return { error, options: hit.options };
  }
}

function minOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

/** A small seeded generator (mulberry32): the same faults on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
