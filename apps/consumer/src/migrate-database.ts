import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@sensors/persistence';

/**
 * Applies the migrations. With a separate owner URL, they run as the owner on a short-lived
 * connection, which then grants the apps' role (the user of `url`) insert and read on
 * the table and nothing else; with one URL for both, on the apps' own data source.
 */
export async function migrateDatabase(
  urls: { readonly url: string; readonly migrationUrl: string },
  appDataSource: DataSource,
): Promise<string[]> {
  if (urls.migrationUrl === urls.url) return migrate(appDataSource);
  const owner = await createDataSource({
    url: urls.migrationUrl,
    applicationName: 'sensors-consumer-migrations',
  }).initialize();
  try {
    return await migrate(owner, { grantTo: decodeURIComponent(new URL(urls.url).username) });
  } finally {
    await owner.destroy();
  }
}
