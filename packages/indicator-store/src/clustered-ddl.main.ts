// Prints the clustered variant of the warehouse DDL (Replicated*MergeTree ON CLUSTER + Distributed),
// generated from the migrations: `pnpm warehouse:clustered-ddl [--cluster name] [--no-replication]
// [--per-node]` (default cluster: the macro {cluster}; --no-replication: plain *MergeTree shards
// without Keeper; --per-node: without ON CLUSTER, to apply on every node in turn).
// docs/operations.md, "Clustered warehouse".
import { parseArgs } from 'node:util';
import { clusteredDdlScript } from './clustered-migrations.js';

const { values } = parseArgs({ options: { cluster: { type: 'string' }, 'no-replication': { type: 'boolean' }, 'per-node': { type: 'boolean' } } });
process.stdout.write(
  clusteredDdlScript({
    ...(values.cluster ? { cluster: values.cluster } : {}),
    ...(values['no-replication'] ? { replicated: false } : {}),
    ...(values['per-node'] ? { onCluster: false } : {}),
  }),
);
