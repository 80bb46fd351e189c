import { DEAD_LETTER_CODES } from '@sensors/sensor-model';
import type { Registry } from 'prom-client';
import { counterFrom, gaugeFrom, registerConnectionMetrics, type ConnectionGauges } from '@sensors/runtime';
import { HTTP_SOURCE_STATUSES } from './http/create-http-source';
import type { PublisherStats } from './publish-readings';
import type { MqttSource } from './sources/mqtt-source';

/** Live values the publisher's metrics read at scrape time. */
export interface PublisherGauges extends ConnectionGauges {
  /** The source's name, the `source` label of the readings received. */
  source: string;
  /** Readings published and not yet confirmed or refused, those in an open envelope included. */
  unconfirmed: () => number;
  brokerBlocked: () => boolean;
}

/** Registers the publisher's metrics: totals read from {@link PublisherStats} and live gauges. */
export function registerPublisherMetrics(registry: Registry, stats: PublisherStats, gauges: PublisherGauges): void {
  counterFrom(
    registry,
    {
      name: 'sensors_readings_received_total',
      help: 'Readings taken from the source, by source.',
      labelName: 'source',
    },
    () => ({ [gauges.source]: stats.received }),
  );
  counterFrom(
    registry,
    { name: 'sensors_readings_rejected_total', help: 'Readings that failed validation and were not published.' },
    () => stats.rejected,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_readings_published_total',
      help: 'Readings sent to the broker (an envelope counts its readings).',
    },
    () => stats.published,
  );
  counterFrom(
    registry,
    { name: 'sensors_readings_confirmed_total', help: 'Readings the broker confirmed (durably queued).' },
    () => stats.confirmed,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_readings_publish_failed_total',
      help: 'Readings the broker returned as unroutable or nacked, by reason.',
      labelName: 'reason',
      labelValues: ['returned', 'nacked', 'error'],
    },
    () => stats.failedByReason,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_readings_dead_lettered_total',
      help: 'Invalid readings (input lines) the broker confirmed in the dead-letter queue, by reason.',
      labelName: 'reason',
      labelValues: [DEAD_LETTER_CODES.invalidReading],
    },
    (): Record<string, number> =>
      stats.deadLettered > 0 ? { [DEAD_LETTER_CODES.invalidReading]: stats.deadLettered } : {},
  );
  counterFrom(
    registry,
    {
      name: 'sensors_http_requests_total',
      help: 'Requests the HTTP source answered, by status code.',
      labelName: 'status',
      labelValues: gauges.source === 'http' ? HTTP_SOURCE_STATUSES : [],
    },
    () => stats.httpRequestsByStatus,
  );
  gaugeFrom(
    registry,
    {
      name: 'sensors_publisher_unconfirmed_readings',
      help: 'Readings published and not yet confirmed or refused by the broker, those in an open envelope included.',
    },
    gauges.unconfirmed,
  );
  registerConnectionMetrics(registry, gauges);
  gaugeFrom(
    registry,
    { name: 'sensors_broker_blocked', help: '1 while the broker blocks publishing (memory or disk alarm).' },
    () => Number(gauges.brokerBlocked()),
  );
}

/** Registers the MQTT source's metrics: connection state, redeliveries, unacked messages. */
export function registerMqttMetrics(registry: Registry, source: MqttSource): void {
  gaugeFrom(registry, { name: 'sensors_mqtt_connected', help: '1 while connected to the MQTT broker.' }, () =>
    Number(source.connected),
  );
  counterFrom(
    registry,
    {
      name: 'sensors_mqtt_redeliveries_total',
      help: 'MQTT messages the broker sent again: taken before and never acknowledged.',
    },
    () => source.redeliveries,
  );
  gaugeFrom(
    registry,
    {
      name: 'sensors_mqtt_unacked_messages',
      help: 'MQTT messages taken and not yet acked: their readings are not all confirmed by RabbitMQ (PUBACK not sent).',
    },
    () => source.unacked,
  );
}
