import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellBytes, SLAB_MAX_LENGTH, SLAB_MIN_LENGTH, sizeClassIndex, StringSlab } from './string-slab.js';

const slabLength = fc.integer({ min: SLAB_MIN_LENGTH, max: 5000 });
/** Binary content: every byte value, so a latin1 round trip that dropped or mangled one shows. */
const slabString = slabLength.chain((length) => fc.uint8Array({ minLength: length, maxLength: length })).map((bytes) => Buffer.from(bytes).toString('latin1'));

describe('StringSlab', () => {
  it('gives every length the smallest cell of its class that holds it', () => {
    // Plain checks collected, one assertion at the end: 65,000 expect() calls take seconds.
    const wrong: string[] = [];
    let previous = -1;
    for (let length = SLAB_MIN_LENGTH; length <= SLAB_MAX_LENGTH; length++) {
      const index = sizeClassIndex(length);
      const bytes = cellBytes(index);
      if (bytes < length || bytes > length + length / 8 + 8) wrong.push(`${length}: cell of ${bytes}`);
      if (index > 0 && cellBytes(index - 1) >= length) wrong.push(`${length}: a smaller class (${index - 1}) holds it`);
      if (index < previous) wrong.push(`${length}: class ${index} after ${previous}`);
      previous = index;
    }
    expect(wrong).toEqual([]);
    expect(previous).toBeLessThan(256);
  });

  it('reads back what was stored while cells are freed and reused, like a map of strings', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(slabString.map((value) => ({ store: value })), fc.nat().map((pick) => ({ free: pick }))), { maxLength: 300 }), (operations) => {
        const slab = new StringSlab();
        const model = new Map<number, string>();
        for (const operation of operations) {
          if ('store' in operation) {
            const handle = slab.store(operation.store);
            expect(model.has(handle)).toBe(false);
            model.set(handle, operation.store);
          } else if (model.size > 0) {
            const handle = [...model.keys()][operation.free % model.size];
            slab.free(handle);
            model.delete(handle);
          }
        }
        expect(slab.usedBytes).toBeLessThanOrEqual(slab.reservedBytes);
        for (const [handle, value] of model) {
          expect(slab.length(handle)).toBe(value.length);
          expect(slab.read(handle)).toBe(value);
          expect(slab.view(handle).equals(Buffer.from(value, 'latin1'))).toBe(true);
        }
        for (const handle of model.keys()) slab.free(handle);
        expect(slab.usedBytes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('while holding, reuses no freed cell that was referred to until released up to a mark, oldest first', () => {
    const slab = new StringSlab();
    const handles = Array.from({ length: 6 }, (_, i) => slab.store(String(i).repeat(100)));
    slab.hold();
    for (const handle of handles.slice(0, 4)) slab.refer(handle);
    // A cell nobody referred to is free at once.
    slab.free(handles[5]);
    expect(slab.heldBytes).toBe(0);
    expect(slab.store('u'.repeat(100))).toBe(handles[5]);
    slab.free(handles[0]);
    slab.free(handles[1]);
    const mark = slab.heldMark;
    slab.free(handles[2]);
    expect(slab.heldBytes).toBe(3 * cellBytes(sizeClassIndex(100)));
    // Held cells keep their bytes: a store takes a new cell.
    const fresh = slab.store('x'.repeat(100));
    expect(handles.slice(0, 3)).not.toContain(fresh);
    expect(slab.view(handles[0]).toString('latin1')).toBe('0'.repeat(100));
    slab.releaseHeld(mark);
    expect(slab.heldBytes).toBe(cellBytes(sizeClassIndex(100)));
    expect([handles[0], handles[1]]).toContain(slab.store('y'.repeat(100)));
    expect([handles[0], handles[1]]).toContain(slab.store('z'.repeat(100)));
    // Releasing an older mark again changes nothing; unhold frees the rest and stops holding.
    slab.releaseHeld(mark);
    expect(slab.heldBytes).toBe(cellBytes(sizeClassIndex(100)));
    slab.unhold();
    expect(slab.heldBytes).toBe(0);
    expect(slab.store('w'.repeat(100))).toBe(handles[2]);
    // Referred to before, but no longer holding: free at once, and no reference carries over.
    slab.free(handles[3]);
    expect(slab.store('v'.repeat(100))).toBe(handles[3]);
    slab.hold();
    slab.free(handles[3]);
    expect(slab.heldBytes).toBe(0);
  });

  it('reuses freed cells instead of allocating more', () => {
    const slab = new StringSlab();
    const value = 'v'.repeat(800);
    const handles = Array.from({ length: 10_000 }, () => slab.store(value));
    const reserved = slab.reservedBytes;
    expect(reserved).toBeLessThan(10_000 * cellBytes(sizeClassIndex(800)) * 1.1);
    expect(slab.usedBytes).toBe(10_000 * cellBytes(sizeClassIndex(800)));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < handles.length; i++) {
        slab.free(handles[i]);
        handles[i] = slab.store(value);
      }
    }
    expect(slab.reservedBytes).toBe(reserved);
  });

  it('lets shorter values take the free cells of slightly longer ones, and no further', () => {
    const slab = new StringSlab();
    const long = Array.from({ length: 1000 }, () => slab.store('v'.repeat(900)));
    const reserved = slab.reservedBytes;
    for (const handle of long) slab.free(handle);
    // 800 bytes is two classes below 900's: the freed cells serve it.
    const shorter = Array.from({ length: 1000 }, (_, i) => slab.store(String(i).padEnd(800, 's')));
    expect(slab.reservedBytes).toBe(reserved);
    shorter.forEach((handle, i) => expect(slab.read(handle)).toBe(String(i).padEnd(800, 's')));
    for (const handle of shorter) slab.free(handle);
    // Half the length is far below: its cells come from a class of its own.
    slab.store('h'.repeat(450));
    expect(slab.reservedBytes).toBeGreaterThan(reserved);
  });
});
