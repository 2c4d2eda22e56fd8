import { type ContextOrigin, originOf } from '../context/build.js';
import type { AuthContext } from '../context/types.js';
import { isAuthError } from '../errors/auth-error.js';
import type { KeySource, VerificationKey } from '../keys/key-set.js';
import { requestScopedIo } from '../keys/remote/request-scoped-io.js';
import type { RevocationChange, RevocationStore } from '../revocation/store.js';
import type { Algorithm } from '../token/algorithms.js';
import { decodeJwt } from '../token/jws.js';
import { checkSignature } from '../token/verify-uncached.js';
import { type Deadline, DeadlineHeap } from './deadline-heap.js';
import { RequestBoundEnd } from './request-scoped.js';

/**
 * The process's watched connections (see `watch.ts` for the promise): one {@link DeadlineHeap}
 * for every expiry, one listener per revocation store (with the watches indexed by the claims
 * stores name in their changes), one listener per key source. A watch costs a few map entries,
 * never a timer or a listener of its own — except on workerd, where I/O belongs to a request:
 * there each watch arms its own timer and listens to its key source from its own request
 * (`request-scoped.ts` says why).
 */

/** Why a watched connection must end. */
export type WatchEndReason = 'expired' | 'revoked' | 'key_withdrawn';

/** One watched context. */
export class Watch implements Deadline {
  heapIndex = -1;
  ended = false;
  store: StoreGroup | undefined;
  keys: KeyGroup | undefined;
  /** On workerd: this watch's own timer and the way back into its request; elsewhere undefined. */
  readonly bound: RequestBoundEnd<WatchEndReason> | undefined;

  /** Made in the request that holds the connection (on workerd, that is where `onEnd` runs). */
  constructor(
    readonly auth: AuthContext<any>,
    readonly deadline: number,
    readonly onEnd: (reason: WatchEndReason) => void,
  ) {
    this.bound = requestScopedIo() ? new RequestBoundEnd((reason) => callOnEnd(this, reason)) : undefined;
  }
}

type Bucket = Watch | Set<Watch>;

/** The watches of one revocation store and its one subscription. */
interface StoreGroup {
  readonly store: RevocationStore;
  readonly watches: Set<Watch>;
  /** claim → value → watches whose payload carries that value (`jti` and `sub` from the start). */
  readonly indexes: Map<string, Map<string, Bucket>>;
  readonly unsubscribe: () => void;
}

/** The watches of one key source and its one subscription. */
interface KeyGroup {
  readonly source: KeySource;
  readonly watches: Set<Watch>;
  readonly unsubscribe: () => void;
}

const heap = new DeadlineHeap<Watch>((watch) => end(watch, 'expired'));
const stores = new Map<RevocationStore, StoreGroup>();
const keySources = new Map<KeySource, KeyGroup>();

let active = 0;

/** Watches held in the process (for tests and the memory bench). */
export function watchCount(): number {
  return active;
}

/** Starts watching: expiry, revocation (when the store announces changes), key changes. */
export function startWatch(watch: Watch, origin: ContextOrigin): void {
  active++;
  if (Number.isFinite(watch.deadline)) {
    if (watch.bound) watch.bound.arm(watch.deadline, () => end(watch, 'expired'));
    else heap.add(watch);
  }
  const store = origin.revocation;
  if (store?.subscribe) {
    watch.store = storeGroup(store);
    watch.store.watches.add(watch);
    for (const [claim, index] of watch.store.indexes) addToIndex(index, watch, claim);
    // A revocation made between the verification and this call: asked once, after this returns.
    queueMicrotask(() => checkRevoked(watch));
  }
  // An introspected (opaque) token has no key to withdraw: its answer's `exp` and revocation hold.
  const source = origin.key === undefined ? undefined : origin.profile.keys;
  if (source?.onChange) {
    // On workerd each watch listens on its own, so the set is refreshed from its own request.
    watch.keys = keyGroup(source, watch.bound !== undefined);
    watch.keys.watches.add(watch);
  }
}

/** The caller stops watching; `onEnd` is never called afterwards. */
export function cancelWatch(watch: Watch): void {
  watch.bound?.cancel();
  stopWatch(watch);
}

/** Stops watching (the caller did, or the watch ended). */
function stopWatch(watch: Watch): void {
  if (watch.ended) return;
  active--;
  watch.ended = true;
  if (watch.bound) watch.bound.disarm();
  else heap.remove(watch);
  const store = watch.store;
  if (store) {
    watch.store = undefined;
    store.watches.delete(watch);
    for (const [claim, index] of store.indexes) removeFromIndex(index, watch, claim);
    if (store.watches.size === 0) {
      stores.delete(store.store);
      store.unsubscribe();
    }
  }
  const keys = watch.keys;
  if (keys) {
    watch.keys = undefined;
    keys.watches.delete(watch);
    if (keys.watches.size === 0) {
      if (keySources.get(keys.source) === keys) keySources.delete(keys.source);
      keys.unsubscribe();
    }
  }
}

function end(watch: Watch, reason: WatchEndReason): void {
  if (watch.ended) return;
  stopWatch(watch);
  if (watch.bound) watch.bound.deliver(reason);
  else callOnEnd(watch, reason);
}

function callOnEnd(watch: Watch, reason: WatchEndReason): void {
  try {
    watch.onEnd(reason);
  } catch (error) {
    console.error('tokengate: a watchAuth onEnd listener threw', error);
  }
}

function storeGroup(store: RevocationStore): StoreGroup {
  let group = stores.get(store);
  if (!group) {
    const indexes = new Map([
      ['jti', new Map<string, Bucket>()],
      ['sub', new Map<string, Bucket>()],
    ]);
    const watches = new Set<Watch>();
    const unsubscribe = store.subscribe!((change) => onRevocation(watches, indexes, change));
    group = { store, watches, indexes, unsubscribe };
    stores.set(store, group);
  }
  return group;
}

function onRevocation(
  watches: Set<Watch>,
  indexes: Map<string, Map<string, Bucket>>,
  change: RevocationChange,
): void {
  const { claim, value } = change ?? {};
  if (typeof claim !== 'string' || typeof value !== 'string') {
    for (const watch of [...watches]) checkRevoked(watch);
    return;
  }
  let index = indexes.get(claim);
  if (!index) {
    // A claim this store names that no watch was indexed by yet (a session's `sid`): index every
    // watch by it once; later watches are added as they come.
    index = new Map();
    for (const watch of watches) addToIndex(index, watch, claim);
    indexes.set(claim, index);
  }
  const bucket = index.get(value);
  if (bucket instanceof Set) for (const watch of [...bucket]) checkRevoked(watch);
  else if (bucket) checkRevoked(bucket);
}

/** Asks the store's own `isRevoked`, as a request would; a store that cannot tell ends nothing. */
function checkRevoked(watch: Watch): void {
  const group = watch.store;
  if (watch.ended || !group) return;
  const tolerance = originOf(watch.auth)?.profile.policy.tolerance;
  let answer: boolean | Promise<boolean>;
  try {
    answer = group.store.isRevoked(watch.auth, { clockTolerance: tolerance });
  } catch {
    return;
  }
  if (answer === true) end(watch, 'revoked');
  else if (answer instanceof Promise) {
    answer.then(
      (revoked) => {
        if (revoked === true) end(watch, 'revoked');
      },
      () => {},
    );
  }
}

function addToIndex(index: Map<string, Bucket>, watch: Watch, claim: string): void {
  const value = watch.auth.payload[claim];
  if (typeof value !== 'string') return;
  const bucket = index.get(value);
  if (bucket === undefined) index.set(value, watch);
  else if (bucket instanceof Set) bucket.add(watch);
  else index.set(value, new Set([bucket, watch]));
}

function removeFromIndex(index: Map<string, Bucket>, watch: Watch, claim: string): void {
  const value = watch.auth.payload[claim];
  if (typeof value !== 'string') return;
  const bucket = index.get(value);
  if (bucket === watch) index.delete(value);
  else if (bucket instanceof Set) {
    bucket.delete(watch);
    if (bucket.size === 1) index.set(value, bucket.values().next().value!);
  }
}

/** The shared group of a key source, or (`own`) a group of one watch, held by no map. */
function keyGroup(source: KeySource, own: boolean): KeyGroup {
  let group = own ? undefined : keySources.get(source);
  if (!group) {
    const watches = new Set<Watch>();
    const unsubscribe = source.onChange!(() => void recheckKeys(source, watches));
    group = { source, watches, unsubscribe };
    if (!own) keySources.set(source, group);
  }
  return group;
}

/** Watches checked between two yields to the event loop when a key set changes. */
const KEY_CHECK_SLICE = 256;

/**
 * After a key-set change: is each watched token still verified by a key the source selects for
 * it now? The same answer a fresh verification would give (unknown `kid` or no key whose
 * signature check passes: withdrawn); a source that cannot answer (503) ends nothing.
 */
async function recheckKeys(source: KeySource, watches: Set<Watch>): Promise<void> {
  let checked = 0;
  for (const watch of [...watches]) {
    if (watch.ended) continue;
    const reason = await keyFault(source, watch);
    if (reason) end(watch, reason);
    if (++checked % KEY_CHECK_SLICE === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function keyFault(source: KeySource, watch: Watch): Promise<WatchEndReason | undefined> {
  const origin = originOf(watch.auth);
  if (!origin || origin.key === undefined) return undefined;
  const { header, payload, token } = watch.auth;
  let keys: readonly VerificationKey[];
  try {
    keys = await source.keysFor(header as typeof header & { alg: Algorithm }, payload);
  } catch (error) {
    return isAuthError(error) && error.code === 'invalid_token' ? 'key_withdrawn' : undefined;
  }
  if (keys.includes(origin.key)) return undefined;
  // The set was fetched again: its keys are new objects, perhaps the same material.
  const decoded = decodeJwt(token);
  const checkedToken = {
    ...decoded,
    header: header as typeof header & { alg: Algorithm },
    profile: origin.profile,
  };
  const key = await checkSignature(checkedToken, keys, origin.backend);
  if (key === undefined) return 'key_withdrawn';
  origin.rekey(key);
  return undefined;
}
