// The human form of detection, for `cairn agents`: one line per agent, sizes as shared/format.ts prints them.

import { formatBytes } from '../../../shared/format.ts';
import type { AgentInfo } from '../../../shared/models.ts';

export { formatBytes };

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The one-line summary the wizard shows: `Claude Code (1.8 GB, 4,445 sessions)`. */
export function formatAgentSummary(info: AgentInfo): string {
  return `${info.displayName} (${formatBytes(info.bytes)}, ${plural(info.sessions, 'session')})`;
}

/** A table of detected agents, then one line naming those not found. */
export function formatAgentsTable(infos: readonly AgentInfo[]): string {
  const found = infos.filter((i) => i.detected);
  const missing = infos.filter((i) => !i.detected);
  if (found.length === 0) return `No coding agents found on this machine (looked for ${infos.map((i) => i.displayName).join(', ')}).\n`;
  const header = ['AGENT', 'ENABLED', 'SIZE', 'FILES', 'SESSIONS', 'LOCATION'];
  const rows = found.map((i) => [
    i.displayName,
    i.enabled ? 'yes' : 'no',
    formatBytes(i.bytes),
    formatCount(i.files),
    formatCount(i.sessions),
    i.roots.map((r) => r.path).join(', '),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const right = new Set([2, 3, 4]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : right.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (missing.length > 0) out.push('', `Not found: ${missing.map((i) => i.displayName).join(', ')}.`);
  return `${out.join('\n')}\n`;
}
