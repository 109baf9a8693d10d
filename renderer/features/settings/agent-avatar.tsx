// A small coloured monogram per agent, so lists scan quickly.

const TONES: Record<string, string> = {
  'claude-code': 'orange',
  codex: 'slate',
  goose: 'amber',
  'gemini-cli': 'blue',
  opencode: 'green',
  cursor: 'violet',
  cline: 'teal',
  roo: 'pink',
  aider: 'red',
};

export function AgentAvatar({ id, name }: { id: string; name: string }) {
  const letters = name
    .split(/[\s-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
  return (
    <span className={`agent-avatar tone-${TONES[id] ?? 'accent'}`} aria-hidden="true">
      {letters || '?'}
    </span>
  );
}
