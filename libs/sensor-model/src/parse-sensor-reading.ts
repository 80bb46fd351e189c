import { validateSync, type ValidationError } from 'class-validator';
import { compileRules } from './compile-rules';
import { InvalidSensorReadingError, type ReadingProblem } from './errors';
import { isCommonId } from './is-common-id';
import { isCommonTemperature } from './is-common-temperature';
import {
  isMeasurementTimeProblem,
  parseMeasurementTime,
  type MeasurementTime,
  type MeasurementTimeProblem,
} from './measurement-time';
import type { SensorReading } from './sensor-reading';
import { SensorReadingContentDto, SensorReadingDto } from './sensor-reading.dto';
import { INFINITY_PROBLEM, storableTextProblem } from './storable-text-problem';
import { unknownFieldsOf } from './unknown-fields-of';

const WHOLE = '(reading)';
const KNOWN_FIELDS = new Set(['id', 'type', 'content']);
/** How deep an unknown field's value may nest: a measurement, not a document. */
const MAX_EXTRA_DEPTH = 8;
const SHAPE_PROBLEM = `must be a JSON value nested at most ${MAX_EXTRA_DEPTH} levels deep, without a __proto__ key`;
/** Constraints that say a value is of the wrong type: when one fails, the others say nothing true. */
const TYPE_CONSTRAINTS = ['isString', 'isNumber', 'isObject', 'equals'];

/** What to do with the fields of `content` the model does not know. */
export type UnknownFields = 'keep' | 'reject';

export interface ParseSensorReadingOptions {
  /**
   * `keep` (the default): carry them in the reading's `extra`; `reject`: refuse the reading,
   * naming them. Either way what jsonb would refuse or change is refused: a text or name holding
   * NUL or a lone surrogate, a number that is not finite, a value nested deeper than 8 levels or
   * holding a `__proto__` key.
   */
  unknownFields?: UnknownFields;
}

/** A valid reading with the instant of its `time_of_measurement`. */
export interface TimedSensorReading {
  reading: SensorReading;
  /**
   * `content.time_of_measurement` as {@link parseMeasurementTime} read it while validating:
   * storage and metrics take the instant from here instead of reading the text again. Readings
   * of one time may share this object: read it, never change it.
   */
  time: MeasurementTime;
}

// The last time of measurement read and what it read as: readings that arrive together share
// their time, and validation's reading of it is the one the reading then carries.
let lastText: string | undefined;
let lastTime: MeasurementTime | MeasurementTimeProblem = { problem: 'not read yet' };

function readTime(text: string): MeasurementTime | MeasurementTimeProblem {
  if (text !== lastText) {
    lastTime = parseMeasurementTime(text);
    lastText = text;
  }
  return lastTime;
}

/**
 * The declared rules, compiled once: valid readings never pay for validateSync's error reports,
 * and a common id (unique, so no verdict to reuse) is let through by a cheaper test. A time
 * passes its rules (a string that parseMeasurementTime reads) through `readTime`, so that the
 * instant validation read is kept rather than read again.
 */
const passesRules = compileRules(
  SensorReadingDto,
  { content: SensorReadingContentDto },
  {
    id: isCommonId,
    'content.temperature_f': isCommonTemperature,
    'content.time_of_measurement': (value) => typeof value === 'string' && !isMeasurementTimeProblem(readTime(value)),
  },
);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns untrusted input into a typed reading, or throws {@link InvalidSensorReadingError}
 * listing one problem per field at fault, with its value.
 *
 * Accepts a parsed value, or a JSON string or buffer. Fields of `content` the model does not
 * know are kept in `extra` (or refused, see {@link ParseSensorReadingOptions}); fields beside
 * `id`, `type` and `content` are refused: measurements belong in `content`.
 *
 * @example
 * const reading = parseSensorReading(message.content); // Buffer from the broker
 * reading.content.temperature_f; // 90
 */
export function parseSensorReading(input: unknown, options: ParseSensorReadingOptions = {}): SensorReading {
  const value = decode(input);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidSensorReadingError([{ field: WHOLE, value, problem: 'must be a JSON object' }]);
  }
  const object = value as Record<string, unknown>;
  if (!passesRules?.(object)) {
    const errors = validateSync(toDto(object), { forbidUnknownValues: false });
    if (errors.length > 0) throw new InvalidSensorReadingError(errors.flatMap((e) => toProblems(e, '')));
  }
  const content = object['content'] as Record<string, unknown>;
  const reading: SensorReading = {
    id: object['id'] as string,
    type: object['type'] as SensorReading['type'],
    content: {
      temperature_f: content['temperature_f'] as number,
      time_of_measurement: content['time_of_measurement'] as string,
    },
  };
  const extra = unknownFieldsOf(object);
  // The usual reading has neither unknown nor foreign fields: no list of problems is built.
  if (extra !== undefined || mayHaveForeignField(object)) {
    const problems = foreignFieldProblems(object);
    if (extra) problems.push(...extraProblems(extra, options.unknownFields ?? 'keep'));
    if (problems.length > 0) throw new InvalidSensorReadingError(problems);
    if (extra) reading.extra = extra;
  }
  return reading;
}

/**
 * {@link parseSensorReading}, also giving the instant of the reading's `time_of_measurement`
 * that validation read, for callers that store or measure it.
 *
 * @example
 * const { reading, time } = parseTimedSensorReading(message.content);
 * time.epochMs; // 1561388400000 for "2019-06-24T15:00:00"
 */
export function parseTimedSensorReading(input: unknown, options: ParseSensorReadingOptions = {}): TimedSensorReading {
  const reading = parseSensorReading(input, options);
  return { reading, time: timeOfValidReading(reading) };
}

/**
 * The instant of a reading `parseSensorReading` has just returned: the compiled rules read its
 * time through `readTime`, so this is the reading kept there (read again only if another time
 * was read in between). Internal to the library.
 */
export function timeOfValidReading(reading: SensorReading): MeasurementTime {
  // Valid, so the text is a time.
  return readTime(reading.content.time_of_measurement) as MeasurementTime;
}

/**
 * Whether a field beside `id`, `type` and `content` may be there: one pass over the names,
 * without the array `Object.keys` makes. Inherited names count too, which only sends the
 * reading to {@link foreignFieldProblems}, the judge.
 */
function mayHaveForeignField(object: Record<string, unknown>): boolean {
  for (const name in object) if (!KNOWN_FIELDS.has(name)) return true;
  return false;
}

function foreignFieldProblems(object: Record<string, unknown>): ReadingProblem[] {
  const problems: ReadingProblem[] = [];
  for (const name of Object.keys(object)) {
    if (!KNOWN_FIELDS.has(name)) {
      problems.push({
        field: name,
        value: object[name],
        problem: 'is not a field of a reading: measurements go in content',
      });
    }
  }
  return problems;
}

function extraProblems(extra: Record<string, unknown>, unknownFields: UnknownFields): ReadingProblem[] {
  const problems: ReadingProblem[] = [];
  for (const name of Object.keys(extra)) {
    const field = `content.${name}`;
    const value = extra[name];
    if (unknownFields === 'reject') {
      problems.push({
        field,
        value,
        problem: 'is not a field the model knows (the publisher runs with --unknown-fields reject)',
      });
      continue;
    }
    const problem =
      name === '__proto__'
        ? { field, value, problem: SHAPE_PROBLEM }
        : (nameProblem('content', name) ?? extraValueProblem(field, value));
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * The first thing in an unknown field's value that jsonb would refuse or store as something
 * else, walked without recursion: a text or a name holding NUL or a lone surrogate, a number
 * that is not finite (JSON.parse reads `1e999` as Infinity), a value that is not JSON; or a
 * value nested deeper than MAX_EXTRA_DEPTH levels or holding a `__proto__` key. -0 passes: it
 * equals 0, which is what JSON.stringify and jsonb write for it.
 */
function extraValueProblem(field: string, value: unknown): ReadingProblem | undefined {
  if (typeof value !== 'object' || value === null) return atFault(field, value, scalarProblem(value));
  // Containers only: a scalar is judged where it is found, its path written only if it is at fault.
  const stack: [object, number, string][] = [[value, 1, field]];
  while (stack.length > 0) {
    const [item, depth, path] = stack.pop() as [object, number, string];
    if (depth > MAX_EXTRA_DEPTH) return { field, value, problem: SHAPE_PROBLEM };
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) {
        const element: unknown = item[i];
        if (typeof element === 'object' && element !== null) {
          stack.push([element, depth + 1, `${path}[${i}]`]);
          continue;
        }
        const problem = scalarProblem(element);
        if (problem) return { field: `${path}[${i}]`, value: element, problem };
      }
      continue;
    }
    const names = Object.keys(item);
    for (const name of names) {
      if (name === '__proto__') return { field, value, problem: SHAPE_PROBLEM };
      const problem = nameProblem(path, name);
      if (problem) return problem;
    }
    for (let i = names.length - 1; i >= 0; i--) {
      const child: unknown = (item as Record<string, unknown>)[names[i]];
      if (typeof child === 'object' && child !== null) {
        stack.push([child, depth + 1, `${path}.${names[i]}`]);
        continue;
      }
      const problem = scalarProblem(child);
      if (problem) return { field: `${path}.${names[i]}`, value: child, problem };
    }
  }
  return undefined;
}

/** A name of an unknown field, or of a field within one, that jsonb cannot store; named by the path of its object. */
function nameProblem(path: string, name: string): ReadingProblem | undefined {
  const problem = storableTextProblem(name);
  return atFault(path, name, problem && `has a field name that ${problem}`);
}

/** Why jsonb could not store a value that is neither an object nor an array as it is, or undefined when it can. */
function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return storableTextProblem(value);
    case 'number':
      return Number.isFinite(value) ? undefined : INFINITY_PROBLEM;
    case 'boolean':
      return undefined;
    default:
      return value === null ? undefined : 'must be a JSON value';
  }
}

function atFault(field: string, value: unknown, problem: string | undefined): ReadingProblem | undefined {
  return problem === undefined ? undefined : { field, value, problem };
}

function decode(input: unknown): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new InvalidSensorReadingError([{ field: WHOLE, value: undefined, problem: 'is not valid UTF-8' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidSensorReadingError([
      { field: WHOLE, value: text, problem: `is not valid JSON (${(err as Error).message})` },
    ]);
  }
}

function toDto(value: Record<string, unknown>): SensorReadingDto {
  const dto = new SensorReadingDto();
  Object.assign(dto, { id: value['id'], type: value['type'], content: value['content'] });
  const content = value['content'];
  if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
    dto.content = Object.assign(new SensorReadingContentDto(), {
      temperature_f: (content as Record<string, unknown>)['temperature_f'],
      time_of_measurement: (content as Record<string, unknown>)['time_of_measurement'],
    });
  }
  return dto;
}

function toProblems(error: ValidationError, parent: string): ReadingProblem[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  const own: ReadingProblem[] =
    error.value === undefined
      ? [{ field, value: undefined, problem: 'is missing' }]
      : firstProblem(error.constraints ?? {}).map((problem) => ({ field, value: error.value as unknown, problem }));
  return [...own, ...(error.children ?? []).flatMap((child) => toProblems(child, field))];
}

/** One problem per field: a wrong type alone when the type is wrong, else the first rule broken. */
function firstProblem(constraints: Record<string, string>): string[] {
  const type = TYPE_CONSTRAINTS.find((name) => name in constraints);
  const first = type ?? Object.keys(constraints)[0];
  return first === undefined ? [] : [constraints[first]];
}
