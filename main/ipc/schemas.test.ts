import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../shared/ipc/contract.ts';
import { requestSchemas } from './schemas.ts';

describe('request schemas', () => {
  it('validate exactly the contract channels (the zod-free list the preload builds from)', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual([...CHANNELS].sort());
  });
});
