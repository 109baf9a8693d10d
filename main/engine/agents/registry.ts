// Every adapter Cairn knows, in the order the wizard lists them.

import { aiderAdapter } from './adapters/aider.ts';
import { claudeCodeAdapter } from './adapters/claude-code.ts';
import { clineAdapter } from './adapters/cline.ts';
import { codexAdapter } from './adapters/codex.ts';
import { cursorAdapter } from './adapters/cursor.ts';
import { geminiCliAdapter } from './adapters/gemini-cli.ts';
import { gooseAdapter } from './adapters/goose.ts';
import { opencodeAdapter } from './adapters/opencode.ts';
import type { AgentAdapter } from './types.ts';

export const ADAPTERS: readonly AgentAdapter[] = [
  claudeCodeAdapter,
  codexAdapter,
  gooseAdapter,
  geminiCliAdapter,
  opencodeAdapter,
  cursorAdapter,
  clineAdapter,
  aiderAdapter,
];

export const AGENT_IDS: readonly string[] = ADAPTERS.map((a) => a.id);
