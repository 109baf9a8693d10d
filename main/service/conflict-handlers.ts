// Sync conflicts: the list, both versions' tails side by side, and keeping one.

import { NotFoundError } from '../../shared/errors.ts';
import type { FilePreview, Handlers } from '../../shared/ipc/contract.ts';
import { safetySnapshot } from '../engine/operations.ts';
import { listConflicts, readFileTail, readTheirsTail, resolveConflict } from '../engine/sync/index.ts';
import type { FileTail } from '../engine/sync/index.ts';
import { withLineSummaries } from './conflict-lines.ts';
import { preview } from './file-preview.ts';
import type { ServiceContext } from './service-context.ts';

type ConflictChannels = 'conflicts.list' | 'conflicts.get' | 'conflicts.resolve';

/** The two versions usually share their start and differ at the end: show the tails. */
async function tail(read: Promise<FileTail>): Promise<FilePreview> {
  try {
    // `.zst` sides are decompressed, so they compare as text, not as "binary".
    const t = await read;
    return preview(t.bytes, t.size, t.truncated);
  } catch {
    return { size: 0, truncated: false, binary: false, text: '' };
  }
}

export function conflictHandlers(ctx: ServiceContext): Pick<Handlers, ConflictChannels> {
  return {
    'conflicts.list': async () => listConflicts(ctx.requireRepo()),
    'conflicts.get': async ({ id, maxBytes }) => {
      const conflict = listConflicts(ctx.requireRepo()).find((c) => c.id === id);
      if (!conflict) throw new NotFoundError(`No conflict with id '${id}'.`);
      // Each line in words by the agent's session reader, as the session viewer reads them.
      // Their copy beside ours deleted meanwhile: their snapshot's version, which keep theirs takes.
      const [mine, theirs] = await Promise.all([tail(readFileTail(conflict.path, maxBytes)).then((p) => withLineSummaries(p, conflict.agent, conflict.path)), tail(readTheirsTail(ctx.requireRepo(), id, maxBytes)).then((p) => withLineSummaries(p, conflict.agent, conflict.theirsPath))]);
      return { conflict, mine, theirs };
    },
    'conflicts.resolve': async ({ id, keep }) => {
      const r = ctx.requireRepo();
      const resolved = await resolveConflict({ repo: r, id, keep, safetySnapshot: async (p) => void (await safetySnapshot(r, [p])), now: ctx.now });
      ctx.emit('conflicts.changed', listConflicts(r));
      return resolved;
    },
  };
}
