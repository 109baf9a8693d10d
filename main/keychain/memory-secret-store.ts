// Secrets in a Map, for tests and for the e2e host. Gone when the process ends.

import type { SecretStore } from './secret-store.ts';

export class MemorySecretStore implements SecretStore {
  readonly description = 'memory (tests only)';
  private readonly secrets = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [account, secret] of Object.entries(initial)) this.secrets.set(account, secret);
  }

  async get(account: string): Promise<string | undefined> {
    return this.secrets.get(account);
  }

  async set(account: string, secret: string): Promise<void> {
    this.secrets.set(account, secret);
  }

  async delete(account: string): Promise<void> {
    this.secrets.delete(account);
  }
}
