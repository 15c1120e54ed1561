import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { migrateWarehouse } from './migrations.js';
import { indicatorStoreSuite } from './indicator-store.suite.js';

indicatorStoreSuite('indicator store on chDB', async () => {
  const wh = openChdbWarehouse({ path: tempDir('sp-ind-') });
  await migrateWarehouse(wh);
  return wh;
});
