/**
 * `JSON.stringify` of a value `JSON.parse` returned, written without recursion: the same text
 * (keys in the same order), however deep the value nests. `JSON.stringify` itself overflows
 * the call stack on an array nested a few thousand deep, which a 10 KB item of an envelope
 * can be.
 *
 * @example
 * stringifyJson(JSON.parse('[[[1]]]')); // '[[[1]]]'
 */
export function stringifyJson(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Token) {
      out.push(item.text);
    } else if (Array.isArray(item)) {
      out.push('[');
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i]);
        if (i > 0) stack.push(COMMA);
      }
    } else if (typeof item === 'object' && item !== null) {
      const keys = Object.keys(item);
      out.push('{');
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push((item as Record<string, unknown>)[keys[i]], new Token(`${JSON.stringify(keys[i])}:`));
        if (i > 0) stack.push(COMMA);
      }
    } else {
      // A string, number, boolean or null: what JSON.parse gives never stringifies to undefined.
      out.push(JSON.stringify(item) ?? 'null');
    }
  }
  return out.join('');
}

/** Text already written out, told apart from the values on the same stack. */
class Token {
  constructor(readonly text: string) {}
}
const COMMA = new Token(',');
const CLOSE_ARRAY = new Token(']');
const CLOSE_OBJECT = new Token('}');
