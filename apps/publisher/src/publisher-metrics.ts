import { DEAD_LETTER_CODES } from '@sensors/sensor-model';
import type { Registry } from 'prom-client';
import { counterFrom, countersFrom, gaugesFrom, registerConnectionMetrics } from '@sensors/runtime';
import type { ConnectionGauges } from '@sensors/runtime';
import { HTTP_SOURCE_STATUSES } from './http/http-source-statuses';
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
  countersFrom(registry, {
    sensors_readings_rejected_total: ['Readings that failed validation and were not published.', () => stats.rejected],
    sensors_readings_published_total: [
      'Readings sent to the broker (an envelope counts its readings).',
      () => stats.published,
    ],
    sensors_readings_confirmed_total: ['Readings the broker confirmed (durably queued).', () => stats.confirmed],
  });
  gaugesFrom(registry, {
    sensors_publisher_unconfirmed_readings: [
      'Readings published and not yet confirmed or refused by the broker, those in an open envelope included.',
      gauges.unconfirmed,
    ],
    sensors_broker_blocked: [
      '1 while the broker blocks publishing (memory or disk alarm).',
      () => Number(gauges.brokerBlocked()),
    ],
  });
  registerConnectionMetrics(registry, gauges);
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
}

/** Registers the MQTT source's metrics: connection state, redeliveries, unacked messages. */
export function registerMqttMetrics(registry: Registry, source: MqttSource): void {
  gaugesFrom(registry, {
    sensors_mqtt_connected: ['1 while connected to the MQTT broker.', () => Number(source.connected)],
    sensors_mqtt_unacked_messages: [
      'MQTT messages taken and not yet acked: their readings are not all confirmed by RabbitMQ (PUBACK not sent).',
      () => source.unacked,
    ],
  });
  countersFrom(registry, {
    sensors_mqtt_redeliveries_total: [
      'MQTT messages the broker sent again: taken before and never acknowledged.',
      () => source.redeliveries,
    ],
  });
}
