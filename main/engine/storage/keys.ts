// The key and range rules every BlobStore enforces, so that stores behave alike: keys are
// `/`-separated non-empty parts, none `.` or `..`, no backslash or control characters (that is
// what keeps LocalBlobStore inside its folder); a range must lie inside the object.

import { CairnError, IntegrityError } from '../../../shared/errors.ts';
import type { ByteRange } from './blob-store.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** Throws unless `key` is a valid object key. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid(key, 'it is empty');
  checkParts(key, key.split('/'));
}

/** Throws unless `prefix` is '' or a valid key, optionally ending in `/`; its last part may be partial. */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw invalid(prefix, 'it is not a string');
  if (prefix === '') return;
  const parts = prefix.split('/');
  if (prefix.endsWith('/')) parts.pop();
  checkParts(prefix, parts);
}

/** Throws unless `range` is a pair of non-negative safe integers. */
export function assertValidRange(key: string, range: ByteRange): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new CairnError('internal', `Invalid byte range {offset: ${offset}, length: ${length}} for '${key}'. This is a bug in Cairn.`);
  }
}

function checkParts(key: string, parts: string[]): void {
  if (FORBIDDEN.test(key)) throw invalid(key, 'it contains a backslash or a control character');
  for (const part of parts) {
    if (part === '') throw invalid(key, 'it has an empty part (a leading, trailing or doubled `/`)');
    if (part === '.' || part === '..') throw invalid(key, 'it has a `.` or `..` part');
  }
}

function invalid(key: unknown, why: string): CairnError {
  return new CairnError('internal', `Invalid storage key ${JSON.stringify(key)}: ${why}. This is a bug in Cairn.`);
}

/**
 * A range that reaches past the end of the object. Callers ask for ranges they recorded when
 * writing (offsets inside a pack), so a short object is a truncated or corrupt one.
 */
export function rangeBeyondEnd(key: string, location: string, range: ByteRange, size?: number): IntegrityError {
  const sizeText = size === undefined ? 'is shorter than that' : `has only ${size} bytes`;
  return new IntegrityError(
    `Bytes ${range.offset}–${range.offset + range.length - 1} of '${key}' in ${location} were asked for, but the object ${sizeText}. It may be truncated or corrupt; run a check.`,
  );
}
