// The Node.js the CLI needs, checked before anything else loads: better-sqlite3 13 and the other
// native modules are built for Node >= 22, and on Node 20 loading them crashes the process
// (a segmentation fault, exit 139) with no word of why. This module imports nothing.

/** The oldest Node.js the CLI runs on; package.json `engines.node` says the same. */
export const REQUIRED_NODE = { major: 22, minor: 18 } as const;

/** Why this Node can't run the CLI, or undefined when it can. */
export function runtimeProblem(version: string, execPath: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > REQUIRED_NODE.major || (major === REQUIRED_NODE.major && minor >= REQUIRED_NODE.minor)) return undefined;
  const needed = `${REQUIRED_NODE.major}.${REQUIRED_NODE.minor}`;
  return [
    `cairn needs Node.js ${needed} or newer, but this is Node.js ${version.replace(/^v/, '')} (${execPath}).`,
    "Run it with the project's own Node: ./cairn ARGS in the project folder (scripts/bootstrap.sh puts Node 22",
    `into .tools/node22), or scripts/run.sh node dist/cli/cairn.mjs ARGS, or install Node.js ${REQUIRED_NODE.major} (https://nodejs.org).`,
  ].join('\n');
}
