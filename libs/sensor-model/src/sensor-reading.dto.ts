import {
  Equals,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { ABSOLUTE_ZERO_F, MAX_ID_LENGTH, MAX_TEMPERATURE_F, SENSOR_TYPE } from './sensor-reading';
import type { SensorReading, SensorReadingContent } from './sensor-reading';

/**
 * A date and a time (minutes at least), optional seconds and fraction, optional offset of at
 * most ±14:59. Year 0000 is excluded because Postgres cannot store it.
 */
const DATE_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)?$/i;

/**
 * A rule on text alone (a value of another type is IsString's to report), as one plain call:
 * validator.js's `contains`, behind NotContains, copied its options for every reading.
 */
function TextRule(name: string, test: (text: string) => boolean, message: string) {
  return ValidateBy({
    name,
    validator: {
      validate: (value) => typeof value !== 'string' || test(value),
      defaultMessage: () => message,
    },
  });
}

/** The declared rules for `content`. */
export class SensorReadingContentDto implements SensorReadingContent {
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a finite number, not a string' })
  @Min(ABSOLUTE_ZERO_F, { message: `must not lie below absolute zero (${ABSOLUTE_ZERO_F} °F)` })
  @Max(MAX_TEMPERATURE_F, { message: `must not exceed ${MAX_TEMPERATURE_F} °F` })
  temperature_f!: number;

  @IsString({ message: 'must be a string' })
  @Matches(DATE_TIME, {
    message: 'must be an ISO-8601 date-time such as 2019-06-24T15:00:00 (no offset means UTC)',
  })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be a real calendar date and time' })
  time_of_measurement!: string;
}

/** The declared rules for a reading: the single source of what a valid reading is. */
export class SensorReadingDto implements SensorReading {
  @IsString({ message: 'must be a string' })
  @IsNotEmpty({ message: 'must not be empty' })
  @MaxLength(MAX_ID_LENGTH, { message: `must be at most ${MAX_ID_LENGTH} characters` })
  @TextRule('notContainsNul', (text) => !text.includes('\u0000'), 'must not contain a NUL character')
  // Lone UTF-16 surrogates cannot be encoded as UTF-8: two different ids would reach the
  // database as the same replacement character.
  @TextRule('isWellFormedText', (text) => text.isWellFormed(), 'must be well-formed Unicode (no lone surrogate)')
  id!: string;

  @Equals(SENSOR_TYPE, { message: `must be "${SENSOR_TYPE}"` })
  type!: typeof SENSOR_TYPE;

  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  content!: SensorReadingContentDto;
}
