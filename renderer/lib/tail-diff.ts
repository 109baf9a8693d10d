// Where two versions of a file part ways. Session transcripts grow by appending lines, so a
// conflict is almost always "same beginning, different endings": show the shared part as a
// count and the differing tails in full.

export interface TailDiff {
  /** Lines both versions share from the start. */
  commonLines: number;
  /** The last shared lines, for context. */
  context: string[];
  mineTail: string[];
  theirsTail: string[];
  /** One version is the other plus more lines. */
  appendOnly: boolean;
  identical: boolean;
}

function toLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * When the previews are the last part of each file (large files), their first lines need not be
 * the same line: skip ahead in one until both start at the same line, if they share one.
 */
function align(a: string[], b: string[]): { a: string[]; b: string[]; skipped: number } {
  if (a.length === 0 || b.length === 0 || a[0] === b[0]) return { a, b, skipped: 0 };
  const inA = a.indexOf(b[0] as string);
  const inB = b.indexOf(a[0] as string);
  if (inA >= 0 && (inB < 0 || inA <= inB)) return { a: a.slice(inA), b, skipped: inA };
  if (inB >= 0) return { a, b: b.slice(inB), skipped: inB };
  return { a, b, skipped: 0 };
}

export function tailDiff(mine: string, theirs: string, contextLines = 2, options: { tails?: boolean } = {}): TailDiff {
  let a = toLines(mine);
  let b = toLines(theirs);
  if (options.tails) ({ a, b } = align(a, b));
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common += 1;
  return {
    commonLines: common,
    context: a.slice(Math.max(0, common - contextLines), common),
    mineTail: a.slice(common),
    theirsTail: b.slice(common),
    appendOnly: common === a.length || common === b.length,
    identical: common === a.length && common === b.length,
  };
}
