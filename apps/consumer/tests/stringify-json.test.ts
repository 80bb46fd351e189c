import { stringifyJson } from '../src/stringify-json';

describe('stringifyJson', () => {
  it('writes what JSON.parse read as JSON.stringify does, keys in the same order', () => {
    const text =
      '{"id":"r1","2":"two","type":"Sensor","content":{"temperature_f":-1.5e-7,"note":"a\\"b\\u0000","tags":[],"x":{},"n":null,"t":true},"list":[1,[2,[3]],{"k":"v"}]}';
    const value: unknown = JSON.parse(text);
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('writes scalars alone', () => {
    for (const value of [null, true, 0, -2.5, 'text', '']) expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('writes a value nested deeper than JSON.stringify can', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const value: unknown = JSON.parse(text);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyJson(value)).toBe(text);
  });
});
