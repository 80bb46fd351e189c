import { uniqueName } from '@sensors/testing';

/** A valid reading of sensor `id` taken `n` seconds into 2024, its temperature varying with `n`. */
export function readingAt(id: string, n: number) {
  const time = new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();
  return { id, type: 'Sensor', content: { temperature_f: 50 + (n % 40), time_of_measurement: time } };
}

/** The publisher's flags for reading `<topic>/#` from the MQTT broker at `url` under a session of its own. */
export function mqttSourceArgs({ url, topic, clientId }: { url: string; topic: string; clientId: string }): string[] {
  return ['--source', 'mqtt', '--mqtt-url', url, '--mqtt-topic', `${topic}/#`, '--mqtt-client-id', clientId];
}

/** A test file's own names on the MQTT broker: its run id, topic and publisher's client id. */
export function mqttNames(prefix: string): { run: string; topic: string; clientId: string } {
  const run = uniqueName(prefix);
  return { run, topic: `sensors-${run}`, clientId: `sensors-${run}-publisher` };
}
