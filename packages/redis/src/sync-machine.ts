/**
 * Runs the sync machine whose states and transitions are `sync-states.ts`: enters each state
 * (starts its step, arms its timer), turns the step's outcome into the next event, and lets go of
 * what a state held when the machine leaves it.
 */
import { decodeEntry, type RevocationEntry, type RevocationMirror } from './mirror.js';
import { INITIAL, type PubSubLink, type SyncEvent, type SyncState, transition } from './sync-states.js';

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
  /** The timers of `backoff` and `retrying` (a fake clock in tests). */
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
  /** What the machine shows: a plain field, read on every request (`isRevoked`), so no getter. */
  const self: { state: SyncState; dispatch(event: SyncEvent): void } = {
    state: INITIAL,
    dispatch: (event) => dispatch(event),
  };
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
    const prev = self.state;
    const next = from === undefined || from === prev ? transition(prev, event, deps.newCopy) : undefined;
    if (next === undefined) {
      if (event.type === 'located') event.link.destroy(); // nobody will use it
      return;
    }
    release();
    release = noop;
    if ('link' in prev && !('link' in next && next.link === prev.link)) prev.link.destroy();
    self.state = next;
    deps.onTransition(prev, next, event);
    release = enter(next);
  }

  /** Runs the step of state `s`; its outcome becomes an event tagged with `s`. */
  function settle<T>(
    s: SyncState,
    work: () => Promise<T>,
    done: (value: T) => SyncEvent,
    failed = (error: unknown): SyncEvent => ({ type: 'failed', error }),
  ): () => void {
    Promise.resolve()
      .then(work)
      .then(
        (value) => dispatch(done(value), s),
        (error: unknown) => dispatch(failed(error), s),
      );
    return noop;
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
        return settle(
          s,
          () => port.openLink(),
          (link) => ({ type: 'located', link }),
          (error) => ({ type: 'locate-failed', error }),
        );
      case 'opening': {
        const { link } = s;
        link.connect({
          ready: () => dispatch({ type: 'link-ready', link }),
          lost: (error) => dispatch({ type: 'link-lost', link, error }),
        });
        return noop;
      }
      case 'subscribing':
        return settle(
          s,
          () => s.link.subscribe(receive),
          () => ({ type: 'subscribed' }),
        );
      case 'loading':
        return settle(
          s,
          () => port.load(s.fresh, () => self.state === s),
          () => ({ type: 'loaded' }),
        );
      case 'writing-back':
        return settle(
          s,
          () => writeBack(s),
          () => ({ type: 'written' }),
        );
      case 'serving':
      case 'closed':
        return noop;
    }
  }

  /** Redis gets what it lacks (with the original expiry), then the copy gets what Redis had. */
  async function writeBack(s: SyncState & { name: 'writing-back' }): Promise<void> {
    const missing = mirror.missingFrom(s.fresh, now() / 1000);
    await port.writeBack(missing, () => self.state === s);
    if (self.state !== s) return;
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
    const { state } = self;
    if (state.name === 'loading' || state.name === 'writing-back') state.fresh.apply(entry);
  }

  release = enter(self.state);
  return self;
}
