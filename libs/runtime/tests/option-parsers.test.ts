import { InvalidArgumentError } from 'commander';
import { booleanOption, integerOption, numberOption, urlListOption } from '../src';

describe('integerOption', () => {
  it('parses a whole number in range', () => {
    expect(integerOption(1)('1000')).toBe(1000);
  });

  it.each(['abc', '1.5', '0', '', '1e3'])('rejects %j', (value) => {
    expect(() => integerOption(1)(value)).toThrow(InvalidArgumentError);
  });
});

describe('numberOption', () => {
  it('parses fractions and zero', () => {
    expect(numberOption(0)('0')).toBe(0);
    expect(numberOption(0)('2.5')).toBe(2.5);
  });

  it.each(['-1', 'fast', 'Infinity', ' '])('rejects %j', (value) => {
    expect(() => numberOption(0)(value)).toThrow(InvalidArgumentError);
  });
});

describe('booleanOption', () => {
  it('reads the usual spellings', () => {
    expect(['true', '1', 'YES', 'false', '0', 'no'].map(booleanOption)).toEqual([true, true, true, false, false, false]);
  });

  it('rejects anything else', () => {
    expect(() => booleanOption('maybe')).toThrow(InvalidArgumentError);
  });
});

describe('urlListOption', () => {
  it('splits a comma-separated list', () => {
    expect(urlListOption('amqp')('amqp://a:5672, amqp://b:5672')).toEqual(['amqp://a:5672', 'amqp://b:5672']);
  });

  it('rejects another scheme', () => {
    expect(() => urlListOption('amqp', 'amqps')('http://a')).toThrow('Expected a amqp or amqps URL, got a http one.');
  });

  it('never repeats a malformed value, which may be a password', () => {
    expect(() => urlListOption('postgres')('s3cr3t')).toThrow(/value hidden/);
    try {
      urlListOption('postgres')('s3cr3t');
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});
