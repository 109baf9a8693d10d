// The type of `window.cairn`: what the preload actually builds (buildCairnApi's inferred return
// type, not an annotation), checked against the contract's CairnApi both ways below, so a method
// or an `on` that drifts from the contract fails typecheck. The renderer's global declaration
// imports it from here.

import type { CairnApi } from '../shared/ipc/contract.ts';
import type { buildCairnApi } from './build-api.ts';

export type RendererApi = ReturnType<typeof buildCairnApi>;

/** Compile-time proof that the exposed object and the contract agree in both directions. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _rendererApiMatchesContract: Same<RendererApi, CairnApi> = true;
void _rendererApiMatchesContract;

export type { CairnApi };
/** The global name the preload exposes the API under. */
export const API_GLOBAL = 'cairn';
