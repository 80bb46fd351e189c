import { isDeepStrictEqual } from 'node:util';
import { parseSensorReading } from '@sensors/sensor-model';
import { saveReadings } from '../src';
import { enrichedReading } from './readings';
import { useMigratedDatabase } from './migrated-database';

/** Unknown fields of content, as JSON text: some jsonb keeps as sent, some it refuses or changes. */
const EXTRAS: [string, string][] = [
  ['a number', '{"humidity_pct":41}'],
  ['texts with escapes, accents and emoji', '{"note":"tab\\t \\"q\\" \\\\ é 🌡 \\ud83c\\udf21","empty":""}'],
  ['the extreme doubles', '{"x":[1.7976931348623157e308,5e-324,-2.2250738585072014e-308,0.1]}'],
  ['a value nested 8 levels', '{"a":[[[[[[[{"b":1}]]]]]]]}'],
  ['odd names', '{"":1,"a.b":{"":"x"},"🌡":true,"n":null}'],
  ['-0, which jsonb and JSON.stringify write as 0', '{"x":-0.0,"y":[-0]}'],
  ['a text with NUL', '{"note":"a\\u0000b"}'],
  ['a name with NUL', '{"a\\u0000b":1}'],
  ['a text with a lone surrogate', '{"note":"\\ud800"}'],
  ['a nested name with a lone surrogate', '{"a":[{"\\udc00":1}]}'],
  ['a number beyond a double', '{"x":1e999}'],
];

describe('parseSensorReading and saveReadings', () => {
  const migrated = useMigratedDatabase();

  /** The unknown fields as stored, or undefined when the database refuses the reading. */
  async function storedExtra(id: string, extra: Record<string, unknown>): Promise<unknown> {
    try {
      await saveReadings(migrated.dataSource, [{ ...enrichedReading(id), extra }]);
    } catch {
      return undefined;
    }
    const [row] = await migrated.dataSource.query<{ extra: unknown }[]>(
      'SELECT extra FROM sensor_readings WHERE id = $1',
      [id],
    );
    return row?.extra;
  }

  it.each(EXTRAS)('accept exactly the unknown fields that jsonb stores as sent: %s', async (name, json) => {
    const id = `extra-${EXTRAS.findIndex(([other]) => other === name)}`;
    const text = `{"id":"${id}","type":"Sensor","content":{"temperature_f":90,"time_of_measurement":"2019-06-24T15:00:00",${json.slice(1)}}`;
    let accepted = true;
    try {
      parseSensorReading(text);
    } catch {
      accepted = false;
    }
    // -0 equals 0 (as JavaScript, JSON and jsonb compare numbers): documented, the one change allowed.
    const sent = JSON.parse(json, (_, value: unknown) => (Object.is(value, -0) ? 0 : value)) as Record<string, unknown>;
    const stored = await storedExtra(id, JSON.parse(json) as Record<string, unknown>);
    expect({ accepted, storedAsSent: isDeepStrictEqual(stored, sent) }).toEqual({ accepted, storedAsSent: accepted });
  });
});
