import type { Registry } from 'prom-client';
import { counterFrom, gaugeFrom } from '@sensors/runtime';
import type { PublisherStats } from './publish-readings';

/** Live values the publisher's metrics read at scrape time. */
export interface PublisherGauges {
  inFlight: () => number;
  brokerConnected: () => boolean;
  brokerBlocked: () => boolean;
  reconnects: () => Record<string, number>;
}

/** Registers the publisher's metrics: totals read from {@link PublisherStats} and live gauges. */
export function registerPublisherMetrics(registry: Registry, stats: PublisherStats, gauges: PublisherGauges): void {
  counterFrom(
    registry,
    { name: 'sensors_readings_generated_total', help: 'Readings taken from the source.' },
    () => stats.generated,
  );
  counterFrom(
    registry,
    { name: 'sensors_readings_rejected_total', help: 'Readings that failed validation and were not published.' },
    () => stats.rejected,
  );
  counterFrom(
    registry,
    { name: 'sensors_readings_published_total', help: 'Readings sent to the broker.' },
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
    },
    () => stats.failedByReason,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_readings_dead_lettered_total',
      help: 'Invalid input lines the broker confirmed in the dead-letter queue, by reason.',
      labelName: 'reason',
    },
    (): Record<string, number> => (stats.deadLettered > 0 ? { 'invalid-reading': stats.deadLettered } : {}),
  );
  counterFrom(
    registry,
    {
      name: 'sensors_http_requests_total',
      help: 'Requests the HTTP source answered, by status code.',
      labelName: 'status',
    },
    () => stats.httpRequestsByStatus,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_reconnects_total',
      help: 'Connections re-established after a loss, by target.',
      labelName: 'target',
    },
    gauges.reconnects,
  );
  gaugeFrom(
    registry,
    { name: 'sensors_publisher_in_flight_messages', help: 'Readings published and not yet confirmed.' },
    gauges.inFlight,
  );
  gaugeFrom(registry, { name: 'sensors_broker_connected', help: '1 while connected to RabbitMQ.' }, () =>
    Number(gauges.brokerConnected()),
  );
  gaugeFrom(
    registry,
    { name: 'sensors_broker_blocked', help: '1 while the broker blocks publishing (memory or disk alarm).' },
    () => Number(gauges.brokerBlocked()),
  );
}
