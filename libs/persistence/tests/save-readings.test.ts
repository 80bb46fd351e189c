import { parseMeasurementTime, type EnrichedSensorReading, type MeasurementTime } from '@sensors/sensor-model';
import type { StoredReadingRow } from '@sensors/testing';
import { createDataSource, isDataError, saveReadings, type SaveReport, type StorableReading } from '../src';
import { enrichedReading } from './readings';
import { useMigratedDatabase } from './migrated-database';

type StoredRow = StoredReadingRow;

describe('saveReadings', () => {
  const migrated = useMigratedDatabase();

  async function storedRows(ids: readonly string[]): Promise<StoredRow[]> {
    return migrated.dataSource.query('SELECT * FROM sensor_readings WHERE id = ANY($1) ORDER BY id', [ids]);
  }

  it('reports nothing for an empty batch without querying', async () => {
    // Never initialized: any query would throw.
    const unconnected = createDataSource({ url: migrated.database.url });
    expect(await saveReadings(unconnected, [])).toEqual({ stored: 0, duplicates: 0, rejected: [] });
  });

  it('stores every field of each reading and returns how many were new', async () => {
    const readings = [
      enrichedReading('store-1'),
      enrichedReading('store-2', {
        temperature_f: 212,
        temperature_c: 100,
        time_of_measurement: '2020-01-02T03:04:05.678Z',
      }),
    ];
    expect(await saveReadings(migrated.dataSource, readings)).toEqual({ stored: 2, duplicates: 0, rejected: [] });

    const rows = await storedRows(['store-1', 'store-2']);
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'store-1',
        sensor_type: 'Sensor',
        temperature_f: 90,
        temperature_c: 32.22222222222222,
        measured_at: new Date('2019-06-24T15:00:00Z'),
      }),
      expect.objectContaining({
        id: 'store-2',
        sensor_type: 'Sensor',
        temperature_f: 212,
        temperature_c: 100,
        measured_at: new Date('2020-01-02T03:04:05.678Z'),
      }),
    ]);
  });

  it('absorbs a redelivered reading (same id, time and content) and keeps the stored row', async () => {
    expect(
      await saveReadings(migrated.dataSource, [enrichedReading('again-1'), enrichedReading('again-2')]),
    ).toMatchObject({
      stored: 2,
    });
    const [before] = await storedRows(['again-1']);

    const redelivered = [enrichedReading('again-1'), enrichedReading('again-2'), enrichedReading('again-3')];
    expect(await saveReadings(migrated.dataSource, redelivered)).toEqual({ stored: 1, duplicates: 2, rejected: [] });

    const [after] = await storedRows(['again-1']);
    expect(after).toEqual(before);
    expect(await storedRows(['again-1', 'again-2', 'again-3'])).toHaveLength(3);
  });

  it('stores the same id at another time as another reading', async () => {
    const report = await saveReadings(migrated.dataSource, [
      enrichedReading('sensor-7', { time_of_measurement: '2019-06-24T15:00:00Z' }),
      enrichedReading('sensor-7', { time_of_measurement: '2019-06-24T15:01:00Z' }),
    ]);
    expect(report).toEqual({ stored: 2, duplicates: 0, rejected: [] });
    expect(await storedRows(['sensor-7'])).toHaveLength(2);
  });

  it('refuses the same id and time with other content as a conflict naming both values, and keeps the stored row', async () => {
    await saveReadings(migrated.dataSource, [enrichedReading('conflict-1')]);
    const report = await saveReadings(migrated.dataSource, [
      enrichedReading('conflict-ok'),
      enrichedReading('conflict-1', { temperature_f: 20, temperature_c: -6.666666666666667 }),
    ]);
    expect(report).toEqual({
      stored: 1,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          code: 'conflicting-reading',
          message: expect.stringMatching(/stored .*temperature_f 90.*received .*temperature_f 20/),
        },
      ],
    });
    expect((await storedRows(['conflict-1'])).map((row) => row.temperature_f)).toEqual([90]);
  });

  it('compares repeats within one batch: the same content is a duplicate, other content a conflict', async () => {
    const batch = [
      enrichedReading('twice-1'),
      enrichedReading('twice-1'),
      enrichedReading('twice-1', { temperature_f: 50, temperature_c: 10 }),
      enrichedReading('twice-2'),
    ];
    const report = await saveReadings(migrated.dataSource, batch);
    expect(report).toMatchObject({ stored: 2, duplicates: 1, rejected: [{ index: 2, code: 'conflicting-reading' }] });
    expect(await storedRows(['twice-1', 'twice-2'])).toHaveLength(2);
  });

  it.each([
    ['it reads them', false],
    ['they are given', true],
  ])(
    'tells apart readings of one id in one batch whose times differ below the millisecond (when %s)',
    async (_, given) => {
      const texts = ['2019-06-24T15:00:00.000001Z', '2019-06-24T15:00:00.000002Z', '2019-06-24T15:00:00.000003Z'];
      const id = `submilli-${given}`;
      const batch = texts.map((time, i) =>
        enrichedReading(id, { time_of_measurement: time, temperature_f: i < 2 ? 1 : 2, temperature_c: 0 }),
      );
      const times = given ? texts.map((time) => parseMeasurementTime(time) as MeasurementTime) : undefined;
      expect(await saveReadings(migrated.dataSource, batch, { times })).toEqual({
        stored: 3,
        duplicates: 0,
        rejected: [],
      });

      const rows: { utc: string; temperature_f: number }[] = await migrated.dataSource.query(
        "SELECT to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS utc, temperature_f FROM sensor_readings WHERE id = $1 ORDER BY measured_at",
        [id],
      );
      expect(rows).toEqual([
        { utc: '2019-06-24 15:00:00.000001', temperature_f: 1 },
        { utc: '2019-06-24 15:00:00.000002', temperature_f: 1 },
        { utc: '2019-06-24 15:00:00.000003', temperature_f: 2 },
      ]);
    },
  );

  it('takes readings of one id in one batch at the instant they are stored for repeats, however the time is written', async () => {
    const batch = [
      enrichedReading('same-instant', { time_of_measurement: '2019-06-24T15:00:00.0000011Z' }),
      enrichedReading('same-instant', { time_of_measurement: '2019-06-24T17:00:00.000001+02:00' }),
      enrichedReading('same-instant', { time_of_measurement: '2019-06-24 15:00:00,0000019', temperature_f: 1 }),
    ];
    expect(await saveReadings(migrated.dataSource, batch)).toEqual({
      stored: 1,
      duplicates: 1,
      rejected: [{ index: 2, code: 'conflicting-reading', message: expect.stringContaining('temperature_f 90') }],
    });
  });

  // A repeat in another batch is compared with the stored row by the database (float8 and jsonb
  // equality); a repeat in the same batch must be judged alike, whichever comes first.
  it.each<[string, Variant, Variant, 'duplicate' | 'conflict']>([
    ['temperature_f -0 and 0', { temperature_f: -0 }, { temperature_f: 0 }, 'duplicate'],
    ['temperature_f NaN twice', { temperature_f: NaN }, { temperature_f: NaN }, 'duplicate'],
    ['extra keys in another order', { extra: { a: 1, b: 2 } }, { extra: { b: 2, a: 1 } }, 'duplicate'],
    [
      'nested keys in another order',
      { extra: { list: [{ x: 1, y: [true, null] }] } },
      { extra: { list: [{ y: [true, null], x: 1 }] } },
      'duplicate',
    ],
    ['an extra number -0 and 0', { extra: { a: -0 } }, { extra: { a: 0 } }, 'duplicate'],
    ['temperature_f 1 and 2', { temperature_f: 1 }, { temperature_f: 2 }, 'conflict'],
    ['an array in another order', { extra: { a: [1, 2] } }, { extra: { a: [2, 1] } }, 'conflict'],
    ['a number and a string', { extra: { a: 1 } }, { extra: { a: '1' } }, 'conflict'],
    ['a null member and none', { extra: { a: null, b: 1 } }, { extra: { b: 1, c: null } }, 'conflict'],
    ['an empty extra and none', { extra: {} }, {}, 'conflict'],
  ])('judges a repeat with %s alike within one batch and across batches', async (name, first, second, expected) => {
    const outcomes: Record<string, string> = {};
    for (const [order, [a, b]] of [
      ['in order', [first, second]],
      ['reversed', [second, first]],
    ] as const) {
      const together = `together-${order}-${name}`;
      const batch = [variantReading(together, a), variantReading(together, b)];
      outcomes[`one batch, ${order}`] = outcome(await saveReadings(migrated.dataSource, batch), 1);
      const apart = `apart-${order}-${name}`;
      await saveReadings(migrated.dataSource, [variantReading(apart, a)]);
      const report = await saveReadings(migrated.dataSource, [variantReading(apart, b)]);
      outcomes[`two batches, ${order}`] = outcome(report, 0);
    }
    expect(outcomes).toEqual({
      'one batch, in order': expected,
      'one batch, reversed': expected,
      'two batches, in order': expected,
      'two batches, reversed': expected,
    });
  });

  it.each([
    ['other content twice', [20, 20], ['conflict', 'conflict']],
    ['other content, then the stored content', [20, 90], ['conflict', 'duplicate']],
    ['the stored content, then other content', [90, 20], ['duplicate', 'conflict']],
  ])(
    'judges readings of a stored key against the stored row, in one batch as one by one: %s',
    async (name, fahrenheits, expected) => {
      const id = `stored-key-${name}`;
      await saveReadings(migrated.dataSource, [enrichedReading(id)]);
      const readings = fahrenheits.map((temperature_f) => enrichedReading(id, { temperature_f }));

      const together = await saveReadings(migrated.dataSource, readings);
      const oneByOne = [];
      for (const reading of readings) oneByOne.push(outcome(await saveReadings(migrated.dataSource, [reading]), 0));

      expect(together).toEqual({
        stored: 0,
        duplicates: expected.filter((verdict) => verdict === 'duplicate').length,
        rejected: expected.flatMap((verdict, index) =>
          verdict === 'conflict'
            ? [{ index, code: 'conflicting-reading', message: expect.stringMatching(/stored .*temperature_f 90,/) }]
            : [],
        ),
      });
      expect(oneByOne).toEqual(expected);
      expect((await storedRows([id])).map((row) => row.temperature_f)).toEqual([90]);
    },
  );

  it('keeps unknown fields in extra, and a difference in them is a conflict', async () => {
    const reading = { ...enrichedReading('extra-1'), extra: { humidity_pct: 41, nested: { a: [1, 'two'] } } };
    expect(await saveReadings(migrated.dataSource, [reading, enrichedReading('extra-none')])).toMatchObject({
      stored: 2,
    });
    const rows: { id: string; extra: unknown }[] = await migrated.dataSource.query(
      "SELECT id, extra FROM sensor_readings WHERE id IN ('extra-1', 'extra-none') ORDER BY id",
    );
    expect(rows).toEqual([
      { id: 'extra-1', extra: { humidity_pct: 41, nested: { a: [1, 'two'] } } },
      { id: 'extra-none', extra: null },
    ]);

    expect(await saveReadings(migrated.dataSource, [reading])).toMatchObject({ duplicates: 1, rejected: [] });
    const changed = { ...reading, extra: { humidity_pct: 42 } };
    expect(await saveReadings(migrated.dataSource, [changed])).toMatchObject({
      stored: 0,
      rejected: [{ index: 0, code: 'conflicting-reading', message: expect.stringContaining('"humidity_pct":41') }],
    });
  });

  it('refuses readings measured before notBefore as expired and stores the rest', async () => {
    const report = await saveReadings(
      migrated.dataSource,
      [
        enrichedReading('old-1', { time_of_measurement: '2019-06-24T14:59:59.999Z' }),
        enrichedReading('new-1', { time_of_measurement: '2019-06-24T15:00:00Z' }),
      ],
      { notBefore: new Date('2019-06-24T15:00:00Z') },
    );
    expect(report).toEqual({
      stored: 1,
      duplicates: 0,
      rejected: [{ index: 0, code: 'expired', message: expect.stringContaining('old-1') }],
    });
    expect((await storedRows(['old-1', 'new-1'])).map((row) => row.id)).toEqual(['new-1']);
  });

  it('stores readings far in the past and the future, which no partition covers', async () => {
    const report = await saveReadings(migrated.dataSource, [
      enrichedReading('far-past', { time_of_measurement: '1970-01-01T00:00:00Z' }),
      enrichedReading('far-future', { time_of_measurement: '9999-12-31T23:59:59Z' }),
    ]);
    expect(report).toMatchObject({ stored: 2 });
  });

  it('stores each instant to the microsecond, from year 1 to 9999', async () => {
    const stored = {
      'micro-1': ['2019-06-24T15:00:00.123456Z', '2019-06-24 15:00:00.123456'],
      'micro-2': ['2019-06-24T15:00:00.0000019Z', '2019-06-24 15:00:00.000001'],
      'micro-3': ['1969-12-31T23:59:59.999999Z', '1969-12-31 23:59:59.999999'],
      'micro-4': ['0001-01-01T00:00:00.000001Z', '0001-01-01 00:00:00.000001'],
      'micro-5': ['9999-12-31T23:59:59.999999+01:00', '9999-12-31 22:59:59.999999'],
      'micro-6': ['2016-12-31T23:59:60Z', '2017-01-01 00:00:00.000000'],
    };
    const readings = Object.entries(stored).map(([id, [time]]) => enrichedReading(id, { time_of_measurement: time }));
    expect(await saveReadings(migrated.dataSource, readings)).toMatchObject({ stored: 6 });

    const rows: unknown = await migrated.dataSource.query(
      "SELECT id, to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS utc FROM sensor_readings WHERE id LIKE 'micro-%' ORDER BY id",
    );
    expect(rows).toEqual(Object.entries(stored).map(([id, [, utc]]) => ({ id, utc })));
  });

  it('stores the instants it is given as times exactly as those it reads itself', async () => {
    const texts = ['2019-06-24T15:00:00.123456Z', '2019-06-24T17:00:00.0000019+02', '0001-01-01T00:00:00.000001Z'];
    const read = texts.map((time, i) => enrichedReading(`given-read-${i}`, { time_of_measurement: time }));
    const given = texts.map((time, i) => enrichedReading(`given-${i}`, { time_of_measurement: time }));
    const times = texts.map((time) => parseMeasurementTime(time) as MeasurementTime);
    expect(await saveReadings(migrated.dataSource, read)).toMatchObject({ stored: 3 });
    expect(await saveReadings(migrated.dataSource, given, { times })).toMatchObject({ stored: 3 });

    const rows: { id: string; utc: string }[] = await migrated.dataSource.query(
      "SELECT id, to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS utc FROM sensor_readings WHERE id LIKE 'given-%' ORDER BY id",
    );
    const utc = Object.fromEntries(rows.map((row) => [row.id, row.utc]));
    expect(texts.map((_, i) => utc[`given-${i}`])).toEqual(texts.map((_, i) => utc[`given-read-${i}`]));
    expect(utc['given-1']).toBe('2019-06-24 15:00:00.000001');
  });

  it('keeps full double precision', async () => {
    const values = [32.22222222222222, 0.1 + 0.2, -459.67, 5e-324, 1.7976931348623157e308];
    const readings = values.map((value, i) =>
      enrichedReading(`precision-${i}`, { temperature_f: value, temperature_c: value }),
    );
    await saveReadings(migrated.dataSource, readings);

    const rows = await storedRows(readings.map((reading) => reading.id));
    expect(rows.map((row) => row.temperature_f)).toEqual(values);
    expect(rows.map((row) => row.temperature_c)).toEqual(values);
  });

  it('stores a time without an offset as UTC whatever the session time zone', async () => {
    const url = new URL(migrated.database.url);
    url.searchParams.set('options', '-c TimeZone=America/New_York');
    const newYork = await createDataSource({ url: url.toString() }).initialize();
    try {
      expect(await newYork.query('SHOW TimeZone')).toEqual([{ TimeZone: 'America/New_York' }]);
      await saveReadings(newYork, [enrichedReading('zone-1', { time_of_measurement: '2019-06-24T15:00:00' })]);

      const stored = await newYork.query<{ utc: string }[]>(
        "SELECT to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS utc FROM sensor_readings WHERE id = 'zone-1'",
      );
      expect(stored).toEqual([{ utc: '2019-06-24 15:00:00' }]);
    } finally {
      await newYork.destroy();
    }
  });

  it('respects an explicit offset', async () => {
    await saveReadings(migrated.dataSource, [
      enrichedReading('offset-1', { time_of_measurement: '2019-06-24T15:00:00+02:00' }),
      enrichedReading('offset-2', { time_of_measurement: '2019-06-24T15:00:00-0530' }),
    ]);
    const rows = await storedRows(['offset-1', 'offset-2']);
    expect(rows.map((row) => row.measured_at.toISOString())).toEqual([
      '2019-06-24T13:00:00.000Z',
      '2019-06-24T20:30:00.000Z',
    ]);
  });

  it('lets the database set ingested_at', async () => {
    const [{ now: before }] = await migrated.dataSource.query<{ now: Date }[]>('SELECT clock_timestamp() AS now');
    await saveReadings(migrated.dataSource, [enrichedReading('ingested-1')]);
    const [{ now: after }] = await migrated.dataSource.query<{ now: Date }[]>('SELECT clock_timestamp() AS now');

    const [row] = await storedRows(['ingested-1']);
    expect(row.ingested_at.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(row.ingested_at.getTime()).toBeLessThanOrEqual(after.getTime());
  });

  it('stores odd but valid ids byte for byte', async () => {
    const ids = [
      "o'brien",
      'double "quoted"',
      "'); DROP TABLE sensor_readings; --",
      'back\\slash, {braces}, comma',
      'NULL',
      '  spaced  ',
      'Zürich-Grüße-温度',
      '🌡️ sensor 🔥',
      'x'.repeat(128),
      '🌡'.repeat(64),
    ];
    const readings = ids.map((id) => enrichedReading(id));
    expect(await saveReadings(migrated.dataSource, readings)).toMatchObject({ stored: ids.length });

    const stored: { id: string }[] = await migrated.dataSource.query(
      'SELECT id FROM sensor_readings WHERE id = ANY($1)',
      [ids],
    );
    expect(stored.map((row) => row.id).sort()).toEqual([...ids].sort());
    const [{ count }] = await migrated.dataSource.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM sensor_readings',
    );
    expect(count).toBeGreaterThanOrEqual(ids.length);
  });

  it.each([
    ['an id', (r: EnrichedSensorReading) => ({ ...r, id: undefined })],
    ['a temperature', (r: EnrichedSensorReading) => ({ ...r, content: { ...r.content, temperature_f: '1,2' } })],
  ])('lets the table refuse a reading without %s, from a caller without types, as a data error', async (_, spoil) => {
    const reading = spoil(enrichedReading('spoilt')) as unknown as EnrichedSensorReading;
    const refusal = await saveReadings(migrated.dataSource, [enrichedReading('fine'), reading]).catch(
      (err: unknown) => err,
    );
    expect(isDataError(refusal)).toBe(true);
    expect(await storedRows(['fine', 'spoilt'])).toEqual([]);
  });

  it('saves 20,000 readings in one call', async () => {
    const readings = Array.from({ length: 20_000 }, (_, i) =>
      enrichedReading(`bulk-${i}`, { temperature_f: i, temperature_c: ((i - 32) * 5) / 9 }),
    );
    expect(await saveReadings(migrated.dataSource, readings)).toEqual({ stored: 20_000, duplicates: 0, rejected: [] });

    const [{ count, sum }] = await migrated.dataSource.query<{ count: number; sum: number }[]>(
      "SELECT count(*)::int AS count, sum(temperature_f)::float8 AS sum FROM sensor_readings WHERE id LIKE 'bulk-%'",
    );
    expect({ count, sum }).toEqual({ count: 20_000, sum: (19_999 * 20_000) / 2 });
  });
});

/** How a reading differs from `enrichedReading`'s. */
interface Variant {
  temperature_f?: number;
  extra?: Record<string, unknown>;
}

function variantReading(id: string, { temperature_f = 90, extra }: Variant): StorableReading {
  return { ...enrichedReading(id, { temperature_f }), extra };
}

/** What became of the reading at `index` of a batch whose other readings were all new. */
function outcome(report: SaveReport, index: number): string {
  const rejected = report.rejected.find((rejection) => rejection.index === index);
  if (rejected) return rejected.code === 'conflicting-reading' ? 'conflict' : rejected.code;
  return report.duplicates === 1 ? 'duplicate' : `stored ${report.stored}`;
}
