import fc from "fast-check";

/** The ranks and axis sizes a shape arbitrary draws. */
export interface ShapeOptions {
  /** Default 0 (scalars included). */
  readonly minRank?: number;
  /** Default 3. */
  readonly maxRank?: number;
  /** Default 1. */
  readonly minDim?: number;
  /** Default 4. */
  readonly maxDim?: number;
}

/** A concrete shape: rank minRank..maxRank, each axis minDim..maxDim. */
export function shape(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, minDim = 1, maxDim = 4 } = options;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * `count` shapes that broadcast together (numpy's rules): each drops some leading axes of a common
 * shape and sets some of the remaining ones to 1. Their broadcast is at most that common shape.
 */
export function broadcastShapes(count: number, options: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  return shape(options).chain((base) =>
    fc.tuple(
      ...Array.from({ length: count }, () =>
        fc.tuple(fc.integer({ min: 0, max: base.length }), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length })).map(
          ([drop, ones]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop),
        ),
      ),
    ),
  );
}

/** Two shapes that broadcast together: the operands of a binary op. */
export function broadcastPair(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return broadcastShapes(2, options).map(([a, b]) => [a as number[], b as number[]]);
}

/** The number of elements of a shape. */
export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
