/**
 * How the Redis revocation store keeps its local copy trustworthy, written as a state machine:
 * the states it passes through, the one function that says where each event leads, and the
 * runner that enters states, owns their timers and lets go of what they held. It knows nothing
 * of node-redis: Redis is a {@link SyncPort} and the pub/sub connection a {@link PubSubLink}, so
 * tests drive it with a scripted connection and a fake clock.
 *
 * ```text
 *            ┌──────────────────── link-lost (from every state that holds a link) ───────────────────┐
 *            ▼                                                                                       │
 *  ┌──▶ backoff ─elapsed─▶ locating ─located─▶ opening ─link-ready─▶ subscribing ─subscribed─▶ loading ─loaded─▶ writing-back ─written─▶ serving
 *  │                          │                                          │    ▲                 │    ▲               │
 *  └──────── locate-failed ───┘                                   failed ▼    │ elapsed  failed ▼    │ elapsed       │ failed
 *                                                                     retrying (same link; resumes where it failed) ◀┘
 *  close: every state ─▶ closed
 * ```
 *
 * Only `serving` answers from a trusted copy. `backoff` and `retrying` own one timer each (the
 * delay before the next try); the pub/sub link owns its heartbeat; the store owns the sweep.
 */
import { decodeEntry, type RevocationEntry, type RevocationMirror } from './mirror.js';

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

/** What the machine asks of Redis; each round trip is bounded by the command timeout. */
export interface SyncPort {
  /** A new, unconnected pub/sub link to the master that holds the keys now. */
  openLink(): Promise<PubSubLink>;
  /** Adds every entry Redis holds to `into`; stops early once `wanted()` is false. */
  load(into: RevocationMirror, wanted: () => boolean): Promise<void>;
  /** Writes `entries` back with their original expiry; stops early once `wanted()` is false. */
  writeBack(entries: readonly RevocationEntry[], wanted: () => boolean): Promise<void>;
}

/** A one-shot timer: fires `fire` after `ms` and returns the function that cancels it. */
export type Schedule = (ms: number, fire: () => void) => () => void;

/** {@link Schedule} on the process's timers, which never keep the process alive. */
export const realSchedule: Schedule = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

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

/** The name of a {@link SyncState}. */
export type SyncStateName = SyncState['name'];

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

/** What the machine needs: Redis, the copy it keeps trustworthy, a clock, and where to report. */
export interface SyncDeps {
  readonly port: SyncPort;
  /** The local copy; a reload only ever adds to it. */
  readonly mirror: RevocationMirror;
  /** An empty copy with the same settings, for a reload to fill. */
  readonly newCopy: () => RevocationMirror;
  /** The channel's name, for reports. */
  readonly channel: string;
  /** Clock in milliseconds (entry expiry). */
  readonly now: () => number;
  readonly schedule: Schedule;
  /** Milliseconds before reopen or retry `attempt` (0, 1, 2, …); negative means 0. */
  readonly reconnectStrategy: (attempt: number) => number;
  /** What the machine finds inside a state (Redis lost data; a message that is no revocation). */
  readonly report: (message: string) => void;
  /** Called after every transition, before the new state's entry action. */
  readonly onTransition: (from: SyncState, to: SyncState, event: SyncEvent) => void;
}

/** A running {@link SyncState} machine. */
export interface SyncMachine {
  /** The state it is in now. */
  readonly state: SyncState;
  /** Feeds it an event (tests; the store sends only `close`). */
  dispatch(event: SyncEvent): void;
}

const noop = () => {};

/**
 * Starts the machine in {@link INITIAL}. Each state's entry action starts its step (a timer, a
 * Redis call, connecting the link); the step's outcome comes back as an event tagged with that
 * state, and is dropped if the machine has moved on. Leaving a state cancels its timer, and
 * destroys its link unless the next state keeps it.
 */
export function startSyncMachine(deps: SyncDeps): SyncMachine {
  const { port, mirror, now, schedule, reconnectStrategy, report } = deps;
  let state = INITIAL;
  /** Cancels what the current state owns (its timer). */
  let release: () => void = noop;
  /** Events raised while a transition runs (by an entry action or a hook) wait their turn. */
  const queue: { event: SyncEvent; from: SyncState | undefined }[] = [];
  let stepping = false;

  function dispatch(event: SyncEvent, from?: SyncState): void {
    queue.push({ event, from });
    if (stepping) return;
    stepping = true;
    try {
      for (let item = queue.shift(); item; item = queue.shift()) step(item.event, item.from);
    } finally {
      stepping = false;
    }
  }

  function step(event: SyncEvent, from: SyncState | undefined): void {
    const prev = state;
    const next = from === undefined || from === prev ? transition(prev, event, deps.newCopy) : undefined;
    if (next === undefined) {
      if (event.type === 'located') event.link.destroy(); // nobody will use it
      return;
    }
    release();
    release = noop;
    if ('link' in prev && !('link' in next && next.link === prev.link)) prev.link.destroy();
    state = next;
    deps.onTransition(prev, next, event);
    release = enter(next);
  }

  /** Runs `work` for state `s` and turns its outcome into `done` or `failed`. */
  function settle(s: SyncState, work: () => Promise<unknown>, done: SyncEvent): void {
    Promise.resolve()
      .then(work)
      .then(
        () => dispatch(done, s),
        (error: unknown) => dispatch({ type: 'failed', error }, s),
      );
  }

  /** Delay `attempt` of the reconnect strategy, then `elapsed`. */
  const wait = (s: SyncState, attempt: number) =>
    schedule(Math.max(0, reconnectStrategy(attempt)), () => dispatch({ type: 'elapsed' }, s));

  /** The entry action of each state; returns what cancels the timer it owns. */
  function enter(s: SyncState): () => void {
    switch (s.name) {
      case 'backoff':
        return wait(s, s.opens);
      case 'retrying':
        return wait(s, s.retries);
      case 'locating':
        Promise.resolve()
          .then(port.openLink)
          .then(
            (link) => dispatch({ type: 'located', link }, s),
            (error: unknown) => dispatch({ type: 'locate-failed', error }, s),
          );
        return noop;
      case 'opening': {
        const { link } = s;
        link.connect({
          ready: () => dispatch({ type: 'link-ready', link }),
          lost: (error) => dispatch({ type: 'link-lost', link, error }),
        });
        return noop;
      }
      case 'subscribing':
        settle(s, () => s.link.subscribe(receive), { type: 'subscribed' });
        return noop;
      case 'loading':
        settle(s, () => port.load(s.fresh, () => state === s), { type: 'loaded' });
        return noop;
      case 'writing-back':
        settle(s, () => writeBack(s), { type: 'written' });
        return noop;
      case 'serving':
      case 'closed':
        return noop;
    }
  }

  /** Redis gets what it lacks (with the original expiry), then the copy gets what Redis had. */
  async function writeBack(s: SyncState & { name: 'writing-back' }): Promise<void> {
    const missing = mirror.missingFrom(s.fresh, now() / 1000);
    await port.writeBack(missing, () => state === s);
    if (state !== s) return;
    if (missing.length > 0) {
      report(
        `Redis was missing ${missing.length} revocation(s) this instance holds (it lost data, or a failover lost its latest writes): wrote them back`,
      );
    }
    mirror.merge(s.fresh);
  }

  /** A message on the channel: into the copy, and into the copy a reload is filling. */
  function receive(message: string): void {
    const entry = decodeEntry(message);
    if (!entry) {
      report(`ignored a message on ${deps.channel} that is not a revocation`);
      return;
    }
    mirror.apply(entry);
    if (state.name === 'loading' || state.name === 'writing-back') state.fresh.apply(entry);
  }

  release = enter(state);
  return {
    get state() {
      return state;
    },
    dispatch: (event) => dispatch(event),
  };
}
