// Every agent's real samples, found the way the catalog finds them: the adapters' roots in the
// samples' home, every file offered to `findSessions`, every session read whole.

import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { ADAPTERS, type AgentContext } from '../agents/index.ts';
import { findSessions, localFiles, readerForFormat, readSession, type SessionMeta } from './index.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[sessions/all agents] ${REAL_AGENTS_MISSING}\n`);

function walk(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  } catch {
    return [];
  }
}

describe.skipIf(!home)('the real samples of every agent, as the catalog finds them', () => {
  it('reads every session as a conversation with no line counted as unreadable', async () => {
    const ctx: AgentContext = { home: home!, platform: 'linux', env: {}, aiderRepos: [join(home!, 'src/simple-calculator')] };
    const metas: SessionMeta[] = [];
    for (const adapter of ADAPTERS) {
      for (const root of adapter.roots(ctx)) {
        if (root.kind !== 'dir') continue;
        const files = localFiles(root.path);
        for (const ref of await findSessions(adapter.id, files, walk(root.path))) {
          const { meta, items } = await readSession(readerForFormat(ref.format), files, ref);
          // The cursor-agent store sample ships metadata only (its blobs table is empty).
          if (ref.format !== 'cursor-cli') expect(items.length, `${root.label} ${ref.path} ${ref.key ?? ''}`).toBeGreaterThan(0);
          metas.push(meta);
        }
      }
    }
    const byAgent = new Map<string, SessionMeta[]>();
    for (const m of metas) byAgent.set(m.agent, [...(byAgent.get(m.agent) ?? []), m]);
    // Goose has no public agent-written sample (SOURCES.md); the other seven do.
    expect([...byAgent.keys()].sort()).toEqual(['aider', 'claude-code', 'cline', 'codex', 'cursor', 'gemini-cli', 'opencode']);
    const unreadable = metas.filter((m) => m.counts.unreadable > 0).map((m) => `${m.format} ${m.ref.path} ${m.ref.key ?? ''}: ${m.counts.unreadable}`);
    expect(unreadable).toEqual([]);
    for (const m of metas) {
      if (m.format === 'cursor-cli') continue;
      expect(m.counts.messages + m.counts.toolCalls + m.counts.notes, `${m.format} ${m.ref.path}`).toBeGreaterThan(0);
      expect(m.id, `${m.format} ${m.ref.path}`).toBeTruthy();
    }
    const formats = new Set(metas.map((m) => m.format));
    for (const f of ['claude-code', 'codex', 'gemini-json', 'gemini-jsonl', 'opencode-db', 'opencode-storage', 'cursor-chat', 'cursor-transcript', 'cursor-cli', 'cline', 'aider']) {
      expect(formats.has(f as SessionMeta['format']), f).toBe(true);
    }
  });
});
