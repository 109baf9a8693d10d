// Secrets from environment variables, for the headless CLI and CI: CAIRN_PASSPHRASE unlocks any
// vault, AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY are its bucket credentials. Read-only: writing
// a secret here would have to mean writing it to disk, which Cairn never does.

import { CairnError } from '../../shared/errors.ts';
import { encodeCredentials } from './secret-values.ts';
import type { SecretStore } from './secret-store.ts';

export const SECRET_ENV_VARS = ['CAIRN_PASSPHRASE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

export class EnvSecretStore implements SecretStore {
  readonly description = 'environment variables (CAIRN_PASSPHRASE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)';
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    this.env = env;
  }

  /** True when the environment holds at least one secret this store can serve. */
  hasAny(): boolean {
    return SECRET_ENV_VARS.some((name) => nonEmpty(this.env[name]) !== undefined);
  }

  async get(account: string): Promise<string | undefined> {
    if (account.endsWith(':unlock')) return nonEmpty(this.env.CAIRN_PASSPHRASE);
    if (account.endsWith(':credentials')) {
      const accessKeyId = nonEmpty(this.env.AWS_ACCESS_KEY_ID);
      const secretAccessKey = nonEmpty(this.env.AWS_SECRET_ACCESS_KEY);
      if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
      return encodeCredentials({ accessKeyId, secretAccessKey });
    }
    return undefined;
  }

  async set(account: string, _secret: string): Promise<void> {
    throw readOnly(account);
  }

  async delete(account: string): Promise<void> {
    throw readOnly(account);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readOnly(account: string): CairnError {
  const variable = account.endsWith(':credentials') ? 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' : 'CAIRN_PASSPHRASE';
  return new CairnError('config', `Secrets come from environment variables in this mode and can't be saved. Set ${variable} instead.`);
}
