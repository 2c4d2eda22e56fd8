import { describe, expect, it } from 'vitest';
import { type RevocationEntry, RevocationMirror } from '../src/mirror.js';
import { type Schedule, type SyncMachine, startSyncMachine } from '../src/sync-machine.js';
import { INITIAL, type PubSubLink, type SyncEvent, type SyncState } from '../src/sync-states.js';

// The sync machine running: no Redis, a fake clock and a scripted connection. The transition
// table alone is sync-states.test.ts; what the machine does against real Redis (restart, data
// loss, Cluster and Sentinel failover, a frozen server) is proven by the other files here.

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A clock that moves only when told to. */
class FakeClock {
  now = 0;
  timers: { at: number; ms: number; fire: () => void; live: boolean }[] = [];
  schedule: Schedule = (ms, fire) => {
    const timer = { at: this.now + ms, ms, fire, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  /** Delays of the timers still armed. */
  get armed(): number[] {
    return this.timers.filter((t) => t.live).map((t) => t.ms);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const timer of this.timers) {
      if (timer.live && timer.at <= this.now) {
        timer.live = false;
        timer.fire();
      }
    }
  }
}

/** A pub/sub connection whose every move the test scripts. */
class ScriptedLink implements PubSubLink {
  events: { ready(): void; lost(error?: unknown): void } | undefined;
  isReady = false;
  destroyed = false;
  subscribes: { onMessage: (message: string) => void; reply: ReturnType<typeof deferred<unknown>> }[] = [];
  connect(events: { ready(): void; lost(error?: unknown): void }): void {
    this.events = events;
  }
  subscribe(onMessage: (message: string) => void): Promise<unknown> {
    const reply = deferred<unknown>();
    this.subscribes.push({ onMessage, reply });
    return reply.promise;
  }
  destroy(): void {
    this.destroyed = true;
    this.isReady = false;
  }
  /** The connection comes up. */
  up(): void {
    this.isReady = true;
    this.events?.ready();
  }
  /** The connection drops. */
  drop(error?: unknown): void {
    this.isReady = false;
    this.events?.lost(error);
  }
  /** A message arrives on the channel. */
  publish(message: string): void {
    this.subscribes.at(-1)?.onMessage(message);
  }
}

/** Redis as the test scripts it: each call waits for the test's answer. */
class ScriptedRedis {
  opens: ReturnType<typeof deferred<PubSubLink>>[] = [];
  loads: { into: RevocationMirror; wanted: () => boolean; reply: ReturnType<typeof deferred<void>> }[] = [];
  writeBacks: {
    entries: readonly RevocationEntry[];
    wanted: () => boolean;
    reply: ReturnType<typeof deferred<void>>;
  }[] = [];
  port = {
    openLink: () => {
      const reply = deferred<PubSubLink>();
      this.opens.push(reply);
      return reply.promise;
    },
    load: (into: RevocationMirror, wanted: () => boolean) => {
      const reply = deferred();
      this.loads.push({ into, wanted, reply });
      return reply.promise;
    },
    writeBack: (entries: readonly RevocationEntry[], wanted: () => boolean) => {
      const reply = deferred();
      this.writeBacks.push({ entries, wanted, reply });
      return reply.promise;
    },
  };
}

const jti = (id: string, value = 2_000_000_000): RevocationEntry => ({ kind: 'jti', id, value });
const message = (entry: RevocationEntry) => JSON.stringify([entry.kind, entry.id, entry.value]);

/** A machine on a fake clock and scripted Redis, with everything it reports recorded. */
async function harness(strategy = (attempt: number) => 100 * 2 ** attempt) {
  const clock = new FakeClock();
  const redis = new ScriptedRedis();
  const mirror = new RevocationMirror(undefined);
  const reports: string[] = [];
  const trace: SyncState['name'][] = [INITIAL.name];
  const transitions: { from: SyncState; to: SyncState; event: SyncEvent }[] = [];
  const machine: SyncMachine = startSyncMachine({
    port: redis.port,
    mirror,
    newCopy: () => new RevocationMirror(undefined),
    channel: '{t:}revocations',
    now: () => 1_000_000_000_000,
    schedule: clock.schedule,
    reconnectStrategy: strategy,
    report: (text) => reports.push(text),
    onTransition: (from, to, event) => {
      trace.push(to.name);
      transitions.push({ from, to, event });
    },
  });
  const h = {
    clock,
    redis,
    mirror,
    reports,
    trace,
    transitions,
    machine,
    get state() {
      return machine.state;
    },
    /** Answers the pending openLink with a new scripted link. */
    async located(): Promise<ScriptedLink> {
      const link = new ScriptedLink();
      redis.opens.at(-1)!.resolve(link);
      await flush();
      return link;
    },
    /** Drives a fresh machine to `serving`, Redis holding `inRedis`. */
    async serve(inRedis: RevocationEntry[] = []): Promise<ScriptedLink> {
      const link = await h.located();
      link.up();
      await flush();
      link.subscribes.at(-1)!.reply.resolve('OK');
      await flush();
      const load = redis.loads.at(-1)!;
      for (const entry of inRedis) load.into.apply(entry);
      load.reply.resolve();
      await flush();
      redis.writeBacks.at(-1)!.reply.resolve();
      await flush();
      expect(h.state.name).toBe('serving');
      return link;
    },
  };
  await flush(); // the entry action of `locating` runs on the next tick
  return h;
}

describe('the machine, each transition with what it starts and what it lets go', () => {
  it('starts locating: asks Redis where the master is, once', async () => {
    const h = await harness();
    expect(h.state).toEqual(INITIAL);
    expect(h.redis.opens).toHaveLength(1);
    expect(h.clock.armed).toEqual([]);
  });

  it('locating —located→ opening: connects the new link', async () => {
    const h = await harness();
    const link = await h.located();
    expect(h.state).toMatchObject({ name: 'opening', link });
    expect(link.events).toBeDefined();
    expect(link.subscribes).toHaveLength(0);
  });

  it('locating —locate-failed→ backoff: one timer, growing with each failed open; elapsed → locating', async () => {
    const h = await harness();
    for (const delay of [100, 200, 400]) {
      h.redis.opens.at(-1)!.reject(new Error('no master'));
      await flush();
      expect(h.state.name).toBe('backoff');
      expect(h.clock.armed).toEqual([delay]);
      h.clock.advance(delay - 1);
      expect(h.state.name).toBe('backoff');
      h.clock.advance(1);
      await flush();
      expect(h.state.name).toBe('locating');
      expect(h.clock.armed).toEqual([]);
    }
    expect(h.redis.opens).toHaveLength(4);
    expect(h.transitions.filter((t) => t.event.type === 'locate-failed')).toHaveLength(3);
  });

  it('a negative delay from reconnectStrategy counts as 0', async () => {
    const h = await harness(() => -5);
    h.redis.opens[0]!.reject(new Error('no master'));
    await flush();
    expect(h.clock.armed).toEqual([0]);
  });

  it('opening —link-ready→ subscribing: subscribes on that link', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    expect(h.state).toMatchObject({ name: 'subscribing', retries: 0 });
    await flush();
    expect(link.subscribes).toHaveLength(1);
  });

  it('opening —link-lost→ backoff: destroys the link', async () => {
    const h = await harness();
    const link = await h.located();
    link.drop(new Error('ECONNREFUSED'));
    expect(h.state.name).toBe('backoff');
    expect(link.destroyed).toBe(true);
    expect(h.transitions.at(-1)!.event).toMatchObject({
      type: 'link-lost',
      error: new Error('ECONNREFUSED'),
    });
  });

  it('subscribing —subscribed→ loading: loads into a new copy that also gets the messages', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    expect(h.state.name).toBe('loading');
    const { into } = h.redis.loads[0]!;
    link.publish(message(jti('during-load')));
    expect(h.mirror.size).toBe(1);
    expect(into.size).toBe(1);
  });

  it('subscribing —failed→ retrying on the same link; elapsed → subscribing again', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.reject(new Error('timeout'));
    await flush();
    expect(h.state).toMatchObject({ name: 'retrying', resume: 'subscribing', retries: 0 });
    expect(link.destroyed).toBe(false);
    expect(h.clock.armed).toEqual([100]);
    h.clock.advance(100);
    await flush();
    expect(h.state).toMatchObject({ name: 'subscribing', retries: 1 });
    expect(link.subscribes).toHaveLength(2);
  });

  it('loading —failed→ retrying; elapsed → loading again, without subscribing again, with a longer delay next time', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    h.redis.loads[0]!.reply.reject(new Error('SCAN timed out'));
    await flush();
    expect(h.state).toMatchObject({ name: 'retrying', resume: 'loading' });
    expect(h.clock.armed).toEqual([100]);
    h.clock.advance(100);
    await flush();
    expect(h.state).toMatchObject({ name: 'loading', retries: 1 });
    expect(h.redis.loads).toHaveLength(2);
    expect(h.redis.loads[1]!.into).not.toBe(h.redis.loads[0]!.into); // a new copy
    expect(link.subscribes).toHaveLength(1);
    h.redis.loads[1]!.reply.reject(new Error('SCAN timed out'));
    await flush();
    expect(h.clock.armed).toEqual([200]);
  });

  it('loading —loaded→ writing-back: writes back what the copy holds and Redis lacks, reports it, then merges', async () => {
    const h = await harness();
    h.mirror.apply(jti('only-here'));
    h.mirror.apply(jti('in-both'));
    h.mirror.apply(jti('later-here', 2_000_000_100));
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    const load = h.redis.loads[0]!;
    load.into.apply(jti('in-both'));
    load.into.apply(jti('later-here', 2_000_000_000));
    load.into.apply(jti('only-in-redis'));
    load.reply.resolve();
    await flush();
    expect(h.state.name).toBe('writing-back');
    const writeBack = h.redis.writeBacks[0]!;
    expect(writeBack.entries).toEqual([jti('only-here'), jti('later-here', 2_000_000_100)]);
    expect(h.mirror.size).toBe(3); // not merged before the write-back is done
    writeBack.reply.resolve();
    await flush();
    expect(h.reports).toEqual([expect.stringMatching(/^Redis was missing 2 revocation\(s\)/)]);
    expect(h.state.name).toBe('serving');
    expect(h.mirror.size).toBe(4);
    expect([...h.mirror.entries()]).toContainEqual(jti('later-here', 2_000_000_100));
  });

  it('a message that arrives during the reload is not taken for a revocation Redis lost', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    link.publish(message(jti('revoked-elsewhere-meanwhile'))); // the SCAN may have passed its key
    h.redis.loads[0]!.reply.resolve();
    await flush();
    expect(h.redis.writeBacks[0]!.entries).toEqual([]);
  });

  it('a write-back whose link was lost meanwhile reports nothing and merges nothing', async () => {
    const h = await harness();
    h.mirror.apply(jti('only-here'));
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    h.redis.loads[0]!.into.apply(jti('only-in-redis'));
    h.redis.loads[0]!.reply.resolve();
    await flush();
    const writeBack = h.redis.writeBacks[0]!;
    link.drop();
    expect(writeBack.wanted()).toBe(false); // the writer stops early
    writeBack.reply.resolve();
    await flush();
    expect(h.reports).toEqual([]);
    expect(h.mirror.size).toBe(1);
    expect(h.state.name).toBe('backoff');
  });

  it('writing-back —written→ serving with nothing to report when Redis lacked nothing', async () => {
    const h = await harness();
    await h.serve([jti('from-redis')]);
    expect(h.reports).toEqual([]);
    expect(h.redis.writeBacks[0]!.entries).toEqual([]);
    expect(h.mirror.size).toBe(1);
    expect(h.state.status).toBe('ready');
    expect(h.trace).toEqual(['locating', 'opening', 'subscribing', 'loading', 'writing-back', 'serving']);
  });

  it('writing-back —failed→ retrying, and the retry reloads before it writes back again', async () => {
    const h = await harness();
    h.mirror.apply(jti('only-here'));
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.resolve('OK');
    await flush();
    h.redis.loads[0]!.reply.resolve();
    await flush();
    h.redis.writeBacks[0]!.reply.reject(new Error('READONLY'));
    await flush();
    expect(h.state).toMatchObject({ name: 'retrying', resume: 'loading' });
    expect(h.reports).toEqual([]);
    h.clock.advance(100);
    await flush();
    expect(h.state.name).toBe('loading');
  });

  it('serving —link-lost→ backoff: status unavailable, link destroyed, backoff from the first delay again', async () => {
    const h = await harness();
    h.redis.opens[0]!.reject(new Error('no master')); // one failed open before serving
    await flush();
    h.clock.advance(100);
    await flush();
    const link = await h.serve();
    link.drop(new Error('Socket closed unexpectedly'));
    expect(h.state).toEqual({ name: 'backoff', status: 'unavailable', opens: 0 });
    expect(link.destroyed).toBe(true);
    expect(h.clock.armed).toEqual([100]);
    h.clock.advance(100);
    await flush();
    expect(h.state).toEqual({ name: 'locating', status: 'unavailable', opens: 1 });
  });

  it('retrying —link-lost→ backoff: the retry timer is cancelled and the link destroyed', async () => {
    const h = await harness();
    const link = await h.located();
    link.up();
    await flush();
    link.subscribes[0]!.reply.reject(new Error('timeout'));
    await flush();
    expect(h.clock.armed).toEqual([100]);
    link.drop();
    expect(h.state.name).toBe('backoff');
    expect(link.destroyed).toBe(true);
    expect(h.clock.armed).toEqual([100]); // the backoff's own timer only
    expect(h.clock.timers.filter((t) => t.live)).toHaveLength(1);
  });

  it('close from every state: timers cancelled, link destroyed, late answers dropped', async () => {
    const reach: Record<
      string,
      (h: Awaited<ReturnType<typeof harness>>) => Promise<ScriptedLink | undefined>
    > = {
      locating: async () => undefined,
      backoff: async (h) => {
        h.redis.opens[0]!.reject(new Error('x'));
        await flush();
        return undefined;
      },
      opening: (h) => h.located(),
      subscribing: async (h) => {
        const link = await h.located();
        link.up();
        await flush();
        return link;
      },
      retrying: async (h) => {
        const link = await h.located();
        link.up();
        await flush();
        link.subscribes[0]!.reply.reject(new Error('x'));
        await flush();
        return link;
      },
      serving: (h) => h.serve(),
    };
    for (const [name, go] of Object.entries(reach)) {
      const h = await harness();
      const link = await go(h);
      expect(h.state.name, name).toBe(name);
      h.machine.dispatch({ type: 'close' });
      expect(h.state, name).toEqual({ name: 'closed', status: 'closed' });
      expect(h.clock.armed, name).toEqual([]);
      if (link) expect(link.destroyed, name).toBe(true);
      // whatever was in flight answers now, and changes nothing
      const late = new ScriptedLink();
      h.redis.opens.at(-1)!.resolve(late);
      link?.subscribes.at(-1)?.reply.resolve('OK');
      link?.up();
      link?.drop();
      await flush();
      expect(h.state.name, name).toBe('closed');
      if (name === 'locating') expect(late.destroyed).toBe(true); // a link nobody will use
      h.machine.dispatch({ type: 'close' });
      expect(
        h.transitions.filter((t) => t.event.type === 'close'),
        name,
      ).toHaveLength(1);
    }
  });

  it('an outcome that arrives after its state was left is dropped (a reload on a link since lost)', async () => {
    const h = await harness();
    const first = await h.located();
    first.up();
    await flush();
    first.subscribes[0]!.reply.resolve('OK');
    await flush();
    const staleLoad = h.redis.loads[0]!;
    first.drop();
    expect(staleLoad.wanted()).toBe(false); // the loader stops early
    staleLoad.reply.resolve();
    await flush();
    expect(h.state.name).toBe('backoff');
    expect(h.redis.writeBacks).toHaveLength(0);
  });

  it('a link that becomes ready synchronously inside connect() is handled in order', async () => {
    const h = await harness();
    const link = new ScriptedLink();
    link.connect = (events) => {
      link.events = events;
      link.up();
    };
    h.redis.opens[0]!.resolve(link);
    await flush();
    expect(h.trace).toEqual(['locating', 'opening', 'subscribing']);
    expect(link.subscribes).toHaveLength(1);
  });

  it('a hook that closes the machine during a transition closes it after that transition', async () => {
    const clock = new FakeClock();
    const redis = new ScriptedRedis();
    const trace: string[] = [];
    const machine: SyncMachine = startSyncMachine({
      port: redis.port,
      mirror: new RevocationMirror(undefined),
      newCopy: () => new RevocationMirror(undefined),
      channel: 'c',
      now: () => 0,
      schedule: clock.schedule,
      reconnectStrategy: () => 100,
      report: () => {},
      onTransition: (_from, to) => {
        trace.push(to.name);
        if (to.name === 'backoff') machine.dispatch({ type: 'close' });
      },
    });
    await flush();
    redis.opens[0]!.reject(new Error('x'));
    await flush();
    expect(trace).toEqual(['backoff', 'closed']);
    expect(clock.armed).toEqual([]);
  });

  it('a message that is not a revocation is reported and ignored; messages reach the copy while serving', async () => {
    const h = await harness();
    const link = await h.serve();
    link.publish('not json');
    link.publish(message(jti('live')));
    expect(h.reports).toEqual(['ignored a message on {t:}revocations that is not a revocation']);
    expect(h.mirror.size).toBe(1);
  });
});
