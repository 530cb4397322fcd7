import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandleQueue, HandleStack } from './handle-lists.js';

/** Runs of pushes and removals, long enough to pass the initial capacity several times. */
const operations = fc.array(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((handle) => ({ push: handle })), fc.integer({ min: 1, max: 200 }).map((take) => ({ take }))), {
  maxLength: 200,
});

function pushRun(handle: number): number[] {
  // One operation pushes a run, so the lists grow past their capacity often.
  return Array.from({ length: 1 + (handle % 150) }, (_, i) => (handle + i) % 2 ** 31);
}

describe('HandleStack', () => {
  it('pops what was pushed, last first, like an array', () => {
    fc.assert(
      fc.property(operations, (steps) => {
        const stack = new HandleStack();
        const model: number[] = [];
        for (const step of steps) {
          if ('push' in step) {
            for (const handle of pushRun(step.push)) {
              stack.push(handle);
              model.push(handle);
            }
          } else {
            for (let i = 0; i < step.take; i++) expect(stack.pop()).toBe(model.pop() ?? -1);
          }
          expect(stack.length).toBe(model.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('HandleQueue', () => {
  it('gives back what was pushed, oldest first, like an array', () => {
    fc.assert(
      fc.property(operations, (steps) => {
        const queue = new HandleQueue();
        const model: number[] = [];
        for (const step of steps) {
          if ('push' in step) {
            for (const handle of pushRun(step.push)) {
              queue.push(handle);
              model.push(handle);
            }
          } else {
            for (let i = 0; i < step.take && model.length > 0; i++) expect(queue.shift()).toBe(model.shift());
          }
          expect(queue.length).toBe(model.length);
        }
        while (model.length > 0) expect(queue.shift()).toBe(model.shift());
        expect(queue.length).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
