import {
  Equals,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { isMeasurementTimeProblem, parseMeasurementTime } from './measurement-time';
import { ABSOLUTE_ZERO_F, MAX_ID_LENGTH, MAX_TEMPERATURE_F, SENSOR_TYPE } from './sensor-reading';
import type { SensorReading, SensorReadingContent } from './sensor-reading';
import { INFINITY_PROBLEM, LONE_SURROGATE_PROBLEM, NUL_PROBLEM, hasNoNul } from './storable-text-problem';

/**
 * A rule on text alone (a value of another type is IsString's to report), as one plain call:
 * validator.js's `contains`, behind NotContains, copied its options for every reading.
 */
function TextRule(name: string, test: (text: string) => boolean, message: (text: string) => string) {
  return ValidateBy({
    name,
    validator: {
      validate: (value) => typeof value !== 'string' || test(value),
      defaultMessage: (args) => message(String(args?.value)),
    },
  });
}

/** Whether a text holds at most `max` code points, as Postgres counts a varchar's characters. */
function hasAtMostCodePoints(text: string, max: number): boolean {
  if (text.length <= max) return true;
  if (text.length > 2 * max) return false;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    if (++count > max) return false;
  }
  return true;
}

/** What is wrong with a temperature that is not a finite number, said of what it is instead. */
function notFiniteNumber({ value }: ValidationArguments): string {
  if (typeof value === 'number') {
    return Number.isNaN(value) ? 'must be a finite number, not NaN' : INFINITY_PROBLEM;
  }
  if (value === null) return 'must be a finite number, not null';
  if (Array.isArray(value)) return 'must be a finite number, not an array';
  return `must be a finite number, not ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}

/** The declared rules for `content`. */
export class SensorReadingContentDto implements SensorReadingContent {
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: notFiniteNumber })
  @Min(ABSOLUTE_ZERO_F, { message: `must not lie below absolute zero (${ABSOLUTE_ZERO_F} °F)` })
  @Max(MAX_TEMPERATURE_F, { message: `must not exceed ${MAX_TEMPERATURE_F} °F` })
  temperature_f!: number;

  @IsString({ message: 'must be a string' })
  @TextRule(
    'isMeasurementTime',
    (text) => !isMeasurementTimeProblem(parseMeasurementTime(text)),
    (text) => {
      const time = parseMeasurementTime(text);
      return isMeasurementTimeProblem(time) ? time.problem : '';
    },
  )
  time_of_measurement!: string;
}

/** The declared rules for a reading: the single source of what a valid reading is. */
export class SensorReadingDto implements SensorReading {
  @IsString({ message: 'must be a string' })
  @IsNotEmpty({ message: 'must not be empty' })
  @TextRule(
    'maxCodePoints',
    (text) => hasAtMostCodePoints(text, MAX_ID_LENGTH),
    () => `must be at most ${MAX_ID_LENGTH} characters (Unicode code points)`,
  )
  @TextRule('notContainsNul', hasNoNul, () => NUL_PROBLEM)
  @TextRule('isWellFormedText', (text) => text.isWellFormed(), () => LONE_SURROGATE_PROBLEM)
  id!: string;

  @Equals(SENSOR_TYPE, { message: `must be "${SENSOR_TYPE}"` })
  type!: typeof SENSOR_TYPE;

  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  content!: SensorReadingContentDto;
}
