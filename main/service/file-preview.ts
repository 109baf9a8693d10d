// A file's start (or tail) as the UI shows it: text when it is UTF-8, else marked binary.

import type { FilePreview } from '../../shared/ipc/contract.ts';

export function preview(bytes: Uint8Array, size: number, fromEnd = false): FilePreview {
  let buf = Buffer.from(bytes);
  // A tail may start inside a character: drop its continuation bytes.
  if (fromEnd) while (buf.length > 0 && ((buf[0] as number) & 0xc0) === 0x80) buf = buf.subarray(1);
  const truncated = buf.length < size;
  const sample = buf.subarray(0, 8192);
  const binary = sample.includes(0) || !isUtf8(sample);
  return { size, truncated, binary, text: binary ? '' : fromEnd ? buf.toString('utf8').replace(/^[^\n]*\n/, '') : buf.toString('utf8') };
}

function isUtf8(buf: Buffer): boolean {
  // A chunk cut mid-character still counts as text: allow up to 3 trailing continuation bytes.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, Math.max(0, buf.length - 3)));
    return true;
  } catch {
    return false;
  }
}
