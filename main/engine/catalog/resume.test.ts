import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_AGENTS_MISSING, realAgentsHome } from '../../../testing/real-agents.ts';
import { tempDir, removeTempDirs } from '../../../testing/repo.ts';
import { localFiles, readerFor, streamItems } from '../sessions/index.ts';
import { itemText, readFileSessions } from './read.ts';
import { resumeFileSessions } from './resume.ts';
import type { ResumePoint } from './resume.ts';
import { TextChunker } from './session-db.ts';
import type { TextChunk } from './session-db.ts';

const home = realAgentsHome();
if (!home) process.stderr.write(`[catalog/resume] ${REAL_AGENTS_MISSING}\n`);
afterAll(() => removeTempDirs());

/** Every transcript and rollout of the real samples that a read can resume. */
function samples(): { agent: string; root: string; path: string }[] {
  if (!home) return [];
  const out: { agent: string; root: string; path: string }[] = [];
  const claude = join(home, '.claude');
  for (const project of readdirSync(join(claude, 'projects'))) {
    for (const name of readdirSync(join(claude, 'projects', project))) if (name.endsWith('.jsonl')) out.push({ agent: 'claude-code', root: claude, path: `projects/${project}/${name}` });
  }
  const cursor = join(home, '.cursor');
  for (const path of readdirSync(join(cursor, 'projects'), { recursive: true }) as string[]) if (/agent-transcripts\/.*\.jsonl$/.test(path)) out.push({ agent: 'cursor', root: cursor, path: `projects/${path}` });
  const codex = join(home, '.codex');
  for (const path of readdirSync(join(codex, 'sessions'), { recursive: true }) as string[]) if (/rollout-.*\.jsonl$/.test(path)) out.push({ agent: 'codex', root: codex, path: `sessions/${path}` });
  return out;
}

/** The words of a session's search text, sorted (chunk boundaries don't matter to search). */
const words = (chunks: readonly TextChunk[]) => chunks.flatMap((c) => c.text.split(/\s+/).filter(Boolean)).sort();

async function textOf(agent: string, root: string, path: string): Promise<TextChunk[]> {
  const reader = readerFor(agent, path)!;
  const files = localFiles(root);
  const [ref] = await reader.list(files, path);
  const chunker = new TextChunker();
  const out: TextChunk[] = [];
  for await (const { item } of streamItems(reader, files, ref!)) {
    chunker.add(item.seq, itemText(item));
    out.push(...chunker.take());
  }
  return [...out, ...chunker.finish()];
}

describe.skipIf(!home)('reading on from where the last read stopped, on the real samples', () => {
  it('gives every resumable session the metadata and search words of a whole read, wherever the file was cut', async () => {
    const all = samples();
    // A main Claude Code session with a sub-agent folder reads other files: it is read whole.
    expect(all.length).toBeGreaterThanOrEqual(4);
    let resumed = 0;
    const agents = new Set<string>();
    for (const { agent, root, path } of all) {
      const whole = await readFileSessions(agent, root, path);
      const wholeText = await textOf(agent, root, path);
      const bytes = readFileSync(join(root, path));
      const ends: number[] = [];
      for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) ends.push(i + 1);
      // Cut after a few lines, near the middle and one line before the end.
      for (const cut of new Set([ends[0], ends[Math.floor(ends.length / 3)], ends[Math.floor(ends.length / 2)], ends[ends.length - 2]])) {
        if (cut === undefined || cut >= bytes.length) continue;
        const dir = tempDir();
        if (agent === 'claude-code' || agent === 'cursor') {
          // The session's folder (sub-agents) goes with it.
          const folder = agent === 'cursor' ? join(root, dirname(path)) : join(root, path.replace(/\.jsonl$/, ''));
          try {
            cpSync(folder, agent === 'cursor' ? join(dir, dirname(path)) : join(dir, path.replace(/\.jsonl$/, '')), { recursive: true });
          } catch {
            // No folder.
          }
        }
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), bytes.subarray(0, cut));
        const first = await readFileSessions(agent, dir, path);
        const point = first.resume?.[0];
        if (whole.metas[0]?.files.length !== 1 || (agent === 'cursor' && whole.metas[0]?.children.length)) {
          expect(point).toBeUndefined();
          continue;
        }
        expect(point, `${path} cut at ${cut}`).toBeDefined();
        const firstText = await textOf(agent, dir, path);
        appendFileSync(join(dir, path), bytes.subarray(cut));
        const on = await resumeFileSessions(agent, dir, path, point as ResumePoint);
        expect(on, `${path} cut at ${cut}`).toBeDefined();
        expect(on?.metas).toEqual(whole.metas);
        expect(words([...firstText, ...(on?.appended[0] ?? [])])).toEqual(words(wholeText));
        // And the point it leaves is the one a whole read leaves.
        expect(on?.resume?.[0]).toEqual(whole.resume?.[0]);
        resumed++;
        agents.add(agent);
      }
    }
    expect(resumed).toBeGreaterThanOrEqual(8);
    expect([...agents].sort()).toEqual(['claude-code', 'codex', 'cursor']);
  });
});

describe('an Aider history read on from its last point', () => {
  const generated = Array.from({ length: 6 }, (_, i) => `# aider chat started at 2026-02-0${1 + (i % 3)} 09:00:00\n\n> Aider v0.82.2\n\n#### question ${i}\n\nAnswer ${i}.\n\n`).join('');
  const histories = [generated, ...(home ? [readFileSync(join(home, 'src', 'simple-calculator', '.aider.chat.history.md'), 'utf8')] : [])];

  it('keeps the runs before the last it read, and reads the rest as a whole read would, wherever the file was cut', async () => {
    const path = '.aider.chat.history.md';
    let kept = 0;
    for (const history of histories) {
      const bytes = Buffer.from(history + generated);
      const whole = tempDir();
      writeFileSync(join(whole, path), bytes);
      const all = await readFileSessions('aider', whole, path);
      expect(all.point).toMatchObject({ kind: 'runs', offset: bytes.length });
      const ends: number[] = [];
      for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) ends.push(i + 1);
      // About 16 cuts, spread over the file: mid-run, and just before and after a run's header.
      const every = Math.max(1, Math.floor(ends.length / 16));
      for (const cut of ends.filter((_, i) => i % every === 0)) {
        if (cut >= bytes.length) continue;
        const dir = tempDir();
        writeFileSync(join(dir, path), bytes.subarray(0, cut));
        const first = await readFileSessions('aider', dir, path);
        const point = first.point;
        expect(point, `cut at ${cut}`).toMatchObject({ offset: cut, sessions: first.metas.length });
        appendFileSync(join(dir, path), bytes.subarray(cut));
        const on = await readFileSessions('aider', dir, path, undefined, undefined, { point: point!, keys: first.metas.map((m) => m.ref.key ?? '') });
        const k = on.kept?.length ?? 0;
        expect(k, `cut at ${cut}`).toBe(Math.max(0, first.metas.length - 1));
        expect(on.kept ?? [], `cut at ${cut}`).toEqual(first.metas.slice(0, k).map((m) => m.ref.key));
        // The kept runs are the first read's; what was read again is the whole read's (the project is the folder read).
        const here = (metas: typeof all.metas) => metas.map((m) => ({ ...m, project: undefined }));
        expect(here(first.metas.slice(0, k))).toEqual(here(all.metas.slice(0, k)));
        expect(here(on.metas)).toEqual(here(all.metas.slice(k)));
        expect(on.point).toEqual(all.point);
        kept += k;
      }
    }
    expect(kept).toBeGreaterThan(15);
  });

  it('reads whole a history rewritten rather than grown, or one whose runs are no longer the ones counted', async () => {
    const path = '.aider.chat.history.md';
    const dir = tempDir();
    writeFileSync(join(dir, path), generated);
    const first = await readFileSessions('aider', dir, path);
    const from = { point: first.point!, keys: first.metas.map((m) => m.ref.key ?? '') };
    writeFileSync(join(dir, path), generated.replace('question 1', 'question one') + generated);
    expect((await readFileSessions('aider', dir, path, undefined, undefined, from)).kept).toBeUndefined();
    writeFileSync(join(dir, path), generated + generated);
    expect((await readFileSessions('aider', dir, path, undefined, undefined, { ...from, keys: ['x', ...from.keys.slice(1)] })).kept).toBeUndefined();
    expect((await readFileSessions('aider', dir, path, undefined, undefined, from)).kept).toHaveLength(5);
  });
});

describe('when a read does not resume', () => {
  const line = (i: number) => `${JSON.stringify({ type: 'user', timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, cwd: '/src/app', message: { role: 'user', content: `message number ${i}` } })}\n`;
  const path = 'projects/-src-app/11111111-2222-4333-8444-555555555555.jsonl';

  function transcript(lines: number): string {
    const dir = tempDir();
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), Array.from({ length: lines }, (_, i) => line(i)).join(''));
    return dir;
  }

  it('reads whole a file that was rewritten rather than grown', async () => {
    const dir = transcript(20);
    const point = (await readFileSessions('claude-code', dir, path)).resume?.[0];
    expect(point).toMatchObject({ offset: readFileSync(join(dir, path)).length, line: 21, seq: 20 });
    const before = readFileSync(join(dir, path), 'utf8');
    writeFileSync(join(dir, path), before.replace('message number 3', 'message number X') + line(20));
    expect(await resumeFileSessions('claude-code', dir, path, point as ResumePoint)).toBeUndefined();
    // Shorter than the point: not grown either.
    writeFileSync(join(dir, path), before.slice(0, 100));
    expect(await resumeFileSessions('claude-code', dir, path, point as ResumePoint)).toBeUndefined();
  });

  it('leaves no point after a line still being written, and none once a sub-agent folder appears', async () => {
    const dir = transcript(5);
    appendFileSync(join(dir, path), '{"type":"user","message":');
    expect((await readFileSessions('claude-code', dir, path)).resume?.[0]).toBeUndefined();

    const other = transcript(5);
    const point = (await readFileSessions('claude-code', other, path)).resume?.[0];
    expect(point).toBeDefined();
    appendFileSync(join(other, path), line(5));
    const agentFile = join(other, path.replace(/\.jsonl$/, ''), 'subagents', 'agent-a1.jsonl');
    mkdirSync(dirname(agentFile), { recursive: true });
    writeFileSync(agentFile, line(0));
    expect(await resumeFileSessions('claude-code', other, path, point as ResumePoint)).toBeUndefined();
    expect((await readFileSessions('claude-code', other, path)).resume?.[0]).toBeUndefined();
    rmSync(join(other, path.replace(/\.jsonl$/, '')), { recursive: true });
  });
});
