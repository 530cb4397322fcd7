import { CELL_FIELDS } from './writer.js';

/**
 * Puts the bytes of a chunk's cell strings (RdbWriter.cell) in place, copied from the slab
 * pages, and returns the chunk's new length. The chunk's buffer has room for them: the writer
 * counts their bytes against the chunk's size. Works from the last cell back, so every byte
 * moves once.
 */
export function insertCells(chunk: Uint8Array, length: number, cells: Int32Array, cellCount: number, pages: readonly Uint8Array[]): number {
  let shift = 0;
  for (let i = 0; i < cellCount; i++) shift += cells[i * CELL_FIELDS + 3];
  const total = length + shift;
  if (total > chunk.length) throw new Error(`snapshot chunk of ${total} bytes with its cell strings overruns its buffer of ${chunk.length}`);
  let end = length;
  for (let i = cellCount - 1; i >= 0; i--) {
    const at = i * CELL_FIELDS;
    const position = cells[at];
    const page = pages[cells[at + 1]];
    const offset = cells[at + 2];
    const size = cells[at + 3];
    if (page === undefined) throw new Error(`snapshot chunk refers to unknown slab page ${cells[at + 1]}`);
    if (end > position) chunk.copyWithin(position + shift, position, end);
    shift -= size;
    chunk.set(page.subarray(offset, offset + size), position + shift);
    end = position;
  }
  return total;
}
