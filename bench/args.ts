// The benchmarks' command-line options, parsed one way (node:util parseArgs) instead of a copy
// of `arg()` per script that each treated a missing or bad value differently. Unknown options
// are refused, so a mistyped one doesn't silently run the default.

import { parseArgs } from 'node:util';

export interface BenchArgSpec<N extends string, F extends string, S extends string> {
  /** Numeric options and their defaults: `{ size: 300 }` reads `--size 60`. */
  numbers?: Record<N, number>;
  /** Options without a value: `['no-restic']` reads `--no-restic`. */
  flags?: readonly F[];
  /** Options with a text value, undefined when absent. */
  strings?: readonly S[];
}

export type BenchArgs<N extends string, F extends string, S extends string> = Record<N, number> & Record<F, boolean> & Record<S, string | undefined>;

export function benchArgs<N extends string = never, F extends string = never, S extends string = never>(spec: BenchArgSpec<N, F, S>, argv: readonly string[] = process.argv.slice(2)): BenchArgs<N, F, S> {
  const numbers = (spec.numbers ?? {}) as Record<string, number>;
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of [...Object.keys(numbers), ...(spec.strings ?? [])]) options[name] = { type: 'string' };
  for (const name of spec.flags ?? []) options[name] = { type: 'boolean' };
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const out: Record<string, number | boolean | string | undefined> = {};
  for (const [name, fallback] of Object.entries(numbers)) {
    const raw = values[name];
    if (typeof raw !== 'string') {
      out[name] = fallback;
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} takes a number, not '${raw}'.`);
    out[name] = n;
  }
  for (const name of spec.flags ?? []) out[name] = values[name] === true;
  for (const name of spec.strings ?? []) out[name] = typeof values[name] === 'string' ? values[name] : undefined;
  return out as BenchArgs<N, F, S>;
}
