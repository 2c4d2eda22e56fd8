/**
 * The one timer structure of every watched connection in the process: a binary min-heap of
 * deadlines (milliseconds since the epoch) with each member's position kept on the member, so a
 * connection that closes early leaves in O(log n), and one `setTimeout` armed for the earliest
 * deadline. Ten thousand idle connections cost ten thousand array slots, not ten thousand timers.
 */

/** A member of a {@link DeadlineHeap}: its deadline and (maintained by the heap) its position. */
export interface Deadline {
  /** Milliseconds since the epoch. */
  readonly deadline: number;
  /** Position in the heap; -1 when not in it. Written only by the heap. */
  heapIndex: number;
}

/** Longest delay `setTimeout` accepts (about 24.8 days); a later deadline re-arms on the way. */
const MAX_DELAY = 2 ** 31 - 1;

/** A min-heap of deadlines that calls `fire` for each member whose deadline has come. */
export class DeadlineHeap<T extends Deadline> {
  readonly #items: T[] = [];
  readonly #fire: (member: T) => void;
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  /** @param fire - called once for each member when its deadline has come (it has left the heap). */
  constructor(fire: (member: T) => void, now: () => number = Date.now) {
    this.#fire = fire;
    this.#now = now;
  }

  /** Members held. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds a member (not already in a heap). */
  add(member: T): void {
    member.heapIndex = this.#items.length;
    this.#items.push(member);
    this.#up(member.heapIndex);
    this.#arm();
  }

  /** Removes a member; nothing when it is not in the heap. */
  remove(member: T): void {
    const i = member.heapIndex;
    if (i < 0 || this.#items[i] !== member) return;
    member.heapIndex = -1;
    const last = this.#items.pop()!;
    if (last !== member) {
      this.#items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    if (this.#items.length === 0) this.#disarm();
  }

  #arm(): void {
    const top = this.#items[0];
    if (top === undefined) {
      this.#disarm();
      return;
    }
    if (this.#timer !== undefined && this.#armedFor <= top.deadline) return;
    this.#disarm();
    this.#armedFor = top.deadline;
    const delay = Math.min(MAX_DELAY, Math.max(0, top.deadline - this.#now()));
    this.#timer = setTimeout(() => this.#tick(), delay);
    // An idle watch never keeps the process alive on its own.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#now();
    const due: T[] = [];
    for (let top = this.#items[0]; top !== undefined && top.deadline <= now; top = this.#items[0]) {
      this.remove(top);
      due.push(top);
    }
    this.#arm();
    for (const member of due) this.#fire(member);
  }

  #up(start: number): void {
    const items = this.#items;
    const member = items[start]!;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.deadline <= member.deadline) break;
      items[i] = items[parent]!;
      items[i]!.heapIndex = i;
      i = parent;
    }
    items[i] = member;
    member.heapIndex = i;
  }

  #down(start: number): void {
    const items = this.#items;
    const n = items.length;
    const member = items[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]!.deadline < items[child]!.deadline) child++;
      if (items[child]!.deadline >= member.deadline) break;
      items[i] = items[child]!;
      items[i]!.heapIndex = i;
      i = child;
    }
    items[i] = member;
    member.heapIndex = i;
  }
}
