import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertCells } from './cell-insertion.js';
import { compressChunk, RdbWriter } from './writer.js';

/** One write, done either by reference to a cell of `page` (cell) or by copying its bytes (blob). */
type Write =
  | { kind: 'byte'; value: number }
  | { kind: 'length'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'cell'; offset: number; length: number }
  /** Cell bytes as they are, no length header (a packed value's payload). */
  | { kind: 'raw'; offset: number; length: number }
  /** A cell string that leaves exactly `room` bytes in the chunk: the edge where writes must seal. */
  | { kind: 'fill'; room: number };

const PAGE_BYTES = 64 * 1024;
const page = Buffer.from(Array.from({ length: PAGE_BYTES }, (_, i) => (i * 131 + (i >> 8)) & 0xff));

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((value): Write => ({ kind: 'byte', value })),
  fc.nat({ max: 1 << 20 }).map((value): Write => ({ kind: 'length', value })),
  fc.string({ maxLength: 40 }).map((value): Write => ({ kind: 'string', value })),
  fc
    .tuple(fc.integer({ min: 64, max: 20_000 }), fc.nat({ max: PAGE_BYTES }))
    .map(([length, at]): Write => ({ kind: 'cell', offset: Math.min(at, PAGE_BYTES - length), length })),
  fc
    .tuple(fc.integer({ min: 64, max: 20_000 }), fc.nat({ max: PAGE_BYTES }))
    .map(([length, at]): Write => ({ kind: 'raw', offset: Math.min(at, PAGE_BYTES - length), length })),
  fc.integer({ min: 0, max: 3 }).map((room): Write => ({ kind: 'fill', room })),
);

function apply(writer: RdbWriter, writes: readonly Write[], byReference: boolean): void {
  for (let w of writes) {
    if (w.kind === 'fill') {
      // A 3-byte length header (64..16383) before the bytes; too little room starts a new chunk.
      const length = Math.min(16_383, writer.roomInChunk - w.room - 2);
      if (length < 64) continue;
      w = { kind: 'cell', offset: 0, length };
    }
    if (w.kind === 'byte') writer.byte(w.value);
    else if (w.kind === 'length') writer.length(w.value);
    else if (w.kind === 'string') writer.string(w.value);
    else if (w.kind === 'raw' && byReference) writer.cell(0, w.offset, w.length, false);
    else if (w.kind === 'raw') writer.bytes(page.subarray(w.offset, w.offset + w.length));
    else if (byReference) writer.cell(0, w.offset, w.length, true);
    else writer.blob(page.subarray(w.offset, w.offset + w.length));
  }
}

describe('cell strings (RdbWriter.cell)', () => {
  it('give the same bytes, once inserted and compressed, as writing the cell bytes themselves', () => {
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 120 }), fc.boolean(), (writes, compression) => {
        const copied = new RdbWriter(compression);
        apply(copied, writes, false);
        const expected = Buffer.concat(copied.take());

        const referring = new RdbWriter(compression);
        apply(referring, writes, true);
        const out: Buffer[] = [];
        for (const raw of referring.takeRaw()) {
          if (raw.cellCount === 0) {
            out.push(compressChunk(raw, referring.pool));
            continue;
          }
          // As the worker does it: in the chunk's own buffer, which has room for the cells.
          const whole = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.buffer.byteLength - raw.data.byteOffset);
          const length = insertCells(whole, raw.data.length, raw.cells, raw.cellCount, [page]);
          out.push(compressChunk({ data: Buffer.from(whole.buffer, whole.byteOffset, length), spans: raw.spans, spanCount: raw.spanCount, cells: raw.cells, cellCount: 0 }, referring.pool));
        }
        expect(Buffer.concat(out).equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to overrun the chunk rather than write a corrupt one', () => {
    const chunk = new Uint8Array(100);
    expect(() => insertCells(chunk, 90, Int32Array.of(10, 0, 0, 20), 1, [page])).toThrow(/overruns/);
  });
});
