// Aider: `<repository>/.aider.chat.history.md`, a Markdown log that every run appends to. A run
// starts with `# aider chat started at YYYY-MM-DD HH:MM:SS`: each run is one session (key = the
// header's time, with `#n` when a time repeats). In a run, `#### ` lines are the user's input,
// `> ` lines are Aider's own output (version and model banner, file prompts, token counts,
// command output, "Applied edit to …"), everything else is the model's answer. Verified against
// Aider's io.py (append_chat_history: user input prefixed `#### `, tool output blockquoted) and
// a real v0.82 history.
//
// Blocks of consecutive lines of one kind become one item: user message, note "Aider", or
// assistant message. A block's position is its first line's byte offset, so pages resume there.
// The model comes from the banner's "Main model:" line; the project is the repository (the root).

import type { SessionFiles } from '../files.ts';
import { linesStartingWith, readLines, type Line, type LinePosition } from '../lines.ts';
import type { SessionRef } from '../model.ts';
import type { ReaderEvent, ReadOptions, SessionReader } from '../reader.ts';

const HEADER = /^# aider chat started at (.+?)\s*$/;

/**
 * Where `list` found each run's header, per file set and file: reading a run then starts at its
 * header instead of scanning every run before it (a long history has hundreds of runs). A hint
 * is used only when the line there still is that header.
 */
const headersSeen = new WeakMap<SessionFiles, Map<string, Map<string, LinePosition>>>();

export const aiderReader: SessionReader = {
  format: 'aider',
  agent: 'aider',
  patterns: ['.aider.chat.history.md', '**/.aider.chat.history.md'],
  appendsSessions: true,

  async list(files: SessionFiles, path: string): Promise<SessionRef[]> {
    const refs: SessionRef[] = [];
    const seen = new Map<string, number>();
    const at = new Map<string, LinePosition>();
    // Only the header lines are decoded: listing a 56 MB history took 0.4 s line by line.
    for await (const line of linesStartingWith(files, path, '# aider')) {
      const m = HEADER.exec(line.text);
      if (!m) continue;
      const n = (seen.get(m[1] as string) ?? 0) + 1;
      seen.set(m[1] as string, n);
      const key = n === 1 ? (m[1] as string) : `${m[1]}#${n}`;
      at.set(key, { offset: line.offset, line: line.line });
      refs.push({ agent: 'aider', format: 'aider', path, key });
    }
    let known = headersSeen.get(files);
    if (!known) headersSeen.set(files, (known = new Map()));
    known.set(path, at);
    // A log with text before any header (or none at all) still holds one conversation.
    if (refs.length === 0 && ((await files.stat(path))?.size ?? 0) > 0) refs.push({ agent: 'aider', format: 'aider', path, key: '' });
    return refs;
  },

  async *read(files: SessionFiles, ref: SessionRef, options: ReadOptions = {}): AsyncGenerator<ReaderEvent> {
    const key = ref.key ?? '';
    if (files.rootPath) yield { type: 'meta', meta: { project: files.rootPath } };
    // Aider has no session ids: a run is known by when it started (in its repository).
    yield { type: 'meta', meta: { id: key || 'aider', role: 'main' } };
    const started = parseTime(key.replace(/#\d+$/, ''));
    if (started) yield { type: 'meta', meta: { startedAt: started, updatedAt: started } };
    // Which run: the n-th header with the key's time (`<time>#n`); from a page cursor, the run
    // that cursor is in.
    const time = key.replace(/#\d+$/, '');
    const wanted = Number(/#(\d+)$/.exec(key)?.[1] ?? 1);
    let inRun = key === '' || options.from !== undefined;
    let seen = 0;
    let from = options.from;
    const hint = from === undefined ? headersSeen.get(files)?.get(ref.path)?.get(key) : undefined;
    if (hint && (await headerAt(files, ref.path, hint)) === time) {
      // Start at the run's own header, as the (wanted - 1) runs with its time were already passed.
      from = hint;
      seen = wanted - 1;
    }
    let block: { kind: 'user' | 'aider' | 'assistant'; lines: string[]; first: Line } | undefined;
    const flush = function* (): Generator<ReaderEvent> {
      if (!block) return;
      const text = block.lines.join('\n').trimEnd();
      const pos = { offset: block.first.offset, line: block.first.line };
      const at = { path: ref.path, line: block.first.line };
      if (block.kind === 'aider') {
        const model = /^Main model: (\S+)/m.exec(text)?.[1];
        if (model) yield { type: 'meta', meta: { model } };
      }
      if (text) {
        const item =
          block.kind === 'user'
            ? ({ kind: 'message', role: 'user', text, at } as const)
            : block.kind === 'aider'
              ? ({ kind: 'note', label: 'Aider', text, at } as const)
              : ({ kind: 'message', role: 'assistant', text, at } as const);
        yield { type: 'item', item, pos };
      }
      block = undefined;
    };
    for await (const line of readLines(files, ref.path, from)) {
      const header = line.text.startsWith('# aider') ? HEADER.exec(line.text) : null;
      if (header) {
        if (inRun) break;
        if (header[1] === time) {
          seen += 1;
          inRun = seen === wanted;
        }
        continue;
      }
      if (!inRun) continue;
      const kind = line.text.startsWith('#### ') ? 'user' : line.text.startsWith('>') ? 'aider' : 'assistant';
      const text = kind === 'user' ? line.text.slice(5) : kind === 'aider' ? line.text.replace(/^> ?/, '') : line.text;
      // Blank lines belong to the assistant's answer, or end a user / Aider block.
      if (!line.text.trim()) {
        if (block?.kind === 'assistant') block.lines.push('');
        else yield* flush();
        continue;
      }
      if (block && block.kind !== kind) yield* flush();
      if (!block) block = { kind, lines: [], first: line };
      block.lines.push(text.trimEnd());
    }
    yield* flush();
  },
};

/** The time of the run header at `pos`, if that line is one. */
async function headerAt(files: SessionFiles, path: string, pos: LinePosition): Promise<string | undefined> {
  for await (const line of readLines(files, path, pos)) return HEADER.exec(line.text)?.[1];
  return undefined;
}

function parseTime(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  // Aider writes local time without a zone; it is kept as written (read as UTC).
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}
