import { Command, InvalidArgumentError, Option } from 'commander';
import { booleanOption, integerOption, numberOption, readUrlList } from '../src';

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
    expect(['true', '1', 'YES', 'false', '0', 'no'].map(booleanOption)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('rejects anything else', () => {
    expect(() => booleanOption('maybe')).toThrow(InvalidArgumentError);
  });
});

describe('readUrlList', () => {
  function program(value: string) {
    const command = new Command('test')
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .addOption(new Option('--amqp-url <urls>').env('SENSORS_AMQP_URL'));
    command.parse(['--amqp-url', value], { from: 'user' });
    return command;
  }

  it('splits a comma-separated list', () => {
    expect(readUrlList(program('amqp://a:5672, amqp://b:5672'), 'amqpUrl', ['amqp'])).toEqual([
      'amqp://a:5672',
      'amqp://b:5672',
    ]);
  });

  it('rejects another scheme, naming the option and its variable', () => {
    expect(() => readUrlList(program('http://a'), 'amqpUrl', ['amqp', 'amqps'])).toThrow(
      "option '--amqp-url' (env SENSORS_AMQP_URL) must be an amqp or amqps URL, not http",
    );
  });

  it.each([
    [['postgres', 'postgresql'], 'a postgres or postgresql URL'],
    [['mqtt', 'mqtts'], 'an mqtt or mqtts URL'],
  ])('reads the article as the scheme is said: %j', (schemes, wanted) => {
    expect(() => readUrlList(program('http://a'), 'amqpUrl', schemes)).toThrow(`must be ${wanted}, not http`);
  });

  it('never repeats a malformed value, which may be a password', () => {
    expect(() => readUrlList(program('s3cr3t'), 'amqpUrl', ['amqp'])).toThrow(/^(?!.*s3cr3t).*value hidden/);
  });
});
