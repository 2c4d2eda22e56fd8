import type { KeySourceEvent } from './events.js';

/**
 * Delivery of key-source events to the listeners of one shared source: each handle that was given
 * an `onEvent` listens for as long as the app holds the handle, and a throwing listener cannot
 * break a fetch.
 */

/** Fans events out to listeners held weakly, so handles that are dropped stop receiving events. */
export class EventHub {
  readonly #listeners = new Set<WeakRef<{ onEvent: (event: KeySourceEvent) => void }>>();
  #warned = false;

  /**
   * Makes `handle` the holder of `onEvent` (set on it as its `onEvent` member): the listener hears
   * every event of this hub for as long as the handle is referenced.
   */
  attach<H extends object>(
    handle: H,
    onEvent: (event: KeySourceEvent) => void,
  ): H & { onEvent: typeof onEvent } {
    const holder = Object.assign(handle, { onEvent });
    this.#listeners.add(new WeakRef(holder));
    return holder;
  }

  /** Calls every listener still held; a listener that throws is reported once and ignored. */
  emit(event: KeySourceEvent): void {
    for (const ref of this.#listeners) {
      const holder = ref.deref();
      if (!holder) {
        this.#listeners.delete(ref);
        continue;
      }
      try {
        holder.onEvent(event);
      } catch (error) {
        if (!this.#warned) {
          this.#warned = true;
          console.warn('tokengate: an onEvent listener of a remote key source threw; ignoring it', error);
        }
      }
    }
  }
}
