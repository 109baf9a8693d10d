// A conflict side's lines in words, by the agent's session reader (main/engine/sessions), so the
// conflicts screen never parses agent formats itself.

import type { FilePreview } from '../../shared/ipc/contract.ts';
import { summarizeTranscriptLines } from '../engine/sessions/index.ts';

export async function withLineSummaries(preview: FilePreview, agent: string | undefined, path: string): Promise<FilePreview> {
  if (!agent || preview.binary || preview.text === '') return preview;
  const lines = await summarizeTranscriptLines(agent, path, preview.text);
  return lines ? { ...preview, lines } : preview;
}
