import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/** The random draws a simulator makes, all from one seeded generator, so one seed fixes them all. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal: mean 0, standard deviation 1. */
  gaussian(): number;
  /** A UUID-v4-shaped id: 122 random bits with the version and variant bits set. */
  uuid(): string;
}

/**
 * Creates a seeded source of random draws; the same seed gives the same draws in the same order.
 *
 * @example
 * createRandomSource(42).uuid(); // the same id on every run
 */
export function createRandomSource(seed: number | string): RandomSource {
  // Hashing fills the generator's whole 128-bit state, so that neighbouring seeds (1, 2) give
  // unrelated streams, and the number 42 and the CLI's string '42' give the same one.
  const digest = createHash('sha256').update(String(seed)).digest();
  const rng = xoroshiro128plusFromState([0, 4, 8, 12].map((offset) => digest.readInt32LE(offset)));
  return {
    uniform: () => uniformFloat64(rng),
    gaussian() {
      // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
      const u = 1 - uniformFloat64(rng);
      const v = uniformFloat64(rng);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    uuid() {
      // RFC 9562: version 4 in the 13th hex digit, variant 0b10 in the top bits of the 17th.
      const hex =
        toHex(rng.next()) +
        toHex((rng.next() & 0xffff0fff) | 0x4000) +
        toHex((rng.next() & 0x3fffffff) | 0x80000000) +
        toHex(rng.next());
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A 32-bit word as 8 hex digits, by table: toString(16) was the generator's dearest call. */
function toHex(word: number): string {
  return (
    HEX_BYTES[(word >>> 24) & 0xff] +
    HEX_BYTES[(word >>> 16) & 0xff] +
    HEX_BYTES[(word >>> 8) & 0xff] +
    HEX_BYTES[word & 0xff]
  );
}
