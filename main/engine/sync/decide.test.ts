// The table of sync decisions (docs/SYNC.md, "The rules, per file"): one row per rule, each a
// set of facts about one entry of another device's snapshot and what a pull must do with it.

import { describe, expect, it } from 'vitest';
import { decideSync } from './decide.ts';
import type { SyncDecision, SyncFacts } from './decide.ts';

const bytes = (s: string) => Buffer.from(s);
const AT = new Date(Date.UTC(2026, 10, 21, 10, 15, 0));
const line = (n: number, who: string) => JSON.stringify({ timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(), who });

function facts(over: Partial<Omit<SyncFacts, 'remote'>> & { remote?: Partial<SyncFacts['remote']> } = {}): SyncFacts {
  const { remote, ...rest } = over;
  return {
    remote: { rel: 'projects/-p/s1.jsonl', type: 'file', rawName: false, hash: 'R', ...remote },
    deviceName: 'laptop',
    localName: 's1.jsonl',
    syncable: true,
    rule: 'whole-file',
    base: undefined,
    superseded: [],
    now: AT,
    ...rest,
  };
}

const present = (hash: string | undefined) => ({ exists: true as const, hash });
const both = (mine: string, theirs: string) => ({ mine: bytes(mine), theirs: bytes(theirs) });

const rows: [string, SyncFacts, SyncDecision][] = [
  // Which entries are looked at.
  ['a folder is walked, not synced', facts({ remote: { type: 'dir', rel: 'projects/-p' } }), { do: 'skip', reason: 'not-a-file' }],
  ['a symlink is never synced', facts({ remote: { type: 'symlink' } }), { do: 'skip', reason: 'not-a-file' }],
  ['a file the adapter does not list as syncable', facts({ syncable: false }), { do: 'skip', reason: 'not-syncable' }],
  ['a syncable file with a byte name is skipped and listed', facts({ remote: { rawName: true } }), { do: 'skip', reason: 'raw-name' }],
  ['a byte-named file that is not syncable is skipped silently', facts({ remote: { rawName: true }, syncable: false }), { do: 'skip', reason: 'not-syncable' }],
  ['a byte-named folder is only walked', facts({ remote: { rawName: true, type: 'dir' } }), { do: 'skip', reason: 'not-a-file' }],
  ['a byte-named conflict copy is still listed (its name is the reason)', facts({ remote: { rawName: true, rel: 'p/s1.conflict-x-20260101-000000.jsonl' } }), { do: 'skip', reason: 'raw-name' }],
  ["another device's pending conflict copy is never pulled", facts({ remote: { rel: 'projects/-p/s1.conflict-desk-20261121-101500.jsonl' } }), { do: 'skip', reason: 'conflict-copy' }],
  ['a file kept by "Keep both" syncs like any other', facts({ remote: { rel: 'projects/-p/s1.from-desk-20261121-101500.jsonl' } }), { do: 'need-local' }],
  ['theirs unchanged since the base: nothing to do, nothing looked at', facts({ base: 'R' }), { do: 'skip', reason: 'unchanged-remote' }],
  // The local file.
  ['theirs changed: look at ours first', facts({ base: 'B' }), { do: 'need-local' }],
  ['deleted here after a sync: not pulled back', facts({ base: 'B', local: { exists: false, everSynced: true } }), { do: 'keep-deleted' }],
  ['deleted here after a sync from another device: not pulled back', facts({ local: { exists: false, everSynced: true } }), { do: 'keep-deleted' }],
  ['missing here, never synced: take theirs', facts({ local: { exists: false, everSynced: false } }), { do: 'take-theirs', why: 'new' }],
  ['ours equals theirs by hash: record the base', facts({ base: 'B', local: present('R') }), { do: 'record-base', why: 'identical' }],
  ['ours equals theirs, no base yet: record the base', facts({ local: present('R') }), { do: 'record-base', why: 'identical' }],
  ['ours unchanged since the base: take theirs', facts({ base: 'B', local: present('B') }), { do: 'take-theirs', why: 'only-theirs-changed' }],
  ['they resolved a conflict keeping theirs over ours: take theirs', facts({ base: 'B', local: present('M'), superseded: ['X', 'M'] }), { do: 'take-theirs', why: 'superseded' }],
  ['ours changed since the base: read both', facts({ base: 'B', local: present('M') }), { do: 'need-contents' }],
  ["ours unknown (changed since the backup's cache): read both", facts({ base: 'B', local: present(undefined) }), { do: 'need-contents' }],
  ['ours unknown is not "unchanged since the base", even with no base', facts({ local: present(undefined), superseded: [] }), { do: 'need-contents' }],
  // By content.
  ['identical bytes (the cache could not tell): record the base', facts({ base: 'B', local: present(undefined), contents: both('same\n', 'same\n') }), { do: 'record-base', why: 'identical' }],
  ['a shared log changed on both sides: write the union', facts({ rule: 'shared-log', local: present('M'), contents: both(`${line(1, 'a')}\n${line(3, 'a')}\n`, `${line(2, 'b')}\n`) }), { do: 'write-merged', bytes: bytes(`${line(1, 'a')}\n${line(2, 'b')}\n${line(3, 'a')}\n`) }],
  ['a shared log whose union is ours: record the base', facts({ rule: 'shared-log', local: present('M'), contents: both(`${line(1, 'a')}\n${line(2, 'b')}\n`, `${line(2, 'b')}\n`) }), { do: 'record-base', why: 'merge-adds-nothing' }],
  ['an append-only file theirs extends: fast-forward', facts({ rule: 'append-only', base: 'B', local: present('M'), contents: both('a\n', 'a\nb\n') }), { do: 'take-theirs', why: 'fast-forward' }],
  ['an append-only file ours extends: keep ours (our backup carries it)', facts({ rule: 'append-only', base: 'B', local: present('M'), contents: both('a\nb\n', 'a\n') }), { do: 'record-base', why: 'ours-longer' }],
  ['an append-only file equal on both sides', facts({ rule: 'append-only', local: present(undefined), contents: both('a\n', 'a\n') }), { do: 'record-base', why: 'identical' }],
  ['an append-only file both extended differently: conflict', facts({ rule: 'append-only', base: 'B', local: present('M'), contents: both('a\nmine\n', 'a\ntheirs\n') }), { do: 'conflict', theirsName: 's1.conflict-laptop-20261121-101500.jsonl' }],
  ['a whole file theirs extends is not a fast-forward: conflict', facts({ base: 'B', local: present('M'), contents: both('a\n', 'a\nb\n') }), { do: 'conflict', theirsName: 's1.conflict-laptop-20261121-101500.jsonl' }],
  ['both changed: conflict, theirs written beside under a name the agent still reads', facts({ base: 'B', local: present('M'), contents: both('mine\n', 'theirs\n') }), { do: 'conflict', theirsName: 's1.conflict-laptop-20261121-101500.jsonl' }],
  ['both changed, compressed: the whole extension is kept', facts({ localName: 'r.jsonl.zst', deviceName: 'my box', local: present('M'), contents: both('x', 'y') }), { do: 'conflict', theirsName: 'r.conflict-my-box-20261121-101500.jsonl.zst' }],
];

describe('decideSync', () => {
  it.each(rows)('%s', (_name, f, expected) => {
    expect(decideSync(f)).toEqual(expected);
  });

  it('the superseded list is only consulted for a known local hash', () => {
    expect(decideSync(facts({ local: present(undefined), superseded: ['M'] }))).toEqual({ do: 'need-contents' });
  });
});
