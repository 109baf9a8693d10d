// Setting a file's modification time from the nanoseconds recorded in a snapshot.
//
// Node's utimes family takes seconds as a double, and libuv turns that into a timespec by
// truncating to whole microseconds. A time like 1795256787.948 s has no exact double; the
// nearest one is a little below, so a naive `us / 1e6` lands one microsecond early (seen in CI:
// a restored file's mtime read back as …947.999 ms). Aiming at the middle of the microsecond
// keeps the double's error (≤ 0.12 µs at today's epoch) inside it, so truncation gives the
// microsecond we meant.

/** The seconds value to pass to utimes/futimes so the file gets `mtimeNs` to the microsecond. */
export function utimesSeconds(mtimeNs: string | bigint): number {
  const us = BigInt(mtimeNs) / 1000n;
  return (Number(us) + 0.5) / 1e6;
}
