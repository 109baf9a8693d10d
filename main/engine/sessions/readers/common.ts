// What the readers share: JSONL records with their positions, and small item builders.

import type { SessionFiles } from '../files.ts';
import { parseRecord, preview, type JsonObject } from '../json.ts';
import { readLines, type Line, type LinePosition } from '../lines.ts';
import type { ItemSource } from '../model.ts';
import type { DraftItem, MetaPatch, Position, ReaderEvent } from '../reader.ts';

export type JsonlRecord =
  | { ok: true; value: JsonObject; pos: Position; raw: string }
  | { ok: false; error: string; pos: Position; raw: string };

/** Non-blank lines of a JSONL file parsed as objects, with their positions. */
export async function* jsonlRecords(files: SessionFiles, path: string, from?: LinePosition): AsyncGenerator<JsonlRecord> {
  for await (const line of readLines(files, path, from)) if (line.text.trim()) yield jsonlRecord(line);
}

/** One line of a JSONL file parsed as an object, with its position. */
export function jsonlRecord(line: Line): JsonlRecord {
  const pos = { offset: line.offset, line: line.line };
  const parsed = parseRecord(line.text);
  return 'value' in parsed ? { ok: true, value: parsed.value, pos, raw: line.text } : { ok: false, error: parsed.error, pos, raw: line.text };
}

/** Collects a record's events; readers map one record to zero or more items and patches. */
export class Emitter {
  readonly events: ReaderEvent[] = [];
  readonly path: string;
  readonly pos: Position;
  readonly time: string | undefined;

  constructor(path: string, pos: Position, time?: string) {
    this.path = path;
    this.pos = pos;
    this.time = time;
  }

  get at(): ItemSource {
    return { path: this.path, line: this.pos.line };
  }

  item(item: DistributiveOmitAt<DraftItem>): void {
    const draft = { ...item, at: this.at } as DraftItem;
    if (draft.time === undefined && this.time !== undefined) draft.time = this.time;
    this.events.push({ type: 'item', item: draft, pos: this.pos });
  }

  meta(meta: MetaPatch): void {
    this.events.push({ type: 'meta', meta });
  }

  notShown(recordType: string, value: unknown): void {
    this.item({ kind: 'not-shown', recordType, preview: preview(value) });
  }
}

type DistributiveOmitAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/** The item for a line that can't be parsed. */
export function unreadableEvent(path: string, record: { error: string; pos: Position; raw: string }): ReaderEvent {
  return {
    type: 'item',
    item: { kind: 'unreadable', reason: record.error, raw: preview(record.raw, 500), at: { path, line: record.pos.line } },
    pos: record.pos,
  };
}

/** "hook_success" -> "hook success". */
export function humanize(type: string): string {
  return type.replace(/[_-]+/g, ' ').trim();
}
