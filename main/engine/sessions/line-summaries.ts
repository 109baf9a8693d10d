// One line of a transcript in words, by the agent's own session reader: "User: …", "Tool: Bash
// ls", "Assistant: …". The conflicts screen shows the lines where two devices' versions of a
// session part ways; it gets these from here (main) instead of parsing agent formats itself.

import { readerFor } from './index.ts';
import type { SessionFiles } from './files.ts';
import type { SessionItem } from './model.ts';

export interface LineSummary {
  label: string;
  text: string;
}

/** `text` as the only file of a root, at `path`. */
function oneFile(path: string, text: string): SessionFiles {
  const bytes = Buffer.from(text, 'utf8');
  return {
    async stat(p) {
      return p === path ? { size: bytes.length, mtimeMs: 0 } : undefined;
    },
    async read(p) {
      if (p !== path) throw new Error(`no file ${p}`);
      return bytes;
    },
    async *open(p, start = 0) {
      if (p !== path) throw new Error(`no file ${p}`);
      yield bytes.subarray(start);
    },
    async sqlitePath() {
      throw new Error('not a database');
    },
    async list() {
      return [path];
    },
  };
}

function summarize(item: SessionItem): LineSummary | undefined {
  switch (item.kind) {
    case 'message':
      return { label: item.role === 'user' ? 'User' : 'Assistant', text: item.text };
    case 'thinking':
      return { label: 'Thinking', text: item.text };
    case 'tool-call':
      return { label: 'Tool', text: `${item.name} ${item.summary}`.trim() };
    case 'tool-result':
      return { label: item.result.isError ? 'Tool error' : 'Tool output', text: item.result.text };
    case 'attachment':
      return { label: 'Attachment', text: item.label === item.text ? item.label : `${item.label}: ${item.text}` };
    case 'note':
      return { label: item.label, text: item.text };
    case 'subagent':
      return { label: 'Sub-agent', text: item.title ?? item.label };
    case 'not-shown':
    case 'unreadable':
      return undefined;
  }
}

/**
 * Each line of `text` (a JSONL transcript, or its end) summarised by the reader of `agent` for
 * the file at `path` (absolute or relative to the agent's folder; `.zst` names the decompressed
 * text): null for a line with nothing to say (damaged, cut, metadata only). Undefined when no
 * reader knows the file, or its format is not one record per line.
 */
export async function summarizeTranscriptLines(agent: string, path: string, text: string): Promise<(LineSummary | null)[] | undefined> {
  const parts = path.replace(/\.zst$/, '').split(/[\\/]+/).filter(Boolean);
  let rel: string | undefined;
  let reader;
  for (let i = 0; i < parts.length && !reader; i++) {
    rel = parts.slice(i).join('/');
    reader = readerFor(agent, rel);
  }
  if (!reader || rel === undefined || !/\.jsonl$/.test(rel)) return undefined;
  const lines = text.split('\n');
  const out: (LineSummary | null)[] = lines.map(() => null);
  const files = oneFile(rel, text);
  try {
    const [ref] = await reader.list(files, rel);
    if (!ref) return undefined;
    for await (const event of reader.read(files, ref)) {
      if (event.type !== 'item') continue;
      const index = event.pos.line - 1;
      if (index < 0 || index >= out.length || out[index]) continue;
      out[index] = summarize(event.item as SessionItem) ?? null;
    }
  } catch {
    return undefined;
  }
  return out;
}
