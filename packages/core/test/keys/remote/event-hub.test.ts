/** Events of a shared source reach each attached handle's listener; a throwing listener breaks nothing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventHub } from '../../../src/keys/remote/event-hub.js';
import type { KeySourceEvent } from '../../../src/keys/remote/events.js';

const event: KeySourceEvent = { type: 'fetched', url: 'https://idp.example.com/jwks', version: 1 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('EventHub', () => {
  it('attach makes the handle hold the listener, and every attached listener hears each event', () => {
    const hub = new EventHub();
    const heard: string[] = [];
    const handle = { url: 'x' };
    const attached = hub.attach(handle, (e) => heard.push(`a:${e.type}`));
    hub.attach({}, (e) => heard.push(`b:${e.type}`));
    expect(attached).toBe(handle);
    expect(typeof attached.onEvent).toBe('function');
    hub.emit(event);
    expect(heard).toEqual(['a:fetched', 'b:fetched']);
  });

  it('a throwing listener is reported once and the others still hear every event', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const hub = new EventHub();
    const heard: KeySourceEvent[] = [];
    hub.attach({}, () => {
      throw new Error('listener bug');
    });
    hub.attach({}, (e) => heard.push(e));
    hub.emit(event);
    hub.emit(event);
    expect(heard).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
