/**
 * Members of a sorted set in (score, member) order, as Redis's skiplist orders them: by score,
 * then by member bytes (latin1 strings compare like memcmp).
 *
 * Stored as a list of sorted chunks (at most MAX_CHUNK entries each) with a Fenwick tree over
 * the chunk sizes. Finding a position is a binary search over chunk ends plus one inside the
 * chunk; rank and select walk the Fenwick tree. Every lookup is O(log n), a range of m entries
 * costs O(log n + m), and an insert shifts at most one chunk.
 */
const MAX_CHUNK = 512;

export class ScoreIndex {
  private chunkScores: number[][] = [];
  private chunkMembers: string[][] = [];
  /** Fenwick tree over chunk sizes (1-based); rebuilt when chunks split or vanish. */
  private tree: Int32Array = new Int32Array(1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(score: number, member: string): void {
    if (this.chunkScores.length === 0) {
      this.chunkScores.push([score]);
      this.chunkMembers.push([member]);
      this.count = 1;
      this.rebuildTree();
      return;
    }
    const chunk = this.chunkFor(score, member);
    const scores = this.chunkScores[chunk];
    const members = this.chunkMembers[chunk];
    const at = lowerBound(scores, members, score, member);
    scores.splice(at, 0, score);
    members.splice(at, 0, member);
    this.count++;
    if (scores.length > MAX_CHUNK) {
      const half = scores.length >>> 1;
      this.chunkScores.splice(chunk + 1, 0, scores.splice(half));
      this.chunkMembers.splice(chunk + 1, 0, members.splice(half));
      this.rebuildTree();
    } else {
      this.treeAdd(chunk, 1);
    }
  }

  /** Removes an entry known to be present. */
  delete(score: number, member: string): void {
    const chunk = this.chunkFor(score, member);
    const scores = this.chunkScores[chunk];
    const members = this.chunkMembers[chunk];
    const at = lowerBound(scores, members, score, member);
    scores.splice(at, 1);
    members.splice(at, 1);
    this.count--;
    if (scores.length === 0) {
      this.chunkScores.splice(chunk, 1);
      this.chunkMembers.splice(chunk, 1);
      this.rebuildTree();
    } else {
      this.treeAdd(chunk, -1);
    }
  }

  /** 0-based rank of an entry known to be present. */
  rank(score: number, member: string): number {
    const chunk = this.chunkFor(score, member);
    return this.prefix(chunk) + lowerBound(this.chunkScores[chunk], this.chunkMembers[chunk], score, member);
  }

  scoreAt(rank: number): number {
    const [chunk, offset] = this.locate(rank);
    return this.chunkScores[chunk][offset];
  }

  memberAt(rank: number): string {
    const [chunk, offset] = this.locate(rank);
    return this.chunkMembers[chunk][offset];
  }

  /** Rank of the first entry with score >= min (> min when exclusive); size when none. */
  firstByScore(min: number, exclusive: boolean): number {
    return this.search((score) => (exclusive ? score > min : score >= min));
  }

  /** Rank of the last entry with score <= max (< max when exclusive); -1 when none. */
  lastByScore(max: number, exclusive: boolean): number {
    return this.search((score) => (exclusive ? score >= max : score > max)) - 1;
  }

  /**
   * Rank of the first entry whose member is >= min (> min when exclusive); meaningful when all
   * scores are equal, as ZRANGEBYLEX requires.
   */
  firstByMember(min: string, exclusive: boolean): number {
    return this.search((_score, member) => (exclusive ? member > min : member >= min));
  }

  lastByMember(max: string, exclusive: boolean): number {
    return this.search((_score, member) => (exclusive ? member >= max : member > max)) - 1;
  }

  /** Visits entries with rank in [from, to] in order, or in reverse when from > to. */
  visit(from: number, to: number, visitor: (score: number, member: string) => void): void {
    if (this.count === 0) return;
    let [chunk, offset] = this.locate(from);
    let remaining = Math.abs(to - from) + 1;
    if (from <= to) {
      while (remaining > 0) {
        const scores = this.chunkScores[chunk];
        const members = this.chunkMembers[chunk];
        for (; offset < scores.length && remaining > 0; offset++, remaining--) visitor(scores[offset], members[offset]);
        chunk++;
        offset = 0;
      }
    } else {
      while (remaining > 0) {
        const scores = this.chunkScores[chunk];
        const members = this.chunkMembers[chunk];
        for (; offset >= 0 && remaining > 0; offset--, remaining--) visitor(scores[offset], members[offset]);
        chunk--;
        if (chunk >= 0) offset = this.chunkScores[chunk].length - 1;
      }
    }
  }

  /** The chunk an entry belongs to (or would be inserted into). */
  private chunkFor(score: number, member: string): number {
    const last = this.chunkScores.length - 1;
    let low = 0;
    let high = last;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const scores = this.chunkScores[mid];
      const end = scores.length - 1;
      if (compare(scores[end], this.chunkMembers[mid][end], score, member) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** First rank where `past` holds; entries are ordered so `past` is false, then true. */
  private search(past: (score: number, member: string) => boolean): number {
    const chunks = this.chunkScores.length;
    let low = 0;
    let high = chunks;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const end = this.chunkScores[mid].length - 1;
      if (past(this.chunkScores[mid][end], this.chunkMembers[mid][end])) high = mid;
      else low = mid + 1;
    }
    if (low === chunks) return this.count;
    const scores = this.chunkScores[low];
    const members = this.chunkMembers[low];
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (past(scores[mid], members[mid])) hi = mid;
      else lo = mid + 1;
    }
    return this.prefix(low) + lo;
  }

  /** Chunk and offset of a rank (0 <= rank < size). */
  private locate(rank: number): [number, number] {
    const tree = this.tree;
    let position = 0;
    let remaining = rank;
    let step = highestPowerOfTwo(tree.length - 1);
    for (; step > 0; step >>= 1) {
      const next = position + step;
      if (next < tree.length && tree[next] <= remaining) {
        position = next;
        remaining -= tree[next];
      }
    }
    return [position, remaining];
  }

  /** Number of entries in chunks before `chunk`. */
  private prefix(chunk: number): number {
    let sum = 0;
    for (let i = chunk; i > 0; i -= i & -i) sum += this.tree[i];
    return sum;
  }

  private treeAdd(chunk: number, delta: number): void {
    for (let i = chunk + 1; i < this.tree.length; i += i & -i) this.tree[i] += delta;
  }

  private rebuildTree(): void {
    const chunks = this.chunkScores.length;
    const tree = new Int32Array(chunks + 1);
    for (let i = 1; i <= chunks; i++) {
      tree[i] += this.chunkScores[i - 1].length;
      const parent = i + (i & -i);
      if (parent <= chunks) tree[parent] += tree[i];
    }
    this.tree = tree;
  }
}

function compare(scoreA: number, memberA: string, scoreB: number, memberB: string): number {
  if (scoreA < scoreB) return -1;
  if (scoreA > scoreB) return 1;
  return memberA < memberB ? -1 : memberA > memberB ? 1 : 0;
}

/** First position in a chunk whose entry is >= (score, member). */
function lowerBound(scores: number[], members: string[], score: number, member: string): number {
  let low = 0;
  let high = scores.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(scores[mid], members[mid], score, member) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function highestPowerOfTwo(n: number): number {
  let power = 1;
  while (power * 2 <= n) power *= 2;
  return n === 0 ? 0 : power;
}
