import { describe, expect, it } from 'vitest';
import { RevocationMirror } from '../src/mirror.js';
import { INITIAL, type PubSubLink, type SyncEvent, type SyncState, transition } from '../src/sync-states.js';

// The transition table on its own: pure data in, pure data out. What running it does (timers,
// calls, links let go) is sync-machine.test.ts; what it does against real Redis, the other files.

/** A link that is only compared by identity (and asked whether it is up). */
function scriptedLink(isReady = true): PubSubLink {
  return { isReady, connect() {}, subscribe: async () => 'OK', destroy() {} };
}

const link = scriptedLink();
const other = scriptedLink();
const copy = new RevocationMirror(undefined);
const newCopy = () => copy;
const linked = { status: 'unavailable', opens: 2, link, retries: 1 } as const;

/** Every state, with data that lets each transition show what it carries over. */
const STATES: Record<SyncState['name'], SyncState> = {
  backoff: { name: 'backoff', status: 'unavailable', opens: 2 },
  locating: { name: 'locating', status: 'unavailable', opens: 2 },
  opening: { name: 'opening', status: 'unavailable', opens: 2, link },
  subscribing: { name: 'subscribing', ...linked },
  loading: { name: 'loading', ...linked, fresh: copy },
  'writing-back': { name: 'writing-back', ...linked, fresh: copy },
  retrying: { name: 'retrying', ...linked, resume: 'loading' },
  serving: { name: 'serving', status: 'ready', link },
  closed: { name: 'closed', status: 'closed' },
};

const EVENTS: SyncEvent[] = [
  { type: 'located', link: other },
  { type: 'locate-failed', error: new Error('x') },
  { type: 'link-ready', link },
  { type: 'link-lost', link },
  { type: 'subscribed' },
  { type: 'loaded' },
  { type: 'written' },
  { type: 'failed', error: new Error('x') },
  { type: 'elapsed' },
  { type: 'close' },
];

/** The whole table: every transition the machine makes, and nothing else. */
const TABLE: [SyncState['name'], SyncEvent['type'], SyncState][] = [
  ['backoff', 'elapsed', { name: 'locating', status: 'unavailable', opens: 3 }],
  ['locating', 'located', { name: 'opening', status: 'unavailable', opens: 2, link: other }],
  ['locating', 'locate-failed', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['opening', 'link-ready', { name: 'subscribing', status: 'unavailable', opens: 2, link, retries: 0 }],
  ['opening', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['subscribing', 'subscribed', { name: 'loading', ...linked, fresh: copy }],
  ['subscribing', 'failed', { name: 'retrying', ...linked, resume: 'subscribing' }],
  ['subscribing', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['loading', 'loaded', { name: 'writing-back', ...linked, fresh: copy }],
  ['loading', 'failed', { name: 'retrying', ...linked, resume: 'loading' }],
  ['loading', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['writing-back', 'written', { name: 'serving', status: 'ready', link }],
  ['writing-back', 'failed', { name: 'retrying', ...linked, resume: 'loading' }],
  ['writing-back', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['retrying', 'elapsed', { name: 'loading', ...linked, retries: 2, fresh: copy }],
  ['retrying', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 2 }],
  ['serving', 'link-lost', { name: 'backoff', status: 'unavailable', opens: 0 }],
  ...(Object.keys(STATES) as SyncState['name'][])
    .filter((name) => name !== 'closed')
    .map((name): [SyncState['name'], 'close', SyncState] => [
      name,
      'close',
      { name: 'closed', status: 'closed' },
    ]),
];

describe('transition(): the table', () => {
  for (const [from, type, to] of TABLE) {
    it(`${from} —${type}→ ${to.name}`, () => {
      const event = EVENTS.find((e) => e.type === type)!;
      expect(transition(STATES[from], event, newCopy)).toEqual(to);
    });
  }

  it('every other event is ignored in every state', () => {
    for (const state of Object.values(STATES)) {
      for (const event of EVENTS) {
        if (TABLE.some(([from, type]) => from === state.name && type === event.type)) continue;
        expect(transition(state, event, newCopy), `${state.name} + ${event.type}`).toBeUndefined();
      }
    }
  });

  it('news from a link the state does not hold is ignored', () => {
    expect(transition(STATES.opening, { type: 'link-ready', link: other }, newCopy)).toBeUndefined();
    for (const name of [
      'opening',
      'subscribing',
      'loading',
      'writing-back',
      'retrying',
      'serving',
    ] as const) {
      expect(transition(STATES[name], { type: 'link-lost', link: other }, newCopy)).toBeUndefined();
    }
  });

  it('a retry resumes where it failed: subscribing again, or a reload into a new copy', () => {
    const retry = { name: 'retrying', ...linked, resume: 'subscribing' } as const;
    expect(transition(retry, { type: 'elapsed' }, newCopy)).toEqual({
      name: 'subscribing',
      ...linked,
      retries: 2,
    });
  });

  it('a reload that finished on a link that went down without saying so is not trusted', () => {
    const silent = scriptedLink(false); // down, though it never said so
    const state: SyncState = { name: 'writing-back', ...linked, link: silent, fresh: copy };
    expect(transition(state, { type: 'written' }, newCopy)).toEqual({
      name: 'backoff',
      status: 'unavailable',
      opens: 2,
    });
  });

  it('the status is connecting until the first serving, unavailable after it', () => {
    expect(INITIAL).toEqual({ name: 'locating', status: 'connecting', opens: 0 });
    const first = transition(INITIAL, { type: 'located', link }, newCopy)!;
    expect(first.status).toBe('connecting');
    expect(transition(first, { type: 'link-lost', link }, newCopy)).toEqual({
      name: 'backoff',
      status: 'connecting',
      opens: 0,
    });
  });
});
