/**
 * How the Redis revocation store keeps its local copy trustworthy, as a state machine: its
 * states, and the one function that says where each event leads ({@link transition}). Running it
 * (entry actions, timers, letting go of what a state held) is `sync-machine.ts`; node-redis is
 * `sync-redis.ts`. Nothing here knows Redis, so tests drive the machine with a scripted
 * connection and a fake clock.
 *
 * | state          | what happens                                                   | owns               |
 * | -------------- | -------------------------------------------------------------- | ------------------ |
 * | `locating`     | asks the deployment which master holds the keys now            |                    |
 * | `opening`      | a new pub/sub link to it connects                              | the link           |
 * | `subscribing`  | subscribes to the channel                                      | the link           |
 * | `loading`      | reads every entry into a fresh copy (messages reach both)      | link, fresh copy   |
 * | `writing-back` | Redis gets what it lacks, then the copy gets what Redis had    | link, fresh copy   |
 * | `serving`      | the copy is trusted: the only state `isRevoked` answers in     | the link           |
 * | `backoff`      | waits before locating again (link lost, or none found)         | a timer            |
 * | `retrying`     | waits before retrying the failed step on the same link         | the link, a timer  |
 * | `closed`       | for good                                                       |                    |
 *
 * Up: locating → opening → subscribing → loading → writing-back → serving. Back: `link-lost` from
 * any state that holds a link, and `locate-failed`, lead to `backoff`; `failed` (subscribing,
 * loading, writing-back) to `retrying`; `close` from anywhere to `closed`. The link owns its
 * heartbeat (`sync-redis.ts`); the store owns the sweep of the copy.
 */
import type { RevocationMirror } from './mirror.js';

/** A pub/sub connection to the master that holds the keys, as the machine drives it. */
export interface PubSubLink {
  /** Starts connecting: `ready()` once it can subscribe, `lost(error?)` when it fails or drops. */
  connect(events: { ready(): void; lost(error?: unknown): void }): void;
  /** Subscribes to the revocation channel; rejects on failure or after the command timeout. */
  subscribe(onMessage: (message: string) => void): Promise<unknown>;
  /** Whether it is connected now. */
  readonly isReady: boolean;
  /** Closes it at once; no event follows. */
  destroy(): void;
}

/** Why a not-serving state cannot be trusted: never loaded yet, or the link was lost since. */
type Untrusted = { readonly status: 'connecting' | 'unavailable'; readonly opens: number };
/** A state that holds the pub/sub link; `retries` counts failed tries on this link. */
type Linked = Untrusted & { readonly link: PubSubLink; readonly retries: number };

/**
 * Every state and the data it carries. `opens` counts the links opened since the store last
 * served (it picks the backoff delay); `fresh` is the copy a reload fills, which messages that
 * arrive meanwhile reach too.
 */
export type SyncState =
  | (Untrusted & { readonly name: 'backoff' })
  | (Untrusted & { readonly name: 'locating' })
  | (Untrusted & { readonly name: 'opening'; readonly link: PubSubLink })
  | (Linked & { readonly name: 'subscribing' })
  | (Linked & { readonly name: 'loading'; readonly fresh: RevocationMirror })
  | (Linked & { readonly name: 'writing-back'; readonly fresh: RevocationMirror })
  | (Linked & { readonly name: 'retrying'; readonly resume: 'subscribing' | 'loading' })
  | { readonly name: 'serving'; readonly status: 'ready'; readonly link: PubSubLink }
  | { readonly name: 'closed'; readonly status: 'closed' };

/** What happens to the machine: the outcome of a step, a link's news, a timer, or `close()`. */
export type SyncEvent =
  | { readonly type: 'located'; readonly link: PubSubLink }
  | { readonly type: 'locate-failed'; readonly error: unknown }
  | { readonly type: 'link-ready'; readonly link: PubSubLink }
  | { readonly type: 'link-lost'; readonly link: PubSubLink; readonly error?: unknown }
  | { readonly type: 'subscribed' }
  | { readonly type: 'loaded' }
  | { readonly type: 'written' }
  | { readonly type: 'failed'; readonly error: unknown }
  | { readonly type: 'elapsed' }
  | { readonly type: 'close' };

/** The state the machine starts in. */
export const INITIAL: SyncState = { name: 'locating', status: 'connecting', opens: 0 };

/**
 * Every transition: the state `event` leads to from `state`, or `undefined` when it means nothing
 * there (a late answer from a step already left, news from a link already dropped). Pure;
 * `newCopy` gives the empty copy a reload fills.
 */
export function transition(
  state: SyncState,
  event: SyncEvent,
  newCopy: () => RevocationMirror,
): SyncState | undefined {
  if (state.name === 'closed') return undefined;
  if (event.type === 'close') return { name: 'closed', status: 'closed' };
  const status = state.status === 'ready' ? 'unavailable' : state.status;
  const opens = state.name === 'serving' ? 0 : state.opens;
  if (event.type === 'link-lost') {
    return 'link' in state && state.link === event.link ? { name: 'backoff', status, opens } : undefined;
  }
  switch (state.name) {
    case 'backoff':
      return event.type === 'elapsed' ? { name: 'locating', status, opens: opens + 1 } : undefined;
    case 'locating':
      if (event.type === 'located') return { name: 'opening', status, opens, link: event.link };
      return event.type === 'locate-failed' ? { name: 'backoff', status, opens } : undefined;
    case 'opening':
      return event.type === 'link-ready' && event.link === state.link
        ? { name: 'subscribing', status, opens, link: state.link, retries: 0 }
        : undefined;
    case 'subscribing':
      if (event.type === 'subscribed') return { ...state, name: 'loading', fresh: newCopy() };
      return event.type === 'failed' ? { ...state, name: 'retrying', resume: 'subscribing' } : undefined;
    case 'loading':
      if (event.type === 'loaded') return { ...state, name: 'writing-back' };
      return event.type === 'failed' ? retrying(state) : undefined;
    case 'writing-back':
      if (event.type === 'written') {
        // a link that went down without saying so is lost all the same
        return state.link.isReady
          ? { name: 'serving', status: 'ready', link: state.link }
          : { name: 'backoff', status, opens };
      }
      return event.type === 'failed' ? retrying(state) : undefined;
    case 'retrying': {
      if (event.type !== 'elapsed') return undefined;
      const { link, retries } = state;
      return state.resume === 'subscribing'
        ? { name: 'subscribing', status, opens, link, retries: retries + 1 }
        : { name: 'loading', status, opens, link, retries: retries + 1, fresh: newCopy() };
    }
    case 'serving':
      return undefined;
  }
}

function retrying(state: Linked): SyncState {
  const { status, opens, link, retries } = state;
  return { name: 'retrying', status, opens, link, retries, resume: 'loading' };
}
