// Conditional writes (`If-None-Match: *`): what a store says when it can't do them.

import { StorageError } from '../../../shared/errors.ts';

/** The store refuses conditional writes (Swift's s3api answers 501 NotImplemented). */
export class ConditionUnsupportedError extends StorageError {
  constructor(location: string, options: { cause?: unknown } = {}) {
    super('storage', `${location} does not support conditional writes (If-None-Match).`, options);
    this.name = 'ConditionUnsupportedError';
  }
}
