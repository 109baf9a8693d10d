// Turns an error record from the engine into words for people: what happened, and what to do.
// The switch is exhaustive over ErrorCode: adding a code to shared/errors.ts fails the type
// check here until it is explained.

import type { ErrorCode, ErrorRecord } from '../../shared/errors.ts';
import type { ProviderKind } from '../../shared/models.ts';

export interface Explanation {
  title: string;
  /** What to do about it, in one or two sentences. */
  hint: string;
}

/**
 * What kind of storage the error came from: a folder on this computer fails for other reasons
 * (permissions, a file in the way, a disk that isn't connected) than a bucket does (keys, the
 * provider), so it gets other words. `undefined` when it isn't known (the bucket words).
 */
export type StorageKind = 'local' | 'bucket';

export const storageKindOf = (provider: ProviderKind | string | undefined): StorageKind | undefined => (provider === undefined ? undefined : provider === 'local' ? 'local' : 'bucket');

/** The storage codes said for a local folder; the others read the same for every kind. */
function explainLocal(code: ErrorCode): Explanation | undefined {
  switch (code) {
    case 'access_denied':
      return { title: 'Cairn may not write to this folder', hint: 'Check the folder’s permissions (your user needs read and write access) and that its disk is not read-only, then try again.' };
    case 'bucket_not_found':
      return { title: 'The folder does not exist', hint: 'Check the path, or create the folder first. A folder on an external disk needs the disk connected.' };
    case 'unreachable':
      return { title: 'The folder can’t be reached', hint: 'Check that the disk or network share holding it is connected and mounted, then try again.' };
    case 'no_vault':
      return { title: 'No vault in this folder', hint: 'If the vault is on a disk that isn’t connected, connect it and try again. If the vault folder moved, choose the folder it is in now.' };
    case 'storage':
      return { title: 'The folder can’t be used as it is', hint: 'Something on disk is in the way — the details name it (for example a file where a folder should be). Fix it or choose another folder.' };
    default:
      return undefined;
  }
}

export function explainCode(code: ErrorCode, storage?: StorageKind): Explanation {
  const local = storage === 'local' ? explainLocal(code) : undefined;
  if (local) return local;
  switch (code) {
    case 'not_found':
      return { title: 'Not found', hint: 'It may have been removed by retention or by another device. Refresh and try again.' };
    case 'bucket_not_found':
      return { title: 'The bucket does not exist', hint: 'Check the bucket name and the endpoint or region, or create the bucket in your provider’s console first.' };
    case 'access_denied':
      return { title: 'The storage refused these keys', hint: 'Check the access key ID and secret. The key needs read, write, list and delete permission on this bucket.' };
    case 'clock_skew':
      return { title: 'This computer’s clock is off', hint: 'Storage providers refuse requests signed with a wrong time. Turn on automatic date and time in your system settings, then try again.' };
    case 'unreachable':
      return { title: 'The storage can’t be reached', hint: 'Check the endpoint address and your internet connection, then try again.' };
    case 'checksum_refused':
      return { title: 'The provider refused checksum headers', hint: 'This S3-compatible service rejects checksum headers some clients send. Update Cairn, or tell us which provider this is.' };
    case 'storage':
      return { title: 'The storage reported an error', hint: 'This is usually temporary. Try again in a moment; if it keeps happening, check the provider’s status page.' };
    case 'integrity':
      return { title: 'Data failed verification', hint: 'Something in the vault is damaged or was changed by someone else. Run a vault check in Settings to see what is affected.' };
    case 'wrong_key':
      return { title: 'Wrong passphrase or recovery key', hint: 'It does not unlock this vault. Check for typos and the keyboard layout, or use your recovery key.' };
    case 'vault_exists':
      return { title: 'A vault already exists here', hint: 'Join it with its passphrase or recovery key instead, or choose another bucket or prefix.' };
    case 'no_vault':
      return { title: 'No vault at this location', hint: 'Check the bucket and prefix, or create a new vault here.' };
    case 'unsupported_version':
      return { title: 'This vault needs a newer Cairn', hint: 'Another device wrote it with a newer version. Update Cairn on this computer.' };
    case 'config':
      return { title: 'Something in the settings is not right', hint: 'Check the values you entered.' };
    case 'unsafe_path':
      return { title: 'Unsafe file name refused', hint: 'An entry of the snapshot has a name or link that would write outside the chosen folder, so the restore stopped before writing any file.' };
    case 'exists':
      return { title: 'Files already exist there', hint: 'Turn on “Overwrite existing files” or restore into another folder.' };
    case 'locked':
      return { title: 'The vault is busy', hint: 'Another device or process is working on it. Cairn tries again on its own; you can also retry in a minute.' };
    case 'conflict':
      return { title: 'A conflict needs your decision', hint: 'Open Conflicts to choose which version to keep.' };
    case 'disk_full':
      return { title: 'The disk is full', hint: 'Free some space on this computer and try again.' };
    case 'cancelled':
      return { title: 'Cancelled', hint: 'The operation was stopped before it finished. Nothing was left half-written.' };
    case 'keychain_unavailable':
      return { title: 'The system keychain is not available', hint: 'Cairn keeps your keys only in the system keychain. Unlock or install it (Keychain, Credential Manager or GNOME Keyring) and try again.' };
    case 'ipc':
      return { title: 'Request refused by the app', hint: 'This is a bug in Cairn’s window. Restart the app; if it happens again, please report it.' };
    case 'internal':
      return { title: 'Something went wrong', hint: 'This is a bug in Cairn. Try again; if it happens again, please report it with the details below.' };
    default: {
      const unhandled: never = code;
      return { title: 'Unknown error', hint: `Unrecognised error code ${String(unhandled)}.` };
    }
  }
}

export interface ExplainedError extends Explanation {
  code: ErrorCode;
  /** The engine's own message, with names and addresses. */
  detail: string;
  retryable: boolean;
}

export function explainError(error: ErrorRecord, storage?: StorageKind): ExplainedError {
  return { ...explainCode(error.code, storage), code: error.code, detail: error.message, retryable: error.retryable };
}
