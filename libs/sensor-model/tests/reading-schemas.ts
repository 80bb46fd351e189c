import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { MAX_ENVELOPE_READINGS, MAX_ID_LENGTH } from '../src';
import { RFC_3339 } from '../src/measurement-time';

/** The format name under which the schema asks for `parseMeasurementTime`'s calendar checks. */
export const MEASUREMENT_TIME_FORMAT = 'sensors-measurement-time';

/** JSON Schema for each rule of this library that class-validator-jsonschema does not know. */
const CUSTOM_RULES: Record<string, Record<string, unknown>> = {
  maxCodePoints: { maxLength: MAX_ID_LENGTH },
  notContainsNul: { not: { pattern: '\u0000' } },
  isWellFormedText: { pattern: '^[^\\uD800-\\uDFFF]*$' },
  isMeasurementTime: { pattern: RFC_3339.source, format: MEASUREMENT_TIME_FORMAT },
};

/** A text Postgres stores as sent, as the id's rules say it: no NUL, no lone surrogate. */
const STORABLE_TEXT = { ...CUSTOM_RULES['notContainsNul'], ...CUSTOM_RULES['isWellFormedText'] };

/** The value of an unknown field of content: JSON that jsonb stores as sent, at any depth. */
const STORABLE_JSON = {
  description: 'A JSON value whose texts and field names hold no NUL and no lone surrogate: jsonb stores it as sent.',
  anyOf: [
    { type: ['number', 'boolean', 'null'] },
    { type: 'string', ...STORABLE_TEXT },
    { type: 'array', items: { $ref: '#/definitions/StorableJson' } },
    { type: 'object', propertyNames: STORABLE_TEXT, additionalProperties: { $ref: '#/definitions/StorableJson' } },
  ],
};

/**
 * The JSON Schemas of a reading and of an envelope (draft-07), derived from the class-validator
 * rules of `SensorReadingDto` by class-validator-jsonschema: what libs/sensor-model/schemas holds.
 */
export function readingSchemas(): { reading: object; envelope: object } {
  const storage = getMetadataStorage();
  const schemas = validationMetadatasToSchemas({
    additionalConverters: Object.fromEntries(
      Object.entries(CUSTOM_RULES).map(([name, schema]) => [name, () => schema]),
    ),
    classValidatorMetadataStorage: storage,
  });
  const content = {
    ...schemas['SensorReadingContentDto'],
    properties: { ...schemas['SensorReadingContentDto'].properties, temperature_c: {} },
    propertyNames: STORABLE_TEXT,
    additionalProperties: { $ref: '#/definitions/StorableJson' },
  };
  const reading = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://sensors.example/schemas/sensor-reading.schema.json',
    title: 'A sensor reading',
    description:
      'Derived from the class-validator rules of @sensors/sensor-model. Not expressible here, checked by parseSensorReading: the calendar (format sensors-measurement-time, i.e. parseMeasurementTime), and that an unknown field of content nests at most 8 levels without a __proto__ key and holds only finite numbers (JavaScript reads 1e999 as Infinity).',
    ...schemas['SensorReadingDto'],
    additionalProperties: false,
    properties: {
      ...schemas['SensorReadingDto'].properties,
      content: { $ref: '#/definitions/SensorReadingContentDto' },
    },
    definitions: { SensorReadingContentDto: content, StorableJson: STORABLE_JSON },
  };
  const envelope = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://sensors.example/schemas/sensor-envelope.schema.json',
    title: 'An envelope of sensor readings (application/vnd.sensors.envelope+json; version=1)',
    type: 'object',
    required: ['readings'],
    properties: {
      readings: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_ENVELOPE_READINGS,
        items: { $ref: 'sensor-reading.schema.json' },
      },
    },
  };
  return { reading, envelope };
}
