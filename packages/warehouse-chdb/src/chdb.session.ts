// Opens the one chDB session a process may have (chDB binds a single data directory per process)
// with the settings every ClickHouse the platform talks to must share: 64-bit integers quoted in
// JSON output like a ClickHouse server does by default, and UTC as the session time zone so that
// DateTime values are written and read the same way on every machine.
import { Session } from 'chdb';

export type ChdbSession = Session;

export const chdbConnectionArgs: readonly string[] = ['--output_format_json_quote_64bit_integers=1', '--session_timezone=UTC'];

/**
 * A chDB session on `path` (created if missing), reading the ClickHouse configuration file
 * `configFile` when given. Throws chDB's typed error if another data directory is open.
 */
export function openChdbSession(path: string, configFile?: string): ChdbSession {
  return new Session(path, { connectionArgs: configFile ? [...chdbConnectionArgs, `--config-file=${configFile}`] : chdbConnectionArgs });
}

export { drainPending as drainChdb } from 'chdb';
