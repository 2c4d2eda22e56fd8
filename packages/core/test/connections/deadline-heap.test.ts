/** The expiry heap every watch shares: fires each member once, in deadline order, minus removals. */
import { describe, expect, it } from 'vitest';
import { type Deadline, DeadlineHeap } from '../../src/connections/deadline-heap.js';

interface Member extends Deadline {
  readonly id: number;
}

describe('DeadlineHeap', () => {
  it('fires what is due in deadline order, never a removed member, and only once', async () => {
    let now = 1_000_000;
    const fired: Member[] = [];
    const heap = new DeadlineHeap<Member>(
      (m) => fired.push(m),
      () => now,
    );
    // A seeded sequence: the same random interleaving of adds and removes on every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const live = new Set<Member>();
    for (let i = 0; i < 2000; i++) {
      const member: Member = { id: i, deadline: now + Math.floor(random() * 10_000), heapIndex: -1 };
      heap.add(member);
      live.add(member);
      if (random() < 0.3) {
        const victim = [...live][Math.floor(random() * live.size)]!;
        heap.remove(victim);
        heap.remove(victim);
        live.delete(victim);
      }
    }
    expect(heap.size).toBe(live.size);
    now += 5_000;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const due = [...live].filter((m) => m.deadline <= now).sort((a, b) => a.deadline - b.deadline);
    expect(fired.map((m) => m.deadline)).toEqual(due.map((m) => m.deadline));
    expect(new Set(fired.map((m) => m.id))).toEqual(new Set(due.map((m) => m.id)));
    now += 10_000;
    // The heap re-armed for the next deadline (about 0–5 s ahead in real time): remove the rest.
    for (const m of live) heap.remove(m);
    expect(heap.size).toBe(0);
    expect(fired).toHaveLength(due.length);
  });
});
