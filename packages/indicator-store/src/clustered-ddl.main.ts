// Prints the clustered variant of the warehouse DDL (Replicated*MergeTree ON CLUSTER + Distributed),
// generated from the migrations: `pnpm warehouse:clustered-ddl [--cluster name]` (default: the
// macro {cluster}). docs/operations.md, "Clustered warehouse".
import { parseArgs } from 'node:util';
import { clusteredDdlScript } from './clustered-migrations.js';

const { values } = parseArgs({ options: { cluster: { type: 'string' } } });
process.stdout.write(clusteredDdlScript(values.cluster ? { cluster: values.cluster } : {}));
