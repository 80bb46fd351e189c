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
  // Each id is written into these bytes and read out as one flat string: an id joined from
  // pieces is a tree of strings that its first reader (the id check) has to flatten.
  const id = Buffer.from(UUID_TEMPLATE, 'latin1');
  const writeWord = (word: number, firstByte: number): void => {
    for (let k = 0; k < 4; k++) {
      const byte = (word >>> (24 - 8 * k)) & 0xff;
      const at = UUID_BYTE_AT[firstByte + k];
      id[at] = HEX_HIGH[byte];
      id[at + 1] = HEX_LOW[byte];
    }
  };
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
      writeWord(rng.next(), 0);
      writeWord((rng.next() & 0xffff0fff) | 0x4000, 4);
      writeWord((rng.next() & 0x3fffffff) | 0x80000000, 8);
      writeWord(rng.next(), 12);
      return id.toString('latin1');
    },
  };
}

const UUID_TEMPLATE = '00000000-0000-0000-0000-000000000000';
/** Where each of an id's 16 bytes writes its two hex digits in {@link UUID_TEMPLATE}. */
const UUID_BYTE_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX_DIGITS = '0123456789abcdef';
/** The character codes of a byte's first and second hex digit. */
const HEX_HIGH = Uint8Array.from({ length: 256 }, (_, byte) => HEX_DIGITS.charCodeAt(byte >>> 4));
const HEX_LOW = Uint8Array.from({ length: 256 }, (_, byte) => HEX_DIGITS.charCodeAt(byte & 0xf));
