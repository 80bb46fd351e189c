import { validateSync, type ValidationError } from 'class-validator';
import { compileRules } from './compile-rules';
import { InvalidSensorReadingError, type ReadingProblem } from './errors';
import type { SensorReading } from './sensor-reading';
import { SensorReadingContentDto, SensorReadingDto } from './sensor-reading.dto';

const WHOLE = '(reading)';

/** The declared rules, compiled once: valid readings never pay for validateSync's error reports. */
const passesRules = compileRules(SensorReadingDto, { content: SensorReadingContentDto });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns untrusted input into a typed reading, or throws {@link InvalidSensorReadingError}
 * listing every problem with its field and value.
 *
 * Accepts a parsed value, or a JSON string or buffer. Fields other than the reading's own
 * are dropped from the result.
 *
 * @example
 * const reading = parseSensorReading(message.content); // Buffer from the broker
 * reading.content.temperature_f; // 90
 */
export function parseSensorReading(input: unknown): SensorReading {
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
  return {
    id: object['id'] as string,
    type: object['type'] as SensorReading['type'],
    content: {
      temperature_f: content['temperature_f'] as number,
      time_of_measurement: content['time_of_measurement'] as string,
    },
  };
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
      : Object.values(error.constraints ?? {}).map((problem) => ({ field, value: error.value, problem }));
  return [...own, ...(error.children ?? []).flatMap((child) => toProblems(child, field))];
}
