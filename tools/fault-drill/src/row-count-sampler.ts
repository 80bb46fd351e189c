import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { quoteIdentifier } from '@sensors/testing';

/**
 * Samples `count(*)` of one table every `intervalMs` on one connection (re-opened after an
 * outage, each query bounded by a 1 s statement timeout so a held lock cannot stall it).
 * Gives the time series from which the drill reads "catch-up" and its fault triggers.
 */
export class RowCountSampler {
  readonly samples: { at: number; count: number }[] = [];
  private client: Client | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly table: string,
    private readonly intervalMs = 200,
  ) {}

  /** The latest count seen (0 before the first sample). */
  get latest(): number {
    return this.samples.at(-1)?.count ?? 0;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.client?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      try {
        this.client ??= await this.open();
        const { rows } = await this.client.query<{ count: string }>(
          `SELECT count(*) AS count FROM ${quoteIdentifier(this.table)}`,
        );
        this.samples.push({ at: Date.now(), count: Number(rows[0]?.count) });
      } catch {
        // The table may not exist yet, the server may be down, or the table locked: try again.
        const client = this.client;
        this.client = undefined;
        await client?.end().catch(() => undefined);
      }
      await delay(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  private async open(): Promise<Client> {
    const client = new Client({
      connectionString: this.url,
      connectionTimeoutMillis: 2000,
      statement_timeout: 1000,
      query_timeout: 2000,
      application_name: 'sensors-fault-drill-sampler',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }
}
